import ConsentRPC

/// What the calls of one event loop measured. Touched only on that loop's
/// thread (or a test's); `snapshot()` copies it out for the main thread.
public final class Recorder: @unchecked Sendable {
    /// Latency of each measured call, in nanoseconds: from the time it was
    /// due (open loop) or sent (closed loop) to its answer.
    public var latency = Histogram()
    /// Open loop: how late the generator itself sent each call that the
    /// in-flight limit did not hold back, in nanoseconds.
    public var sendLag = Histogram()
    /// Measured calls by final status.
    public var statuses = StatusCounts()
    /// Measured calls never sent because their connection was lost.
    public var notSent = 0
    /// Open loop: measured calls that waited for a free in-flight slot.
    public var heldBack = 0
    /// Every answered call, warm-up included (for the progress line).
    public var answered = 0
    /// When the last measured call ended (monotonic nanoseconds).
    public var lastAnswer: UInt64 = 0
    /// Why a driver stopped early, if one did ("the prepared pool ran out").
    public var notes: Set<String> = []

    public init() {}

    @inline(__always)
    func recordMeasured(latency nanoseconds: UInt64, status: StatusCode, at now: UInt64) {
        latency.record(nanoseconds)
        statuses.add(status)
        if now > lastAnswer { lastAnswer = now }
    }

    public func snapshot() -> Snapshot {
        Snapshot(
            latency: latency, sendLag: sendLag, statuses: statuses, notSent: notSent, heldBack: heldBack, answered: answered,
            lastAnswer: lastAnswer, notes: notes)
    }

    /// A copy of a recorder, or the sum of several.
    public struct Snapshot: Sendable {
        public var latency = Histogram()
        public var sendLag = Histogram()
        public var statuses = StatusCounts()
        public var notSent = 0
        public var heldBack = 0
        public var answered = 0
        public var lastAnswer: UInt64 = 0
        public var notes: Set<String> = []

        public init() {}

        init(
            latency: Histogram, sendLag: Histogram, statuses: StatusCounts, notSent: Int, heldBack: Int, answered: Int,
            lastAnswer: UInt64, notes: Set<String>
        ) {
            self.latency = latency
            self.sendLag = sendLag
            self.statuses = statuses
            self.notSent = notSent
            self.heldBack = heldBack
            self.answered = answered
            self.lastAnswer = lastAnswer
            self.notes = notes
        }

        public mutating func merge(_ other: Snapshot) {
            latency.merge(other.latency)
            sendLag.merge(other.sendLag)
            statuses.merge(other.statuses)
            notSent += other.notSent
            heldBack += other.heldBack
            answered += other.answered
            lastAnswer = max(lastAnswer, other.lastAnswer)
            notes.formUnion(other.notes)
        }
    }
}

/// Calls counted by status code, without a dictionary on the hot path.
public struct StatusCounts: Sendable, Equatable {
    /// Index = code for gRPC's 0…16; codes above go in `others`.
    public private(set) var known = [Int](repeating: 0, count: 17)
    public private(set) var others: [UInt32: Int] = [:]

    public init() {}

    @inline(__always)
    public mutating func add(_ code: StatusCode, count: Int = 1) {
        if code.rawValue < 17 { known[Int(code.rawValue)] += count } else { others[code.rawValue, default: 0] += count }
    }

    public mutating func merge(_ other: StatusCounts) {
        for i in known.indices { known[i] += other.known[i] }
        for (code, n) in other.others { others[code, default: 0] += n }
    }

    public var ok: Int { known[0] }
    public var total: Int { known.reduce(0, +) + others.values.reduce(0, +) }
    public var failed: Int { total - ok }

    /// Failures by status name (`UNAVAILABLE`: 3), OK left out.
    public var failuresByName: [String: Int] {
        var out: [String: Int] = [:]
        for code in 1..<17 where known[code] > 0 { out[StatusCode(rawValue: UInt32(code)).name] = known[code] }
        for (code, n) in others { out[StatusCode(rawValue: code).name] = n }
        return out
    }
}
