import NIOCore
import PostgresNIO
import ProjectorCore

/// Turns event rows into `Event`s: rows of one binary record each (``EventTableLayout/eventRecord`` for single
/// events, ``EventReader/batchQuery(after:limit:filter:packed:)`` for batch reads), read field by field from the
/// row's bytes (``BinaryRecord``), the payload parsed in place. Error text is built only for a malformed row.
///
/// Keep one decoder per read: it remembers the last `created_at` and service it saw, because consecutive events
/// mostly share them (one transaction, one service), and reuses their strings instead of building new ones; and its
/// payload parser, which reuses the previous payload's keys.
struct EventRowDecoder: Sendable {
    let typeKey: String
    let encoding: EventEncoding
    private var lastCreatedAtMicroseconds: Int64?
    private var lastCreatedAtText = ""
    private var lastServiceBytes: [UInt8] = []
    private var lastServiceText: String?
    /// Payloads of one table mostly share their keys; the parser reuses them from row to row.
    var parser = JSONValue.ReusableParser()
    /// When set, records carry these fields of `data` as separate `jsonb` fields in place of `data`
    /// (``EventTableLayout/eventSelectList(fields:firstParameter:)``), and `data` is rebuilt from them.
    var dataKeys: [String]?

    /// Fields of an event record before its payload.
    static let eventFieldsBeforeData = 7

    init(layout: EventTableLayout) {
        typeKey = layout.typeKey
        encoding = layout.encoding
    }

    /// Fields of an event record: the columns, then `data` or one field per ``dataKeys``.
    var eventFields: Int { Self.eventFieldsBeforeData + (dataKeys?.count ?? 1) }

    /// Decodes one row of ``EventTableLayout/eventRecord``.
    mutating func decode(_ row: PostgresRow) throws -> Event {
        try withRecord(row, fields: eventFields) { decoder, record in
            guard let event = try decoder.event(&record) else {
                throw ProjectorPostgresError(.malformedRow, "event row has a NULL tx_id")
            }
            return event
        }
    }

    /// Decodes a batch row that carries the read's watermark: the watermark, whether committed events wait above it,
    /// and the row's events, appended to `events` in order. The first row of a batch read
    /// (``EventReader/batchQuery(after:limit:filter:packed:)``) is the watermark alone (the events follow, one record
    /// per row: ``decode(_:)``); every row of a packed read (``EventReader/packedChunk(limit:)``) carries a chunk of
    /// them as an array of event records.
    mutating func decodeBatchRow(
        _ row: PostgresRow, into events: inout [Event]
    ) throws -> (watermark: UInt64, above: Bool) {
        let eventFields = eventFields
        return try withRecord(row, fields: nil) { decoder, record in
            guard record.count != eventFields else {
                throw ProjectorPostgresError(
                    .malformedRow, "batch read sent an event before its watermark row (a parallel plan?)")
            }
            guard let watermark = try record.nextInteger("watermark"), let above = try record.nextBool("pending") else {
                throw ProjectorPostgresError(.malformedRow, "batch row has no watermark")
            }
            if record.count == 3 {
                let packed = try record.next("events")
                if let value = packed.value {
                    guard packed.type == BinaryRecord.recordArrayOID else {
                        throw ProjectorPostgresError(.malformedRow, "batch row field events is not a record array")
                    }
                    events.reserveCapacity(events.count + BinaryRecord.arrayCount(value))
                    try BinaryRecord.forEachArrayElement(value) { element in
                        guard let element else {
                            throw ProjectorPostgresError(.malformedRow, "batch row has a NULL event")
                        }
                        var eventRecord = try BinaryRecord(element)
                        try Self.expect(eventFields, in: eventRecord)
                        guard let event = try decoder.event(&eventRecord) else {
                            throw ProjectorPostgresError(.malformedRow, "event row has a NULL tx_id")
                        }
                        events.append(event)
                    }
                }
            } else if record.count != 2 {
                throw ProjectorPostgresError(
                    .malformedRow, "batch row has \(record.count) fields, not 2 (watermark) or 3 (packed)")
            }
            return (UInt64(bitPattern: watermark), above)
        }
    }

    /// Throws unless `record` has `fields` fields.
    private static func expect(_ fields: Int, in record: BinaryRecord) throws {
        guard record.count == fields else {
            throw ProjectorPostgresError(.malformedRow, "event row has \(record.count) fields, not \(fields)")
        }
    }

    /// Calls `body` with the record of a row of one binary record cell with `fields` fields (any number for `nil`).
    private mutating func withRecord<Result>(
        _ row: PostgresRow, fields: Int?, _ body: (inout Self, inout BinaryRecord) throws -> Result
    ) throws -> Result {
        guard row.count == 1 else {
            throw ProjectorPostgresError(.malformedRow, "event row has \(row.count) columns, not one record")
        }
        let cell: RecordCell
        do {
            cell = try row.decode(RecordCell.self)
        } catch {
            throw ProjectorPostgresError(.malformedRow, "event row is not a binary record")
        }
        return try cell.bytes.withUnsafeReadableBytes { bytes in
            var record = try BinaryRecord(bytes)
            if let fields { try Self.expect(fields, in: record) }
            return try body(&self, &record)
        }
    }

    /// The event of the next fields (`tx_id, position, id, service, stream, seq, created_at`, then `data` or one field
    /// per ``dataKeys``); `nil` when `tx_id` is NULL.
    private mutating func event(_ record: inout BinaryRecord) throws -> Event? {
        guard let transaction = try record.nextInteger("tx_id") else { return nil }
        guard let position = try record.nextInteger("position") else {
            throw ProjectorPostgresError(.malformedRow, "event row has a NULL position")
        }
        let id = try record.nextText("id") ?? ""
        let service = try record.next("service").value.map { serviceText($0) } ?? ""
        let stream = try record.nextText("stream") ?? ""
        let seq = try record.nextInteger("seq") ?? 0
        let createdAt = try record.nextInteger("created_at").map { createdAtText($0) } ?? ""
        let data = try dataKeys.map { try decodeFields($0, from: &record) } ?? decodeData(from: &record)
        var type = ""
        if case .string(let value) = data[typeKey] { type = value }
        return Event(
            id: id,
            type: type,
            stream: stream,
            seq: seq,
            service: service,
            cursor: EventCursor(transactionID: UInt64(bitPattern: transaction), position: position),
            createdAt: createdAt,
            data: data
        )
    }

    private mutating func serviceText(_ bytes: UnsafeRawBufferPointer) -> String {
        if let lastServiceText, bytes.elementsEqual(lastServiceBytes) { return lastServiceText }
        let text = String(decoding: bytes, as: UTF8.self)
        lastServiceText = text
        lastServiceBytes = Array(bytes)
        return text
    }

    private mutating func createdAtText(_ microseconds: Int64) -> String {
        if lastCreatedAtMicroseconds == microseconds { return lastCreatedAtText }
        lastCreatedAtText = TimestampFormatter.format(microsecondsSince2000: microseconds)
        lastCreatedAtMicroseconds = microseconds
        return lastCreatedAtText
    }
}
