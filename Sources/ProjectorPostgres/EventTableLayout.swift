public import ProjectorCore

/// Where the events are and how to read them: the validated names from `events:` and
/// `schema`, and the SQL built from them. Every name is quoted; nothing from the
/// configuration is spliced into SQL unquoted.
public struct EventTableLayout: Sendable, Hashable {
    /// The event table.
    public var table: SQLTableName
    /// The event table's column names.
    public var columns: ProjectorConfiguration.Columns
    /// Key inside `data` holding the event type.
    public var typeKey: String
    /// How `data` is encoded (`events.encoding`).
    public var encoding: EventEncoding
    /// The NOTIFY channel.
    public var channel: SQLIdentifier
    /// Schema of projector's own tables.
    public var schema: SQLIdentifier

    /// Creates a layout from validated names; the defaults match ``ProjectorConfiguration/Events``.
    public init(
        table: SQLTableName,
        columns: ProjectorConfiguration.Columns = .init(),
        typeKey: String = "event-id",
        encoding: EventEncoding = .plain,
        channel: SQLIdentifier,
        schema: SQLIdentifier
    ) {
        self.table = table
        self.columns = columns
        self.typeKey = typeKey
        self.encoding = encoding
        self.channel = channel
        self.schema = schema
    }

    /// The layout a configuration describes.
    public init(_ configuration: ProjectorConfiguration) {
        self.init(
            table: configuration.events.table,
            columns: configuration.events.columns,
            typeKey: configuration.events.typeKey,
            encoding: configuration.events.encoding,
            channel: configuration.events.channel,
            schema: configuration.schema
        )
    }

    /// `"schema"."name"` for one of projector's own objects.
    func own(_ name: String) -> String { schema.quoted + ".\"" + name + "\"" }

    /// A name for an object that lives next to the event table (`<table>_<suffix>`),
    /// shortened to PostgreSQL's 63-byte limit.
    func sibling(_ suffix: String) -> String {
        let prefix = String(table.table.name.utf8.prefix(63 - suffix.utf8.count - 1)) ?? "events"
        return table.schema.quoted + ".\"" + prefix + "_" + suffix + "\""
    }

    /// The unqualified, quoted form of ``sibling(_:)`` (for `CREATE INDEX name`).
    func siblingName(_ suffix: String) -> String {
        let prefix = String(table.table.name.utf8.prefix(63 - suffix.utf8.count - 1)) ?? "events"
        return "\"" + prefix + "_" + suffix + "\""
    }

    /// The select list turning a row of the event table into the fields `EventRowDecoder` reads, which reads them as
    /// one record (``eventRecord``).
    var eventSelectList: String {
        let c = columns
        return """
            tx_id, position, \(c.id.quoted)::text, \(c.service.quoted)::text, \(c.stream.quoted)::text, \
            \(c.seq.quoted)::int8, \(c.createdAt.quoted)::timestamptz, \(c.data.quoted)::jsonb
            """
    }

    /// An event as the one binary record `EventRowDecoder.decode(_:)` reads: `ROW(` ``eventSelectList`` `)`.
    var eventRecord: String { "ROW(\(eventSelectList))" }

    /// ``eventSelectList`` with `data` cut to some top-level fields: instead of the `data` column, one `jsonb`
    /// column `data -> $n` per key of ``prunedDataKeys(_:)`` (NULL where the event lacks it).
    /// `firstParameter` is the number of the first bind parameter; bind the keys in ``prunedDataKeys(_:)`` order.
    func eventSelectList(fields: [String], firstParameter: Int) -> String {
        let c = columns
        let data = c.data.quoted
        let cells = prunedDataKeys(fields).indices.map { "\(data) -> $\(firstParameter + $0)" }
        return """
            tx_id, position, \(c.id.quoted)::text, \(c.service.quoted)::text, \(c.stream.quoted)::text, \
            \(c.seq.quoted)::int8, \(c.createdAt.quoted)::timestamptz, \(cells.joined(separator: ", "))
            """
    }

    /// The keys a pruned read selects from `data`: the type's key, then `fields` (without it).
    func prunedDataKeys(_ fields: [String]) -> [String] {
        [typeKey] + fields.filter { $0 != typeKey }
    }

    /// The stored spellings of an event type under this layout's encoding (for SQL filters).
    func storedTypeSpellings(_ types: [String]) -> [String] {
        switch encoding {
        case .plain: return types
        case .edd:
            var spellings: [String] = []
            for type in types {
                spellings.append(":" + type)
                spellings.append("#" + type)
                if !EDDDecoding.isTagged(type) { spellings.append(type) }
            }
            return spellings
        }
    }
}
