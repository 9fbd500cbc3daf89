import ConsentRPC
import Synchronization

/// What the drivers of one run share: the plan's numbers and two counters.
public final class RunState: Sendable {
    public let plan: LoadPlan
    /// When the run (warm-up included) started, monotonic nanoseconds.
    public let start: UInt64
    /// Calls that start (closed loop) before this are warm-up.
    public let measureFrom: UInt64
    /// Closed loop with a duration: no call starts at or after this.
    public let issueUntil: UInt64?
    /// Open loop only.
    public let schedule: OpenLoopSchedule?
    /// The scenario's limit on calls (`Scenario.capacity`).
    public let capacity: Int?
    /// Closed loop with `--count`: measured calls still to start.
    let budget: Atomic<Int>
    /// Closed loop: the next call number for `Scenario.makeCall`.
    let nextIndex = Atomic<Int>(0)
    /// Set before the runner closes the connections at its safety stop: the
    /// calls still queued then are the most delayed ones, not lost ones.
    public let stoppedByGenerator = Atomic<Bool>(false)

    public init(plan: LoadPlan, start: UInt64, capacity: Int? = nil) {
        self.plan = plan
        self.start = start
        self.capacity = capacity
        measureFrom = start &+ UInt64(plan.warmup * 1e9)
        switch (plan.pacing, plan.end) {
        case (.openLoop(let rate), _):
            schedule = OpenLoopSchedule(start: start, rate: rate, warmup: plan.warmup, end: plan.end)
            issueUntil = nil
            budget = Atomic(0)
        case (.closedLoop, .duration(let seconds)):
            schedule = nil
            issueUntil = measureFrom &+ UInt64(seconds * 1e9)
            budget = Atomic(0)
        case (.closedLoop, .count(let n)):
            schedule = nil
            issueUntil = nil
            budget = Atomic(n)
        }
    }
}

/// Drives the calls of one connection, on that connection's event loop: keeps
/// up to `inFlight` calls open, starts each as the plan says, and records
/// each answer in the loop's `Recorder`.
///
/// Open loop: `pump()` sends every call whose time has come, as long as the
/// in-flight limit allows; a call held back by the limit keeps its due time,
/// so the wait counts as latency (no coordinated omission). It is pumped by
/// each answer and by the `ScheduleWaker` when a call falls due.
///
/// Not thread-safe: every method runs on the loop thread (a test calls them
/// from its own thread with a fake clock and fake calls).
public final class ConnectionDriver: @unchecked Sendable {
    /// Starts call `index`; the closure gets the status exactly once.
    public typealias Issue = (_ index: Int, _ completion: @escaping @Sendable (StatusCode) -> Void) -> Void

    let number: Int
    let run: RunState
    let recorder: Recorder
    let issue: Issue
    let isConnectionOpen: () -> Bool
    let now: () -> UInt64
    let onFinished: () -> Void

    /// Calls sent and not yet answered.
    public private(set) var inFlight = 0
    /// Open loop: the next call of this connection's share of the timetable.
    private var nextK: Int
    /// Open loop: calls up to this one fell due while the limit was reached.
    private var heldBackThrough = -1
    /// Closed loop: still starting calls.
    private var issuing = true
    private var pumping = false
    private var pumpAgain = false
    public private(set) var finished = false

    /// - Parameters:
    ///   - number: the connection's number, 0..<connections.
    ///   - isConnectionOpen: false once the connection is lost: no more calls are started.
    ///   - now: the monotonic clock in nanoseconds (a test's fake clock).
    ///   - onFinished: once, when this connection has nothing left to send or wait for.
    public init(
        number: Int, run: RunState, recorder: Recorder, issue: @escaping Issue,
        isConnectionOpen: @escaping () -> Bool, now: @escaping () -> UInt64, onFinished: @escaping () -> Void
    ) {
        self.number = number
        self.run = run
        self.recorder = recorder
        self.issue = issue
        self.isConnectionOpen = isConnectionOpen
        self.now = now
        self.onFinished = onFinished
        nextK = number
    }

