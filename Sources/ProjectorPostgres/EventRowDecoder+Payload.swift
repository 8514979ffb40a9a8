import PostgresNIO
import ProjectorCore

extension EventRowDecoder {
    /// `jsonb`'s type OID: its binary values start with a version byte, unlike `json`'s.
    static let jsonbOID: UInt32 = 3802

    /// The next field, the whole `data` column (`json` or `jsonb`).
    mutating func decodeData(from record: inout BinaryRecord) throws -> JSONValue {
        let field = try record.next("data")
        guard let value = field.value else {
            throw ProjectorPostgresError(.malformedRow, "event row has a NULL data column")
        }
        do {
            return try parseJSON(value, type: field.type)
        } catch let failure as PayloadFailure {
            throw failure.error(what: "event data")
        }
    }

    /// `data` rebuilt from the next fields, one per key (a pruned read): a NULL field is a key the event lacks.
    mutating func decodeFields(_ keys: [String], from record: inout BinaryRecord) throws -> JSONValue {
        var object = JSONObject(minimumCapacity: keys.count)
        for key in keys {
            let field = try record.next("data field \(key)")
            guard let value = field.value else { continue }
            do {
                object[key] = try parseJSON(value, type: field.type)
            } catch let failure as PayloadFailure {
                throw failure.error(what: "event data field \(key)")
            }
        }
        return .object(object)
    }

    /// Parses a `json` or `jsonb` value in binary format, then strips edd tags when the layout says so. Throws
    /// ``PayloadFailure``, which the caller turns into an error naming the field.
    private mutating func parseJSON(_ bytes: UnsafeRawBufferPointer, type: UInt32) throws -> JSONValue {
        var text = bytes
        if type == Self.jsonbOID {
            guard text.first == 1 else { throw PayloadFailure.unknownJSONBVersion }
            text = UnsafeRawBufferPointer(rebasing: text.dropFirst())
        }
        let parsed: JSONValue
        do {
            parsed = try parser.parse(text)
        } catch {
            throw PayloadFailure.invalidJSON(error)
        }
        return encoding == .edd ? EDDDecoding.decode(parsed) : parsed
    }
}

/// Why a payload field could not be decoded, before the caller names the field.
enum PayloadFailure: Error {
    case unknownJSONBVersion
    case invalidJSON(JSONParseError)

    /// The error naming the field (`what`).
    func error(what: String) -> ProjectorPostgresError {
        switch self {
        case .unknownJSONBVersion: ProjectorPostgresError(.malformedRow, "\(what) has an unknown jsonb version")
        case .invalidJSON(let error): ProjectorPostgresError(.malformedRow, "\(what) is not valid JSON: \(error)")
        }
    }
}
