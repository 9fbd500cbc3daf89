/// A snapshot on disk.
public struct SnapshotInfo: Sendable, Equatable {
    /// The file name in the data directory (`snap-<sequence>.snap`); `nil`
    /// when the log is empty and there is nothing to snapshot.
    public var file: String?
    /// The last sequence number it covers.
    public var sequence: UInt64
    /// The file's size in bytes (0 when `isNew` is false).
    public var bytes: Int
    /// Whether this request wrote it (`false`: nothing new since the last one).
    public var isNew: Bool
}

/// Counters for tests, benchmarks and the server's statistics.
public struct LogStatistics: Sendable {
    /// The last sequence number handed out by `append`.
    public var appendedSequence: UInt64
    /// The last sequence number known to be on stable storage.
    public var durableSequence: UInt64
    /// `fdatasync`/`fsync` calls that made appends durable (group commit
    /// keeps this far below `recordsWritten`).
    public var syncs: UInt64
    /// Write batches (one `pwrite` of many records each).
    public var batches: UInt64
    /// Records written since open.
    public var recordsWritten: UInt64
    /// Record bytes written since open.
    public var bytesWritten: UInt64
    /// Snapshots written since open.
    public var snapshotsWritten: UInt64
    /// The sequence number the newest snapshot covers (0: none).
    public var lastSnapshotSequence: UInt64
    /// Whether a write or sync has failed (the log is then read-only).
    public var hasFailed: Bool
}
