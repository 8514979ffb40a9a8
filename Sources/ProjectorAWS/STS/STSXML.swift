import Foundation

/// Just enough XML reading for STS's flat responses: the text of the first element with a given name,
/// optionally inside another element, with the five predefined entities and character references decoded.
/// STS responses carry no CDATA, comments or namespace prefixes on these elements.
enum STSXML {
    /// The text of the first `<name>…</name>` in `xml` (searched only within `within`'s element when given).
    static func text(of name: String, within parent: String? = nil, in xml: Substring) -> String? {
        var scope = xml
        if let parent {
            guard let inner = self.element(parent, in: xml) else { return nil }
            scope = inner
        }
        return self.element(name, in: scope).map { self.decodeEntities($0) }
    }

    /// The raw content of the first element named `name` (attributes allowed on the opening tag).
    private static func element(_ name: String, in xml: Substring) -> Substring? {
        var searchStart = xml.startIndex
        while let open = xml[searchStart...].range(of: "<" + name) {
            guard let after = xml[open.upperBound...].first else { return nil }
            if after == ">" || after == " " || after == "\t" || after == "\n" || after == "\r" || after == "/" {
                guard let tagEnd = xml[open.upperBound...].firstIndex(of: ">") else { return nil }
                if xml[xml.index(before: tagEnd)] == "/" {
                    return xml[tagEnd..<tagEnd]  // <name/>: empty
                }
                let contentStart = xml.index(after: tagEnd)
                guard let close = xml[contentStart...].range(of: "</" + name + ">") else { return nil }
                return xml[contentStart..<close.lowerBound]
            }
            searchStart = open.upperBound
        }
        return nil
    }

    static func decodeEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var output = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";"),
                rest.distance(from: amp, to: semicolon) <= 10
            else {
                output += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            if let decoded = self.entity(entity) {
                output.unicodeScalars.append(decoded)
            } else {
                output += rest[amp...semicolon]
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return output + rest
    }

    private static func entity(_ name: Substring) -> Unicode.Scalar? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard name.first == "#" else { return nil }
            let digits = name.dropFirst()
            let value =
                digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return value.flatMap(Unicode.Scalar.init)
        }
    }
}
