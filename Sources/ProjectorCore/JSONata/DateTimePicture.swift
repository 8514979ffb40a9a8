import Foundation

/// XPath `format-dateTime` pictures for `$fromMillis` and `$toMillis` (component markers such as `[Y0001]`,
/// `[MNn,3-3]`, `[D1o]`, `[Z01:01t]`), plus the ISO 8601 forms used without a picture. All arithmetic is in UTC
/// with an explicit offset; no calendar other than the proleptic Gregorian is supported.
extension JSONata {
    struct DateTimePicture {
        struct Marker {
            var component: Character
            var presentation: String
            var ordinal = false
            var minimumWidth: Int?
            var maximumWidth: Int?
            var integer: IntegerPicture?
            var isName: Bool { presentation == "N" || presentation == "n" || presentation == "Nn" }
        }

        enum Part {
            case literal(String)
            case marker(Marker)
        }

        let parts: [Part]

        static let components: Set<Character> = [
            "Y", "M", "D", "d", "F", "W", "w", "X", "x", "H", "h", "P", "m", "s", "f", "Z", "z", "C", "E",
        ]
        static let defaults: [Character: String] = [
            "Y": "1", "M": "1", "D": "1", "d": "1", "F": "n", "W": "1", "w": "1", "X": "1", "x": "1", "H": "1",
            "h": "1", "P": "n", "m": "01", "s": "01", "f": "1", "Z": "01:01", "z": "01:01", "C": "n", "E": "n",
        ]
        static let months = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December",
        ]
        static let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

        init(_ picture: String, position: Int) throws(JSONataError) {
            var parts: [Part] = []
            var literal = ""
            let chars = Array(picture)
            var index = 0
            func fail(_ code: String, _ message: String) -> JSONataError {
                JSONataError(code: code, message: message, position: position)
            }
            if let lastOpen = picture.replacingOccurrences(of: "[[", with: "").lastIndex(of: "["),
                !picture.replacingOccurrences(of: "[[", with: "")[lastOpen...].contains("]")
            {
                throw fail("D3135", "No matching closing bracket ']' in date/time picture string")
            }
            while index < chars.count {
                let c = chars[index]
                if c == "[" && index + 1 < chars.count && chars[index + 1] == "[" {
                    literal.append("[")
                    index += 2
                } else if c == "]" && index + 1 < chars.count && chars[index + 1] == "]" {
                    literal.append("]")
                    index += 2
                } else if c == "[" {
                    guard let close = chars[index...].firstIndex(of: "]") else {
                        throw fail("D3135", "No matching closing bracket ']' in date/time picture string")
                    }
                    if !literal.isEmpty {
                        parts.append(.literal(literal))
                        literal = ""
                    }
                    let body = String(chars[(index + 1)..<close].filter { !$0.isWhitespace })
                    parts.append(.marker(try Self.marker(body, fail)))
                    index = close + 1
                } else {
                    literal.append(c)
                    index += 1
                }
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            self.parts = parts
        }

        private static func marker(_ body: String, _ fail: (String, String) -> JSONataError) throws(JSONataError)
            -> Marker
        {
            guard let component = body.first, components.contains(component) else {
                throw fail("D3132", "Unknown component specifier \(body.prefix(1)) in date/time picture string")
            }
            var rest = String(body.dropFirst())
            var minimumWidth: Int?
            var maximumWidth: Int?
            if let comma = rest.lastIndex(of: ",") {
                let width = rest[rest.index(after: comma)...]
                let bounds = width.split(separator: "-", omittingEmptySubsequences: false)
                if bounds.count <= 2, bounds.allSatisfy({ $0 == "*" || (!$0.isEmpty && $0.allSatisfy(\.isNumber)) }) {
                    minimumWidth = bounds.first.flatMap { Int($0) }
                    maximumWidth = bounds.count == 2 ? Int(bounds[1]) : nil
                    rest = String(rest[..<comma])
                }
            }
            if component == "Y" && rest.isEmpty && minimumWidth != nil && maximumWidth == nil {
                // `[Y,2]`: a year with only a width is cut to that many digits.
                maximumWidth = minimumWidth
            }
            var presentation = rest.isEmpty ? (defaults[component] ?? "1") : rest
            var ordinal = false
            if presentation.count > 1, presentation.last == "o" {
                ordinal = true
                presentation.removeLast()
            } else if presentation.count > 1, presentation.last == "t" || presentation.last == "c" {
                if component != "Z" && component != "z" { presentation.removeLast() }
            }
            var marker = Marker(
                component: component, presentation: presentation, ordinal: ordinal, minimumWidth: minimumWidth,
                maximumWidth: maximumWidth)
            if marker.isName {
                guard ["M", "F", "P", "x", "C", "E"].contains(component) else {
                    throw fail(
                        "D3133",
                        "The 'name' modifier can only be applied to months and days in the date/time picture string, not \(component)"
                    )
                }
            } else if component == "Z" || component == "z" {
                let digits = presentation.filter { $0.isNumber }
                if digits.count > 4 {
                    throw fail("D3134", "The timezone integer format specifier cannot have more than four digits")
                }
            } else if component != "P" && component != "C" && component != "E" {
                marker.integer = try IntegerPicture(presentation + (ordinal ? ";o" : ""))
            }
            return marker
        }
    }
}

// MARK: Calendar arithmetic

extension JSONata.DateTimePicture {
    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = (month + 9) % 12
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day count since 1970-01-01.
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// ISO weekday: Monday 1 … Sunday 7.
    static func weekday(days: Int) -> Int {
        ((days % 7) + 7 + 3) % 7 + 1
    }

