/// XPath `format-integer` pictures (`$formatInteger`, `$parseInteger` and the components of date pictures):
/// decimal digit patterns with grouping separators, `I`/`i` roman numerals, `A`/`a` letters, `W`/`w`/`Ww` words,
/// and the `;o` ordinal modifier.
extension JSONata {
    struct IntegerPicture {
        enum WordCase { case lower, upper, title }
        enum Primary {
            /// Digits of the family whose zero is `zero`, at least `mandatory` of them, with separators.
            case decimal(zero: UInt32, mandatory: Int, separators: [(position: Int, text: String)], regular: Int?)
            case roman(upper: Bool)
            case letters(upper: Bool)
            case words(WordCase)
        }

        var primary: Primary
        var ordinal = false

        /// Digit families: the zero of every Unicode decimal digit range the formatter accepts.
        static let digitZeros: [UInt32] = [
            0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50,
            0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40,
            0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
        ]

        static func digitZero(of scalar: Unicode.Scalar) -> UInt32? {
            for zero in digitZeros where scalar.value >= zero && scalar.value <= zero + 9 { return zero }
            return nil
        }

        init(_ picture: String, position: Int = 0) throws(JSONataError) {
            var primaryText = picture
            if let semicolon = picture.lastIndex(of: ";") {
                primaryText = String(picture[..<semicolon])
                let modifier = picture[picture.index(after: semicolon)...]
                ordinal = modifier.hasPrefix("o")
            }
            switch primaryText {
            case "I": primary = .roman(upper: true)
            case "i": primary = .roman(upper: false)
            case "A": primary = .letters(upper: true)
            case "a": primary = .letters(upper: false)
            case "W": primary = .words(.upper)
            case "w": primary = .words(.lower)
            case "Ww": primary = .words(.title)
            default:
                primary = try Self.parseDecimal(primaryText, position: position)
            }
        }

        private static func parseDecimal(_ text: String, position: Int) throws(JSONataError) -> Primary {
            var zero: UInt32?
            var mandatory = 0
            var digitCount = 0
            var separators: [(position: Int, text: String)] = []
            var sawDigit = false
            for scalar in text.unicodeScalars.reversed() {
                if let family = digitZero(of: scalar) {
                    if let zero, zero != family {
                        throw JSONataError(
                            code: "D3131",
                            message: "In a decimal digit pattern, all digits must be from the same decimal group",
                            position: position)
                    }
                    zero = family
                    mandatory += 1
                    digitCount += 1
                    sawDigit = true
                } else if scalar == "#" {
                    digitCount += 1
                } else if sawDigit || digitCount > 0 {
                    separators.append((digitCount, String(scalar)))
                }
            }
            guard let zero else {
                let first = text.unicodeScalars.first.map { String($0) } ?? ""
                throw JSONataError(
                    code: "D3130",
                    message:
                        "Formatting or parsing an integer as a sequence starting with \(first) is not supported by this implementation",
                    position: position)
            }
            var regular: Int?
            if let first = separators.first, first.position > 0,
                separators.allSatisfy({ $0.text == first.text }),
                separators.enumerated().allSatisfy({ $0.element.position == ($0.offset + 1) * first.position })
            {
                regular = first.position
            }
            return .decimal(zero: zero, mandatory: mandatory, separators: separators, regular: regular)
        }

        // MARK: Formatting

        func format(_ value: Double) -> String {
            let negative = value < 0
            let magnitude = abs(value).rounded(.down)
            var text: String
            switch primary {
            case .decimal(let zero, let mandatory, let separators, let regular):
                text = Self.formatDecimal(
                    magnitude, zero: zero, mandatory: mandatory, separators: separators, regular: regular)
                if ordinal { text += Self.ordinalSuffix(magnitude) }
            case .roman(let upper):
                text = Self.roman(Int(magnitude))
                if !upper { text = text.lowercased() }
            case .letters(let upper):
                text = Self.letters(Int(magnitude), upper: upper)
            case .words(let wordCase):
                text = Self.words(magnitude)
                if ordinal { text = Self.ordinalWords(text) }
                switch wordCase {
                case .lower: break
                case .upper: text = text.uppercased()
                case .title: text = Self.titleCase(text)
                }
            }
            return negative ? "-" + text : text
        }

        private static func formatDecimal(
            _ magnitude: Double, zero: UInt32, mandatory: Int, separators: [(position: Int, text: String)],
            regular: Int?
        ) -> String {
            var digits = magnitude < 9e15 ? String(Int(magnitude)) : JSONNumberFormatter.format(magnitude)
            if digits.count < mandatory { digits = String(repeating: "0", count: mandatory - digits.count) + digits }
            let mapped = digits.unicodeScalars.map { scalar -> Unicode.Scalar in
                guard zero != 0x30, scalar.value >= 0x30, scalar.value <= 0x39 else { return scalar }
                return Unicode.Scalar(zero + scalar.value - 0x30) ?? scalar
            }
            var result = ""
            let count = mapped.count
            for (offset, scalar) in mapped.enumerated() {
                let fromRight = count - offset
                if offset > 0 {
                    if let regular, let separator = separators.first, fromRight % regular == 0 {
                        result += separator.text
                    } else if regular == nil, let separator = separators.first(where: { $0.position == fromRight }) {
                        result += separator.text
                    }
                }
                result.unicodeScalars.append(scalar)
            }
            return result
        }

