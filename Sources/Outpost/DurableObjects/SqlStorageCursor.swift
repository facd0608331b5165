/// The result of `sql.exec`: the rows of the last statement, with counters.
public struct SqlStorageCursor: Sendable, Sequence {
    /// Column names of the last statement, in order.
    public let columnNames: [String]
    /// Rows as values in column order (as `cursor.raw()`).
    public let rows: [[SQLiteValue]]
    /// Rows read by every statement (rows returned plus rows scanned or changed).
    public let rowsRead: Int
    /// Rows inserted, updated or deleted by every statement.
    public let rowsWritten: Int

    /// Every row as a column-name → value map.
    public func toArray() -> [[String: SQLiteValue]] {
        rows.map { row in Dictionary(zip(columnNames, row), uniquingKeysWith: { first, _ in first }) }
    }

    /// The only row; throws unless there is exactly one.
    public func one() throws -> [String: SQLiteValue] {
        guard rows.count == 1 else {
            throw DurableObjectError(
                .invalidArgument,
                rows.isEmpty ? "Expected exactly one result from SQL query, but got no results."
                    : "Expected exactly one result from SQL query, but got multiple results."
            )
        }
        return toArray()[0]
    }

    /// Rows as arrays of values.
    public func raw() -> [[SQLiteValue]] { rows }

    public func makeIterator() -> IndexingIterator<[[String: SQLiteValue]]> { toArray().makeIterator() }
}