    /// Sends whatever is due. Re-entrant calls (an answer that arrives while
    /// sending, or a call that fails at once) only ask for another pass.
    public func pump() {
        if pumping {
            pumpAgain = true
            return
        }
        pumping = true
        repeat {
            pumpAgain = false
            if let schedule = run.schedule { sendDue(schedule, now: now()) } else { keepFull(now: now()) }
        } while pumpAgain
        pumping = false
        if !finished && inFlight == 0 && !hasMoreToSend {
            finished = true
            onFinished()
        }
    }

    private var hasMoreToSend: Bool {
        if let schedule = run.schedule { return nextK < schedule.end }
        return issuing
    }

    // MARK: Closed loop

    private func keepFull(now: UInt64) {
        while issuing && inFlight < run.plan.inFlight {
            if !isConnectionOpen() || (run.issueUntil.map { now >= $0 } ?? false) {
                issuing = false
                return
            }
            let measured = now >= run.measureFrom
            if measured, case .count = run.plan.end, run.budget.subtract(1, ordering: .relaxed).oldValue <= 0 {
                issuing = false
                return
            }
            let index = run.nextIndex.add(1, ordering: .relaxed).oldValue
            if let capacity = run.capacity, index >= capacity {
                recorder.notes.insert("the scenario's prepared data ran out after \(capacity) calls")
                issuing = false
                return
            }
            start(index, due: now, measured: measured)
        }
    }

    // MARK: Open loop

    private func sendDue(_ schedule: OpenLoopSchedule, now: UInt64) {
        let connections = run.plan.connections
        while nextK < schedule.end {
            let due = schedule.due(nextK)
            if due > now { return }
            if !isConnectionOpen() {
                if run.stoppedByGenerator.load(ordering: .acquiring) {
                    failOverdue(schedule, now: now)
                }
                abandonRest(schedule, reason: "calls not sent: connection lost")
                return
            }
            if let capacity = run.capacity, nextK >= capacity {
                abandonRest(schedule, reason: "the scenario's prepared data ran out after \(capacity) calls")
                return
            }
            if inFlight >= run.plan.inFlight {
                // Everything due by now waits for an answer: the server's doing.
                heldBackThrough = max(heldBackThrough, schedule.lastDue(at: now))
                return
            }
            let measured = nextK >= schedule.firstMeasured
            if measured {
                if nextK > heldBackThrough {
                    // Late through no fault of the server: the waker or this
                    // thread was slow. The report judges the generator by it.
                    recorder.sendLag.record(now - due)
                } else {
                    recorder.heldBack += 1
                }
            }
            let k = nextK
            nextK += connections
            start(k, due: due, measured: measured)
        }
    }

    /// At the generator's safety stop: every measured call already due but
    /// still queued behind the in-flight limit counts as DEADLINE_EXCEEDED
    /// with the wait it has had so far. Leaving them out would drop exactly
    /// the slowest calls from the percentiles (coordinated omission again).
    private func failOverdue(_ schedule: OpenLoopSchedule, now: UInt64) {
        let connections = run.plan.connections
        while nextK < schedule.end, schedule.due(nextK) <= now {
            if nextK >= schedule.firstMeasured {
                recorder.recordMeasured(latency: now - schedule.due(nextK), status: .deadlineExceeded, at: now)
                recorder.notes.insert("calls still queued when the run was stopped count as DEADLINE_EXCEEDED, with their wait until then")
            }
            nextK += connections
        }
    }

    /// Counts the measured calls left in this connection's timetable as not
    /// sent, and ends it.
    private func abandonRest(_ schedule: OpenLoopSchedule, reason: String) {
        let connections = run.plan.connections
        var k = nextK  // this connection's calls are nextK, nextK + connections, …
        if k < schedule.firstMeasured { k += (schedule.firstMeasured - k + connections - 1) / connections * connections }
        if k < schedule.end {
            let left = (schedule.end - 1 - k) / connections + 1
            recorder.notSent += left
            recorder.notes.insert(reason)
        }
        nextK = schedule.end
    }

    // MARK: Calls

    private func start(_ index: Int, due: UInt64, measured: Bool) {
        inFlight += 1
        issue(index) { [self] status in
            self.answered(status, due: due, measured: measured)
        }
    }

    private func answered(_ status: StatusCode, due: UInt64, measured: Bool) {
        inFlight -= 1
        recorder.answered += 1
        if measured {
            let t = now()
            recorder.recordMeasured(latency: t > due ? t - due : 0, status: status, at: t)
        }
        pump()
    }
}
