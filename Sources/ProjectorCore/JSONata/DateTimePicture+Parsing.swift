import Foundation

extension JSONata.DateTimePicture {
    private static func pattern(for marker: Marker, next: Part?) -> String {
        let followedByMarker: Bool
        if case .marker? = next { followedByMarker = true } else { followedByMarker = false }
        if marker.isName { return "([A-Za-z]+)" }
        switch marker.component {
        case "P": return "([AaPp][Mm])"
        case "Z": return "([Zz]|[+-][0-9]{1,2}(?::?[0-9]{2})?)"
        case "z": return "GMT([+-][0-9]{1,2}(?::?[0-9]{2})?)"
        case "C", "E": return "([A-Za-z]+)"
        default: break
        }
        guard let integer = marker.integer else { return "(.+?)" }
        switch integer.primary {
        case .roman: return "([IVXLCDMivxlcdm]+)"
        case .letters: return "([A-Za-z]+)"
        case .words: return "([A-Za-z ,\\-]+?)"
        case .decimal(_, let mandatory, _, _):
            let suffix = integer.ordinal ? "(?:st|nd|rd|th)" : ""
            if let maximum = marker.maximumWidth { return "([0-9]{1,\(maximum)})" + suffix }
            if followedByMarker && mandatory > 0 {
                let width = marker.presentation.filter { $0.isNumber || $0 == "#" }.count
                return "([0-9]{\(max(width, mandatory))})" + suffix
            }
            return "([0-9]+)" + suffix
        }
    }

    /// Parses `text` with this picture into epoch milliseconds; nil when the text does not match.
    func parse(_ text: String, now: Int, position: Int) throws(JSONataError) -> Int? {
        var regex = "^"
        var markers: [Marker] = []
        for (index, part) in parts.enumerated() {
            switch part {
            case .literal(let literal): regex += NSRegularExpression.escapedPattern(for: literal)
            case .marker(let marker):
                markers.append(marker)
                regex += Self.pattern(for: marker, next: index + 1 < parts.count ? parts[index + 1] : nil)
            }
        }
        regex += "$"
        try Self.checkComponents(markers, position: position)
        guard !markers.isEmpty,
            let expression = try? NSRegularExpression(pattern: regex, options: [.caseInsensitive]),
            let match = expression.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length))
        else { return nil }
        var values: [Character: Int] = [:]
        var offset = 0
        var pm: Bool?
        for (index, marker) in markers.enumerated() {
            let range = match.range(at: index + 1)
            guard range.location != NSNotFound else { continue }
            let captured = (text as NSString).substring(with: range)
            switch marker.component {
            case "Z", "z":
                offset = Self.parseOffset(captured)
            case "P":
                pm = captured.lowercased() == "pm"
            case "C", "E":
                continue
            case _ where marker.isName:
                let names = marker.component == "F" ? Self.days : Self.months
                guard let found = names.firstIndex(where: { $0.lowercased().hasPrefix(captured.lowercased()) }) else {
                    return nil
                }
                values[marker.component] = found + 1
            case "f":
                let fraction = Double("0." + captured) ?? 0
                values["f"] = Int((fraction * 1000).rounded(.down))
            default:
                guard let number = marker.integer?.parse(captured) else { return nil }
                values[marker.component] = Int(number)
            }
        }
        if let hour12 = values["h"] {
            values["H"] = hour12 % 12 + ((pm ?? false) ? 12 : 0)
        }
        let today = Self.fields(millis: now, offsetMinutes: 0)
        let year = values["Y"] ?? today.year
        var dayCount: Int
        if let dayOfYear = values["d"] {
            dayCount = Self.days(year: year, month: 1, day: 1) + dayOfYear - 1
        } else {
            let useToday = values["Y"] == nil && values["M"] == nil && values["D"] == nil
            let month = values["M"] ?? (useToday ? today.month : 1)
            let day = values["D"] ?? (useToday ? today.day : 1)
            dayCount = Self.days(year: year, month: month, day: day)
        }
        let hours: Int = values["H"] ?? 0
        let minutes: Int = values["m"] ?? 0
        let seconds: Int = values["s"] ?? 0
        let fraction: Int = values["f"] ?? 0
        let time: Int = hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + fraction
        return dayCount * 86_400_000 + time - offset * 60_000
    }

    private static func parseOffset(_ text: String) -> Int {
        if text.uppercased() == "Z" { return 0 }
        let sign = text.hasPrefix("-") ? -1 : 1
        let body = text.dropFirst().replacingOccurrences(of: ":", with: "")
        var hours = 0
        var minutes = 0
        if body.count <= 2 {
            hours = Int(body) ?? 0
        } else {
            hours = Int(body.dropLast(2)) ?? 0
            minutes = Int(body.suffix(2)) ?? 0
        }
        return sign * (hours * 60 + minutes)
    }

    /// The components must form an unbroken run of year…fraction (or year, day-of-year, time): JSONata's D3136.
    private static func checkComponents(_ markers: [Marker], position: Int) throws(JSONataError) {
        let present = Set(markers.map(\.component))
        func fail() -> JSONataError {
            JSONataError(
                code: "D3136",
                message: "The date/time picture string is missing specifiers required to parse the timestamp",
                position: position)
        }
        if !present.isDisjoint(with: ["X", "W", "w", "x"]) { throw fail() }
        var hasHour = present.contains("H")
        if present.contains("h") { hasHour = true }
        let sequence: [Bool]
        if present.contains("d") {
            sequence = [
                present.contains("Y"), true, hasHour, present.contains("m"), present.contains("s"),
                present.contains("f"),
            ]
        } else {
            sequence = [
                present.contains("Y"), present.contains("M"), present.contains("D"), hasHour, present.contains("m"),
                present.contains("s"), present.contains("f"),
            ]
        }
        guard let first = sequence.firstIndex(of: true), let last = sequence.lastIndex(of: true) else { return }
        if sequence[first...last].contains(false) { throw fail() }
    }

    /// ISO 8601 date/time without a picture: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optional `THH:mm[:ss[.fff]]` and zone.
    static func parseISO(_ text: String) -> Int? {
        let pattern =
            #"^([+-]?[0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?)?)?$"#
        guard let expression = try? NSRegularExpression(pattern: pattern),
            let match = expression.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length))
        else { return nil }
        func group(_ index: Int) -> String? {
            let range = match.range(at: index)
            return range.location == NSNotFound ? nil : (text as NSString).substring(with: range)
        }
        guard let year = group(1).flatMap({ Int($0) }) else { return nil }
        let month = group(2).flatMap { Int($0) } ?? 1
        let day = group(3).flatMap { Int($0) } ?? 1
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var millis = days(year: year, month: month, day: day) * 86_400_000
        millis += (group(4).flatMap { Int($0) } ?? 0) * 3_600_000
        millis += (group(5).flatMap { Int($0) } ?? 0) * 60_000
        millis += (group(6).flatMap { Int($0) } ?? 0) * 1000
        if let fraction = group(7) { millis += Int(((Double("0." + fraction) ?? 0) * 1000).rounded(.down)) }
        if let zone = group(8) { millis -= parseOffset(zone) * 60_000 }
        return millis
    }
}
