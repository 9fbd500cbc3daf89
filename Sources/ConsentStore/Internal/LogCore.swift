import Dispatch
import Synchronization

/// The completion of an append: the last sequence number of the append once
/// it is durable, or why it never will be.
public typealias AppendCompletion = @Sendable (Result<UInt64, StoreError>) -> Void

/// The callback of ``EventLog/whenDurable(_:_:)``.
public typealias DurableCallback = @Sendable (Result<Void, StoreError>) -> Void

/// Everything the append path, the writer thread and the snapshot thread
/// share. Not generic, so the writer does not depend on the state type.
final class LogCore: Sendable {
    let directory: String
    let fileSystem: any FileSystem
    let options: LogOptions

    /// The one lock of the append path. Held only to copy records into
    /// `pending` or to swap buffers: never across I/O.
    let shared: Mutex<Shared>
    /// Wakes the writer; signalled only when it said it was going to sleep,
    /// so appends to a busy writer cost no syscall.
    let writerWake = DispatchSemaphore(value: 0)

    let appended: Atomic<UInt64>
    let durable: Atomic<UInt64>
    let syncs = Atomic<UInt64>(0)
    let batches = Atomic<UInt64>(0)
    let recordsWritten = Atomic<UInt64>(0)
    let bytesWritten = Atomic<UInt64>(0)
    /// Batches the writer held back for more records (the commit delay).
    let delayedBatches = Atomic<UInt64>(0)
    /// Counts ``commitNow()`` calls: a delay ends when one came after the
    /// first record of the pending batch was appended.
    let commitKicks = Atomic<UInt64>(0)
    /// Mirrors `Shared.writerDelaying`, so that `commitNow` on an idle event
    /// loop takes no lock unless the writer is waiting.
    let writerDelayingFlag = Atomic<Bool>(false)

    /// Snapshot requests, separate from `shared` so that building a snapshot
    /// never holds a lock the append path needs.
    let snapshots: Mutex<SnapshotRequests>
    let snapshotWake = DispatchSemaphore(value: 0)
    let snapshotsWritten = Atomic<UInt64>(0)
    let lastSnapshotSequence: Atomic<UInt64>

    struct Shared {
        /// Encoded records not yet taken by the writer (CRCs not yet filled in).
        var pending: [UInt8] = []
        /// One entry per append in `pending`, in sequence order.
        var completions: [(sequence: UInt64, callback: AppendCompletion)] = []
        var nextSequence: UInt64
        var writerSleeping = false
        /// The writer is holding `pending` back for more records (the commit
        /// delay) and waits on `writerWake` with a deadline: an append that
        /// brings `pendingRecords` to ``LogOptions/commitDelayRecords``, a
        /// `commitNow` or a close signals it.
        var writerDelaying = false
        /// Records in `pending`.
        var pendingRecords = 0
        /// `commitKicks` when the first record of `pending` was appended.
        var kicksAtFirstPending: UInt64 = 0
        var closing = false
        /// Set once by the first failed write or sync; never cleared.
        var failure: StoreError?
        /// `whenDurable` callbacks for sequence numbers not yet durable.
        var durableWaiters: [(sequence: UInt64, callback: DurableCallback)] = []
        /// First sequence numbers of the segments on disk, ascending.
        var segments: [UInt64]
        /// Where the durable data ends: the active segment and its synced length.
        var durableEnd: (segment: UInt64, offset: Int64)
    }

    struct SnapshotRequests {
        /// A signal on `snapshotWake` that the snapshot thread has not yet
        /// consumed: further requests coalesce into it.
        var wakePending = false
        /// Whether a snapshot is wanted (besides any durable-state requests).
        var snapshotWanted = false
        var stopping = false
        var waiters: [@Sendable (Result<SnapshotInfo, StoreError>) -> Void] = []
        /// Callers of ``EventLog/durableState()`` waiting for their copy.
        var stateRequests: [StateHandoff] = []
    }

    init(directory: String, fileSystem: any FileSystem, options: LogOptions, lastSequence: UInt64, segments: [UInt64], durableEnd: (UInt64, Int64), snapshotSequence: UInt64) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
        self.shared = Mutex(Shared(nextSequence: lastSequence + 1, segments: segments, durableEnd: durableEnd))
        self.appended = Atomic(lastSequence)
        self.durable = Atomic(lastSequence)
        self.snapshots = Mutex(SnapshotRequests())
        self.lastSnapshotSequence = Atomic(snapshotSequence)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    // MARK: Append path