        static func ordinalSuffix(_ value: Double) -> String {
            let number = Int(value.truncatingRemainder(dividingBy: 100))
            if (11...13).contains(number) { return "th" }
            switch number % 10 {
            case 1: return "st"
            case 2: return "nd"
            case 3: return "rd"
            default: return "th"
            }
        }

        static let romanNumerals: [(Int, String)] = [
            (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
        ]

        static func roman(_ value: Int) -> String {
            var value = value
            var result = ""
            for (amount, numeral) in romanNumerals {
                while value >= amount {
                    result += numeral
                    value -= amount
                }
            }
            return result
        }

        static func letters(_ value: Int, upper: Bool) -> String {
            var value = value
            var result: [Unicode.Scalar] = []
            let base: UInt32 = upper ? 65 : 97
            while value > 0 {
                value -= 1
                result.insert(Unicode.Scalar(base + UInt32(value % 26)) ?? "?", at: 0)
                value /= 26
            }
            return String(String.UnicodeScalarView(result))
        }

        static let ones = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
        ]
        static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
        static let scales: [(Double, String)] = [
            (1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand"),
        ]

        static func words(_ value: Double) -> String {
            if value < 20 { return ones[Int(value)] }
            if value < 100 {
                let number = Int(value)
                return tens[number / 10] + (number % 10 > 0 ? "-" + ones[number % 10] : "")
            }
            if value < 1000 {
                let number = Int(value)
                return ones[number / 100] + " hundred" + (number % 100 > 0 ? " and " + words(Double(number % 100)) : "")
            }
            for (scale, name) in scales where value >= scale {
                let quotient = (value / scale).rounded(.down)
                var remainder = value - quotient * scale
                if remainder < 1 { remainder = 0 }
                var text = words(quotient) + " " + name
                if remainder > 0 { text += (remainder < 100 ? " and " : ", ") + words(remainder) }
                return text
            }
            return ""
        }

        static let ordinalExceptions = [
            "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
            "twelve": "twelfth",
        ]

        static func ordinalWords(_ text: String) -> String {
            guard
                let split = text.lastIndex(where: { $0 == " " || $0 == "-" }).map({ text.index(after: $0) })
                    ?? Optional(text.startIndex)
            else { return text }
            let head = text[..<split]
            let last = String(text[split...])
            if let exception = ordinalExceptions[last] { return head + exception }
            if last.hasSuffix("y") { return head + last.dropLast() + "ieth" }
            return head + last + "th"
        }

        static func titleCase(_ text: String) -> String {
            var result = ""
            var startOfWord = true
            var word = ""
            func flush() {
                if word == "and" {
                    result += word
                } else {
                    result += word.prefix(1).uppercased() + word.dropFirst()
                }
                word = ""
            }
            for character in text {
                if character == " " || character == "-" || character == "," {
                    flush()
                    result.append(character)
                    startOfWord = true
                } else {
                    word.append(character)
                    startOfWord = false
                }
            }
            _ = startOfWord
            flush()
            return result
        }

        // MARK: Parsing

        func parse(_ text: String) -> Double? {
            switch primary {
            case .decimal(let zero, _, _, _):
                var value = 0.0
                var digits = 0
                for scalar in text.unicodeScalars {
                    if scalar.value >= zero && scalar.value <= zero + 9 {
                        value = value * 10 + Double(scalar.value - zero)
                        digits += 1
                    } else if ordinal && scalar.properties.isAlphabetic {
                        break
                    }
                }
                return digits > 0 ? value : nil
            case .roman:
                var value = 0
                var previous = 0
                for character in text.uppercased().reversed() {
                    guard let amount = Self.romanNumerals.first(where: { $0.1 == String(character) })?.0 else {
                        return nil
                    }
                    value += amount < previous ? -amount : amount
                    previous = max(previous, amount)
                }
                return Double(value)
            case .letters:
                var value = 0
                for scalar in text.lowercased().unicodeScalars {
                    guard scalar.value >= 97 && scalar.value <= 122 else { return nil }
                    value = value * 26 + Int(scalar.value - 96)
                }
                return Double(value)
            case .words:
                return Self.parseWords(text.lowercased())
            }
        }

        static let ordinalValues: [String: Double] = [
            "first": 1, "second": 2, "third": 3, "fifth": 5, "eighth": 8, "ninth": 9, "twelfth": 12,
        ]

        static func wordValue(_ word: String) -> Double? {
            if let index = ones.firstIndex(of: word) { return Double(index) }
            if let index = tens.firstIndex(of: word), index >= 2 { return Double(index * 10) }
            if let value = ordinalValues[word] { return value }
            if word.hasSuffix("ieth"), let index = tens.firstIndex(of: String(word.dropLast(4)) + "y"), index >= 2 {
                return Double(index * 10)
            }
            if word.hasSuffix("th") { return wordValue(String(word.dropLast(2))) }
            return nil
        }

        static func parseWords(_ text: String) -> Double? {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "," }).map(String.init)
            var total = 0.0
            var current = 0.0
            for word in words where word != "and" {
                let base = word.hasSuffix("th") && wordValue(word) == nil ? String(word.dropLast(2)) : word
                if base == "hundred" || base == "hundredth" {
                    current *= 100
                } else if let scale = scales.first(where: { $0.1 == base || $0.1 + "th" == word })?.0 {
                    if current == 0 {
                        total *= scale
                    } else {
                        total += current * scale
                        current = 0
                    }
                } else if let value = wordValue(word) {
                    current += value
                } else {
                    return nil
                }
            }
            return total + current
        }
    }
}
