import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorTesting
import Testing

/// `EventRowDecoder` on records built by literal SELECTs: an event record with a pruned payload (one field per key,
/// NULL fields absent), a whole `json` payload, watermark and packed batch rows, and malformed rows, whose errors
/// name the field.
@Suite(.timeLimit(.minutes(1))) struct EventRowDecoderTests {
    static let layout = EventTableLayout(ProjectorConfiguration())

    static let prefix = prefix()

    /// An event record up to its payload fields (append them and `)`), with the given position field.
    static func prefix(position: String = "3::int8") -> String {
        """
        SELECT ROW('7'::xid8, \(position), 'e1'::text, 'svc'::text, 's1'::text, 2::int8,
          '2024-05-01T12:10:45.123456Z'::timestamptz
        """
    }

    /// The first row of `sql`, with a decoder that has `keys` as the pruned data keys.
    func withFirstRow<Result>(
        _ sql: String, keys: [String]?, _ body: (inout EventRowDecoder, PostgresRow) throws -> Result
    ) async throws -> Result? {
        guard let url = try TestServers.databaseURL() else { return nil }
        return try await PostgresTesting.withConnection(url) { connection in
            var decoder = EventRowDecoder(layout: Self.layout)
            decoder.dataKeys = keys
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "t")) {
                return try body(&decoder, row)
            }
            return nil
        }
    }

    /// Decodes the first row of `sql` as an event record, with `keys` as the pruned data keys.
    func decodeEvent(_ sql: String, keys: [String]?) async throws -> Event? {
        try await withFirstRow(sql, keys: keys) { decoder, row in try decoder.decode(row) }
    }

    /// Decodes the first row of `sql` as a batch row (watermark, or packed), with all its events.
    func decodePackedRow(_ sql: String, keys: [String]?) async throws -> (UInt64, Bool, [Event])? {
        try await withFirstRow(sql, keys: keys) { decoder, row in
            var events: [Event] = []
            let (watermark, above) = try decoder.decodeBatchRow(row, into: &events)
            return (watermark, above, events)
        }
    }

    @Test func prunedPayloadKeepsPresentFieldsAndDropsNullElements() async throws {
        let sql = Self.prefix + #", '"opened"'::jsonb, NULL::jsonb, 'null'::jsonb, '{"a": [1, "\u00e9"]}'::json)"#
        guard let decoded = try await decodeEvent(sql, keys: ["event-id", "gone", "n", "o"]) else { return }
        #expect(decoded.cursor == EventCursor(transactionID: 7, position: 3))
        #expect(decoded.type == "opened")
        #expect([decoded.id, decoded.service, decoded.stream] == ["e1", "svc", "s1"])
        #expect(decoded.seq == 2)
        #expect(decoded.createdAt == "2024-05-01T12:10:45.123456+00:00")
        #expect(decoded.data == ["event-id": "opened", "n": .null, "o": ["a": [1, "é"]]])
    }

    @Test func wholeJSONPayloadAndWatermarkRows() async throws {
        let sql = Self.prefix + #", '{"event-id": "x", "v": 1.5}'::json)"#
        guard let event = try await decodeEvent(sql, keys: nil) else { return }
        #expect(event.data == ["event-id": "x", "v": 1.5])
        guard let (watermark, above, none) = try await decodePackedRow("SELECT ROW('9'::xid8, false)", keys: nil)
        else { return }
        #expect(watermark == 9 && !above && none.isEmpty)
        guard let (pendingWatermark, pending, _) = try await decodePackedRow("SELECT ROW('42'::xid8, true)", keys: nil)
        else { return }
        #expect(pendingWatermark == 42 && pending)
    }

    @Test func packedRowsCarryTheirEventsInOrder() async throws {
        let event = { (position: Int) in
            "ROW('7'::xid8, \(position)::int8, 'e\(position)'::text, 'svc'::text, 's1'::text, \(position)::int8, "
                + "NULL::timestamptz, '{\"event-id\": \"t\", \"n\": \(position)}'::jsonb)"
        }
        let sql = "SELECT ROW('42'::xid8, false, ARRAY[\((1...3).map(event).joined(separator: ", "))])"
        guard let (watermark, above, events) = try await decodePackedRow(sql, keys: nil) else { return }
        #expect(watermark == 42 && !above)
        #expect(events.map(\.cursor.position) == [1, 2, 3])
        #expect(events.map(\.id) == ["e1", "e2", "e3"])
        #expect(events.map(\.createdAt) == ["", "", ""])
        #expect(events.last?.data == ["event-id": "t", "n": 3])
        guard let (_, _, none) = try await decodePackedRow("SELECT ROW('9'::xid8, true, NULL::record[])", keys: nil)
        else { return }
        #expect(none.isEmpty)
        await #expect(throws: ProjectorPostgresError.self) {
            _ = try await decodePackedRow("SELECT ROW('9'::xid8, true, ARRAY[ROW(1, 2)])", keys: nil)
        }
    }

    @Test(arguments: [
        (Self.prefix + ", '1'::jsonb)", ["a", "b"], "event row has 8 fields, not 9"),
        (Self.prefix + ", '{\"a\": tru}'::text)", nil, "event data is not valid JSON"),
        (Self.prefix + ", '{}'::jsonb, 'x'::text)", ["a", "b"], "event data field b is not valid JSON"),
        (Self.prefix + ", NULL::jsonb)", nil, "event row has a NULL data column"),
        (Self.prefix(position: "3::int4") + ", '{}'::jsonb)", nil,
         "event row field position is not an 8-byte binary value"),
        (Self.prefix(position: "NULL::int8") + ", '{}'::jsonb)", nil,
         "event row has a NULL position"),
        ("SELECT '1'::xid8, true", nil, "event row has 2 columns, not one record"),
        ("SELECT 'x'::text", nil, "event row is not a record"),
    ])
    func malformedRowsNameWhatIsWrong(sql: String, keys: [String]?, message: String) async throws {
        do {
            _ = try await decodeEvent(sql, keys: keys)
            #expect(TestServers.environment("DATABASE_URL") == nil, "no error for \(sql)")
        } catch let error as ProjectorPostgresError {
            #expect(error.code == .malformedRow)
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test(arguments: [
        ("SELECT ROW('42'::xid8, 'yes'::text)", "event row field pending is not a binary bool"),
        ("SELECT ROW('42'::xid8, true, NULL::record[], 1)", "batch row has 4 fields, not 2 (watermark) or 3 (packed)"),
    ])
    func malformedBatchRowsNameWhatIsWrong(sql: String, message: String) async throws {
        do {
            _ = try await decodePackedRow(sql, keys: nil)
            #expect(TestServers.environment("DATABASE_URL") == nil, "no error for \(sql)")
        } catch let error as ProjectorPostgresError {
            #expect(error.code == .malformedRow)
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
