internal import Yams

extension ProjectorConfiguration {
    /// Loads a configuration from the text of `projector.yaml` (empty text: all defaults)
    /// and the environment, which overrides the file where both set a value
    /// (`DATABASE_URL`, `OPENSEARCH_URL`, `OPENSEARCH_PASSWORD`, `DYNAMODB_ENDPOINT`, `AWS_REGION`).
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the name used in error messages.
    ///   - environment: the process environment (pass `ProcessInfo.processInfo.environment`).
    /// - Throws: ``ConfigurationError`` naming the key and what was expected.
    public init(yaml: String, file: String = "projector.yaml", environment: [String: String] = [:])
        throws(ConfigurationError)
    {
        self.init()
        let reader = ConfigurationReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.syntaxError(error, file: file)
        } catch {
            throw ConfigurationError(code: .malformedFile, file: file, message: "not valid YAML")
        }
        if let root, !reader.isNull(root) {
            try apply(root, reader: reader)
        }
        try applyEnvironment(environment)
    }

    private static func syntaxError(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigurationError(
                code: .malformedFile, file: file, line: mark.line, column: mark.column, message: problem)
        case .duplicatedKeysInMapping(let duplicates, _):
            return ConfigurationError(
                code: .malformedFile, file: file,
                message: "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        default:
            return ConfigurationError(code: .malformedFile, file: file, message: "not valid YAML")
        }
    }

    private mutating func apply(_ root: Node, reader: ConfigurationReader) throws(ConfigurationError) {
        let sections: Set<String> = [
            "postgres", "events", "schema", "opensearch", "dynamodb", "projections", "http", "runtime",
        ]
        for member in try reader.members(of: root, section: nil, allowed: sections) where !reader.isNull(member.value) {
            let node = member.value
            switch member.key {
            case "postgres": try applyPostgres(node, reader: reader)
            case "events": try applyEvents(node, reader: reader)
            case "schema": schema = try reader.identifier(node, key: "schema")
            case "opensearch": try applyOpenSearch(node, reader: reader)
            case "dynamodb": try applyDynamoDB(node, reader: reader)
            case "projections": projectionsPath = try reader.nonEmptyString(node, key: "projections")
            case "http":
                for item in try reader.members(of: node, section: "http", allowed: ["port"]) {
                    http.port = try reader.integer(item.value, key: item.path, range: 1...65535)
                }
            default:
                try checkRuntime(node, reader: reader)
                runtime = reader.json(node)
            }
        }
    }

    /// `runtime:` is interpreted by the service (`RuntimeSettings`), but checked here as well, so that every command
    /// names an unknown key or a bad value in it with its place in the file, not only `run`.
    private func checkRuntime(_ node: Node, reader: ConfigurationReader) throws(ConfigurationError) {
        for item in try reader.members(of: node, section: "runtime", allowed: ["rebuild"]) {
            let text = try reader.string(item.value, key: item.path)
            guard text == "auto" || text == "manual" else {
                throw reader.error(.invalidValue, at: item.value, key: item.path, "\(item.path) must be auto or manual")
            }
        }
    }

    private mutating func applyPostgres(_ node: Node, reader: ConfigurationReader) throws(ConfigurationError) {
        let allowed: Set<String> = ["url", "max_connections", "connect_timeout"]
        for item in try reader.members(of: node, section: "postgres", allowed: allowed)
        where !reader.isNull(item.value) {
            switch item.key {
            case "url":
                let text = try reader.string(item.value, key: item.path)
                do {
                    postgres.url = try DatabaseURL(parsing: text)
                } catch {
                    throw reader.error(.invalidValue, at: item.value, key: item.path, "\(item.path): \(error.message)")
                }
            case "max_connections":
                postgres.maxConnections = try reader.integer(item.value, key: item.path, range: 1...1000)
            default:
                postgres.connectTimeout = try reader.duration(item.value, key: item.path)
            }
        }
    }

    private mutating func applyEvents(_ node: Node, reader: ConfigurationReader) throws(ConfigurationError) {
        let allowed: Set<String> = [
            "table", "columns", "type", "encoding", "channel", "poll_interval", "batch_size",
        ]
        for item in try reader.members(of: node, section: "events", allowed: allowed) where !reader.isNull(item.value) {
            let value = item.value
            switch item.key {
            case "table": events.table = try reader.tableName(value, key: item.path)
            case "columns": try applyColumns(value, reader: reader)
            case "type": events.typeKey = try reader.nonEmptyString(value, key: item.path)
            case "encoding": events.encoding = try reader.oneOf(value, key: item.path, as: EventEncoding.self)
            case "channel": events.channel = try reader.identifier(value, key: item.path)
            case "poll_interval": events.pollInterval = try reader.duration(value, key: item.path)
            default: events.batchSize = try reader.integer(value, key: item.path, range: 1...100_000)
            }
        }
    }

    private mutating func applyColumns(_ node: Node, reader: ConfigurationReader) throws(ConfigurationError) {
        let allowed: Set<String> = ["id", "stream", "seq", "service", "data", "created_at"]
        for item in try reader.members(of: node, section: "events.columns", allowed: allowed)
        where !reader.isNull(item.value) {
            let identifier = try reader.identifier(item.value, key: item.path)
            switch item.key {
            case "id": events.columns.id = identifier
            case "stream": events.columns.stream = identifier
            case "seq": events.columns.seq = identifier
            case "service": events.columns.service = identifier
            case "data": events.columns.data = identifier
            default: events.columns.createdAt = identifier
            }
        }
    }

    private mutating func applyOpenSearch(_ node: Node, reader: ConfigurationReader) throws(ConfigurationError) {
        let allowed: Set<String> = ["url", "username", "password", "aws", "tls"]
        for item in try reader.members(of: node, section: "opensearch", allowed: allowed)
        where !reader.isNull(item.value) {
            switch item.key {
            case "url":
                openSearch.url = try Self.httpURL(reader.nonEmptyString(item.value, key: item.path), item, reader)
            case "username": openSearch.username = try reader.string(item.value, key: item.path)
            case "password": openSearch.password = try reader.string(item.value, key: item.path)
            case "aws":
                var aws = OpenSearch.AWS()
                for sub in try reader.members(of: item.value, section: item.path, allowed: ["region", "service"]) {
                    if sub.key == "region" {
                        aws.region = try reader.nonEmptyString(sub.value, key: sub.path)
                    } else {
                        let service = try reader.string(sub.value, key: sub.path)
                        guard service == "es" || service == "aoss" else {
                            throw reader.error(
                                .invalidValue, at: sub.value, key: sub.path, "\(sub.path) must be es or aoss")
                        }
                        aws.service = service
                    }
                }
                openSearch.aws = aws
            default:
                let allowedTLS: Set<String> = ["ca_file", "insecure_skip_verify"]
                for sub in try reader.members(of: item.value, section: item.path, allowed: allowedTLS) {
                    if sub.key == "ca_file" {
                        openSearch.tls.caFile = try reader.nonEmptyString(sub.value, key: sub.path)
                    } else {
                        openSearch.tls.insecureSkipVerify = try reader.bool(sub.value, key: sub.path)
                    }
                }
            }
        }
    }

    private mutating func applyDynamoDB(_ node: Node, reader: ConfigurationReader) throws(ConfigurationError) {
        for item in try reader.members(of: node, section: "dynamodb", allowed: ["region", "endpoint"])
        where !reader.isNull(item.value) {
            if item.key == "region" {
                dynamoDB.region = try reader.nonEmptyString(item.value, key: item.path)
            } else {
                dynamoDB.endpoint = try Self.httpURL(reader.nonEmptyString(item.value, key: item.path), item, reader)
            }
        }
    }

    private static func httpURL(
        _ text: String,
        _ item: (key: String, path: String, value: Node),
        _ reader: ConfigurationReader
    ) throws(ConfigurationError) -> String {
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
            throw reader.error(
                .invalidValue, at: item.value, key: item.path, "\(item.path) must be an http:// or https:// URL")
        }
        return text
    }

    private mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        if let text = value("DATABASE_URL") {
            do {
                postgres.url = try DatabaseURL(parsing: text)
            } catch {
                throw ConfigurationError(
                    code: .invalidValue, file: "environment", key: "DATABASE_URL",
                    message: "DATABASE_URL: \(error.message)")
            }
        }
        if let url = value("OPENSEARCH_URL") {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigurationError(
                    code: .invalidValue, file: "environment", key: "OPENSEARCH_URL",
                    message: "OPENSEARCH_URL must be an http:// or https:// URL")
            }
            openSearch.url = url
        }
        if let password = value("OPENSEARCH_PASSWORD") { openSearch.password = password }
        if let endpoint = value("DYNAMODB_ENDPOINT") {
            guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
                throw ConfigurationError(
                    code: .invalidValue, file: "environment", key: "DYNAMODB_ENDPOINT",
                    message: "DYNAMODB_ENDPOINT must be an http:// or https:// URL")
            }
            dynamoDB.endpoint = endpoint
        }
        if let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") {
            dynamoDB.region = region
            if openSearch.aws != nil, openSearch.aws?.region == nil { openSearch.aws?.region = region }
        }
    }
}
