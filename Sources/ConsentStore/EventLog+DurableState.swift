import Dispatch
import Synchronization

/// A state rebuilt from the durable records only.
public struct DurableState<State> {
    /// The state after applying every durable record.
    public var state: State
    /// The last sequence number applied to it (the log's durable sequence at
    /// the time it was built).
    public var sequence: UInt64

    public init(state: State, sequence: UInt64) {
        self.state = state
        self.sequence = sequence
    }
}

extension DurableState: Sendable where State: Sendable {}

/// Rebuilding the state as it is on disk, for a caller whose own state ran
/// ahead of the log.
extension EventLog {
    /// Returns the state as of the last durable record: the snapshot
    /// thread's private copy (or the newest snapshot) brought up to the
    /// durable end by reading the synced records back from the segment files.
    ///
    /// For a caller that applies changes to its live state before they are
    /// durable (as ConsentHub does, answering only once they are) and whose
    /// log then fails: those changes will never be durable, so it replaces
    /// its live state with this one and serves reads from what a restart
    /// would recover. Works on a failed log (only reads files); the records
    /// of the failed batch are not included, whatever reached the file.
    ///
    /// The snapshot thread does the work, so this shares its kept copy of the
    /// state (``LogOptions/keepSnapshotStateInMemory``): then only the records
    /// since the last snapshot are replayed, and the copy returned shares its
    /// storage with the kept one until either changes (for copy-on-write states).
    ///
    /// - Returns: the state and the sequence it covers.
    /// - Throws: ``StoreError/unavailable(_:)`` if the log is closed meanwhile;
    ///   ``StoreError`` if a segment or snapshot cannot be read back;
    ///   ``StoreError/invalidArgument(_:)`` when called on the snapshot thread.
    /// - Important: blocks until the replay is done (seconds for a large log
    ///   without recent snapshots): call it from a thread of your own, not
    ///   from an event loop, and not from a snapshot completion.
    public func durableState() throws(StoreError) -> DurableState<State> {
        guard !snapshotThread.isCurrent else {
            throw .invalidArgument("durableState() cannot be called on the snapshot thread, which does the work")
        }
        let handoff = StateHandoff()
        core.requestDurableState(handoff)
        let result = handoff.wait()
        switch result {
        case .success(let value):
            // The snapshot worker of this log is generic over the same State.
            return value as! DurableState<State>
        case .failure(let error):
            throw error
        }
    }
}

/// Hands a state from the snapshot thread to the caller of `durableState()`.
/// Type-erased because ``LogCore`` is not generic over the state.
final class StateHandoff: @unchecked Sendable {
    // Written once by the snapshot thread before `ready` is signalled, read
    // by the waiter only after: the semaphore orders the two.
    private var result: Result<Any, StoreError>?
    private let ready = DispatchSemaphore(value: 0)

    func fulfil(_ value: Result<Any, StoreError>) {
        result = value
        ready.signal()
    }

    func wait() -> Result<Any, StoreError> {
        ready.wait()
        return result!
    }
}
