import NIOCore
import PostgresNIO

/// The fields of a composite value in PostgreSQL's binary format (`ROW(…)` as `record_send` writes it: the number of
/// fields, then per field its type OID, its length, -1 for NULL, and its value in binary format), read in order from
/// raw bytes.
///
/// Event reads select each event as one such value: a row of one cell costs PostgresNIO and the decoder far less than
/// a row of ten (every cell of a `PostgresRow` is handed out as a `PostgresCell`, with its column's name and type).
struct BinaryRecord {
    /// One field: its type OID and its bytes (`nil` for NULL).
    struct Field {
        var type: UInt32
        var value: UnsafeRawBufferPointer?
    }

    private let bytes: UnsafeRawBufferPointer
    private var offset = 4
    /// Number of fields the value says it has.
    let count: Int

    /// A reader of the composite value in `bytes`, which must stay valid while it is used.
    init(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 4 else { throw ProjectorPostgresError(.malformedRow, "event row is not a record") }
        self.bytes = bytes
        self.count = Int(Int32(bigEndian: bytes.loadUnaligned(as: Int32.self)))
    }

    /// The next field; `name` only names it in the error when the value ends early.
    mutating func next(_ name: @autoclosure () -> String) throws -> Field {
        guard offset + 8 <= bytes.count else {
            throw ProjectorPostgresError(.malformedRow, "event row ends before its field \(name())")
        }
        let type = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let length = Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self)))
        offset += 8
        guard length >= 0 else { return Field(type: type, value: nil) }
        guard offset + length <= bytes.count else {
            throw ProjectorPostgresError(.malformedRow, "event row ends inside its field \(name())")
        }
        defer { offset += length }
        return Field(type: type, value: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
    }

    /// The next field as an 8-byte integer (`int8`, `xid8`, `timestamptz`); `nil` for NULL.
    mutating func nextInteger(_ name: @autoclosure () -> String) throws -> Int64? {
        guard let value = try next(name()).value else { return nil }
        guard value.count == 8 else {
            throw ProjectorPostgresError(.malformedRow, "event row field \(name()) is not an 8-byte binary value")
        }
        return Int64(bigEndian: value.loadUnaligned(as: Int64.self))
    }

    /// The next field as a `bool`; `nil` for NULL.
    mutating func nextBool(_ name: @autoclosure () -> String) throws -> Bool? {
        guard let value = try next(name()).value else { return nil }
        guard value.count == 1 else {
            throw ProjectorPostgresError(.malformedRow, "event row field \(name()) is not a binary bool")
        }
        return value[0] != 0
    }

    /// The next field as text (binary `text` is its UTF-8 bytes); `nil` for NULL.
    mutating func nextText(_ name: @autoclosure () -> String) throws -> String? {
        try next(name()).value.map { String(decoding: $0, as: UTF8.self) }
    }
}

extension BinaryRecord {
    /// The type OID of `record[]`, the field a packed batch row carries its events in.
    static let recordArrayOID: UInt32 = 2287

    /// The number of elements of a one-dimensional array in binary format; 0 when it is not one.
    static func arrayCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count >= 16, Int32(bigEndian: bytes.loadUnaligned(as: Int32.self)) == 1 else { return 0 }
        return max(0, Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: 12, as: Int32.self))))
    }

    /// Calls `body` with each element of a one-dimensional array in binary format (`array_send`: dimensions, flags,
    /// element type, then per dimension its size and lower bound, then per element its length, -1 for NULL, and
    /// bytes); `nil` for a NULL element.
    static func forEachArrayElement(
        _ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> Void
    ) throws {
        func integer(at offset: Int) throws -> Int {
            guard offset + 4 <= bytes.count else {
                throw ProjectorPostgresError(.malformedRow, "event row has a truncated array of events")
            }
            return Int(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        }
        let dimensions = try integer(at: 0)
        guard dimensions == 1 else {
            guard dimensions == 0 else {
                throw ProjectorPostgresError(.malformedRow, "event row has an array of \(dimensions) dimensions")
            }
            return
        }
        let count = try integer(at: 12)
        var offset = 20
        for _ in 0..<count {
            let length = try integer(at: offset)
            offset += 4
            guard length >= 0 else {
                try body(nil)
                continue
            }
            guard offset + length <= bytes.count else {
                throw ProjectorPostgresError(.malformedRow, "event row has a truncated array of events")
            }
            try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
            offset += length
        }
    }
}

/// The one cell of an event row, a binary record (``BinaryRecord``), as received.
struct RecordCell: PostgresDecodable, Sendable {
    var bytes: ByteBuffer

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary else { throw PostgresDecodingError.Code.typeMismatch }
        bytes = buffer
    }
}
