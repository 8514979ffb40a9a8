/// Formats PostgreSQL `timestamptz` values (microseconds since 2000-01-01 UTC) the way
/// PostgreSQL writes them in JSON with `TimeZone=UTC`: `2024-05-01T12:00:00.123456+00:00`,
/// trailing zeros of the fraction dropped.
enum TimestampFormatter {
    static func format(microsecondsSince2000 value: Int64) -> String {
        let microsecondsPerDay: Int64 = 86_400_000_000
        var days = value / microsecondsPerDay
        var time = value % microsecondsPerDay
        if time < 0 {
            time += microsecondsPerDay
            days -= 1
        }
        // Days since 1970-01-01, then civil-from-days (Howard Hinnant's algorithm).
        let z = days + 10_957 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        let seconds = time / 1_000_000
        var fraction = time % 1_000_000
        var text = ""
        text.reserveCapacity(32)
        append(year, width: 4, to: &text)
        text += "-"
        append(month, width: 2, to: &text)
        text += "-"
        append(day, width: 2, to: &text)
        text += "T"
        append(seconds / 3_600, width: 2, to: &text)
        text += ":"
        append(seconds / 60 % 60, width: 2, to: &text)
        text += ":"
        append(seconds % 60, width: 2, to: &text)
        if fraction > 0 {
            var width = 6
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            text += "."
            append(fraction, width: width, to: &text)
        }
        text += "+00:00"
        return text
    }

    private static func append(_ value: Int64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
        text += digits
    }
}
