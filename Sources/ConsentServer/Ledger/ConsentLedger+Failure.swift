import ConsentCore
import ConsentRPC
import ConsentStore
import Dispatch

/// What the ledger does when the log cannot make records durable any more.
///
/// The order of events on the first failed write or sync:
/// 1. the log fails the batch's appends, every pending append and every
///    later one, and every `whenDurable` wait beyond the durable sequence: the
///    router answers those calls UNAVAILABLE, never OK;
/// 2. the append completion sets `failed`, so every later command is refused
///    (checked under the state lock) and `Health.Check` says NOT_SERVING;
/// 3. a thread of its own asks the store for the state of the durable records
///    and swaps it in under the state lock; reads are refused with
///    UNAVAILABLE ("rebuilding") until then, because the live state still holds
///    the events that will never be durable;
/// 4. from then on reads are answered from exactly what a restart recovers.
///
/// Why rebuild rather than keep a second state applied only on durability: a
/// second copy would cost as much memory again as the state itself (about 320
/// bytes per consent, 3 GB at 10 million) on every server, all the time, for
/// the rare failure; the rebuild costs nothing until then, and the store's
/// snapshot thread usually has most of the work done (it keeps the state of
/// its last snapshot and replays only the records after it).
extension ConsentLedger {
    /// Why the log failed, once it has; `nil` while it works.
    public var failureReason: String? { failure.withLock { $0 } }

    /// Whether reads are answered: always while the log works; after a
    /// failure, once the durable state has been rebuilt.
    public var isReadable: Bool {
        if shared != nil { return servesCalls }
        return live.withLock { live in
            switch live.reads {
            case .live: !failed.load(ordering: .acquiring)
            case .durable: true
            case .refused: false
            }
        }
    }

    /// Called by an append's completion with the log's failure: on the
    /// writer thread, or at once on the appending thread (which then holds
    /// the state lock) when the log is closed. So it takes only `failure`'s
    /// lock and hands the rebuild to a thread of its own.
    func recordFailure(_ error: StoreError) {
        // A shared store's failures are its role's business: the node
        // fences itself, rejoins and serves again (ConsentLedger+Replica.swift).
        guard shared == nil else { return }
        let first = failure.withLock { reason -> Bool in
            guard reason == nil else { return false }
            reason = "\(error)"
            return true
        }
        guard first else { return }
        failed.store(true, ordering: .releasing)
        // A closed log (shutdown) fails appends too; nothing to serve then.
        guard !closed.load(ordering: .acquiring) else { return }
        logLine("storage failed: \(error); refusing changes, rebuilding the state of the durable records to serve reads from")
        DispatchQueue.global().async { self.restoreDurableState() }
    }

    /// Replaces the live state by the state of the durable records.
    func restoreDurableState() {
        guard let store else { return }
        let clock = ContinuousClock()
        let started = clock.now
        do throws(StoreError) {
            let durable = try store.durableState()
            var state = durable.state.state
            state.configuration = configuration
            let dropped = live.withLock { live -> UInt64 in
                let dropped = live.state.lastSequence >= state.lastSequence ? live.state.lastSequence - state.lastSequence : 0
                live.state = state
                live.reads = .durable
                return dropped
            }
            logLine("rebuilt the state of the durable records (up to sequence \(durable.sequence); \(dropped) events that never became durable left out) in \(clock.now - started); answering reads from it, refusing changes until restarted")
        } catch {
            live.withLock { $0.reads = .refused("\(error)") }
            logLine("the state of the durable records could not be rebuilt (\(error)); refusing reads as well until restarted")
        }
    }

    /// A change refused because the log failed earlier.
    static func unavailable(_ reason: String?) -> RPCError {
        RPCError(
            .unavailable, "the hub cannot record changes: \(reason ?? "the event log failed"); it serves reads until it is restarted",
            trailers: [DomainErrorMapping.reasonKey: "storage_failed"])
    }

    /// A read refused while the durable state is being rebuilt.
    static func rebuilding(_ reason: String?) -> RPCError {
        RPCError(
            .unavailable, "the hub's storage failed (\(reason ?? "the event log failed")); it is rebuilding its state from the durable log and answers reads again in a moment; retry",
            trailers: [DomainErrorMapping.reasonKey: "storage_failed"])
    }

    /// A read refused because the durable state could not be rebuilt.
    static func unreadable(_ reason: String?, _ why: String) -> RPCError {
        RPCError(
            .unavailable, "the hub's storage failed (\(reason ?? "the event log failed")) and its durable state could not be read back (\(why)); it answers nothing until it is restarted",
            trailers: [DomainErrorMapping.reasonKey: "storage_failed"])
    }

    /// An answer held for durability that will never be durable: the call's
    /// own records were in the failed batch (or after it), or a read saw them.
    static func notDurable(_ error: StoreError) -> RPCError {
        RPCError(
            .unavailable, "not recorded durably: \(error); a change this call asked for may or may not be there after the restart",
            trailers: [DomainErrorMapping.reasonKey: "storage_failed"], cause: error)
    }
}
