#if canImport(Glibc)
import Glibc
#endif
import ConsentStore
import Dispatch
import Synchronization

/// What the append path, the node thread and the snapshot thread share.
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
    /// Wakes the node thread (only when it said it would sleep).
    let writerWake = DispatchSemaphore(value: 0)

    /// The last sequence assigned by `append`; equals the applied sequence
    /// while this node is not active.
    let appended: Atomic<UInt64>
    /// The last sequence committed and applied to the live state.
    let durable: Atomic<UInt64>
    let commits = Atomic<UInt64>(0)
    let recordsWritten = Atomic<UInt64>(0)
    let bytesWritten = Atomic<UInt64>(0)
    let snapshotsWritten = Atomic<UInt64>(0)
    let lastSnapshotSequence: Atomic<UInt64>

    // MARK: Role
    let role = Mutex<NodeRole>(.starting)
    /// Until when (``LeaseClock`` nanoseconds) the active node may answer:
    /// its serving window, counted from when the last confirmed renewal was
    /// sent. 0 while not active.
    let servesUntil = Atomic<UInt64>(0)
    /// When (``LeaseClock`` nanoseconds) the last confirmed renewal or
    /// takeover was sent; 0 if never.
    let lastRenewalSent = Atomic<UInt64>(0)
    /// The last sequence seen in the database (standby lag).
    let committedSeen: Atomic<UInt64>
    /// When a standby last caught up with the database (``LeaseClock`` nanoseconds).
    let caughtUpAt = Atomic<UInt64>(LeaseClock.nanoseconds())
    let promotions = Atomic<UInt64>(0)

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
        /// Why appends are refused; nil only while active.
        var refusal: StoreError? = StoreCore.notActive
        var durableWaiters: [(sequence: UInt64, callback: DurableCallback)] = []
    }

    init(options: PostgresOptions, displayName: String, databaseID: String, lastSequence: UInt64, snapshotSequence: UInt64) {
        self.options = options
        self.displayName = displayName
        self.databaseID = databaseID
        shared = Mutex(Shared(nextSequence: lastSequence + 1))
        appended = Atomic(lastSequence)
        durable = Atomic(lastSequence)
        committedSeen = Atomic(lastSequence)
        lastSnapshotSequence = Atomic(snapshotSequence)
    }

    static let closedError = StoreError.unavailable("the PostgreSQL event store is closed")
    static let notActive = StoreError.unavailable("this node does not hold the lease: another node writes")

    // MARK: Append path

    /// Copies records into the pending arrays and assigns their sequence
    /// numbers; returns the last. Fails the completion at once (on the
    /// calling thread) when this node is not active or the store is closed.
    func enqueue<C: Collection>(_ records: C, byteCount: Int, completion: @escaping AppendCompletion) -> UInt64
    where C.Element == (UInt8, [UInt8]) {
        let (last, refusal, wake) = shared.withLock { s -> (UInt64, StoreError?, Bool) in
            if let refusal = s.closing ? Self.closedError : s.refusal {
                // Numbered all the same: the caller applies the records to
                // its state as it appends them, and a node that lost its
                // lease must see that its state ran ahead of what was committed.
                let last = s.nextSequence + UInt64(records.count) - 1
                s.nextSequence = last + 1
                appended.store(last, ordering: .releasing)
                return (last, refusal, false)
            }
            Self.reserve(&s.payloads, adding: byteCount)
            Self.reserve(&s.types, adding: 6 * records.count)
            for (type, payload) in records {
                PGBinaryArray.appendInt16Element(Int16(type), to: &s.types)
                payload.withUnsafeBytes { PGBinaryArray.appendElement($0, to: &s.payloads) }
            }
            s.count += records.count
            let last = s.nextSequence + UInt64(records.count) - 1
            s.nextSequence = last + 1
            s.completions.append((last, completion))
            appended.store(last, ordering: .releasing)
            let wake = s.writerSleeping
            s.writerSleeping = false
            return (last, nil, wake)
        }
        if let refusal { completion(.failure(refusal)) }
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
            if s.closing { return .failure(Self.closedError) }
            if let refusal = s.refusal { return .failure(refusal) }
            s.durableWaiters.append((sequence, callback))
            return nil
        }
        if let immediate { callback(immediate) }
    }

    // MARK: Role changes (node thread)

    /// Takes appends from now on, numbered after `last` (the committed end).
    func openWrites(last: UInt64) {
        shared.withLock { s in
            precondition(s.completions.isEmpty && s.count == 0, "appends were taken while not active")
            s.nextSequence = last + 1
            s.refusal = nil
            appended.store(last, ordering: .releasing)
            durable.store(last, ordering: .releasing)
        }
    }

    /// Fails everything pending and every later append with `refusal`
    /// (UNAVAILABLE, never OK); returns the completions the writer had not taken.
    func refuseWrites(_ refusal: StoreError) {
        stopServing()
        let (completions, waiters) = shared.withLock { s in
            if s.refusal == nil || s.closing { s.refusal = refusal }
            defer {
                s.completions.removeAll()
                s.durableWaiters.removeAll()
                s.types.removeSubrange(PGBinaryArray.headerSize...)
                s.payloads.removeSubrange(PGBinaryArray.headerSize...)
                s.count = 0
            }
            return (s.completions, s.durableWaiters)
        }
        for entry in completions { entry.callback(.failure(refusal)) }
        for waiter in waiters { waiter.callback(.failure(refusal)) }
    }

    /// A standby applied committed records up to `sequence`.
    func followed(upTo sequence: UInt64) {
        shared.withLock { s in
            s.nextSequence = sequence + 1
            appended.store(sequence, ordering: .releasing)
            durable.store(sequence, ordering: .releasing)
        }
    }

    var isClosing: Bool { shared.withLock { $0.closing } }

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

    var mayServe: Bool { LeaseClock.nanoseconds() < servesUntil.load(ordering: .acquiring) }

    /// Marks a lease renewal (or takeover) sent at `sent` as confirmed: the
    /// node may answer for its serving window after it was sent. The
    /// database counts the window from a later instant (when the renewal
    /// ran) and no standby takes over from a dead session before it passed
    /// by the database's clock (plus a margin), so the two never overlap.
    func leaseConfirmed(sentAt sent: UInt64) {
        lastRenewalSent.store(sent, ordering: .relaxed)
        servesUntil.store(sent + options.servingWindow.nanoseconds, ordering: .releasing)
    }

    /// Stops answering at once (before the lease is given up or lost).
    func stopServing() {
        servesUntil.store(0, ordering: .releasing)
    }

    /// Whether the node is fenced (lost its lease or session and is rejoining).
    var hasFailed: Bool { role.withLock { if case .fenced = $0 { true } else { false } } }

    /// The message every affected call gets when a commit failed.
    static func unavailable(_ error: PostgresError) -> StoreError {
        switch error.kind {
        case .fenced:
            .unavailable("PostgreSQL refused the write: this node no longer holds the lease (another node took over); \(error.message)")
        case .connection:
            .unavailable("the events could not be committed to PostgreSQL: \(error.message)")
        case .statement:
            .unavailable("PostgreSQL refused to commit the events: \(error)")
        case .outcomeUnknown:
            .unavailable("the events' outcome is unknown: \(error.message)")
        }
    }

    // MARK: Snapshot and state requests

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
}

/// Hands a rebuilt state from the snapshot thread to a waiting caller.
/// Type-erased because ``StoreCore`` is not generic over the state.
final class StateRequest: @unchecked Sendable {
    /// Rebuild up to this sequence (the database's end, for a node that
    /// lost its lease); nil: up to the store's durable sequence.
    let upTo: UInt64?
    // Written once before `ready` is signalled, read only after: the semaphore orders the two.
    private var result: Result<Any, StoreError>?
    private let ready = DispatchSemaphore(value: 0)

    init(upTo: UInt64? = nil) {
        self.upTo = upTo
    }

    func fulfil(_ value: Result<Any, StoreError>) {
        result = value
        ready.signal()
    }

    func wait() -> Result<Any, StoreError> {
        ready.wait()
        return result!
    }
}

/// The node's clock for its serving window and lag, in nanoseconds:
/// CLOCK_BOOTTIME, which keeps counting while the machine is suspended
/// (CLOCK_MONOTONIC stops then, and a node resumed from a suspend would
/// believe its window still open although the lease has long passed to
/// another node).
enum LeaseClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
