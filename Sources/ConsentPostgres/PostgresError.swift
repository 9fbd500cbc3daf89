/// Why a PostgreSQL call failed: the connection (the server is down, the
/// session was terminated, a timeout), or the statement (with its SQLSTATE).
/// The text is meant for an operator's log and never holds a password.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No usable session: connecting failed, the server closed it
        /// (restart, `pg_terminate_backend`), or it did not answer in time.
        case connection
        /// The server refused a statement; `sqlState` says why.
        case statement
        /// A write transaction found that this node no longer holds the lease.
        case fenced
        /// The server answered, but with a warning that leaves the
        /// statement's effect in doubt: a COMMIT whose wait for a synchronous
        /// standby was cancelled is committed on the primary only.
        case outcomeUnknown
    }

    public var kind: Kind
    /// The five-character SQLSTATE of a refused statement (`40001`, `CH001`…).
    public var sqlState: String?
    public var message: String

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
    }

    /// SQLSTATE raised by `consent_append` when the caller's epoch is not the lease's.
    static let fencedState = "CH001"
    /// SQLSTATE raised by `consent_append` when a batch does not continue the sequence.
    static let sequenceGapState = "CH002"
    /// SQLSTATE raised by `consent_append` when the writer's last record is not the table's.
    static let historyMismatchState = "CH003"
}
