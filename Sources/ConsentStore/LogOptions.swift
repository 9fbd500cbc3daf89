/// How an ``EventLog`` lays out and maintains its data directory.
public struct LogOptions: Sendable {
    /// A segment is closed and a new one started at the first write batch that
    /// finds it at least this big. Batches are never split, so a segment can
    /// exceed this by one batch. Default 64 MiB.
    public var segmentSize: Int = 64 << 20

    /// Zeros the writer keeps written and synced ahead of its records in the
    /// active segment (at most up to ``segmentSize``). A batch that fits in
    /// them overwrites allocated blocks of a file whose length does not
    /// change, so its `fdatasync` flushes data and no metadata; the batch
    /// that crosses their end writes the next stretch of zeros with it (one
    /// size change per this many bytes of log). 0: off, the file grows with
    /// every batch. Default 0: measured on the shared VM disk this project
    /// runs on, it did not raise the sync rate and every byte of log is
    /// written twice (BENCHMARKS.md); 1 MiB is the size to try on a disk where
    /// a journal commit costs a flush of its own. See docs/STORAGE.md,
    /// "Pre-zeroed space".
    public var preZeroBytes: Int = 0

    /// The longest the writer holds a batch back for more records before it
    /// writes and syncs it (the commit delay), so that one `fdatasync`
    /// carries more of them. It waits only when the batch before carried at
    /// least two appends (evidence of concurrent appenders: a lone caller
    /// never waits, however many records each of its appends carries), and
    /// stops waiting at once when ``commitDelayRecords`` records are
    /// pending, when ``EventLog/commitNow()`` says the appenders are idle,
    /// or when the log closes. An acknowledgement still comes only after the sync that
    /// covers its record. `.zero`: off, every batch is written as soon as
    /// the writer is free (plain group commit). Default `.zero`; consentd
    /// sets 1 ms (`--commit-delay-us`). See docs/STORAGE.md, "Group commit".
    public var commitDelay: Duration = .zero

    /// Pending records that end a commit delay at once. Default 1,024.
    public var commitDelayRecords: Int = 1024

    /// The largest payload one record may carry. Recovery also uses it to tell
    /// a garbage length from a real one. Default 16 MiB.
    public var maxPayloadSize: Int = 16 << 20

    /// Take a snapshot in the background after this many new durable records
    /// (`nil`: not by count). Default 1,000,000.
    public var snapshotEveryRecords: UInt64? = 1_000_000

    /// Take a snapshot in the background after this many new durable log bytes
    /// (`nil`: not by size). Default 256 MiB.
    public var snapshotEveryBytes: UInt64? = 256 << 20

    /// Whether `open` writes a snapshot of the state it recovered, before it
    /// returns, when the replay was long: when the records replayed reached
    /// ``snapshotEveryRecords`` or ``snapshotEveryBytes`` (a snapshot was due
    /// and the process stopped before one completed), or when their bytes
    /// exceed both ``snapshotAtOpenMinimumBytes`` and the snapshot recovery
    /// started from (writing the state then costs less than replaying those
    /// records again at every start). Without it, a hub killed more often than
    /// a background snapshot takes replays a longer tail at every start
    /// (issue 11). Default `true`.
    public var snapshotAtOpen: Bool = true

    /// The smallest replay, in log bytes, that makes `open` write a snapshot
    /// because it exceeds the snapshot recovery started from. Default 1 MiB
    /// (about 10,000 records, a few milliseconds of replay).
    public var snapshotAtOpenMinimumBytes: Int64 = 1 << 20

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
