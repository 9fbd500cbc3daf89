import ConsentCore
import ConsentProto
import ConsentRPC
import Dispatch
import Synchronization

/// Pushes the events feed to `WatchEvents` calls: each subscriber first gets
/// the events after its cursor (in pages), then every new event it may see as
/// soon as the log has made it durable — so a bank learns of a withdrawal
/// within milliseconds, and never of something a crash could undo.
///
/// How work flows, and why:
/// - The ledger's commit observer only records the durable sequence and, if
///   anyone is watching, schedules one drain on the feed's serial queue. It
///   runs on the log's writer thread (or under the state lock, for the
///   in-memory ledger), so it must not read the state or send.
/// - The queue reads pages from the ledger (taking the state lock briefly, per
///   page) and sends them; no lock is held while sending, and the event loops
///   never do this work.
/// - When a connection's output is over its high-water mark, `send` says so:
///   the subscriber waits for `onWritable` and is pumped again from there.
/// - A subscriber gets at most ``pagesPerTurn`` pages per turn, so a large
///   backlog does not hold up the others.
/// - The call ends from outside (cancel, deadline, disconnect): `onTermination`
///   removes the subscriber. At shutdown ``close()`` ends every call with
///   `UNAVAILABLE` and the cursor to resume from, so that a drain does not wait
///   for streams that would never end on their own.
public final class ConsentEventFeed: Sendable {
    /// Events per stream message at most.
    static let pageSize = 256
    /// Pages one subscriber is sent before the others get their turn.
    static let pagesPerTurn = 16
    /// Open WatchEvents calls one organisation may have, over all its
    /// connections: every drain pumps every subscriber, each under the state
    /// lock that writes need, so one caller's thousands of streams would slow
    /// everyone's withdrawals. A bank needs one or two.
    static let maximumStreamsPerActor = 16

    private let ledger: ConsentLedger
    private let queue = DispatchQueue(label: "consenthub.event-feed")
    /// The highest sequence known to be on disk.
    private let durable = Atomic<UInt64>(0)
    private let drainScheduled = Atomic<Bool>(false)
    private let subscriberCount = Atomic<Int>(0)
    private let subscribers = Mutex<[ObjectIdentifier: Subscriber]>([:])
    private let closed = Atomic<Bool>(false)

    /// Starts following `ledger`'s commits.
    init(ledger: ConsentLedger) {
        self.ledger = ledger
        ledger.addCommitObserver { [weak self] sequence in self?.committed(sequence) }
        // After registering, so that no advance between the two is missed.
        durable.max(ledger.durableSequence, ordering: .releasing)
    }

    /// Serves one WatchEvents call until it ends.
    /// - Parameters:
    ///   - actor: whose feed (ConsentCore decides what it may see).
    ///   - kinds: only these kinds, or all.
    ///   - cursor: send the events after this sequence number.
    ///   - principal: the caller's principal id and the role it watches in,
    ///     checked again whenever the principals are reloaded.
    ///   - stream: the call.
    func subscribe(actor: Actor, principal: (id: String, role: Role), kinds: Set<EventKind>?, after cursor: UInt64,
                   stream: ServerStream<Consent_V1_WatchEventsResponse>) {
        let subscriber = Subscriber(actor: actor, principal: principal, kinds: kinds, cursor: cursor, stream: stream)
        enum Admission { case added, closed, full }
        let admission = subscribers.withLock { list -> Admission in
            // Checked under the lock that close() takes, so no subscriber slips past it.
            guard !closed.load(ordering: .acquiring) else { return .closed }
            guard list.values.lazy.filter({ $0.actor == actor }).count < Self.maximumStreamsPerActor else { return .full }
            list[ObjectIdentifier(subscriber)] = subscriber
            return .added
        }
        switch admission {
        case .added: break
        case .closed:
            stream.fail(Self.shuttingDown(after: cursor))
            return
        case .full:
            stream.fail(RPCError(
                .resourceExhausted,
                "\(actor) already has \(Self.maximumStreamsPerActor) WatchEvents streams open; close one, or follow the feed with fewer",
                trailers: [DomainErrorMapping.reasonKey: "too_many_watch_streams"]))
            return
        }
        subscriberCount.add(1, ordering: .relaxed)
        stream.onTermination { [weak self] _ in
            subscriber.state.withLock { $0.ended = true }
            self?.remove(subscriber)
        }
        schedule(subscriber)
    }

    /// The number of open WatchEvents calls.
    public var watcherCount: Int { subscriberCount.load(ordering: .relaxed) }

    /// Ends the streams of principals that `directory` (just reloaded) no
    /// longer lists with the role they watch in. Every other call is checked
    /// when it arrives; a stream would otherwise outlive the revocation.
    /// - Returns: how many streams were ended.
    @discardableResult
    func endStreams(notAllowedBy directory: PrincipalDirectory) -> Int {
        let revoked = subscribers.withLock { list -> [Subscriber] in
            let revoked = list.values.filter { directory[$0.principal.id]?.has($0.principal.role) != true }
            for subscriber in revoked { list.removeValue(forKey: ObjectIdentifier(subscriber)) }
            return revoked
        }
        subscriberCount.subtract(revoked.count, ordering: .relaxed)
        for subscriber in revoked {
            subscriber.state.withLock { $0.ended = true }
            // As the router answers a new call from the same certificate (a
            // principal still listed has lost the role; one not listed is unknown).
            let known = directory[subscriber.principal.id] != nil
            subscriber.stream.fail(RPCError(
                known ? .permissionDenied : .unauthenticated,
                "principal \(subscriber.principal.id) " + (known ? "no longer has role \(subscriber.principal.role.rawValue)" : "is no longer known")
                    + " (the principals were reloaded); the stream has ended",
                trailers: [DomainErrorMapping.reasonKey: "principal_revoked"]))
        }
        return revoked.count
    }