    struct Fields {
        var year, month, day, hour, minute, second, millisecond, dayOfYear, weekday: Int
        var isoYear, isoWeek, monthOfWeek, weekOfMonth: Int
        var offsetMinutes: Int
    }

    static func fields(millis: Int, offsetMinutes: Int) -> Fields {
        let local = millis + offsetMinutes * 60_000
        let dayCount = Int((Double(local) / 86_400_000).rounded(.down))
        let timeOfDay = local - dayCount * 86_400_000
        let (year, month, day) = date(days: dayCount)
        let weekday = weekday(days: dayCount)
        let thursday = dayCount + 4 - weekday
        let thursdayDate = date(days: thursday)
        let isoWeek = (thursday - days(year: thursdayDate.year, month: 1, day: 1)) / 7 + 1
        return Fields(
            year: year, month: month, day: day, hour: timeOfDay / 3_600_000, minute: timeOfDay / 60_000 % 60,
            second: timeOfDay / 1000 % 60, millisecond: timeOfDay % 1000,
            dayOfYear: dayCount - days(year: year, month: 1, day: 1) + 1, weekday: weekday,
            isoYear: thursdayDate.year, isoWeek: isoWeek, monthOfWeek: thursdayDate.month,
            weekOfMonth: (thursdayDate.day - 1) / 7 + 1, offsetMinutes: offsetMinutes)
    }

    /// `±hhmm` → minutes.
    static func offset(_ text: String) -> Int? {
        var chars = Array(text)
        if chars.count == 4 { chars.insert("+", at: 0) }
        guard chars.count == 5, chars[0] == "+" || chars[0] == "-",
            let hours = Int(String(chars[1...2])), let minutes = Int(String(chars[3...4]))
        else { return nil }
        return (chars[0] == "-" ? -1 : 1) * (hours * 60 + minutes)
    }
}

// MARK: Formatting

extension JSONata.DateTimePicture {
    static let iso = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"

    func format(millis: Int, offsetMinutes: Int) -> String {
        let fields = Self.fields(millis: millis, offsetMinutes: offsetMinutes)
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .marker(let marker): result += Self.format(marker, fields)
            }
        }
        return result
    }

    private static func name(_ text: String, _ marker: Marker) -> String {
        var text = text
        if let maximum = marker.maximumWidth, text.count > maximum { text = String(text.prefix(maximum)) }
        switch marker.presentation {
        case "N": return text.uppercased()
        case "n": return text.lowercased()
        default: return text
        }
    }

    private static func format(_ marker: Marker, _ f: Fields) -> String {
        let value: Int
        switch marker.component {
        case "Y": value = f.year
        case "M": value = f.month
        case "D": value = f.day
        case "d": value = f.dayOfYear
        case "F": value = f.weekday
        case "W": value = f.isoWeek
        case "w": value = f.weekOfMonth
        case "X": value = f.isoYear
        case "x": value = f.monthOfWeek
        case "H": value = f.hour
        case "h": value = f.hour % 12 == 0 ? 12 : f.hour % 12
        case "m": value = f.minute
        case "s": value = f.second
        case "f": value = f.millisecond
        case "P": return name(f.hour < 12 ? "am" : "pm", marker)
        case "C", "E": return "ISO"
        case "Z", "z": return formatZone(marker, f.offsetMinutes)
        default: return ""
        }
        if marker.isName {
            switch marker.component {
            case "M", "x": return name(months[value - 1], marker)
            case "F": return name(days[value - 1], marker)
            default: break
            }
        }
        if marker.component == "f" {
            // Fractional seconds: the digits of the fraction, as many as the picture asks for.
            let digits = marker.presentation.filter(\.isNumber).count
            var text = String(format: "%03d", value)
            if digits > 3 { text += String(repeating: "0", count: digits - 3) }
            if digits < 3 { text = String(text.prefix(max(digits, marker.minimumWidth ?? 1))) }
            return text
        }
        guard let integer = marker.integer else { return String(value) }
        var text = integer.format(Double(value))
        if let minimum = marker.minimumWidth, case .decimal = integer.primary, text.count < minimum {
            text = String(repeating: "0", count: minimum - text.count) + text
        }
        if let maximum = marker.maximumWidth, case .decimal = integer.primary, text.count > maximum,
            marker.component == "Y"
        {
            text = String(text.suffix(maximum))
        }
        return text
    }

    private static func formatZone(_ marker: Marker, _ offset: Int) -> String {
        var presentation = marker.presentation
        let zulu = presentation.hasSuffix("t")
        if zulu { presentation.removeLast() }
        if zulu && offset == 0 { return "Z" }
        let sign = offset < 0 ? "-" : "+"
        let hours = abs(offset) / 60
        let minutes = abs(offset) % 60
        let digits = presentation.filter(\.isNumber).count
        var text: String
        if presentation.contains(":") || digits >= 3 || (digits == 2 && marker.component == "z") {
            let separator = presentation.contains(":") ? ":" : ""
            let hourText =
                presentation.prefix(while: { $0 != ":" }).filter(\.isNumber).count >= 2 || digits >= 3
                ? String(format: "%02d", hours) : String(hours)
            text = sign + hourText + separator + String(format: "%02d", minutes)
        } else {
            text = sign + (digits >= 2 ? String(format: "%02d", hours) : String(hours))
            if minutes != 0 { text += ":" + String(format: "%02d", minutes) }
        }
        return marker.component == "z" ? "GMT" + text : text
    }
}
