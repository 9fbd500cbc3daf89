/// What ``EventLog/open(directory:options:fileSystem:)`` found and did.
public struct RecoveryReport: Sendable, CustomStringConvertible {
    /// The snapshot the state was loaded from (`nil`: replayed from the start).
    public var snapshotFile: String?
    /// The last sequence number the snapshot covers (0 without one).
    public var snapshotSequence: UInt64 = 0
    /// Snapshots that were skipped as damaged, with the reason.
    public var skippedSnapshots: [String] = []
    /// Records applied after the snapshot.
    public var recordsReplayed: UInt64 = 0
    /// Their bytes in the log (headers included; payloads only for a store
    /// that reads them from elsewhere): what the next start replays again
    /// unless a snapshot covers them.
    public var recordBytesReplayed: Int64 = 0
    /// The size of the snapshot's state as stored (0 without one).
    public var snapshotBytes: Int64 = 0
    /// The snapshot written at the end of recovery from the state it rebuilt,
    /// when the replay was long (``LogOptions/snapshotAtOpen``), and why.
    public var snapshotWrittenAtOpen: (file: String, bytes: Int, reason: String, duration: Duration)?
    /// Segment files read.
    public var segmentsRead: Int = 0
    /// Bytes read from segments and the snapshot.
    public var bytesRead: Int64 = 0
    /// The last durable sequence number; the next append gets this + 1.
    public var lastSequence: UInt64 = 0
    /// Bytes of torn tail cut from the last segment (0 if it ended cleanly).
    public var tornBytesCut: Int64 = 0
    /// Wall time of the recovery.
    public var duration: Duration = .zero
    /// Where the records were replayed from when not from segment files
    /// (the PostgreSQL store: `PostgreSQL host=… dbname=…`).
    public var recordSource: String?

    public init() {}

    public var description: String {
        var text = "recovered to sequence \(lastSequence): "
        text += snapshotFile.map { "snapshot \($0) (sequence \(snapshotSequence)) + " } ?? ""
        if let recordSource {
            text += "\(recordsReplayed) records replayed from \(recordSource), \(bytesRead) bytes read in \(duration)"
        } else {
            text += "\(recordsReplayed) records replayed from \(segmentsRead) segments, \(bytesRead) bytes read in \(duration)"
        }
        if tornBytesCut > 0 { text += ", \(tornBytesCut) torn bytes cut" }
        if !skippedSnapshots.isEmpty { text += ", skipped damaged snapshots: \(skippedSnapshots.joined(separator: "; "))" }
        if let written = snapshotWrittenAtOpen {
            text += "; then wrote snapshot \(written.file) (\(written.bytes) bytes) in \(written.duration) because \(written.reason)"
        }
        return text
    }
}
