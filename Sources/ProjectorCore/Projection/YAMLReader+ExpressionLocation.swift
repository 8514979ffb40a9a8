internal import Yams

extension YAMLReader {
    /// The file position of character `offset` (0-based) of a scalar's text.
    ///
    /// Plain and quoted scalars start at the node's mark (after the quote); block scalars (`|`, `>`) start on
    /// the line after their indicator, at the block's indentation. Continuation lines are followed by
    /// counting each source line's content plus one separator, which is exact for literal blocks and
    /// one-line scalars and close for folded ones. In quoted scalars each character is mapped back to its
    /// spelling in the file: `''` in single quotes, `\"`, `\t`, `\x41`, `\u00e9`… in double quotes take more
    /// than one column, so a position after them still points at the right column.
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
            let content = Array(line.dropFirst(startColumn - 1))
            let (characters, columnOf) = Self.spelling(of: content, style: scalar.style)
            column = startColumn
            if remaining <= characters || lineIndex == allLines.count - 1 {
                return SourceLocation(file: file, line: lineIndex + 1, column: startColumn + columnOf(remaining))
            }
            remaining -= characters + 1
            lineIndex += 1
            isFirst = false
        }
        return SourceLocation(file: file, line: markLine, column: column)
    }

    /// How the source characters `line` spell a scalar's text: the number of text characters the line gives, and
    /// for a text offset on it the source offset (0-based) where that character is written. Outside quotes a
    /// character is one column; in quotes escapes are wider and the closing quote ends the text.
    static func spelling(of line: [Unicode.Scalar], style: Node.Scalar.Style) -> (Int, (Int) -> Int) {
        guard style == .singleQuoted || style == .doubleQuoted else { return (line.count, { $0 }) }
        var starts: [Int] = []  // source offset of each text character
        var index = 0
        while index < line.count {
            let character = line[index]
            var width = 1
            if style == .singleQuoted, character == "'" {
                guard index + 1 < line.count, line[index + 1] == "'" else { break }
                width = 2
            } else if style == .doubleQuoted, character == "\"" {
                break
            } else if style == .doubleQuoted, character == "\\", index + 1 < line.count {
                switch line[index + 1] {
                case "x": width = 4
                case "u": width = 6
                case "U": width = 10
                default: width = 2
                }
            }
            starts.append(index)
            index += width
        }
        let end = index
        return (starts.count, { offset in offset < starts.count ? starts[offset] : end + (offset - starts.count) })
    }
}
