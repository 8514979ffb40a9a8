import Foundation

/// XPath `format-number` pictures (`$formatNumber`): prefix/suffix, mandatory and optional digits, grouping in
/// the integer and fractional parts, percent / per-mille, exponent, and a separate negative sub-picture.
extension JSONata {
    struct NumberPicture {
        struct Symbols {
            var decimalSeparator: Character = "."
            var groupingSeparator: Character = ","
            var exponentSeparator: Character = "e"
            var minusSign = "-"
            var infinity = "Infinity"
            var notANumber = "NaN"
            var percent = "%"
            var perMille = "‰"
            var zeroDigit: Character = "0"
            var digit: Character = "#"
            var patternSeparator: Character = ";"

            func isDecimalDigit(_ c: Character) -> Bool {
                guard let zero = zeroDigit.unicodeScalars.first?.value, let value = c.unicodeScalars.first?.value,
                    c.unicodeScalars.count == 1
                else { return false }
                return value >= zero && value <= zero + 9
            }

            func digitCharacter(_ digit: Int) -> Character {
                guard let zero = zeroDigit.unicodeScalars.first?.value,
                    let scalar = Unicode.Scalar(zero + UInt32(digit))
                else { return "?" }
                return Character(scalar)
            }
        }

        struct SubPicture {
            var prefix = ""
            var suffix = ""
            var minimumInteger = 0
            var integerGroups: [Int] = []
            var regularGrouping: Int?
            var minimumFraction = 0
            var maximumFraction = 0
            var fractionGroups: [Int] = []
            var minimumExponent = 0
            var hasExponent = false
            var hasDecimalSeparator = false
            var percent = false
            var perMille = false
            /// With an exponent, an integer part of only optional digits still shows one zero.
            var integerHasOptionalDigit = false
        }

        let symbols: Symbols
        let positive: SubPicture
        let negative: SubPicture?

        init(_ picture: String, symbols: Symbols, position: Int) throws(JSONataError) {
            self.symbols = symbols
            let parts = picture.split(separator: symbols.patternSeparator, omittingEmptySubsequences: false)
            func fail(_ code: String, _ message: String) -> JSONataError {
                JSONataError(code: code, message: message, position: position)
            }
            guard parts.count <= 2 else {
                throw fail("D3080", "The format-number picture string must not contain more than one pattern separator")
            }
            positive = try Self.analyse(String(parts[0]), symbols, fail)
            negative = parts.count == 2 ? try Self.analyse(String(parts[1]), symbols, fail) : nil
        }

