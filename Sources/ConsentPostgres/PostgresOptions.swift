import ConsentStore

/// How a ``PostgresEventStore`` reaches its database, keeps its lease and
/// snapshots its state.
public struct PostgresOptions: Sendable {
    /// A libpq connection string (`host=db1 dbname=consent user=consentd`)
    /// or URI (`postgresql://consentd@db1/consent`). A password belongs in
    /// `~/.pgpass` or `PGPASSFILE`, not here: this string is shown in logs
    /// with any password removed, but command lines are visible to `ps`.
    public var connection: String

    /// Where this node keeps its snapshots (files, as the embedded log does)
    /// and its `LOCK`. Created if missing.
    public var snapshotDirectory: String

    /// Take a snapshot in the background after this many new durable
    /// records (`nil`: not by count). Default 1,000,000.
    public var snapshotEveryRecords: UInt64? = 1_000_000

    /// Whether `open` writes a snapshot of the state it recovered when the
    /// replay was long (the embedded log's ``LogOptions/snapshotAtOpen``,
    /// by the same rule). Default `true`.
    public var snapshotAtOpen = true

    /// See ``LogOptions/snapshotAtOpenMinimumBytes`` (here: payload bytes). Default 1 MiB.
    public var snapshotAtOpenMinimumBytes: Int64 = 1 << 20

    /// Snapshots kept; at least 1. Default 2.
    public var snapshotsToKeep = 2

    /// Whether the snapshot thread keeps its copy of the state between
    /// snapshots (see ``LogOptions/keepSnapshotStateInMemory``). Default true.
    public var keepSnapshotStateInMemory = true

    /// How long the lease holds without renewal, by the database's clock.
    /// The active node renews it with every write and every eighth of this
    /// while idle, and answers calls only for half of it after its last
    /// confirmed renewal (``servingWindow``); a standby takes over once the
    /// lease expired, or once the holder's database session is gone and its
    /// serving window (plus a margin) has passed. Default 4 s.
    public var leaseDuration: Duration = .seconds(4)

    /// A name for this node in the lease and in `pg_stat_activity`
    /// (default: the host name and process id).
    public var nodeName = ""

    /// The largest record payload `append` takes. Default 16 MiB.
    public var maxPayloadSize = 16 << 20

    /// A write batch larger than this is split into several transactions. Default 32 MiB.
    public var maxTransactionBytes = 32 << 20

    /// Records read per query when replaying or following. Default 10,000.
    public var readBatchSize = 10_000

    /// Told the records and the seconds of each committed transaction
    /// (BEGIN … COMMIT), on the node thread: for metrics (records per
    /// commit, commit latency). Keep it cheap. Default nil.
    public var syncObserver: (@Sendable (_ records: UInt64, _ seconds: Double) -> Void)?

    /// Receives connection, lease, recovery and snapshot lines (never
    /// payloads, never a password). Default: standard error.
    public var log: @Sendable (String) -> Void = { writeLineToStandardError("consent-postgres: " + $0) }

    /// For `consentd migrate` only: open, and take the lease of, a database
    /// that an unfinished migration marked (`consent_meta.migrating`), which
    /// every node refuses. Default false.
    public var continuesUnfinishedMigration = false

    public init(connection: String, snapshotDirectory: String) {
        self.connection = connection
        self.snapshotDirectory = snapshotDirectory
    }
}

// MARK: Lease timing (docs/STORAGE.md, "One writer, standbys, failover")

extension PostgresOptions {
    /// How often the active node renews the lease while it writes nothing.
    var idleRenewal: Duration { leaseDuration / 8 }

    /// How long after a renewal was sent (once it is confirmed) the active
    /// node may answer calls, counted on its own clock.
    var servingWindow: Duration { leaseDuration / 2 }

    /// What the holder writes into the lease row (`serves_for`): a standby
    /// takes over from a dead session only this long after the holder's last
    /// renewal, by the database's clock. The renewal ran after it was sent,
    /// so this outlasts the holder's serving window; the margin covers clock
    /// rate differences between the two machines.
    var takeoverWindow: Duration { servingWindow + leaseDuration / 16 }
}

extension Duration {
    /// Whole milliseconds (for the lease row's intervals).
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }

    /// Whole nanoseconds (for deadlines kept in atomics).
    var nanoseconds: UInt64 { UInt64(max(0, components.seconds)) * 1_000_000_000 + UInt64(max(0, components.attoseconds) / 1_000_000_000) }
}
