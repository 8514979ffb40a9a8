internal import Yams

extension YAMLReader {
    /// The file position of character `offset` (0-based) of a scalar's text.
    ///
    /// Plain and quoted scalars start at the node's mark (after the quote); block scalars (`|`, `>`) start on
    /// the line after their indicator, at the block's indentation. Continuation lines are followed by
    /// counting each source line's content plus one separator, which is exact for literal blocks and
    /// one-line scalars and close for folded ones. Escapes inside double quotes are not undone.
    mutating func expressionLocation(_ scalar: Node.Scalar, offset: Int) -> SourceLocation {
        let markLine = scalar.mark?.line ?? 1
        let markColumn = scalar.mark?.column ?? 1
        let allLines = lines
        var lineIndex = markLine - 1
        var firstColumn: Int
        var blockIndent: Int?
        switch scalar.style {
        case .literal, .folded:
            lineIndex += 1
            while lineIndex < allLines.count, allLines[lineIndex].allSatisfy({ $0 == " " || $0 == "\t" }) {
                lineIndex += 1
            }
            // Leading blank lines are part of the content; restart from the first line after the indicator.
            let indent = lineIndex < allLines.count ? allLines[lineIndex].prefix(while: { $0 == " " }).count : 0
            blockIndent = indent
            lineIndex = markLine
            firstColumn = indent + 1
        case .singleQuoted, .doubleQuoted:
            firstColumn = markColumn + 1
        default:
            firstColumn = markColumn
        }
        var remaining = max(offset, 0)
        var column = firstColumn
        var isFirst = true
        while lineIndex < allLines.count {
            let line = allLines[lineIndex].unicodeScalars
            let startColumn: Int
            if isFirst && blockIndent == nil {
                startColumn = firstColumn
            } else if let blockIndent {
                startColumn = blockIndent + 1
            } else {
                startColumn = line.prefix(while: { $0 == " " || $0 == "\t" }).count + 1
            }
            let contentLength = max(line.count - (startColumn - 1), 0)
            column = startColumn
            if remaining <= contentLength || lineIndex == allLines.count - 1 {
                return SourceLocation(file: file, line: lineIndex + 1, column: startColumn + remaining)
            }
            remaining -= contentLength + 1
            lineIndex += 1
            isFirst = false
        }
        return SourceLocation(file: file, line: markLine, column: column)
    }
}
