import Foundation

/// Makes text from OpenSearch or from errors safe for one log line and for error messages.
enum OpenSearchText {
    /// Replaces line breaks and caps the length.
    static func oneLine(_ text: some StringProtocol, limit: Int = 300) -> String {
        var line = String(text.map { $0.isNewline ? " " : $0 })
        if line.count > limit {
            line = String(line.prefix(limit)) + "…"
        }
        return line
    }

    /// OpenSearch's reason without the parts that quote document content: mapping errors end with
    /// `Preview of field's value: '…'`, which is cut off.
    static func redactedReason(_ reason: String) -> String {
        var reason = Substring(reason)
        if let preview = reason.range(of: "Preview of field's value") {
            reason = reason[..<preview.lowerBound]
        }
        return oneLine(reason.trimmingSuffix(while: { $0 == " " || $0 == "." }))
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var result = self
        while let last = result.last, predicate(last) {
            result = result.dropLast()
        }
        return result
    }
}
