/// A configured table name, `schema.table` or just `table` (schema `public`).
public struct SQLTableName: Sendable, Hashable, CustomStringConvertible {
    /// The schema (`public` when the text named none).
    public let schema: SQLIdentifier
    /// The table within `schema`.
    public let table: SQLIdentifier

    /// Creates a table name from already validated parts.
    public init(schema: SQLIdentifier, table: SQLIdentifier) {
        self.schema = schema
        self.table = table
    }

    /// Parses `schema.table` or `table`; `nil` when either part is not a plain identifier.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let schema = SQLIdentifier("public"), let table = SQLIdentifier(String(parts[0])) else { return nil }
            self.init(schema: schema, table: table)
        case 2:
            guard let schema = SQLIdentifier(String(parts[0])), let table = SQLIdentifier(String(parts[1])) else {
                return nil
            }
            self.init(schema: schema, table: table)
        default:
            return nil
        }
    }

    /// `"schema"."table"`.
    public var quoted: String { schema.quoted + "." + table.quoted }

    /// `schema.table`.
    public var description: String { "\(schema.name).\(table.name)" }
}
