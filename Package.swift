// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "projector",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "projector", targets: ["projector"]),
        .executable(name: "projector-bench", targets: ["ProjectorBench"]),
        .library(name: "ProjectorCore", targets: ["ProjectorCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Pure: JSON model, JSONata, projection model, configuration model, fold engine. No I/O.
        .target(
            name: "ProjectorCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProjectorAWS",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProjectorPostgres",
            dependencies: [
                "ProjectorCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProjectorOpenSearch",
            dependencies: [
                "ProjectorCore", "ProjectorAWS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProjectorDynamoDB",
            dependencies: [
                "ProjectorCore", "ProjectorAWS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProjectorRuntime",
            dependencies: [
                "ProjectorCore", "ProjectorPostgres", "ProjectorOpenSearch", "ProjectorDynamoDB", "ProjectorAWS",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The CLI commands live in a library so tests can parse and run them.
        .target(
            name: "ProjectorCommands",
            dependencies: [
                "ProjectorCore", "ProjectorPostgres", "ProjectorOpenSearch", "ProjectorDynamoDB", "ProjectorRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "projector",
            dependencies: [
                "ProjectorCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ProjectorBench",
            dependencies: [
                "ProjectorCore", "ProjectorPostgres", "ProjectorOpenSearch", "ProjectorDynamoDB", "ProjectorRuntime",
                "ProjectorAWS", "ProjectorTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ProjectorBench",
            swiftSettings: swiftSettings
        ),
        // Test support shipped with the package: server endpoints, temporary schemas, fixtures.
        .target(
            name: "ProjectorTesting",
            dependencies: [
                "ProjectorCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ProjectorCoreTests", dependencies: ["ProjectorCore"], swiftSettings: swiftSettings),
        .testTarget(name: "ProjectorAWSTests", dependencies: ["ProjectorAWS"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProjectorPostgresTests",
            dependencies: ["ProjectorPostgres", "ProjectorTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProjectorOpenSearchTests",
            dependencies: ["ProjectorOpenSearch", "ProjectorTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProjectorDynamoDBTests",
            dependencies: ["ProjectorDynamoDB", "ProjectorTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProjectorRuntimeTests",
            dependencies: [
                "ProjectorRuntime", "ProjectorCommands", "ProjectorTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