        private static func analyse(
            _ text: String, _ s: Symbols, _ fail: (String, String) -> JSONataError
        ) throws(JSONataError) -> SubPicture {
            let chars = Array(text)
            func isMantissa(_ c: Character) -> Bool {
                s.isDecimalDigit(c) || c == s.digit || c == s.decimalSeparator || c == s.groupingSeparator
            }
            guard let first = chars.firstIndex(where: isMantissa) else {
                throw fail("D3086", "The format-number picture string must contain at least one active character")
            }
            // The active part ends at the last mantissa character, or at the end of an exponent that follows it.
            var last = chars.lastIndex(where: isMantissa) ?? first
            var exponentIndex: Int?
            if let candidate = chars[first...].firstIndex(of: s.exponentSeparator), candidate > first,
                candidate + 1 < chars.count, s.isDecimalDigit(chars[candidate + 1])
            {
                exponentIndex = candidate
                last = max(last, candidate + 1)
                while last + 1 < chars.count, isMantissa(chars[last + 1]) { last += 1 }
            }
            var picture = SubPicture()
            picture.prefix = String(chars[..<first])
            picture.suffix = String(chars[(last + 1)...])
            let mantissa = Array(chars[first..<(exponentIndex ?? (last + 1))])
            let exponent = exponentIndex.map { Array(chars[($0 + 1)...last]) } ?? []
            if mantissa.contains(where: { !isMantissa($0) }) {
                throw fail(
                    "D3086",
                    "The format-number picture string must not contain a passive character between two active characters"
                )
            }
            if mantissa.filter({ $0 == s.decimalSeparator }).count > 1 {
                throw fail("D3081", "The format-number picture string must not contain more than one decimal separator")
            }
            let percentCount = text.components(separatedBy: s.percent).count - 1
            let perMilleCount = text.components(separatedBy: s.perMille).count - 1
            if percentCount > 1 {
                throw fail("D3082", "The format-number picture string must not contain more than one percent character")
            }
            if perMilleCount > 1 {
                throw fail(
                    "D3083", "The format-number picture string must not contain more than one per-mille character")
            }
            if percentCount > 0 && perMilleCount > 0 {
                throw fail(
                    "D3084",
                    "The format-number picture string must not contain both a percent and a per-mille character")
            }
            picture.percent = percentCount > 0
            picture.perMille = perMilleCount > 0
            if !mantissa.contains(where: { s.isDecimalDigit($0) || $0 == s.digit }) {
                throw fail("D3085", "The mantissa part of a format-number sub-picture must contain at least one digit")
            }
            for (offset, c) in mantissa.enumerated() where c == s.groupingSeparator {
                if offset + 1 < mantissa.count,
                    mantissa[offset + 1] == s.decimalSeparator
                        || (offset > 0 && mantissa[offset - 1] == s.decimalSeparator)
                {
                    throw fail(
                        "D3087",
                        "A format-number sub-picture must not contain a grouping separator adjacent to the decimal separator"
                    )
                }
                if offset + 1 < mantissa.count, mantissa[offset + 1] == s.groupingSeparator {
                    throw fail("D3089", "A format-number sub-picture must not contain two adjacent grouping separators")
                }
            }
            let decimalIndex = mantissa.firstIndex(of: s.decimalSeparator)
            picture.hasDecimalSeparator = decimalIndex != nil
            let integerPart = Array(mantissa[..<(decimalIndex ?? mantissa.count)])
            let fractionPart = decimalIndex.map { Array(mantissa[($0 + 1)...]) } ?? []
            if decimalIndex == nil, integerPart.last == s.groupingSeparator {
                throw fail(
                    "D3088", "The integer part of a format-number sub-picture must not end with a grouping separator")
            }
            var seenMandatory = false
            for c in integerPart {
                if s.isDecimalDigit(c) { seenMandatory = true }
                if c == s.digit && seenMandatory {
                    throw fail(
                        "D3090",
                        "The integer part of a format-number sub-picture must not contain an optional digit after a mandatory digit"
                    )
                }
            }
            var seenOptional = false
            for c in fractionPart {
                if c == s.digit { seenOptional = true }
                if s.isDecimalDigit(c) && seenOptional {
                    throw fail(
                        "D3091",
                        "The fractional part of a format-number sub-picture must not contain a mandatory digit after an optional digit"
                    )
                }
            }
            if exponentIndex != nil {
                if picture.percent || picture.perMille {
                    throw fail(
                        "D3092",
                        "A format-number sub-picture with an exponent must not contain a percent or per-mille character"
                    )
                }
                if exponent.contains(where: { !s.isDecimalDigit($0) }) {
                    throw fail("D3093", "The exponent part of a format-number sub-picture must consist only of digits")
                }
            }
            // Grouping positions, counted in digits from the decimal point.
            var digitsToRight = 0
            for c in integerPart.reversed() {
                if c == s.groupingSeparator {
                    picture.integerGroups.append(digitsToRight)
                } else {
                    digitsToRight += 1
                }
            }
            if let firstGroup = picture.integerGroups.first, firstGroup > 0,
                picture.integerGroups.enumerated().allSatisfy({ $0.element == ($0.offset + 1) * firstGroup })
            {
                picture.regularGrouping = firstGroup
            }
            var digitsToLeft = 0
            for c in fractionPart {
                if c == s.groupingSeparator {
                    picture.fractionGroups.append(digitsToLeft)
                } else {
                    digitsToLeft += 1
                }
            }
            picture.minimumInteger = integerPart.filter { s.isDecimalDigit($0) }.count
            picture.minimumFraction = fractionPart.filter { s.isDecimalDigit($0) }.count
            picture.maximumFraction = fractionPart.filter { s.isDecimalDigit($0) || $0 == s.digit }.count
            picture.hasExponent = exponentIndex != nil
            picture.integerHasOptionalDigit = integerPart.contains(s.digit)
            picture.minimumExponent = exponent.count
            if picture.minimumInteger == 0 && picture.maximumFraction == 0 {
                if picture.hasExponent {
                    picture.minimumFraction = 1
                    picture.maximumFraction = 1
                } else {
                    picture.minimumInteger = 1
                }
            }
            return picture
        }

