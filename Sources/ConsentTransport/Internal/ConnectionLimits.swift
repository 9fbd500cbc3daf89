#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import ConsentRPC

/// The connection limits of one server (docs/PROTOCOL.md §9), shared by its
/// loops. The lock is taken when a connection is accepted, finishes its
/// handshake and closes, never per call.
///
/// - Pending handshakes (accepted, TLS not finished) are capped in total and
///   per source address; a socket over either cap is closed at once, before
///   any TLS: answering it would cost what the attacker is spending ours on,
///   and the cap is what keeps descriptors free for established principals.
/// - Established connections are capped per source address and per
///   principal. One over a cap completes its handshake and then answers every
///   call `RESOURCE_EXHAUSTED` (reason and retry hint in the trailers) and is
///   closed after that answer: the client learns why instead of seeing a reset.
/// - All connections together are capped by `maxConnections` (never more than
///   the descriptor limit allows): at the cap the listener stops accepting
///   until one closes, so new clients wait in the kernel's backlog.
final class ConnectionLimits: Sendable {
    struct Limits: Sendable {
        var maxConnections: Int
        var maxPendingHandshakes: Int
        var maxPendingHandshakesPerAddress: Int
        var maxConnectionsPerAddress: Int
        var maxConnectionsPerPrincipal: Int
        var maxCallsPerSecondPerPrincipal: Int
        var maxConcurrentCallsPerPrincipal: Int
    }

    /// What a connection was counted as, handed back when it closes.
    struct Ticket: Sendable {
        let address: String
        fileprivate(set) var pending = true
        fileprivate(set) var countedAddress = false
        fileprivate(set) var principal: String? = nil
    }

    enum AcceptDecision {
        case admit(Ticket)
        /// Close the socket now; the reason is for the log.
        case refuse(String)
    }

    private struct State {
        var total = 0
        var pending = 0
        var pendingByAddress: [String: Int] = [:]
        var byAddress: [String: Int] = [:]
        var byPrincipal: [String: (connections: Int, budget: PrincipalBudget)] = [:]
        var refused = 0
    }

    let limits: Limits
    private let state = Mutex(State())
    /// How long a client refused by a limit is told to wait.
    static let retryAfterMilliseconds = 1000

    /// - Parameter descriptorLimit: the process's open-file limit; `maxConnections`
    ///   is lowered to leave `reservedDescriptors` of it for everything else.
    init(_ limits: Limits, descriptorLimit: Int = ConnectionLimits.openFileLimit()) {
        var limits = limits
        limits.maxConnections = max(1, min(limits.maxConnections, descriptorLimit - Self.reservedDescriptors))
        limits.maxPendingHandshakes = max(1, min(limits.maxPendingHandshakes, limits.maxConnections))
        self.limits = limits
    }

    /// Descriptors kept for the log, snapshots, epoll and eventfds, the listener.
    static let reservedDescriptors = 128

    /// The soft RLIMIT_NOFILE.
    static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let current = UInt64(limit.rlim_cur)  // RLIM_INFINITY is UInt64.max
        return current > UInt64(Int32.max) ? Int(Int32.max) : Int(current)
    }

    /// Whether every connection slot is taken (the listener then waits).
    var atCapacity: Bool { state.withLock { $0.total >= limits.maxConnections } }

    /// A socket was accepted from `address` (an IP, no port).
    func accepted(address: String) -> AcceptDecision {
        state.withLock { s -> AcceptDecision in
            if s.pending >= limits.maxPendingHandshakes {
                s.refused += 1
                return .refuse("\(s.pending) TLS handshakes pending (limit \(limits.maxPendingHandshakes))")
            }
            let fromAddress = s.pendingByAddress[address, default: 0]
            if fromAddress >= limits.maxPendingHandshakesPerAddress {
                s.refused += 1
                return .refuse("\(fromAddress) TLS handshakes pending from \(address) (limit \(limits.maxPendingHandshakesPerAddress))")
            }
            s.total += 1
            s.pending += 1
            s.pendingByAddress[address] = fromAddress + 1
            return .admit(Ticket(address: address))
        }
    }

    /// The handshake finished for `principal`.
    /// - Returns: the principal's call budget (shared by its connections) when
    ///   the connection may call, else the answer to each of its calls.
    func established(_ ticket: inout Ticket, principal: String) -> Establishment {
        let local = ticket
        let (updated, outcome) = state.withLock { s -> (Ticket, Establishment) in
            var t = local
            Self.endPending(&t, in: &s)
            let fromAddress = s.byAddress[t.address, default: 0]
            if fromAddress >= limits.maxConnectionsPerAddress {
                s.refused += 1
                return (t, .refused(ErrorTrailers.resourceExhausted(
                    "too many connections from \(t.address) (limit \(limits.maxConnectionsPerAddress)); close one or retry in \(Self.retryAfterMilliseconds) ms",
                    reason: "connections_per_address", retryAfterMilliseconds: Self.retryAfterMilliseconds)))
            }
            let entry = s.byPrincipal[principal]
            let ofPrincipal = entry?.connections ?? 0
            if ofPrincipal >= limits.maxConnectionsPerPrincipal {
                s.refused += 1
                return (t, .refused(ErrorTrailers.resourceExhausted(
                    "too many connections for principal \(principal) (limit \(limits.maxConnectionsPerPrincipal)); close one or retry in \(Self.retryAfterMilliseconds) ms",
                    reason: "connections_per_principal", retryAfterMilliseconds: Self.retryAfterMilliseconds)))
            }
            let budget = entry?.budget ?? PrincipalBudget(
                principal: principal, callsPerSecond: limits.maxCallsPerSecondPerPrincipal,
                concurrentCalls: limits.maxConcurrentCallsPerPrincipal)
            s.byAddress[t.address] = fromAddress + 1
            s.byPrincipal[principal] = (ofPrincipal + 1, budget)
            t.countedAddress = true
            t.principal = principal
            return (t, .admitted(budget))
        }
        ticket = updated
        return outcome
    }

    enum Establishment {
        /// It may call, within the principal's budget.
        case admitted(PrincipalBudget)
        /// Over a connection limit: the answer to each of its calls.
        case refused(CallResult)
    }

    /// The connection closed (at any stage).
    func closed(_ ticket: Ticket) {
        state.withLock { s in
            var t = ticket
            Self.endPending(&t, in: &s)
            s.total -= 1
            if t.countedAddress { Self.decrement(&s.byAddress, t.address) }
            if let principal = t.principal, let entry = s.byPrincipal[principal] {
                // The budget goes with the principal's last connection.
                s.byPrincipal[principal] = entry.connections > 1 ? (entry.connections - 1, entry.budget) : nil
            }
        }
    }

    private static func endPending(_ ticket: inout Ticket, in s: inout State) {
        guard ticket.pending else { return }
        ticket.pending = false
        s.pending -= 1
        decrement(&s.pendingByAddress, ticket.address)
    }

    private static func decrement(_ counts: inout [String: Int], _ key: String) {
        guard let n = counts[key] else { return }
        counts[key] = n > 1 ? n - 1 : nil
    }

    /// Handshakes pending now, and connections refused since start.
    var counts: (pending: Int, refused: Int) { state.withLock { ($0.pending, $0.refused) } }
}