    /// Ends every WatchEvents call with `UNAVAILABLE`, saying where to resume,
    /// and refuses new ones: the server is shutting down.
    public func close() {
        let all = subscribers.withLock { list -> [Subscriber] in
            closed.store(true, ordering: .releasing)
            let all = Array(list.values)
            list.removeAll()
            return all
        }
        subscriberCount.subtract(all.count, ordering: .relaxed)
        for subscriber in all {
            let cursor = subscriber.state.withLock { state -> UInt64 in
                state.ended = true
                return state.cursor
            }
            subscriber.stream.fail(Self.shuttingDown(after: cursor))
        }
    }

    static func shuttingDown(after cursor: UInt64) -> RPCError {
        RPCError(.unavailable, "the server is shutting down; resume WatchEvents with after = \(cursor)",
                 trailers: [DomainErrorMapping.reasonKey: "server_shutting_down"])
    }

    // MARK: Commit observer (log writer thread)

    private func committed(_ sequence: UInt64) {
        durable.max(sequence, ordering: .releasing)
        guard subscriberCount.load(ordering: .relaxed) > 0 else { return }
        if !drainScheduled.exchange(true, ordering: .acquiringAndReleasing) {
            queue.async { [self] in
                // Cleared first: a commit during this drain schedules another.
                drainScheduled.store(false, ordering: .releasing)
                for subscriber in subscribers.withLock({ Array($0.values) }) { pump(subscriber) }
            }
        }
    }

    // MARK: The feed's queue

    private func schedule(_ subscriber: Subscriber) {
        queue.async { [self] in pump(subscriber) }
    }

    private func remove(_ subscriber: Subscriber) {
        let removed = subscribers.withLock { $0.removeValue(forKey: ObjectIdentifier(subscriber)) != nil }
        if removed { subscriberCount.subtract(1, ordering: .relaxed) }
    }

    /// Sends what the subscriber has not had, up to the durable sequence. Runs on `queue` only.
    private func pump(_ subscriber: Subscriber) {
        let target = durable.load(ordering: .acquiring)
        var state = subscriber.state.withLock { $0 }
        guard !state.ended, !state.waitingForWritable else { return }
        var pages = 0
        while true {
            if state.cursor >= target {
                guard !state.caughtUp else { return }
                state.caughtUp = true
                subscriber.state.withLock { $0.caughtUp = true }
                let marker = Consent_V1_WatchEventsResponse(events: [], nextCursor: state.cursor, caughtUp: true)
                if !subscriber.stream.send(marker) { waitForWritable(subscriber) }
                return
            }
            if pages == Self.pagesPerTurn {
                schedule(subscriber)
                return
            }
            pages += 1
            let page: EventPage
            do {
                let cursor = state.cursor
                page = try ledger.read { s throws(DomainError) in
                    try s.events(after: cursor, for: subscriber.actor, kinds: subscriber.kinds, limit: Self.pageSize)
                }.value
            } catch {
                subscriber.state.withLock { $0.ended = true }
                remove(subscriber)
                subscriber.stream.fail(error)
                return
            }
            // A page that reached the end of the caller's events covers everything up
            // to the newest event, whatever its last entry (a consumer's or data
            // source's cursor only moves through its own events). The state may also
            // hold events the log has not synced yet: never go past `target`.
            let end = page.reachedEnd ? target : min(page.nextCursor, target)
            guard end > state.cursor else { return }
            let entries = page.entries.prefix { $0.sequence <= end }
            state.cursor = end
            subscriber.state.withLock { $0.cursor = end }
            if !entries.isEmpty {
                let message = Consent_V1_WatchEventsResponse(
                    events: entries.map(Consent_V1_ConsentEvent.init), nextCursor: end, caughtUp: state.caughtUp)
                if !subscriber.stream.send(message) {
                    waitForWritable(subscriber)
                    return
                }
            }
        }
    }

    /// The connection is behind: resume when its output has drained.
    private func waitForWritable(_ subscriber: Subscriber) {
        subscriber.state.withLock { $0.waitingForWritable = true }
        subscriber.stream.onWritable { [weak self] in
            subscriber.state.withLock { $0.waitingForWritable = false }
            self?.schedule(subscriber)
        }
    }

    /// One WatchEvents call.
    final class Subscriber: Sendable {
        struct State {
            /// Everything up to here has been sent.
            var cursor: UInt64
            /// The backlog has been sent (and the marker saying so).
            var caughtUp = false
            /// Waiting for the connection's output to drain.
            var waitingForWritable = false
            /// The call is over.
            var ended = false
        }

        let actor: Actor
        let principal: (id: String, role: Role)
        let kinds: Set<EventKind>?
        let stream: ServerStream<Consent_V1_WatchEventsResponse>
        let state: Mutex<State>

        init(actor: Actor, principal: (id: String, role: Role), kinds: Set<EventKind>?, cursor: UInt64,
             stream: ServerStream<Consent_V1_WatchEventsResponse>) {
            self.actor = actor
            self.principal = principal
            self.kinds = kinds
            self.stream = stream
            self.state = Mutex(State(cursor: cursor))
        }
    }
}