        func format(_ value: Double) -> String {
            if value.isNaN { return symbols.notANumber }
            let isNegative = value < 0
            let picture = isNegative ? (negative ?? positive) : positive
            var number = abs(value)
            if picture.percent { number *= 100 } else if picture.perMille { number *= 1000 }
            var minimumInteger = picture.minimumInteger
            var exponent = 0
            if picture.hasExponent, number != 0 {
                let scaling = picture.minimumInteger
                exponent = Int((log10(number)).rounded(.down)) + 1 - scaling
                number /= pow(10, Double(exponent))
                // Guard against log10 rounding at exact powers of ten.
                let upper = pow(10, Double(scaling))
                if number >= upper && scaling > 0 || (scaling == 0 && number >= 1) {
                    number /= 10
                    exponent += 1
                }
            }
            if picture.hasExponent && minimumInteger == 0 && picture.integerHasOptionalDigit {
                minimumInteger = 1
            }
            var text = number.isInfinite ? "" : String(format: "%.\(picture.maximumFraction)f", number)
            if number.isInfinite {
                return (isNegative && negative == nil ? symbols.minusSign : "") + picture.prefix + symbols.infinity
                    + picture.suffix
            }
            var integerDigits = text
            var fractionDigits = ""
            if let dot = text.firstIndex(of: ".") {
                integerDigits = String(text[..<dot])
                fractionDigits = String(text[text.index(after: dot)...])
            }
            while integerDigits.hasPrefix("0") { integerDigits.removeFirst() }
            if integerDigits.count < minimumInteger {
                integerDigits = String(repeating: "0", count: minimumInteger - integerDigits.count) + integerDigits
            }
            while fractionDigits.count > picture.minimumFraction && fractionDigits.hasSuffix("0") {
                fractionDigits.removeLast()
            }
            text = group(
                integerDigits, groups: picture.integerGroups, regular: picture.regularGrouping, fromRight: true)
            var result = picture.prefix + text
            if !fractionDigits.isEmpty {
                result.append(symbols.decimalSeparator)
                result += group(fractionDigits, groups: picture.fractionGroups, regular: nil, fromRight: false)
            }
            if picture.hasExponent {
                var exponentDigits = String(abs(exponent))
                if exponentDigits.count < picture.minimumExponent {
                    exponentDigits =
                        String(repeating: "0", count: picture.minimumExponent - exponentDigits.count) + exponentDigits
                }
                result.append(symbols.exponentSeparator)
                if exponent < 0 { result += symbols.minusSign }
                result += mapDigits(exponentDigits)
            }
            result += picture.suffix
            if isNegative && negative == nil { result = symbols.minusSign + result }
            return result
        }

        private func mapDigits(_ digits: String) -> String {
            String(
                digits.map { c -> Character in
                    guard let value = c.wholeNumberValue, c.isASCII else { return c }
                    return symbols.digitCharacter(value)
                })
        }

        private func group(_ digits: String, groups: [Int], regular: Int?, fromRight: Bool) -> String {
            let chars = Array(mapDigits(digits))
            var result = ""
            for (offset, c) in chars.enumerated() {
                let position = fromRight ? chars.count - offset : offset
                if offset > 0 && position > 0 {
                    if let regular {
                        if position % regular == 0 { result.append(symbols.groupingSeparator) }
                    } else if groups.contains(position) {
                        result.append(symbols.groupingSeparator)
                    }
                }
                result.append(c)
            }
            return result
        }
    }
}
