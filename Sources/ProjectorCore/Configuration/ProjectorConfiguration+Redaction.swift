extension ProjectorConfiguration.OpenSearch: CustomStringConvertible {
    /// The settings with the password shown as `***`: safe to log, also inside a dump of an enclosing
    /// value (ServiceLifecycle logs its services that way at debug level).
    public var description: String {
        let aws = aws.map { "aws(\($0.service), \($0.region ?? "AWS_REGION"))" } ?? "-"
        return "OpenSearch(url: \(url ?? "-"), username: \(username ?? "-"), "
            + "password: \(password == nil ? "-" : "***"), aws: \(aws), tls: ca_file \(tls.caFile ?? "-"), "
            + "insecure_skip_verify \(tls.insecureSkipVerify))"
    }
}
