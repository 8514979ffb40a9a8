public import Hummingbird
public import Logging
import NIOCore

/// The operator-facing HTTP endpoints: `GET /metrics` (Prometheus text format),
/// `GET /health/live` (the process serves requests) and `GET /health/ready` (every
/// owned projection running and caught up within `maximumLagSeconds`).
public enum AdminServer {
    /// Builds the server as a `Service` to run in the service group.
    /// - Parameter onStart: called with the bound port once listening (port 0 picks a free one).
    public static func make(
        host: String = "0.0.0.0",
        port: Int,
        metrics: ProjectorMetrics,
        board: StatusBoard,
        maximumLagSeconds: Double = 30,
        logger: Logger,
        onStart: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
        router.get("/health/live") { _, _ in
            "ok\n"
        }
        router.get("/health/ready") { _, _ in
            let (ready, problems) = board.readiness(maximumLagSeconds: maximumLagSeconds)
            let text = ready ? "ready\n" : problems.joined(separator: "\n") + "\n"
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text))
            )
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port),
                serverName: "projector"
            ),
            onServerRunning: { channel in
                await onStart(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
    }
}
