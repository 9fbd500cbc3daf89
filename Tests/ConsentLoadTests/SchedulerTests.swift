import ConsentRPC
import Synchronization
import Testing
@testable import ConsentLoad

/// The drivers' latency accounting, on a fake clock against a fake server
/// that stops answering for a while: an open loop must charge the stall to
/// every call that was due during it (no coordinated omission).
@Suite struct SchedulerTests {
    static let ms: UInt64 = 1_000_000

    /// A server that answers each call 1 ms after it is sent, except that
    /// nothing is answered between `stallFrom` and `stallUntil`: those
    /// answers all come at `stallUntil`.
    final class FakeWorld: @unchecked Sendable {
        var now: UInt64 = 0
        var pending: [(at: UInt64, completion: @Sendable (StatusCode) -> Void)] = []
        var sent = 0
        let stallFrom: UInt64
        let stallUntil: UInt64

        init(stallFrom: UInt64, stallUntil: UInt64) {
            self.stallFrom = stallFrom
            self.stallUntil = stallUntil
        }

        func send(_ completion: @escaping @Sendable (StatusCode) -> Void) {
            sent += 1
            var at = now + SchedulerTests.ms
            if at >= stallFrom && at < stallUntil { at = stallUntil }
            pending.append((at, completion))
        }

        /// Advances the clock in 100 µs steps, delivering answers and pumping
        /// the driver, until it has finished.
        func run(_ driver: ConnectionDriver, limit: UInt64 = 60_000 * SchedulerTests.ms) {
            driver.pump()
            while !driver.finished && now < limit {
                now += 100_000
                let due = pending.filter { $0.at <= now }
                pending.removeAll { $0.at <= now }
                for answer in due { answer.completion(.ok) }
                driver.pump()
            }
        }
    }

    static func drive(_ plan: LoadPlan, _ world: FakeWorld) -> Recorder {
        let recorder = Recorder()
        let run = RunState(plan: plan, start: 0)
        let driver = ConnectionDriver(
            number: 0, run: run, recorder: recorder, issue: { _, completion in world.send(completion) },
            isConnectionOpen: { true }, now: { world.now }, onFinished: {})
        world.run(driver)
        #expect(driver.finished && driver.inFlight == 0)
        return recorder
    }

    @Test func openLoopChargesAStallToEveryCallDueDuringIt() {
        var plan = LoadPlan()
        plan.pacing = .openLoop(rate: 1000)  // one call a millisecond
        plan.end = .duration(seconds: 1)
        plan.warmup = 0
        plan.inFlight = 4
        let world = FakeWorld(stallFrom: 200 * Self.ms, stallUntil: 500 * Self.ms)
        let recorder = Self.drive(plan, world)

        // Every call of the timetable was made and measured, none skipped.
        #expect(recorder.latency.count == 1000 && world.sent == 1000)
        #expect(recorder.statuses.ok == 1000)
        // The calls due from 200 ms on waited for the stall to end: their
        // latency runs from when they were due, not from when the in-flight
        // limit let them out.
        #expect(recorder.latency.max >= 295 * Self.ms)
        #expect(recorder.latency.count(atLeast: 100 * Self.ms) >= 200)
        #expect(recorder.latency.value(atPercentile: 50) < 5 * Self.ms, "calls outside the stall are fast")
        // Held-back calls are the server's doing, not the generator's lag.
        #expect(recorder.sendLag.value(atPercentile: 100) <= 100_000)
        #expect(recorder.heldBack >= 200 && recorder.heldBack + Int(recorder.sendLag.count) == 1000)
    }

    @Test func closedLoopSeesTheSameStallOnlyInTheCallsOpenDuringIt() {
        // The contrast that makes the open loop necessary: with 4 calls open,
        // a closed loop waits along with the server and records 4 slow calls.
        var plan = LoadPlan()
        plan.pacing = .closedLoop
        plan.end = .duration(seconds: 1)
        plan.warmup = 0
        plan.inFlight = 4
        let world = FakeWorld(stallFrom: 200 * Self.ms, stallUntil: 500 * Self.ms)
        let recorder = Self.drive(plan, world)
        #expect(recorder.latency.count(atLeast: 100 * Self.ms) <= 4)
        #expect(recorder.latency.max >= 295 * Self.ms)
    }

    @Test func warmUpCallsAreSentButNotMeasured() {
        var plan = LoadPlan()
        plan.pacing = .openLoop(rate: 1000)
        plan.end = .count(300)
        plan.warmup = 0.1
        let world = FakeWorld(stallFrom: .max, stallUntil: .max)
        let recorder = Self.drive(plan, world)
        #expect(world.sent == 400)
        #expect(recorder.latency.count == 300)
        #expect(recorder.answered == 400)
    }

