import NIOCore
import PostgresNIO
import ProjectorCore

/// `timestamptz` in binary: microseconds since 2000-01-01 UTC.
struct PostgresTimestamp: PostgresDecodable, Sendable {
    var microsecondsSince2000: Int64

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, type == .timestamptz || type == .timestamp,
            let value = buffer.readInteger(as: Int64.self)
        else { throw PostgresDecodingError.Code.typeMismatch }
        microsecondsSince2000 = value
    }

    var rfc3339: String { TimestampFormatter.format(microsecondsSince2000: microsecondsSince2000) }
}

/// The JSON text of a `jsonb` (binary: a version byte, then the text), `json` or `text` cell, not yet parsed.
struct JSONText: PostgresDecodable, Sendable {
    var bytes: ByteBuffer

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        if type == .jsonb, format == .binary {
            guard buffer.readInteger(as: UInt8.self) == 1 else { throw PostgresDecodingError.Code.failure }
        }
        bytes = buffer
    }
}

/// Turns rows of `EventTableLayout.eventSelectList` into `Event`s, column by index, parsing the payload straight
/// from the row's bytes.
///
/// Keep one decoder per read: it remembers the last `created_at` and service it saw, because consecutive events
/// mostly share them (one transaction, one service), and reuses their strings instead of building new ones.
struct EventRowDecoder: Sendable {
    /// The columns of one event row: `tx_id, position, id, service, stream, seq, created_at, data`.
    typealias Columns = (
        TransactionID, Int64, ByteBuffer?, ByteBuffer?, ByteBuffer?, Int64?, PostgresTimestamp?, JSONText?
    )

    let typeKey: String
    let encoding: EventEncoding
    private var lastCreatedAt: (microseconds: Int64, text: String)?
    private var lastService: (bytes: ByteBuffer, text: String)?

    init(layout: EventTableLayout) {
        typeKey = layout.typeKey
        encoding = layout.encoding
    }

    /// Parses JSON text, then strips edd tags when the layout says so.
    func parseData(_ text: ByteBuffer) throws -> JSONValue {
        let parsed = try text.withUnsafeReadableBytes { bytes in try JSONValue(parsingUTF8: bytes) }
        return encoding == .edd ? EDDDecoding.decode(parsed) : parsed
    }

    /// Decodes one row made of exactly the event columns.
    mutating func decode(_ row: PostgresRow) throws -> Event {
        let columns: Columns
        do {
            columns = try row.decode(Columns.self)
        } catch {
            throw ProjectorPostgresError(.malformedRow, "event row does not decode: \(String(reflecting: error))")
        }
        return try event(columns)
    }

    /// Builds the event from its decoded columns.
    mutating func event(_ columns: Columns) throws -> Event {
        let (transaction, position, id, service, stream, seq, createdAt, dataText) = columns
        guard let dataText else { throw ProjectorPostgresError(.malformedRow, "event row has a NULL data column") }
        let data: JSONValue
        do {
            data = try parseData(dataText.bytes)
        } catch {
            throw ProjectorPostgresError(.malformedRow, "event data is not valid JSON: \(error)")
        }
        var type = ""
        if case .string(let value) = data[typeKey] { type = value }
        var serviceName = ""
        if let service { serviceName = serviceText(service) }
        var created = ""
        if let createdAt { created = createdAtText(createdAt) }
        return Event(
            id: id.map { String(buffer: $0) } ?? "",
            type: type,
            stream: stream.map { String(buffer: $0) } ?? "",
            seq: seq ?? 0,
            service: serviceName,
            cursor: EventCursor(transactionID: transaction.rawValue, position: position),
            createdAt: created,
            data: data
        )
    }

    private mutating func serviceText(_ bytes: ByteBuffer) -> String {
        if let last = lastService, last.bytes == bytes { return last.text }
        let text = String(buffer: bytes)
        lastService = (bytes, text)
        return text
    }

    private mutating func createdAtText(_ timestamp: PostgresTimestamp) -> String {
        if let last = lastCreatedAt, last.microseconds == timestamp.microsecondsSince2000 { return last.text }
        let text = timestamp.rfc3339
        lastCreatedAt = (timestamp.microsecondsSince2000, text)
        return text
    }
}
