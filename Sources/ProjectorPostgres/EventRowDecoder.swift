import NIOCore
import PostgresNIO
import ProjectorCore

/// Turns rows of `EventTableLayout.eventSelectList` into `Event`s in one pass over the row's cells, reading the
/// binary values directly and parsing the payload straight from the row's bytes.
///
/// Keep one decoder per read: it remembers the last `created_at` and service it saw, because consecutive events
/// mostly share them (one transaction, one service), and reuses their strings instead of building new ones; and its
/// payload parser, which reuses the previous payload's keys.
struct EventRowDecoder: Sendable {
    let typeKey: String
    let encoding: EventEncoding
    private var lastCreatedAtMicroseconds: Int64?
    private var lastCreatedAtText = ""
    private var lastServiceBytes: ByteBuffer?
    private var lastServiceText = ""
    /// Payloads of one table mostly share their keys; the parser reuses them from row to row.
    private var parser = JSONValue.ReusableParser()
    /// When set, rows carry these fields of `data` as separate `jsonb` cells in place of the `data` column
    /// (``EventTableLayout/eventSelectList(fields:firstParameter:)``), and `data` is rebuilt from them.
    var dataKeys: [String]?

    init(layout: EventTableLayout) {
        typeKey = layout.typeKey
        encoding = layout.encoding
    }

    /// Parses JSON text, then strips edd tags when the layout says so.
    mutating func parseData(_ text: ByteBuffer) throws -> JSONValue {
        let parsed = try text.withUnsafeReadableBytes { bytes in try parser.parse(bytes) }
        return encoding == .edd ? EDDDecoding.decode(parsed) : parsed
    }

    /// Decodes one row made of exactly the event columns.
    mutating func decode(_ row: PostgresRow) throws -> Event {
        var cells = row.makeIterator()
        guard let event = try decodeEvent(&cells) else {
            throw ProjectorPostgresError(.malformedRow, "event row has a NULL tx_id")
        }
        return event
    }

    /// Decodes the next cells (`tx_id, position, id, service, stream, seq, created_at`, then `data` or one cell
    /// per ``dataKeys``); `nil` when `tx_id` is NULL (the outer join of a batch read found no event).
    mutating func decodeEvent(_ cells: inout PostgresRow.Iterator) throws -> Event? {
        guard let transactionCell = cells.next(), let positionCell = cells.next(), let idCell = cells.next(),
            let serviceCell = cells.next(), let streamCell = cells.next(), let seqCell = cells.next(),
            let createdCell = cells.next()
        else { throw ProjectorPostgresError(.malformedRow, "event row has too few columns") }
        guard let transaction = try Self.integer(transactionCell) else { return nil }
        guard let position = try Self.integer(positionCell) else {
            throw ProjectorPostgresError(.malformedRow, "event row has a NULL position")
        }
        let data: JSONValue
        if let dataKeys {
            data = try decodeFields(dataKeys, from: &cells)
        } else {
            guard let dataCell = cells.next() else {
                throw ProjectorPostgresError(.malformedRow, "event row has too few columns")
            }
            guard let bytes = dataCell.bytes else {
                throw ProjectorPostgresError(.malformedRow, "event row has a NULL data column")
            }
            data = try decodeJSON(bytes, of: dataCell, what: "event data")
        }
        var type = ""
        if case .string(let value) = data[typeKey] { type = value }
        var service = ""
        if let bytes = serviceCell.bytes { service = serviceText(bytes) }
        var createdAt = ""
        if let microseconds = try Self.integer(createdCell) { createdAt = createdAtText(microseconds) }
        return Event(
            id: idCell.bytes.map { String(buffer: $0) } ?? "",
            type: type,
            stream: streamCell.bytes.map { String(buffer: $0) } ?? "",
            seq: try Self.integer(seqCell) ?? 0,
            service: service,
            cursor: EventCursor(transactionID: UInt64(bitPattern: transaction), position: position),
            createdAt: createdAt,
            data: data
        )
    }

    /// `data` rebuilt from one cell per key: a key whose cell is NULL is one the event lacks.
    private mutating func decodeFields(_ keys: [String], from cells: inout PostgresRow.Iterator) throws -> JSONValue {
        var object = JSONObject(minimumCapacity: keys.count)
        for key in keys {
            guard let cell = cells.next() else {
                throw ProjectorPostgresError(.malformedRow, "event row has too few columns")
            }
            guard let bytes = cell.bytes else { continue }
            object[key] = try decodeJSON(bytes, of: cell, what: "event data field \(key)")
        }
        return .object(object)
    }

    /// Parses a `json`/`jsonb` cell (binary `jsonb` starts with its version byte).
    private mutating func decodeJSON(_ bytes: ByteBuffer, of cell: PostgresCell, what: String) throws -> JSONValue {
        var bytes = bytes
        if cell.dataType == .jsonb, cell.format == .binary {
            guard bytes.readInteger(as: UInt8.self) == 1 else {
                throw ProjectorPostgresError(.malformedRow, "\(what) has an unknown jsonb version")
            }
        }
        do {
            return try parseData(bytes)
        } catch {
            throw ProjectorPostgresError(.malformedRow, "\(what) is not valid JSON: \(error)")
        }
    }

    /// An 8-byte binary value (`int8`, `xid8`, `timestamptz`); `nil` for NULL.
    static func integer(_ cell: PostgresCell) throws -> Int64? {
        guard let bytes = cell.bytes else { return nil }
        guard cell.format == .binary, bytes.readableBytes == 8,
            let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self)
        else {
            throw ProjectorPostgresError(
                .malformedRow, "column \(cell.columnName) is not an 8-byte binary value (type \(cell.dataType))")
        }
        return value
    }

    /// A binary `bool`; `nil` for NULL.
    static func bool(_ cell: PostgresCell) throws -> Bool? {
        guard let bytes = cell.bytes else { return nil }
        guard cell.format == .binary, bytes.readableBytes == 1,
            let value = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self)
        else { throw ProjectorPostgresError(.malformedRow, "column \(cell.columnName) is not a binary bool") }
        return value != 0
    }

    private mutating func serviceText(_ bytes: ByteBuffer) -> String {
        if lastServiceBytes == bytes { return lastServiceText }
        lastServiceText = String(buffer: bytes)
        lastServiceBytes = bytes
        return lastServiceText
    }

    private mutating func createdAtText(_ microseconds: Int64) -> String {
        if lastCreatedAtMicroseconds == microseconds { return lastCreatedAtText }
        lastCreatedAtText = TimestampFormatter.format(microsecondsSince2000: microseconds)
        lastCreatedAtMicroseconds = microseconds
        return lastCreatedAtText
    }
}
