import Dispatch
import Synchronization

/// Snapshots on demand. Automatic ones follow ``LogOptions/snapshotEveryRecords``
/// and ``LogOptions/snapshotEveryBytes``.
extension EventLog {
    /// Asks the snapshot thread for a snapshot of everything durable now.
    ///
    /// The snapshot thread replays the durable log into its own copy of the
    /// state, so this never touches or locks the caller's live state.
    /// - Parameter completion: runs on the snapshot thread with the snapshot
    ///   written (or the existing one if nothing is new), or the reason it
    ///   failed. A failed snapshot does not affect the log.
    public func requestSnapshot(completion: @escaping @Sendable (Result<SnapshotInfo, StoreError>) -> Void) {
        core.requestSnapshot(completion)
    }

    /// Takes a snapshot and waits for it. For tests, tools and shutdown; a
    /// server thread that must not block uses ``requestSnapshot(completion:)``.
    /// - Throws: ``StoreError`` if the snapshot could not be written.
    public func snapshotNow() throws(StoreError) -> SnapshotInfo {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        core.requestSnapshot { result in
            box.set(result)
            done.signal()
        }
        done.wait()
        return try box.get()
    }
}

/// Hands a result from the snapshot thread to the waiting caller.
private final class ResultBox: Sendable {
    private let result = Mutex<Result<SnapshotInfo, StoreError>?>(nil)
    func set(_ value: Result<SnapshotInfo, StoreError>) { result.withLock { $0 = value } }
    func get() throws(StoreError) -> SnapshotInfo { try result.withLock { $0 }!.get() }
}
