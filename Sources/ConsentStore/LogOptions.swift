/// How an ``EventLog`` lays out and maintains its data directory.
public struct LogOptions: Sendable {
    /// A segment is closed and a new one started at the first write batch that
    /// finds it at least this big. Batches are never split, so a segment can
    /// exceed this by one batch. Default 64 MiB.
    public var segmentSize: Int = 64 << 20

    /// The largest payload one record may carry. Recovery also uses it to tell
    /// a garbage length from a real one. Default 16 MiB.
    public var maxPayloadSize: Int = 16 << 20

    /// Take a snapshot in the background after this many new durable records
    /// (`nil`: not by count). Default 1,000,000.
    public var snapshotEveryRecords: UInt64? = 1_000_000

    /// Take a snapshot in the background after this many new durable log bytes
    /// (`nil`: not by size). Default 256 MiB.
    public var snapshotEveryBytes: UInt64? = 256 << 20

    /// How many snapshots to keep; older ones are removed after a new one is
    /// written. At least 1. Default 2 (one to fall back to).
    public var snapshotsToKeep: Int = 2

    /// Whether to remove segments whose every record is covered by the oldest
    /// kept snapshot. Default `false`: consent history is audit data.
    public var removeCoveredSegments: Bool = false

    /// Whether the snapshotter keeps its private copy of the state in memory
    /// between snapshots (each snapshot then only replays the new records), or
    /// drops it and reloads the last snapshot next time (half the memory, more
    /// CPU per snapshot). Default `true`.
    public var keepSnapshotStateInMemory: Bool = true

    /// Whether `open` creates the directory if it is missing (its parent must exist).
    public var createDirectory: Bool = true

    /// Recovery normally refuses a last segment where a damaged record is
    /// followed by valid records. When those valid records all belong to the
    /// same write batch as the damaged one, the damage can only be that batch's
    /// write torn by power loss (a disk may persist pages out of order), and the
    /// batch was never acknowledged. Setting this cuts such a batch instead of
    /// refusing to open. Default `false`: an operator decides.
    public var cutTornFinalBatch: Bool = false

    /// Told the records and the seconds of each write batch made durable
    /// (one `pwrite` + `fdatasync`), on the writer thread: for metrics
    /// (records per sync, sync latency). Keep it cheap. Default nil: the
    /// writer then reads no clock.
    public var syncObserver: (@Sendable (_ records: UInt64, _ seconds: Double) -> Void)?

    /// Receives recovery, snapshot and failure lines (never record payloads:
    /// they hold personal data). Default: standard error.
    public var log: @Sendable (String) -> Void = { Process.writeToStandardError("consent-store: " + $0) }

    public init() {}
}
