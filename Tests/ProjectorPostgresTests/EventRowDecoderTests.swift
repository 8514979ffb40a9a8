import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorTesting
import Testing

/// `EventRowDecoder` on records built by literal SELECTs: a batch row with a pruned payload (one field per key, NULL
/// fields absent), a whole `json` payload, and malformed rows, whose errors name the field.
@Suite(.timeLimit(.minutes(1))) struct EventRowDecoderTests {
    static let layout = EventTableLayout(ProjectorConfiguration())

    static let prefix = prefix()

    /// A batch record up to its payload fields (append them and `)`), with the given pending and position fields.
    static func prefix(pending: String = "true", position: String = "3::int8") -> String {
        """
        SELECT ROW('42'::xid8, \(pending), '7'::xid8, \(position), 'e1'::text, 'svc'::text, 's1'::text, 2::int8,
          '2024-05-01T12:10:45.123456Z'::timestamptz
        """
    }

    /// Decodes the first row of `sql` as a batch row, with `keys` as the pruned data keys.
    func decodeBatchRow(_ sql: String, keys: [String]?) async throws -> (UInt64, Bool, Event?)? {
        try await decodePackedRow(sql, keys: keys).map { ($0.0, $0.1, $0.2.first) }
    }

    /// Decodes the first row of `sql` as a batch row, with all its events.
    func decodePackedRow(_ sql: String, keys: [String]?) async throws -> (UInt64, Bool, [Event])? {
        guard let url = try TestServers.databaseURL() else { return nil }
        return try await PostgresTesting.withConnection(url) { connection in
            var decoder = EventRowDecoder(layout: Self.layout)
            decoder.dataKeys = keys
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "t")) {
                var events: [Event] = []
                let (watermark, above) = try decoder.decodeBatchRow(row, into: &events)
                return (watermark, above, events)
            }
            return nil
        }
    }

    @Test func prunedPayloadKeepsPresentFieldsAndDropsNullElements() async throws {
        let sql = Self.prefix + #", '"opened"'::jsonb, NULL::jsonb, 'null'::jsonb, '{"a": [1, "\u00e9"]}'::json)"#
        guard let (watermark, above, event) = try await decodeBatchRow(sql, keys: ["event-id", "gone", "n", "o"])
        else { return }
        #expect(watermark == 42)
        #expect(above)
        let decoded = try #require(event)
        #expect(decoded.cursor == EventCursor(transactionID: 7, position: 3))
        #expect(decoded.type == "opened")
        #expect([decoded.id, decoded.service, decoded.stream] == ["e1", "svc", "s1"])
        #expect(decoded.seq == 2)
        #expect(decoded.createdAt == "2024-05-01T12:10:45.123456+00:00")
        #expect(decoded.data == ["event-id": "opened", "n": .null, "o": ["a": [1, "é"]]])
    }

    @Test func wholeJSONPayloadAndOuterJoinWithoutEvent() async throws {
        let sql = Self.prefix + #", '{"event-id": "x", "v": 1.5}'::json)"#
        guard let (_, _, event) = try await decodeBatchRow(sql, keys: nil) else { return }
        #expect(event?.data == ["event-id": "x", "v": 1.5])
        let empty = "SELECT ROW('9'::xid8, false, NULL::xid8, NULL::int8, NULL::text, NULL::text, NULL::text, "
            + "NULL::int8, NULL::timestamptz, NULL::jsonb)"
        guard let (watermark, above, none) = try await decodeBatchRow(empty, keys: nil) else { return }
        #expect(watermark == 9 && !above && none == nil)
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
        (Self.prefix + ", '1'::jsonb)", ["a", "b"], "event row has 10 fields, not 11"),
        (Self.prefix + ", '{\"a\": tru}'::text)", nil, "event data is not valid JSON"),
        (Self.prefix + ", '{}'::jsonb, 'x'::text)", ["a", "b"], "event data field b is not valid JSON"),
        (Self.prefix + ", NULL::jsonb)", nil, "event row has a NULL data column"),
        (Self.prefix(position: "3::int4") + ", '{}'::jsonb)", nil,
         "event row field position is not an 8-byte binary value"),
        (Self.prefix(pending: "'yes'::text") + ", '{}'::jsonb)", nil,
         "event row field pending is not a binary bool"),
        (Self.prefix(position: "NULL::int8") + ", '{}'::jsonb)", nil,
         "event row has a NULL position"),
        ("SELECT '1'::xid8, true", nil, "event row has 2 columns, not one record"),
        ("SELECT 'x'::text", nil, "event row is not a record"),
    ])
    func malformedRowsNameWhatIsWrong(sql: String, keys: [String]?, message: String) async throws {
        do {
            _ = try await decodeBatchRow(sql, keys: keys)
            #expect(TestServers.environment("DATABASE_URL") == nil, "no error for \(sql)")
        } catch let error as ProjectorPostgresError {
            #expect(error.code == .malformedRow)
            #expect("\(error)".contains(message), "\(error)")
        }
    }
}
