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

/// Turns rows of `EventTableLayout.eventSelectList` into `Event`s.
struct EventRowDecoder: Sendable {
    let typeKey: String
    let encoding: EventEncoding

    init(layout: EventTableLayout) {
        typeKey = layout.typeKey
        encoding = layout.encoding
    }

    /// Parses jsonb in binary form (a version byte, then JSON text) or json/text.
    func parseData(_ buffer: ByteBuffer, type: PostgresDataType) throws -> JSONValue {
        let skip = type == .jsonb && buffer.readableBytes > 0 ? 1 : 0
        let parsed = try buffer.withUnsafeReadableBytes { bytes in
            try JSONValue(parsingUTF8: UnsafeRawBufferPointer(rebasing: bytes[skip...]))
        }
        return encoding == .edd ? EDDDecoding.decode(parsed) : parsed
    }

    /// Builds the event from decoded columns.
    func event(
        transactionID: UInt64,
        position: Int64,
        id: String?,
        service: String,
        stream: String,
        seq: Int64,
        createdAt: PostgresTimestamp?,
        data: JSONValue
    ) -> Event {
        var type = ""
        if case .string(let value) = data[typeKey] { type = value }
        return Event(
            id: id ?? "",
            type: type,
            stream: stream,
            seq: seq,
            service: service,
            cursor: EventCursor(transactionID: transactionID, position: position),
            createdAt: createdAt?.rfc3339 ?? "",
            data: data
        )
    }

    /// Decodes one row whose first columns are `tx_id, position, id, service, stream, seq, created_at, data`
    /// starting at column `offset`.
    func decode(_ row: PostgresRow, offset: Int = 0) throws -> Event {
        var cells = row.makeIterator()
        for _ in 0..<offset { _ = cells.next() }
        guard let txCell = cells.next(), let positionCell = cells.next(), let idCell = cells.next(),
            let serviceCell = cells.next(), let streamCell = cells.next(), let seqCell = cells.next(),
            let createdCell = cells.next(), let dataCell = cells.next()
        else { throw ProjectorPostgresError(.malformedRow, "event row has too few columns") }
        guard let dataBytes = dataCell.bytes else {
            throw ProjectorPostgresError(.malformedRow, "event row has a NULL data column")
        }
        let data: JSONValue
        do {
            data = try parseData(dataBytes, type: dataCell.dataType)
        } catch {
            throw ProjectorPostgresError(.malformedRow, "event data is not valid JSON: \(error)")
        }
        return event(
            transactionID: try txCell.decode(TransactionID.self).rawValue,
            position: try positionCell.decode(Int64.self),
            id: try idCell.decode(String?.self),
            service: try serviceCell.decode(String?.self) ?? "",
            stream: try streamCell.decode(String?.self) ?? "",
            seq: try seqCell.decode(Int64?.self) ?? 0,
            createdAt: try createdCell.decode(PostgresTimestamp?.self),
            data: data
        )
    }
}