/// Paces TLS handshakes: a token bucket on the listener's loop (one thread,
/// no lock). The listener takes a token per accepted socket and, when the
/// bucket is empty, stops accepting until the next token is due: sockets wait
/// in the kernel's backlog instead of being refused.
struct HandshakeBudget {
    let perSecond: Double
    private var tokens: Double
    private var last: UInt64

    init(perSecond: Int, now: UInt64 = MonotonicInstant.now().nanoseconds) {
        self.perSecond = Double(max(1, perSecond))
        tokens = self.perSecond  // a burst of one second's worth
        last = now
    }

    /// Takes a token. - Returns: nil, or how long until one is due.
    mutating func take(now: UInt64 = MonotonicInstant.now().nanoseconds) -> Duration? {
        tokens = min(perSecond, tokens + Double(now &- last) / 1e9 * perSecond)
        last = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .nanoseconds(Int64((1 - tokens) / perSecond * 1e9) + 1)
    }

    /// Returns a token taken for an accept that found nothing to accept.
    mutating func giveBack() {
        tokens = min(perSecond, tokens + 1)
    }
}

/// What one principal may spend on calls, shared by all its connections (on
/// any loop): calls open at once, and calls begun per second.
///
/// The open-call count is one atomic add per call and one per answer. The
/// rate is a token bucket behind a lock, but a connection takes its tokens in
/// batches (`tokenBatch`, up to 64) and spends them locally, so at a high rate
/// the lock is taken once per batch of calls, not per call.
final class PrincipalBudget: Sendable {
    let principal: String
    let callsPerSecond: Int
    let concurrentCalls: Int
    /// Tokens a connection takes from the bucket at a time: a thousandth of
    /// a second's worth, between 1 and 64 (small rates stay exact).
    let tokenBatch: Int
    private let openCalls = Atomic<Int>(0)
    private let bucket: Mutex<(tokens: Double, last: UInt64)>

    init(principal: String, callsPerSecond: Int, concurrentCalls: Int, now: UInt64 = MonotonicInstant.now().nanoseconds) {
        self.principal = principal
        self.callsPerSecond = max(1, callsPerSecond)
        self.concurrentCalls = max(1, concurrentCalls)
        tokenBatch = max(1, min(64, self.callsPerSecond / 1000))
        bucket = Mutex((Double(self.callsPerSecond), now))  // a burst of one second's worth
    }

    /// Takes up to `tokenBatch` call tokens.
    /// - Returns: how many were granted (at least 1), or 0 and the milliseconds until one is due.
    func takeCallTokens(now: UInt64) -> (granted: Int, retryAfterMilliseconds: Int) {
        bucket.withLock { b -> (Int, Int) in
            let rate = Double(callsPerSecond)
            b.tokens = min(rate, b.tokens + Double(now &- b.last) / 1e9 * rate)
            b.last = now
            if b.tokens >= 1 {
                let n = min(tokenBatch, Int(b.tokens))
                b.tokens -= Double(n)
                return (n, 0)
            }
            return (0, max(1, Int(((1 - b.tokens) / rate * 1000).rounded(.up))))
        }
    }

    /// Counts a call in. - Returns: false (nothing counted) at the limit.
    @inline(__always)
    func openCall() -> Bool {
        if openCalls.wrappingAdd(1, ordering: .relaxed).newValue <= concurrentCalls { return true }
        openCalls.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    @inline(__always)
    func closeCall() {
        openCalls.wrappingSubtract(1, ordering: .relaxed)
    }

    /// How long a client over the concurrency limit is told to wait.
    static let concurrencyRetryMilliseconds = 100
}
