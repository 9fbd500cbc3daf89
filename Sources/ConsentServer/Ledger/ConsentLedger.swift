import ConsentCore
import ConsentPostgres
import ConsentRPC
import ConsentStore
import Dispatch
import Synchronization

/// The hub's consent state and the durable log behind it.
///
/// Every command is decided against the current state, its events appended to
/// the log and applied to the state, all under one lock, so the log's order is
/// the order in which the state changed and a replay rebuilds exactly this
/// state (DESIGN §8). The answer to the command is held back until the log is
/// durable up to its last event (`Outcome.durableAfter`, which the router
/// waits for); a read waits for whatever it observed the same way, so nobody
/// is shown a change that a crash could still undo.
///
/// When the log fails (a write or sync returns EIO, ENOSPC, …) the events
/// applied since the last durable one will never be durable, yet the live
/// state holds them. The ledger then refuses every change (UNAVAILABLE), the
/// calls waiting for the failed records get UNAVAILABLE from the router, and
/// the live state is replaced by the state of the durable records, rebuilt by
/// the store (`EventStore.durableState()`), so reads go on
/// being answered, from exactly what a restart will recover
/// (see ConsentLedger+Failure.swift and docs/STORAGE.md).
///
/// - Important: the lock is held for decide + encode + append (a memcpy into
///   the log's pending buffer) + apply, never for I/O: the log's writer thread
///   does the `write` and `fdatasync`.
public final class ConsentLedger: Sendable {
    /// The state and what reads may do with it, under the one lock.
    let live: Mutex<Live>
    /// The durable store: the embedded log or PostgreSQL (nil: memory only).
    let store: (any EventStore<LoggedConsentState>)?
    /// The same store when several nodes share it (PostgreSQL): then this
    /// node serves only while it is the active one (ConsentLedger+Replica.swift).
    let shared: (any SharedEventStore<LoggedConsentState>)?
    /// Whether this node takes calls: always with a store of its own; with
    /// a shared one only while active. Checked under `live`'s lock by every
    /// command and read, so none is decided on a standby's or a fenced
    /// node's state.
    let accepting: Atomic<Bool>
    /// The node's role in a shared store (`.active` otherwise).
    let nodeRole = Mutex<NodeRole>(.active(epoch: 0))
    /// Told each role change (after the ledger has taken it into account).
    let roleObservers = Mutex<[@Sendable (NodeRole) -> Void]>([])
    /// The settings every decision uses; put back into a rebuilt state.
    let configuration: ConsentConfiguration
    /// Set by the first failed append, before anything reacts to it; checked
    /// under `live`'s lock by every command, so no change is applied after it.
    let failed = Atomic<Bool>(false)
    /// Why the log failed (the first failure's text).
    let failure = Mutex<String?>(nil)
    /// Set by `close()`: a closed log fails appends too, but that is no
    /// storage failure to recover from.
    let closed = Atomic<Bool>(false)
    /// Where storage lines go (the log's sink: the server log in consentd).
    let logLine: @Sendable (String) -> Void
    /// Told each time events become durable (see `addCommitObserver`).
    private let observers = Mutex<[@Sendable (UInt64) -> Void]>([])
    /// What recovery read at start (nil for the in-memory ledger).
    public let recovery: RecoveryReport?

    struct Live {
        var state: ConsentState
        var reads: Reads = .live
    }

    /// What reads are answered from.
    enum Reads {
        /// The live state; answers wait until what they saw is durable. After
        /// a failure and before the rebuild, reads are refused (see `read`).
        case live
        /// The state of the durable records, rebuilt after the log failed.
        case durable
        /// The log failed and the durable state could not be rebuilt.
        case refused(String)
    }

    /// A command's result, and the sequence it must be durable up to before
    /// it may be answered (0: nothing to wait for).
    public struct Outcome: Sendable {
        public var result: Result<CommandResult, RPCError>
        public var durableAfter: UInt64
    }

    /// A ledger that keeps its events in memory only: lost on exit. For tests
    /// and tools; `consentd` always runs on the log.
    public init(configuration: ConsentConfiguration = ConsentConfiguration()) {
        live = Mutex(Live(state: ConsentState(configuration: configuration)))
        store = nil
        shared = nil
        accepting = Atomic(true)
        recovery = nil
        self.configuration = configuration
        logLine = { _ in }
    }

