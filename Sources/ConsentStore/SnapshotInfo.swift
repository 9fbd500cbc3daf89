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

    public init(file: String?, sequence: UInt64, bytes: Int, isNew: Bool) {
        self.file = file
        self.sequence = sequence
        self.bytes = bytes
        self.isNew = isNew
    }
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
    /// Batches the writer held back for more records (``LogOptions/commitDelay``).
    public var delayedBatches: UInt64

    public init(
        appendedSequence: UInt64, durableSequence: UInt64, syncs: UInt64, batches: UInt64, recordsWritten: UInt64,
        bytesWritten: UInt64, snapshotsWritten: UInt64, lastSnapshotSequence: UInt64, hasFailed: Bool,
        delayedBatches: UInt64 = 0
    ) {
        self.appendedSequence = appendedSequence
        self.durableSequence = durableSequence
        self.syncs = syncs
        self.batches = batches
        self.recordsWritten = recordsWritten
        self.bytesWritten = bytesWritten
        self.snapshotsWritten = snapshotsWritten
        self.lastSnapshotSequence = lastSnapshotSequence
        self.hasFailed = hasFailed
        self.delayedBatches = delayedBatches
    }
}
