import Foundation

extension JSONata {
    /// The JSONata function library (`$sum`, `$map`, …), looked up by name when a variable is not bound.
    enum Library {
        static let table: [String: Builtin] = {
            var table: [String: Builtin] = [:]
            for builtin in stringFunctions + numericFunctions + collectionFunctions + higherOrderFunctions
                + dateTimeFunctions + miscellaneousFunctions + formatFunctions
            {
                table[builtin.name] = builtin
            }
            return table
        }()

        static func function(named name: String) -> Value? {
            guard let builtin = table[name] else { return nil }
            return .function(FunctionValue(.builtin(builtin)))
        }

        static func error(_ code: String, _ message: String, _ context: CallContext, token: String? = nil)
            -> JSONataError
        {
            JSONataError(code: code, message: message, position: context.position, token: token)
        }
    }
}

extension JSONata.Evaluator {
    /// `$string` of a value: strings unchanged, numbers like JavaScript with 15 significant digits, other values
    /// as JSON (functions as `""`).
    static func string(_ value: Value, pretty: Bool = false) throws(JSONataError) -> String {
        switch value {
        case .string(let text): return text
        case .function: return ""
        case .int(let number): return String(number)
        case .double(let number):
            guard number.isFinite else {
                throw JSONataError(code: "D3001", message: "Attempting to invoke string function on Infinity or NaN")
            }
            return JSONNumberFormatter.format(roundedToPrecision15(number))
        default:
            guard let json = try jsonForString(value) else { return "" }
            return json.serialized(pretty: pretty)
        }
    }

    private static func jsonForString(_ value: Value) throws(JSONataError) -> JSONValue? {
        switch value {
        case .double(let number):
            guard number.isFinite else {
                throw JSONataError(code: "D1001", message: "Number out of range: \(number)")
            }
            return .double(roundedToPrecision15(number))
        case .function: return .string("")
        case .array, .jsonArray:
            var items: [JSONValue] = []
            for element in value.elements {
                items.append(try jsonForString(element) ?? .null)
            }
            return .array(items)
        case .object, .jsonObject, .reference:
            var object = JSONObject()
            for (key, member) in value.objectEntries {
                if let json = try jsonForString(member) { object[key] = json }
            }
            return .object(object)
        default:
            return value.json
        }
    }

    /// JavaScript's `Number(x.toPrecision(15))`.
    static func roundedToPrecision15(_ number: Double) -> Double {
        if number.rounded(.towardZero) == number && abs(number) < 1e15 { return number }
        return Double(String(format: "%.14e", number)) ?? number
    }
}
