import ConsentStore
import Dispatch
import Synchronization

/// What the append path, the writer thread and the snapshot thread share.
/// Not generic, so the writer does not depend on the state type.
final class StoreCore: Sendable {
    let options: PostgresOptions
    /// The connection string as logs may show it (no password).
    let displayName: String
    /// `consent_meta.database_id`, named by every snapshot.
    let databaseID: String

    /// The append path's one lock: held to copy records into the pending
    /// arrays or to swap them, never across I/O.
    let shared: Mutex<Shared>
    /// Wakes the writer (only when it said it would sleep).
    let writerWake = DispatchSemaphore(value: 0)

    let appended: Atomic<UInt64>
    let durable: Atomic<UInt64>
    let commits = Atomic<UInt64>(0)
    let recordsWritten = Atomic<UInt64>(0)
    let bytesWritten = Atomic<UInt64>(0)
    let snapshotsWritten = Atomic<UInt64>(0)
    let lastSnapshotSequence: Atomic<UInt64>

    /// Snapshot and durable-state requests, apart from `shared` so that a
    /// snapshot never holds a lock the append path needs.
    let snapshots = Mutex(SnapshotRequests())
    let snapshotWake = DispatchSemaphore(value: 0)

    struct SnapshotRequests {
        var wakePending = false
        var snapshotWanted = false
        var stopping = false
        var waiters: [@Sendable (Result<SnapshotInfo, StoreError>) -> Void] = []
        var stateRequests: [StateRequest] = []
    }

    struct Shared {
        /// The pending records as the two array parameters of
        /// `consent_append`, in PostgreSQL's binary array format (the
        /// headers are filled in by the writer).
        var types = PGBinaryArray.empty()
        var payloads = PGBinaryArray.empty()
        var count = 0
        var completions: [(sequence: UInt64, callback: AppendCompletion)] = []
        var nextSequence: UInt64
        var writerSleeping = false
        var closing = false
        /// Set once by the first failed commit; never cleared.
        var failure: StoreError?
        var durableWaiters: [(sequence: UInt64, callback: DurableCallback)] = []
    }

    init(options: PostgresOptions, displayName: String, databaseID: String, lastSequence: UInt64, snapshotSequence: UInt64) {
        self.options = options
        self.displayName = displayName
        self.databaseID = databaseID
        shared = Mutex(Shared(nextSequence: lastSequence + 1))
        appended = Atomic(lastSequence)
        durable = Atomic(lastSequence)
        lastSnapshotSequence = Atomic(snapshotSequence)
    }

    static let closedError = StoreError.unavailable("the PostgreSQL event store is closed")

    // MARK: Append path

    /// Copies records into the pending arrays and assigns their sequence
    /// numbers; returns the last, or nil when the store is closed.
    func enqueue<C: Collection>(_ records: C, byteCount: Int, completion: @escaping AppendCompletion) -> UInt64?
    where C.Element == (UInt8, [UInt8]) {
        let (last, wake) = shared.withLock { s -> (UInt64?, Bool) in
            if s.closing { return (nil, false) }
            var sequence = s.nextSequence
            if s.failure == nil {
                Self.reserve(&s.payloads, adding: byteCount)
                Self.reserve(&s.types, adding: 6 * records.count)
                for (type, payload) in records {
                    PGBinaryArray.appendInt16Element(Int16(type), to: &s.types)
                    payload.withUnsafeBytes { PGBinaryArray.appendElement($0, to: &s.payloads) }
                }
                s.count += records.count
            }
            sequence += UInt64(records.count)
            let last = sequence - 1
            s.nextSequence = sequence
            s.completions.append((last, completion))
            appended.store(last, ordering: .releasing)
            let wake = s.writerSleeping
            s.writerSleeping = false
            return (last, wake)
        }
        if wake { writerWake.signal() }
        return last
    }

    /// Geometric growth: a stream of small appends must not reallocate each time.
    private static func reserve(_ bytes: inout [UInt8], adding: Int) {
        let needed = bytes.count + adding
        if bytes.capacity < needed { bytes.reserveCapacity(Swift.max(needed, bytes.capacity * 2)) }
    }

    func whenDurable(_ sequence: UInt64, _ callback: @escaping DurableCallback) {
        if durable.load(ordering: .acquiring) >= sequence {
            callback(.success(()))
            return
        }
        let immediate = shared.withLock { s -> Result<Void, StoreError>? in
            if durable.load(ordering: .acquiring) >= sequence { return .success(()) }
            if let failure = s.failure { return .failure(failure) }
            if s.closing && sequence >= s.nextSequence { return .failure(Self.closedError) }
            s.durableWaiters.append((sequence, callback))
            return nil
        }
        if let immediate { callback(immediate) }
    }

    func stopWriter() {
        let wake = shared.withLock { s -> Bool in
            s.closing = true
            let wake = s.writerSleeping
            s.writerSleeping = false
            return wake
        }
        if wake { writerWake.signal() }
    }

    func failRemainingWaiters() {
        let (waiters, completions) = shared.withLock { s in
            defer {
                s.durableWaiters.removeAll()
                s.completions.removeAll()
            }
            return (s.durableWaiters, s.completions)
        }
        for waiter in waiters { waiter.callback(.failure(Self.closedError)) }
        for entry in completions { entry.callback(.failure(Self.closedError)) }
    }

    var hasFailed: Bool { shared.withLock { $0.failure != nil } }

    // MARK: Snapshot requests

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

    func requestState(_ request: StateRequest) {
        let (stopping, signal) = snapshots.withLock { s -> (Bool, Bool) in
            if s.stopping { return (true, false) }
            s.stateRequests.append(request)
            defer { s.wakePending = true }
            return (false, !s.wakePending)
        }
        if stopping { request.fulfil(.failure(Self.closedError)) } else if signal { snapshotWake.signal() }
    }

    func stopSnapshots() {
        snapshots.withLock { $0.stopping = true }
        snapshotWake.signal()
    }

    var isStopping: Bool { snapshots.withLock { $0.stopping } }

    /// The message every affected call gets when a commit failed.
    static func unavailable(_ error: PostgresError) -> StoreError {
        switch error.kind {
        case .fenced:
            .unavailable("PostgreSQL refused the write: this node no longer holds the lease (another node took over); \(error.message)")
        case .connection:
            .unavailable("the events could not be committed to PostgreSQL: \(error.message)")
        case .statement:
            .unavailable("PostgreSQL refused to commit the events: \(error)")
        }
    }
}

/// Hands a rebuilt state from the snapshot thread to a waiting caller.
/// Type-erased because ``StoreCore`` is not generic over the state.
final class StateRequest: @unchecked Sendable {
    // Written once before `ready` is signalled, read only after: the semaphore orders the two.
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
