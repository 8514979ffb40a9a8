import PostgresNIO

/// An `xid8` value as sent and received in PostgreSQL's binary format (8 bytes, big-endian).
struct TransactionID: Sendable, Hashable, PostgresNonThrowingEncodable, PostgresDecodable {
    /// `xid8`'s type OID.
    static let psqlType = PostgresDataType(5069)
    static let psqlFormat = PostgresFormat.binary

    var rawValue: UInt64

    init(_ rawValue: UInt64) { self.rawValue = rawValue }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer,
        context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeInteger(rawValue)
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        switch format {
        case .binary:
            guard buffer.readableBytes == 8, let value = buffer.readInteger(as: UInt64.self) else {
                throw PostgresDecodingError.Code.failure
            }
            rawValue = value
        case .text:
            guard let text = buffer.readString(length: buffer.readableBytes), let value = UInt64(text) else {
                throw PostgresDecodingError.Code.failure
            }
            rawValue = value
        }
    }
}
