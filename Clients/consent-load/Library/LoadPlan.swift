/// What a run does: how calls are paced, when it ends, over how many
/// connections and threads.
public struct LoadPlan: Sendable, Equatable {
    public enum Pacing: Sendable, Equatable {
        /// Each connection keeps `inFlight` calls open; a call starts when
        /// one ends. Measures capacity; hides queueing from latency.
        case closedLoop
        /// Calls are due at fixed intervals (`rate` per second over all
        /// connections) whatever the server does; latency counts from the
        /// time a call was due, so a stall shows in full.
        case openLoop(rate: Double)
    }

    public enum End: Sendable, Equatable {
        case duration(seconds: Double)
        /// Exactly this many measured calls (after the warm-up).
        case count(Int)
    }

    public var pacing: Pacing = .closedLoop
    public var end: End = .duration(seconds: 10)
    public var connections = 1
    /// Calls open at most per connection.
    public var inFlight = 32
    /// Client event loops (threads); connections are dealt to them in turn.
    public var threads = 1
    /// Seconds of load before measuring starts (connections warm, server caches hot).
    public var warmup = 1.0

    public init() {}

    public var isOpenLoop: Bool {
        if case .openLoop = pacing { return true }
        return false
    }
}

/// The open loop's timetable: call `k` (over all connections; connection
/// `k % connections` sends it) is due `k / rate` seconds after the start.
/// The calls due before the warm-up ends are sent but not measured.
public struct OpenLoopSchedule: Sendable, Equatable {
    public let start: UInt64
    public let nanosecondsPerCall: Double
    /// The first measured call.
    public let firstMeasured: Int
    /// One past the last call.
    public let end: Int

    public init(start: UInt64, rate: Double, warmup: Double, end: LoadPlan.End) {
        self.start = start
        nanosecondsPerCall = 1e9 / rate
        firstMeasured = Int((warmup * rate).rounded(.up))
        switch end {
        case .duration(let seconds): self.end = firstMeasured + Int((seconds * rate).rounded())
        case .count(let n): self.end = firstMeasured + n
        }
    }

    /// When call `k` is due.
    @inline(__always)
    public func due(_ k: Int) -> UInt64 {
        start &+ UInt64(Double(k) * nanosecondsPerCall)
    }

    /// The last call due at `now` (-1 before the first), consistent with
    /// `due(_:)` whatever the rounding of the division.
    public func lastDue(at now: UInt64) -> Int {
        guard now >= start else { return -1 }
        var k = Int(Double(now - start) / nanosecondsPerCall)
        while k >= 0 && due(k) > now { k -= 1 }
        while due(k + 1) <= now { k += 1 }
        return k
    }
}