    @Test func closedLoopCountStopsAtExactlyTheCountOverConnections() {
        var plan = LoadPlan()
        plan.end = .count(250)
        plan.warmup = 0
        plan.connections = 3
        plan.inFlight = 7
        let world = FakeWorld(stallFrom: .max, stallUntil: .max)
        let run = RunState(plan: plan, start: 0)
        let recorder = Recorder()
        let drivers = (0..<3).map { number in
            ConnectionDriver(
                number: number, run: run, recorder: recorder, issue: { _, completion in world.send(completion) },
                isConnectionOpen: { true }, now: { world.now }, onFinished: {})
        }
        for driver in drivers { driver.pump() }
        while drivers.contains(where: { !$0.finished }) {
            world.now += 100_000
            let due = world.pending.filter { $0.at <= world.now }
            world.pending.removeAll { $0.at <= world.now }
            for answer in due { answer.completion(.ok) }
        }
        #expect(world.sent == 250 && recorder.latency.count == 250)
    }

    @Test func aLostConnectionCountsTheRestOfItsTimetableAsNotSent() {
        var plan = LoadPlan()
        plan.pacing = .openLoop(rate: 1000)
        plan.end = .count(100)
        plan.warmup = 0
        let world = FakeWorld(stallFrom: .max, stallUntil: .max)
        let open = Mutex(true)
        let recorder = Recorder()
        let driver = ConnectionDriver(
            number: 0, run: RunState(plan: plan, start: 0), recorder: recorder,
            issue: { _, completion in world.send(completion) },
            isConnectionOpen: { open.withLock { $0 } }, now: { world.now }, onFinished: {})
        driver.pump()
        while world.now < 40 * Self.ms {
            world.now += 100_000
            let due = world.pending.filter { $0.at <= world.now }
            world.pending.removeAll { $0.at <= world.now }
            for answer in due { answer.completion(.ok) }
            driver.pump()
        }
        open.withLock { $0 = false }
        world.run(driver)
        #expect(recorder.statuses.total + recorder.notSent == 100)
        #expect(recorder.notSent >= 55)
        #expect(recorder.notes.contains("calls not sent: connection lost"))
    }

    @Test func aSafetyStopChargesTheCallsStillQueuedWithTheirWaitSoFar() {
        // One call in flight at a time, 1,000 due a second, the server stalled
        // from 10 ms on: at the safety stop (50 ms) about 40 calls wait behind
        // the stuck one. They are the slowest calls of the run, not lost ones.
        var plan = LoadPlan()
        plan.pacing = .openLoop(rate: 1000)
        plan.end = .count(100)
        plan.warmup = 0
        plan.inFlight = 1
        let world = FakeWorld(stallFrom: 10 * Self.ms, stallUntil: .max)
        let open = Mutex(true)
        let recorder = Recorder()
        let run = RunState(plan: plan, start: 0)
        let driver = ConnectionDriver(
            number: 0, run: run, recorder: recorder,
            issue: { _, completion in world.send(completion) },
            isConnectionOpen: { open.withLock { $0 } }, now: { world.now }, onFinished: {})
        driver.pump()
        while world.now < 50 * Self.ms {
            world.now += 100_000
            let due = world.pending.filter { $0.at <= world.now }
            world.pending.removeAll { $0.at <= world.now }
            for answer in due { answer.completion(.ok) }
            driver.pump()
        }
        // The runner's safety stop: flag, close; the stuck call fails.
        run.stoppedByGenerator.store(true, ordering: .releasing)
        open.withLock { $0 = false }
        for answer in world.pending { answer.completion(.unavailable) }
        world.pending.removeAll()
        driver.pump()
        #expect(driver.finished)
        let overdue = recorder.statuses.known[Int(StatusCode.deadlineExceeded.rawValue)]
        #expect(overdue >= 35, "the queued calls are counted: \(overdue)")
        #expect(recorder.latency.max >= 39 * Self.ms, "the oldest waited ~40 ms: \(recorder.latency.max)")
        #expect(recorder.statuses.total + recorder.notSent == 100)
    }

    @Test func aCallThatFailsAtOnceDoesNotRecurse() {
        // ConsentClient completes a call synchronously when the connection is
        // closed; the driver must neither recurse nor spin.
        var plan = LoadPlan()
        plan.end = .count(10_000)
        plan.warmup = 0
        let recorder = Recorder()
        let sent = Mutex(0)
        let driver = ConnectionDriver(
            number: 0, run: RunState(plan: plan, start: 0), recorder: recorder,
            issue: { _, completion in
                sent.withLock { $0 += 1 }
                completion(.unavailable)
            },
            isConnectionOpen: { true }, now: { 0 }, onFinished: {})
        driver.pump()
        #expect(driver.finished)
        #expect(recorder.statuses.failuresByName == ["UNAVAILABLE": 10_000])
        #expect(sent.withLock { $0 } == 10_000)
    }
}
