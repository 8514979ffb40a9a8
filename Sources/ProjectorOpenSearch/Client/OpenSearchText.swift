import Foundation
import ProjectorCore

/// Makes text from OpenSearch or from errors safe for one log line and for error messages.
enum OpenSearchText {
    /// OpenSearch's reason without the parts that quote document content: mapping errors end with
    /// `Preview of field's value: '…'`, which is cut off.
    static func redactedReason(_ reason: String) -> String {
        var reason = Substring(reason)
        if let preview = reason.range(of: "Preview of field's value") {
            reason = reason[..<preview.lowerBound]
        }
        return reason.trimmingSuffix(while: { $0 == " " || $0 == "." }).oneLine()
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
