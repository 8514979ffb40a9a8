extension StringProtocol {
    /// The text with line breaks replaced by spaces and cut to `limit` characters (then ending in "…"), so that
    /// text from a server's answer or an error cannot spread over many log lines or swamp a message.
    public func oneLine(limit: Int = 300) -> String {
        var line = String(self.map { $0.isNewline ? " " : $0 })
        if line.count > limit {
            line = String(line.prefix(limit)) + "…"
        }
        return line
    }
}