    /// Opens (or creates) the event log in `directory`, recovering the state
    /// from its newest snapshot and the records after it.
    /// - Parameters:
    ///   - options: segment size, snapshot policy, retention, and the sink for
    ///     the store's log lines (which this ledger's own lines use too).
    ///   - fileSystem: the store's syscall layer; tests pass ConsentStore's
    ///     `FaultInjectingFileSystem` to make writes and syncs fail.
    /// - Throws: `StoreError` when the directory is locked by another consentd,
    ///   damaged, or cannot be read.
    /// - Important: call `close()` to sync and release the directory.
    public convenience init(
        directory: String, options: LogOptions = LogOptions(), configuration: ConsentConfiguration = ConsentConfiguration(),
        fileSystem: any FileSystem = POSIXFileSystem()
    ) throws(StoreError) {
        let (log, recovered, report) = try EventLog<LoggedConsentState>.open(directory: directory, options: options, fileSystem: fileSystem)
        self.init(store: log, recovered: recovered, report: report, configuration: configuration, logLine: options.log)
    }

    /// Connects to PostgreSQL, takes the lease and recovers the state from
    /// this node's newest usable snapshot and the events after it.
    /// - Throws: `StoreError` when the database cannot be reached, another
    ///   node holds the lease, or the events cannot be replayed.
    /// - Important: call `close()` to commit what was appended and give the lease up.
    public convenience init(postgres options: PostgresOptions, configuration: ConsentConfiguration = ConsentConfiguration()) throws(StoreError) {
        let (store, recovered, report) = try PostgresEventStore<LoggedConsentState>.open(options: options)
        self.init(store: store, recovered: recovered, report: report, configuration: configuration, logLine: options.log)
    }

    /// A ledger on an opened store and the state it recovered.
    init(
        store: any EventStore<LoggedConsentState>, recovered: LoggedConsentState, report: RecoveryReport,
        configuration: ConsentConfiguration, logLine: @escaping @Sendable (String) -> Void
    ) {
        var restored = recovered.state
        restored.configuration = configuration
        live = Mutex(Live(state: restored))
        self.store = store
        shared = store as? any SharedEventStore<LoggedConsentState>
        accepting = Atomic(shared == nil)
        if shared != nil { nodeRole.withLock { $0 = .starting } }
        self.configuration = configuration
        recovery = report
        self.logLine = logLine
    }

    /// "log at DIR", "PostgreSQL …" or "memory (events are lost on exit)".
    public var storageDescription: String {
        store?.storeDescription ?? "memory (events are lost on exit)"
    }

    /// Whether changes are accepted (false after the log failed, and on a
    /// node of a shared store that is not the active one).
    public var isWritable: Bool { !failed.load(ordering: .acquiring) && servesCalls }

    /// Decides `command` as `actor` at `now`, then logs and applies its events.
    ///
    /// After a storage failure every command is refused with UNAVAILABLE
    /// before it is decided: nothing it would change could be made durable.
    public func execute(_ command: Command, by actor: Actor, at now: Timestamp) -> Outcome {
        live.withLock { live -> Outcome in
            // Checked under the lock, not before it: the rebuild after a
            // failure swaps the state under this lock, and a command decided
            // after the swap would put a never-durable event back in it.
            if failed.load(ordering: .acquiring) {
                return Outcome(result: .failure(Self.unavailable(failureReason)), durableAfter: 0)
            }
            guard accepting.load(ordering: .acquiring) else {
                return Outcome(result: .failure(notServing()), durableAfter: 0)
            }
            var random = SystemRandomNumberGenerator()
            let decision: Decision
            do throws(DomainError) {
                decision = try live.state.decide(command, by: actor, at: now, using: &random)
            } catch {
                // A refusal can reveal a change still waiting for its sync (a
                // withdrawal, an accept): it waits for that sync like any answer,
                // or a crash could undo what the caller was told.
                let sequence = live.state.lastSequence
                return Outcome(result: .failure(RPCError(error).answered(afterDurable: sequence)), durableAfter: sequence)
            }
            let result = decision.result.mapError(RPCError.init)
            guard !decision.events.isEmpty else {
                // Nothing changed, but the answer shows state that may not be durable yet.
                return Outcome(result: result, durableAfter: live.state.lastSequence)
            }
            if let store {
                let records = decision.events.map { (LoggedConsentState.eventRecordType, EventCodec.encode($0)) }
                // Refused here, before the state changes: the store would refuse
                // the record, and that refusal would read as a storage failure
                // and stop every write until a restart.
                if let oversized = records.first(where: { $0.1.count > store.maxPayloadSize }) {
                    return Outcome(result: .failure(RPCError(
                        .resourceExhausted, "the change takes \(oversized.1.count) bytes to record; the store takes at most \(store.maxPayloadSize) per event",
                        trailers: [DomainErrorMapping.reasonKey: "event_too_large"])), durableAfter: 0)
                }
                store.append(records) { result in
                    switch result {
                    case .success(let sequence): self.notifyCommitted(sequence)
                    case .failure(let error): self.recordFailure(error)
                    }
                }
            }
            for event in decision.events { live.state.apply(event) }
            if store == nil { notifyCommitted(live.state.lastSequence) }
            return Outcome(result: result, durableAfter: live.state.lastSequence)
        }
    }

