/// When a store writes a snapshot at the end of its recovery, from the state
/// it just rebuilt, before it serves (``LogOptions/snapshotAtOpen``; the
/// PostgreSQL store has the same option). Both stores follow one rule.
///
/// Why: snapshots are built in the background, and a build (load the last
/// snapshot, replay, encode, write) takes longer than a restart. A hub killed
/// more often than that never completes one, and every start replays a
/// longer tail (issue 11: 0.05 s growing to 3 s over 100 kills). At the end
/// of recovery the state is already in memory: writing it costs an encode
/// and a write, and the next start, however soon, begins from it.
package enum SnapshotAtOpen {
    /// Why a snapshot is due after this recovery, or nil when it is not: the
    /// replay reached a background threshold (the snapshot was due and the
    /// process stopped before one completed), or the log bytes replayed
    /// exceed both `minimumBytes` and the snapshot recovery started from
    /// (replaying them costs more than loading the state would: a record
    /// replays at a few times the cost per byte of a snapshot's decode).
    package static func reason(_ report: RecoveryReport, everyRecords: UInt64?, everyBytes: UInt64?, minimumBytes: Int64) -> String? {
        let records = report.recordsReplayed
        let bytes = report.recordBytesReplayed
        guard records > 0 else { return nil }
        if let every = everyRecords, records >= every {
            return "\(records) records were replayed (a snapshot is due every \(every))"
        }
        if let every = everyBytes, bytes >= 0, UInt64(bytes) >= every {
            return "\(bytes) bytes of log were replayed (a snapshot is due every \(every))"
        }
        if bytes >= minimumBytes && bytes > report.snapshotBytes {
            return "the \(bytes) bytes replayed exceed the \(report.snapshotBytes)-byte snapshot"
        }
        return nil
    }
}
