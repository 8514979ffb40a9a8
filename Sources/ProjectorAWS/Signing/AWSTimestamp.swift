import Foundation

/// UTC calendar arithmetic for the timestamps AWS uses, without `DateFormatter` (no locale, no time zone database,
/// no shared mutable formatter state).
enum AWSTimestamp {
    /// Broken-down UTC time.
    struct Components: Equatable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int
    }

    static func components(_ date: Date) -> Components {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Days to civil date (H. Hinnant's algorithm, proleptic Gregorian calendar).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Components(
            year: year, month: month, day: day,
            hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60, second: secondOfDay % 60
        )
    }

    static func date(_ c: Components) -> Date {
        let year = c.month <= 2 ? c.year - 1 : c.year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (c.month > 2 ? c.month - 3 : c.month + 9) + 2) / 5 + c.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + c.hour * 3600 + c.minute * 60 + c.second
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// `20150830T123600Z`, the `X-Amz-Date` form.
    static func amzDate(_ date: Date) -> String {
        let c = self.components(date)
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2)
            + pad(c.second, 2) + "Z"
    }

    /// `20150830`, the date of the credential scope.
    static func dateStamp(_ date: Date) -> String {
        let c = self.components(date)
        return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2)
    }

    /// `2015-08-30T12:36:00Z`.
    static func iso8601(_ date: Date) -> String {
        let c = self.components(date)
        return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2) + "T" + pad(c.hour, 2) + ":"
            + pad(c.minute, 2) + ":" + pad(c.second, 2) + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` as STS and IMDS write it.
    static func parseISO8601(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(4), scanner.skip("-"), let month = scanner.number(2), scanner.skip("-"),
            let day = scanner.number(2), scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
            let hour = scanner.number(2), scanner.skip(":"), let minute = scanner.number(2), scanner.skip(":"),
            let second = scanner.number(2)
        else { return nil }
        var fraction = 0.0
        if scanner.skip(".") {
            var scale = 0.1
            var any = false
            while let digit = scanner.number(1) {
                fraction += Double(digit) * scale
                scale /= 10
                any = true
            }
            guard any else { return nil }
        }
        var offset = 0
        if scanner.skip("Z") || scanner.skip("z") {
            offset = 0
        } else if let sign = scanner.sign(), let offsetHours = scanner.number(2), scanner.skip(":"),
            let offsetMinutes = scanner.number(2)
        {
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        let components = Components(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard scanner.atEnd, components.isValid else { return nil }
        return self.date(components).addingTimeInterval(fraction - TimeInterval(offset))
    }

    /// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 IMF-fixdate), e.g. a response's `Date`.
    static func parseHTTPDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            let monthIndex = months.firstIndex(of: String(parts[2]))
        else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]), let second = Int(time[2]) else {
            return nil
        }
        let components = Components(
            year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second
        )
        return components.isValid ? self.date(components) : nil
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension AWSTimestamp.Components {
    var isValid: Bool {
        (1...12).contains(self.month) && (1...31).contains(self.day) && (0...23).contains(self.hour)
            && (0...59).contains(self.minute) && (0...60).contains(self.second)
    }
}

/// Reads fixed-width decimal fields from ASCII text.
private struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    var atEnd: Bool { self.index == self.bytes.count }

    mutating func number(_ width: Int) -> Int? {
        guard self.index + width <= self.bytes.count else { return nil }
        var value = 0
        for byte in self.bytes[self.index..<self.index + width] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        self.index += width
        return value
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: character) else { return false }
        self.index += 1
        return true
    }

    mutating func sign() -> Int? {
        if self.skip("+") { return 1 }
        if self.skip("-") { return -1 }
        return nil
    }
}
