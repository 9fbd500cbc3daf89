import ConsentCore
import ConsentRPC
import ConsentStore
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
/// - Important: the lock is held for decide + encode + append (a memcpy into
///   the log's pending buffer) + apply, never for I/O: the log's writer thread
///   does the `write` and `fdatasync`.
public final class ConsentLedger: Sendable {
    private let state: Mutex<ConsentState>
    private let log: EventLog<LoggedConsentState>?
    /// Set by the first failed append: from then on the hub refuses changes.
    private let failure = Mutex<String?>(nil)
    /// Told each time events become durable (see `addCommitObserver`).
    private let observers = Mutex<[@Sendable (UInt64) -> Void]>([])
    /// What recovery read at start (nil for the in-memory ledger).
    public let recovery: RecoveryReport?

    /// A command's result, and the sequence it must be durable up to before
    /// it may be answered (0: nothing to wait for).
    public struct Outcome: Sendable {
        public var result: Result<CommandResult, RPCError>
        public var durableAfter: UInt64
    }

    /// A ledger that keeps its events in memory only: lost on exit. For tests
    /// and tools; `consentd` always runs on the log.
    public init(configuration: ConsentConfiguration = ConsentConfiguration()) {
        state = Mutex(ConsentState(configuration: configuration))
        log = nil
        recovery = nil
    }

    /// Opens (or creates) the event log in `directory`, recovering the state
    /// from its newest snapshot and the records after it.
    /// - Throws: `StoreError` when the directory is locked by another consentd,
    ///   damaged, or cannot be read.
    public init(directory: String, options: LogOptions = LogOptions(), configuration: ConsentConfiguration = ConsentConfiguration()) throws(StoreError) {
        let (log, recovered, report) = try EventLog<LoggedConsentState>.open(directory: directory, options: options)
        var restored = recovered.state
        restored.configuration = configuration
        state = Mutex(restored)
        self.log = log
        recovery = report
    }

    /// "log at DIR" or "memory (events are lost on exit)".
    public var storageDescription: String {
        log.map { "log at \($0.directory)" } ?? "memory (events are lost on exit)"
    }

    /// Whether changes are accepted (false after the log failed).
    public var isWritable: Bool { failure.withLock { $0 == nil } }

    /// Decides `command` as `actor` at `now`, then logs and applies its events.
    public func execute(_ command: Command, by actor: Actor, at now: Timestamp) -> Outcome {
        if let reason = failure.withLock({ $0 }) {
            return Outcome(result: .failure(Self.unavailable(reason)), durableAfter: 0)
        }
        return state.withLock { state -> Outcome in
            var random = SystemRandomNumberGenerator()
            let decision: Decision
            do throws(DomainError) {
                decision = try state.decide(command, by: actor, at: now, using: &random)
            } catch {
                return Outcome(result: .failure(RPCError(error)), durableAfter: 0)
            }
            let result = decision.result.mapError(RPCError.init)
            guard !decision.events.isEmpty else {
                // Nothing changed, but the answer shows state that may not be durable yet.
                return Outcome(result: result, durableAfter: state.lastSequence)
            }
            if let log {
                let records = decision.events.map { (LoggedConsentState.eventRecordType, EventCodec.encode($0)) }
                log.append(records) { result in
                    switch result {
                    case .success(let sequence): self.notifyCommitted(sequence)
                    case .failure(let error): self.recordFailure(error)
                    }
                }
            }
            for event in decision.events { state.apply(event) }
            if log == nil { notifyCommitted(state.lastSequence) }
            return Outcome(result: result, durableAfter: state.lastSequence)
        }
    }

    /// Runs a query against the current state.
    /// - Returns: its value and the sequence the answer must be durable up to.
    /// - Throws: the query's refusal, as an `RPCError`.
    public func read<R: Sendable>(_ query: (ConsentState) throws(DomainError) -> R) throws(RPCError) -> (value: R, durableAfter: UInt64) {
        let outcome: Result<(R, UInt64), DomainError> = state.withLock { state in
            Result { () throws(DomainError) in (try query(state), state.lastSequence) }
        }
        switch outcome {
        case .success(let (value, sequence)): return (value, sequence)
        case .failure(let error): throw RPCError(error)
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

    private func notifyCommitted(_ sequence: UInt64) {
        for observer in observers.withLock({ $0 }) { observer(sequence) }
    }

    private func recordFailure(_ error: StoreError) {
        failure.withLock { $0 = $0 ?? "\(error)" }
    }

    /// Waits for the log; used by the router before answering.
    public var commits: any CommitTracker { LedgerCommits(log: log) }

    /// The sequence of the last event applied.
    public var lastSequence: UInt64 { state.withLock { $0.lastSequence } }

    /// The sequence of the last event on disk (everything, for the in-memory ledger).
    public var durableSequence: UInt64 { log?.durableSequence ?? lastSequence }

    /// Syncs what was appended and releases the data directory.
    public func close() {
        log?.close()
    }

    static func unavailable(_ reason: String) -> RPCError {
        RPCError(
            .unavailable, "the hub cannot record changes: \(reason); it serves reads until it is restarted",
            trailers: [DomainErrorMapping.reasonKey: "storage_failed"])
    }
}

/// The router's view of the log: answer once durable, or UNAVAILABLE if never.
struct LedgerCommits: CommitTracker {
    let log: EventLog<LoggedConsentState>?

    func whenDurable(_ sequence: UInt64, _ completion: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        guard let log else {
            completion(.success(()))
            return
        }
        log.whenDurable(sequence) { result in
            switch result {
            case .success: completion(.success(()))
            case .failure(let error):
                completion(.failure(RPCError(.unavailable, "not recorded durably: \(error)", cause: error)))
            }
        }
    }
}
