/// Where a ``ReplayableState``'s records are made durable, in sequence, with
/// group commit. Two implementations: ``EventLog`` (the embedded log in a data
/// directory, the default for one machine) and ConsentPostgres's
/// `PostgresEventStore` (PostgreSQL, for several nodes sharing one database).
///
/// The contract every implementation keeps (docs/STORAGE.md):
/// - `append` assigns consecutive sequence numbers (from 1, no gaps) in call
///   order and never blocks on I/O; its completion runs once every record of
///   the append, and every record before it, is durable, or with
///   ``StoreError/unavailable(_:)`` if they never will be: never success for a
///   record that is not durable;
/// - `whenDurable` answers once a sequence number is durable, or fails the same way;
/// - snapshots are built in the background from the durable records, never
///   from the caller's live state;
/// - `durableState()` rebuilds the state of the durable records only, for a
///   caller whose live state ran ahead of a store that failed.
///
/// Opening is specific to each store (a directory, a connection string) and
/// returns the store, the recovered state and a ``RecoveryReport``.
public protocol EventStore<State>: AnyObject, Sendable {
    associatedtype State: ReplayableState

    /// Where the records live, for logs and `Health.Stats`: `log at DIR`,
    /// `PostgreSQL host=… dbname=…` (never a password).
    var storeDescription: String { get }

    /// The largest record payload `append` takes.
    var maxPayloadSize: Int { get }

    /// The last sequence number assigned by `append` (never blocks).
    var appendedSequence: UInt64 { get }

    /// The last sequence number known to be durable (never blocks).
    var durableSequence: UInt64 { get }

    /// Appends records; they get consecutive sequence numbers in call order.
    /// - Parameter completion: runs once they are durable, with the last
    ///   sequence number, or with ``StoreError/unavailable(_:)`` if they never
    ///   will be. Keep it cheap: post to your event loop.
    /// - Returns: the last sequence number assigned.
    /// - Important: call it in the order the records were applied to the
    ///   caller's state (under the caller's own lock).
    @discardableResult
    func append(_ records: [(UInt8, [UInt8])], completion: @escaping AppendCompletion) -> UInt64

    /// Calls `callback` once every record up to `sequence` is durable (at
    /// once if it already is), or with ``StoreError/unavailable(_:)`` if it
    /// never will be.
    func whenDurable(_ sequence: UInt64, _ callback: @escaping DurableCallback)

    /// Asks for a snapshot of everything durable now, built in the background.
    func requestSnapshot(completion: @escaping @Sendable (Result<SnapshotInfo, StoreError>) -> Void)

    /// Takes a snapshot and waits for it (tools, tests, benchmarks).
    func snapshotNow() throws(StoreError) -> SnapshotInfo

    /// The state of the durable records only, and the sequence it covers.
    /// - Important: blocks until rebuilt; not for an event loop.
    func durableState() throws(StoreError) -> DurableState<State>

    /// Counters: syncs (commits), batches, records and bytes written, snapshots.
    var statistics: LogStatistics { get }

    /// Makes durable what was appended, stops the store's threads and
    /// releases what it holds (the directory lock, the database session).
    func close()

    /// Says that the caller has appended all it will for now: a batch the
    /// store holds back for more records is written at once. Cheap; a
    /// store without a commit delay ignores it.
    func commitNow()
}

extension EventStore {
    public func commitNow() {}
}

extension EventLog: EventStore {
    public var storeDescription: String { "log at \(directory)" }
}