    /// Copies records into the pending buffer and assigns their sequence
    /// numbers. Returns the last one, or `nil` if the log is closed.
    func enqueue<C: Collection>(_ records: C, byteCount: Int, completion: @escaping AppendCompletion) -> UInt64?
    where C.Element == (UInt8, [UInt8]) {
        let (last, wake) = shared.withLock { s -> (UInt64?, Bool) in
            if s.closing { return (nil, false) }
            let needed = s.pending.count + byteCount
            if s.pending.capacity < needed {
                // Geometric growth: reserveCapacity alone would grow to the
                // exact size and make a stream of small appends quadratic.
                s.pending.reserveCapacity(Swift.max(needed, s.pending.capacity * 2))
            }
            var sequence = s.nextSequence
            if s.failure == nil {
                for (type, payload) in records {
                    RecordFormat.appendUnsealed(into: &s.pending, type: type, sequence: sequence, payload: payload)
                    sequence += 1
                }
            } else {
                // Read-only after a failure: the writer only fails the
                // completion, so the bytes need not be kept.
                sequence += UInt64(records.count)
            }
            let last = sequence - 1
            s.nextSequence = sequence
            if s.completions.isEmpty { s.kicksAtFirstPending = commitKicks.load(ordering: .relaxed) }
            s.completions.append((last, completion))
            s.pendingRecords += records.count
            appended.store(last, ordering: .releasing)
            var wake = s.writerSleeping
            s.writerSleeping = false
            if s.writerDelaying && s.pendingRecords >= options.commitDelayRecords {
                s.writerDelaying = false
                writerDelayingFlag.store(false, ordering: .relaxed)
                wake = true
            }
            return (last, wake)
        }
        if wake { writerWake.signal() }
        return last
    }

    /// Ends a commit delay now: the appenders have nothing more for the
    /// moment. Costs one atomic increment when the writer is not waiting.
    func commitNow() {
        // Sequentially consistent, as in the writer's decision to wait (flag
        // stored, then kicks read): one of the two sides sees the other.
        commitKicks.add(1, ordering: .sequentiallyConsistent)
        guard writerDelayingFlag.load(ordering: .sequentiallyConsistent) else { return }
        let wake = shared.withLock { s -> Bool in
            guard s.writerDelaying else { return false }
            s.writerDelaying = false
            writerDelayingFlag.store(false, ordering: .relaxed)
            return true
        }
        if wake { writerWake.signal() }
    }

    /// Calls `callback` once `sequence` is durable (at once if it is already).
    func whenDurable(_ sequence: UInt64, _ callback: @escaping DurableCallback) {
        if durable.load(ordering: .acquiring) >= sequence {
            callback(.success(()))
            return
        }
        let immediate = shared.withLock { s -> Result<Void, StoreError>? in
            // Checked again under the lock: the writer publishes `durable` and
            // drains waiters under it, so no wake-up can be missed.
            if durable.load(ordering: .acquiring) >= sequence { return .success(()) }
            if let failure = s.failure { return .failure(failure) }
            // While closing, the writer still writes what was appended before.
            if s.closing && sequence >= s.nextSequence { return .failure(Self.closedError) }
            s.durableWaiters.append((sequence, callback))
            return nil
        }
        if let immediate { callback(immediate) }
    }

    static let closedError = StoreError.unavailable("the event log is closed")

    /// Asks the snapshot thread for a snapshot; `waiter` (if any) gets the result.
    func requestSnapshot(_ waiter: (@Sendable (Result<SnapshotInfo, StoreError>) -> Void)?) {
        let (stopping, signal) = snapshots.withLock { s -> (Bool, Bool) in
            if s.stopping { return (true, false) }
            if let waiter { s.waiters.append(waiter) }
            s.snapshotWanted = true
            defer { s.wakePending = true }
            return (false, !s.wakePending)
        }
        if stopping { waiter?(.failure(Self.closedError)) } else if signal { snapshotWake.signal() }
    }

    /// Asks the snapshot thread for a copy of its state brought up to the
    /// durable end; `handoff` is fulfilled on that thread (or at once, with
    /// the closed error, if the log is closing).
    func requestDurableState(_ handoff: StateHandoff) {
        let (stopping, signal) = snapshots.withLock { s -> (Bool, Bool) in
            if s.stopping { return (true, false) }
            s.stateRequests.append(handoff)
            defer { s.wakePending = true }
            return (false, !s.wakePending)
        }
        if stopping { handoff.fulfil(.failure(Self.closedError)) } else if signal { snapshotWake.signal() }
    }

    /// Stops the writer after it has written everything already appended.
    func stopWriter() {
        let wake = shared.withLock { s -> Bool in
            s.closing = true
            let wake = s.writerSleeping || s.writerDelaying
            s.writerSleeping = false
            s.writerDelaying = false
            writerDelayingFlag.store(false, ordering: .relaxed)
            return wake
        }
        if wake { writerWake.signal() }
    }

    /// Fails whatever still waits once the writer is gone.
    func failRemainingWaiters() {
        let waiters = shared.withLock { s in
            defer { s.durableWaiters.removeAll() }
            return s.durableWaiters
        }
        for waiter in waiters { waiter.callback(.failure(Self.closedError)) }
    }

    /// Stops the snapshot thread; a snapshot under way is abandoned.
    func stopSnapshots() {
        snapshots.withLock { $0.stopping = true }
        snapshotWake.signal()
    }

    var isStopping: Bool { snapshots.withLock { $0.stopping } }
}