    /// Runs a query against the current state.
    ///
    /// After a storage failure, reads are answered from the durable state once
    /// it is rebuilt; until then (and if it cannot be rebuilt) they are
    /// refused with UNAVAILABLE, because the live state holds changes that
    /// will never be durable.
    /// - Returns: its value and the sequence the answer must be durable up to.
    /// - Throws: the query's refusal, as an `RPCError`; UNAVAILABLE as above.
    public func read<R: Sendable>(_ query: (ConsentState) throws(DomainError) -> R) throws(RPCError) -> (value: R, durableAfter: UInt64) {
        let outcome: Result<(R, UInt64), RPCError> = live.withLock { live in
            switch live.reads {
            case .live where failed.load(ordering: .acquiring):
                return .failure(Self.rebuilding(failureReason))
            case .refused(let why):
                return .failure(Self.unreadable(failureReason, why))
            case .live where !servesCalls:
                return .failure(notServing())
            case .live, .durable:
                // A refused query waits for the sync of what it saw, as a value does.
                let sequence = live.state.lastSequence
                return Result { () throws(DomainError) in (try query(live.state), sequence) }
                    .mapError { RPCError($0).answered(afterDurable: sequence) }
            }
        }
        switch outcome {
        case .success(let (value, sequence)): return (value, sequence)
        case .failure(let error): throw error
        }
    }

    /// Registers `observer` to be told the sequence up to which events are
    /// durable, each time that advances (for `WatchEvents`, which pushes events
    /// only once nobody can lose them).
    /// - Important: the observer runs on the log's writer thread (or, for the
    ///   in-memory ledger, under the state lock): it must only hand work off,
    ///   e.g. to an event loop, and must not call back into the ledger.
    public func addCommitObserver(_ observer: @escaping @Sendable (UInt64) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    func notifyCommitted(_ sequence: UInt64) {
        for observer in observers.withLock({ $0 }) { observer(sequence) }
    }

    /// Waits for the log; used by the router before answering.
    public var commits: any CommitTracker { LedgerCommits(ledger: self) }

    /// The sequence of the last event applied.
    public var lastSequence: UInt64 { live.withLock { $0.state.lastSequence } }

    /// The sequence of the last event on disk (everything, for the in-memory ledger).
    public var durableSequence: UInt64 { store?.durableSequence ?? lastSequence }

    /// The number of consent requests (and consents) in the state.
    public var consentCount: Int { live.withLock { $0.state.requestCount } }

    /// Syncs what was appended and releases the data directory.
    public func close() {
        closed.store(true, ordering: .releasing)
        store?.close()
    }
}

/// The router's view of the log: answer once durable, or UNAVAILABLE if never.
struct LedgerCommits: CommitTracker {
    let ledger: ConsentLedger

    func whenDurable(_ sequence: UInt64, _ completion: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        guard let store = ledger.store else {
            completion(.success(()))
            return
        }
        store.whenDurable(sequence) { [ledger] result in
            switch result {
            case .success: completion(.success(()))
            case .failure(let error):
                // The ledger learns of the failure before the caller does:
                // whoever got UNAVAILABLE must find Health NOT_SERVING and
                // changes refused, whatever order the log's callbacks run in.
                ledger.recordFailure(error)
                completion(.failure(ConsentLedger.notDurable(error)))
            }
        }
    }
}
