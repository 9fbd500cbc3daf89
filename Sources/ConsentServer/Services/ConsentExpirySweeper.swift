import ConsentCore
import ConsentRPC
import Dispatch
import Synchronization

/// Writes the expiry events of requests left unanswered past their deadline
/// and of consents past their end, every `interval`, as the hub itself
/// (`Actor.system`).
///
/// Statuses do not wait for this: ConsentCore computes "expired" on read, so a
/// request is expired the instant its deadline passes. The events are the
/// record — the feed shows `REQUEST_EXPIRED` / `CONSENT_EXPIRED` to consumers
/// and data sources, and the user's log its "Samtykke utløpt" line.
final class ConsentExpirySweeper: Sendable {
    /// Items per command; a sweep repeats the command while batches come back full.
    static let batchSize = 1_000
    /// Batches per sweep at most, so one sweep never runs for long.
    static let maximumBatchesPerSweep = 100

    private let ledger: ConsentLedger
    private let interval: Duration
    private let clock: any WallClock & Sendable
    private let queue = DispatchQueue(label: "consenthub.expiry")
    private let stopped = Atomic<Bool>(false)
    /// Told the count of each sweep that ran (metrics).
    let onSweep: (@Sendable (Int) -> Void)?

    /// - Parameters:
    ///   - interval: the time between sweeps.
    init(ledger: ConsentLedger, interval: Duration, clock: any WallClock & Sendable = SystemClock(), onSweep: (@Sendable (Int) -> Void)? = nil) {
        self.onSweep = onSweep
        self.ledger = ledger
        self.interval = interval
        self.clock = clock
    }

    /// Sweeps every `interval` until `stop()`.
    func start() {
        scheduleNext()
    }

    /// No sweep starts after this returns (one in progress finishes its batch).
    func stop() {
        stopped.store(true, ordering: .releasing)
    }

    private func scheduleNext() {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        queue.asyncAfter(deadline: .now() + seconds) { [weak self] in
            guard let self, !self.stopped.load(ordering: .acquiring) else { return }
            let expired = self.sweep()
            if self.ledger.shared == nil || self.ledger.servesCalls { self.onSweep?(expired) }
            self.scheduleNext()
        }
    }

    /// One sweep: expires what is due now.
    /// - Returns: how many requests and consents were marked expired.
    @discardableResult
    func sweep() -> Int {
        // Only the active node of a shared store writes; the standbys' sweeps
        // would only be refused.
        guard ledger.shared == nil || ledger.servesCalls else { return 0 }
        var total = 0
        for _ in 0..<Self.maximumBatchesPerSweep {
            guard !stopped.load(ordering: .acquiring) else { break }
            let outcome = ledger.execute(.expireDue(limit: Self.batchSize), by: .system, at: clock.now())
            switch outcome.result {
            case .success(.expired(let count)):
                total += count
                if count < Self.batchSize {
                    if total > 0 { ServerLog.info("expiry: \(total) requests and consents marked expired") }
                    return total
                }
            case .success(let other):
                ServerLog.warning("expiry: unexpected result \(other.caseName)")
                return total
            case .failure(let error):
                // The log has failed (the hub refuses all changes); try again next time.
                ServerLog.warning("expiry: \(error.message)")
                return total
            }
        }
        if total > 0 { ServerLog.info("expiry: \(total) requests and consents marked expired; more are due, continuing next sweep") }
        return total
    }
}
