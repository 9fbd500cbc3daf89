#if canImport(Glibc)
import Glibc
#endif
import ConsentCLI
import ConsentClient
import ConsentRPC
import ConsentTransport
import Dispatch
import Synchronization

/// Runs one load: connects, prepares the scenario, drives the calls on the
/// client event loops, prints progress once a second, and reports.
public struct LoadRunner {
    public var scenarioName: String
    public var scenario: any Scenario
    public var plan: LoadPlan
    public var settings: ConnectionSettings
    /// The server's process id, for its CPU time (same machine only).
    public var serverPID: Int32?
    /// The cores the server is pinned to (`taskset`), for how they spent the run.
    public var serverCores: [Int]?
    /// Wait after preparing until this file exists, before the warm-up: a
    /// profiler attached to the server starts counting there, so that what
    /// it counts is the measured calls and nothing of the preparation.
    public var startFile: String?
    /// The profile file second principals (`--portal-profile`…) are read from.
    public var profileFile: String?
    /// Where progress lines go (standard error); nil: nowhere.
    public var progress: (@Sendable (String) -> Void)?
    public var limits = GeneratorLimits()

    public init(scenarioName: String, scenario: any Scenario, plan: LoadPlan, settings: ConnectionSettings,
                serverPID: Int32? = nil, profileFile: String? = nil, progress: (@Sendable (String) -> Void)? = nil) {
        self.scenarioName = scenarioName
        self.scenario = scenario
        self.plan = plan
        self.settings = settings
        self.serverPID = serverPID
        self.profileFile = profileFile
        self.progress = progress
    }

    /// Runs the load and returns its report.
    /// - Throws: `CLIError`: connection when a connection cannot be made,
    ///   local when threads cannot be started, whatever `prepare` throws.
    public func run() throws(CLIError) -> LoadReport {
        let group: EventLoopGroup
        do {
            group = try EventLoopGroup(threads: plan.threads, name: "consent-load")
        } catch {
            throw .local("cannot start \(plan.threads) event loops: \(error)")
        }
        defer { group.shutdown() }
        // The measured connections are the scenario's principal (the data
        // source for `verify`), the run's own by default.
        var measured = settings
        if let principal = scenario.measuredPrincipal { measured = try principal.settings(base: settings, profileFile: profileFile) }
        var clients: [ConsentClient] = []
        defer { for client in clients { client.close() } }
        for i in 0..<plan.connections {
            clients.append(try measured.connect(eventLoop: group.loops[i % group.loops.count]))
        }

        var scenario = self.scenario
        let planned: Int? = switch (plan.pacing, plan.end) {
        case (.openLoop(let rate), _): OpenLoopSchedule(start: 0, rate: rate, warmup: plan.warmup, end: plan.end).end
        case (.closedLoop, .count(let n)) where plan.warmup == 0: n
        default: nil
        }
        let context = ScenarioContext(
            settings: settings, clients: clients, plan: plan, plannedCalls: planned, profileFile: profileFile, log: progress ?? { _ in })
        defer { context.closeOpened() }
        try scenario.prepare(context)
        if let startFile { try Self.waitForFile(startFile, progress: progress) }

        let loops = group.loops
        let threadClocks = loops.map { loop in Self.onLoop(loop) { CPUUsage.currentThreadClock() } }
        let recorders = loops.map { _ in Recorder() }
        let remaining = Atomic<Int>(plan.connections)
        let done = DispatchSemaphore(value: 0)

        let start = MonotonicClock.now()
        let run = RunState(plan: plan, start: start, capacity: scenario.capacity)
        let options = measured.callOptions
        let frozen = scenario
        var driversByLoop = [[ConnectionDriver]](repeating: [], count: loops.count)
        for (i, client) in clients.enumerated() {
            let loopIndex = i % loops.count
            driversByLoop[loopIndex].append(ConnectionDriver(
                number: i, run: run, recorder: recorders[loopIndex],
                issue: { index, completion in frozen.makeCall(index: index, on: client, options: options, completion: completion) },
                isConnectionOpen: { client.isOpen }, now: MonotonicClock.now,
                onFinished: { if remaining.subtract(1, ordering: .acquiringAndReleasing).oldValue == 1 { done.signal() } }))
        }
        let drivers = driversByLoop
        let pumpLoop: @Sendable (Int) -> Void = { i in for driver in drivers[i] { driver.pump() } }
        for (i, loop) in loops.enumerated() { loop.execute { pumpLoop(i) } }

        var waker: ScheduleWaker?
        if let schedule = run.schedule {
            let pending = loops.map { _ in WakeFlag() }
            waker = ScheduleWaker(
                schedule: schedule, loopOfConnection: (0..<plan.connections).map { $0 % loops.count }, loopCount: loops.count
            ) { i in
                guard !pending[i].raised.exchange(true, ordering: .acquiringAndReleasing) else { return }
                loops[i].execute {
                    pending[i].raised.store(false, ordering: .releasing)
                    pumpLoop(i)
                }
            }
            waker?.start()
        }

        // Wait, with a progress line a second; CPU is counted from the end of the warm-up.
        var marks: CPUMarks? = plan.warmup == 0 ? CPUMarks.take(threadClocks, serverPID, serverCores) : nil
        var lastTick = start
        var lastAnswered = 0
        let safetyStop = hardStop(start: start)
        while true {
            let nextTick = marks == nil ? min(lastTick + 1_000_000_000, run.measureFrom) : lastTick + 1_000_000_000
            if done.wait(timeout: .now() + .nanoseconds(Int(clamping: nextTick > MonotonicClock.now() ? nextTick - MonotonicClock.now() : 0))) == .success {
                break
            }
            let now = MonotonicClock.now()
            if marks == nil && now >= run.measureFrom { marks = CPUMarks.take(threadClocks, serverPID, serverCores) }
            if let safetyStop, now > safetyStop {
                // Calls without a deadline (pings) on a server that stopped answering,
                // or an open loop whose queue ran far past its timetable.
                run.stoppedByGenerator.store(true, ordering: .releasing)
                for client in clients { client.close() }
                done.wait()
                break
            }
            if now >= lastTick + 1_000_000_000 {
                let snapshot = Self.collect(recorders, loops)
                if let progress {
                    let perSecond = Double(snapshot.answered - lastAnswered) / (Double(now - lastTick) / 1e9)
                    progress(Self.progressLine(now: now, run: run, perSecond: perSecond, snapshot: snapshot, unit: frozen.unit))
                }
                lastAnswered = snapshot.answered
                lastTick = now
            }
        }
        let end = MonotonicClock.now()
        waker?.stop()
        let endMarks = CPUMarks.take(threadClocks, serverPID, serverCores)
        let result = Self.collect(recorders, loops)
        return report(result, run: run, scenario: frozen, from: marks ?? endMarks, to: endMarks, end: end)
    }

    /// When to give up on answers that will not come: the plan's end plus
    /// the call deadline and a margin; nil when the end is not known in time.
    private func hardStop(start: UInt64) -> UInt64? {
        let grace = UInt64((settings.timeout + 5) * 1e9)
        switch (plan.pacing, plan.end) {
        case (_, .duration(let seconds)): return start + UInt64((plan.warmup + seconds) * 1e9) + grace
        case (.openLoop(let rate), .count(let n)): return start + UInt64((plan.warmup + Double(n) / rate) * 1e9) + grace
        case (.closedLoop, .count): return nil
        }
    }

    private static func progressLine(now: UInt64, run: RunState, perSecond: Double, snapshot: Recorder.Snapshot, unit: String) -> String {
        let elapsed = Double(now - run.start) / 1e9
        let phase = now < run.measureFrom ? " warm-up" : ""
        let failed = snapshot.statuses.failed + snapshot.notSent
        let p99 = snapshot.latency.isEmpty ? "-" : LoadReportText.duration(Double(snapshot.latency.value(atPercentile: 99)) / 1000)
        return String(format: "[%5.1f s%@] ", elapsed, phase) + "\(LoadReportText.number(perSecond)) \(unit)s/s, \(LoadReportText.number(failed)) errors, p99 so far \(p99)"
    }

    private func report(_ result: Recorder.Snapshot, run: RunState, scenario: any Scenario, from: CPUMarks, to: CPUMarks, end: UInt64) -> LoadReport {
        let measuredEnd = max(result.lastAnswer, run.measureFrom)
        let duration = Double(measuredEnd - run.measureFrom) / 1e9
        let wall = Double(to.wall - from.wall) / 1e9
        let calls = result.statuses.total
        let callsPerSecond = duration > 0 ? Double(calls) / duration : 0
        let user = to.user - from.user
        let system = to.system - from.system
        let busiest = zip(to.threads, from.threads).map { $0 - $1 }.max() ?? 0
        let cores = CPUUsage.onlineCores
        let usable = min(plan.threads + (plan.isOpenLoop ? 1 : 0), cores)
        var server: LoadReport.ServerCPU?
        if let pid = serverPID, let a = from.server, let b = to.server {
            let seconds = b - a
            server = LoadReport.ServerCPU(
                pid: pid, seconds: seconds, percentOfCore: wall > 0 ? seconds / wall * 100 : 0,
                callsPerCPUSecond: seconds > 0 ? Double(calls) / seconds : 0)
        }
        var notes = result.notes.sorted()
        if calls > 0 && Double(result.heldBack) > 0.01 * Double(calls) {
            // Not the generator's failing (the wait is honestly in the
            // latencies) but often the reason for them: say which knob it is.
            let slots = plan.connections * plan.inFlight
            notes.append(
                "\(LoadReportText.number(result.heldBack)) calls (\(Int((Double(result.heldBack) * 100 / Double(calls)).rounded())) %) waited for one of the \(slots) in-flight slots; "
                    + "the wait is part of their latency. Unless the server was saturated (see its CPU), raise --in-flight or --connections.")
        }
        var coresReport: LoadReport.ServerCores?
        if let cores = serverCores, let a = from.cores, let b = to.cores {
            coresReport = Self.coreUsage(cores: cores, from: a, to: b, serverSeconds: server?.seconds)
        } else if serverCores != nil {
            notes.append("the server cores' time could not be read from /proc/stat")
        }
        if serverPID != nil && server == nil { notes.append("the server's CPU could not be read from /proc/\(serverPID!)/stat") }
        let rate: Double? = if case .openLoop(let r) = plan.pacing { r } else { nil }
        return LoadReport(
            scenario: scenarioName, method: scenario.method, unit: scenario.unit, pacing: plan.isOpenLoop ? "open-loop" : "closed-loop", rate: rate,
            connections: plan.connections, inFlight: plan.inFlight, threads: plan.threads, warmupSeconds: plan.warmup,
            durationSeconds: (duration * 1000).rounded() / 1000, calls: calls, ok: result.statuses.ok, failed: result.statuses.failed,
            errors: result.statuses.failuresByName, notSent: result.notSent, heldBack: result.heldBack,
            callsPerSecond: callsPerSecond.rounded(), itemsPerCall: scenario.itemsPerCall,
            itemsPerSecond: (callsPerSecond * Double(scenario.itemsPerCall)).rounded(),
            latency: LoadReport.Latency(result.latency),
            clientCPU: LoadReport.ClientCPU(
                userSeconds: (user * 100).rounded() / 100, systemSeconds: (system * 100).rounded() / 100,
                percentOfCore: wall > 0 ? ((user + system) / wall * 1000).rounded() / 10 : 0,
                busiestThreadPercent: wall > 0 ? (busiest / wall * 1000).rounded() / 10 : 0, cores: cores),
            serverCPU: server,
            serverCores: coresReport,
            generator: limits.judge(
                busiestThread: busiest, processCPU: user + system, wall: wall, usableThreads: usable,
                sendLag: plan.isOpenLoop ? result.sendLag : nil, latencyP99: result.latency.value(atPercentile: 99)),
            notes: notes)
    }

    /// How the server's cores spent the window between two readings.
    static func coreUsage(cores: [Int], from: [CPUUsage.CoreTicks], to: [CPUUsage.CoreTicks], serverSeconds: Double?) -> LoadReport.ServerCores {
        var busy: UInt64 = 0, idle: UInt64 = 0, steal: UInt64 = 0
        for (a, b) in zip(from, to) {
            busy += b.busy &- a.busy
            idle += b.idle &- a.idle
            steal += b.steal &- a.steal
        }
        let total = Double(max(busy + idle + steal, 1))
        func percent(_ x: Double) -> Double { (x / total * 1000).rounded() / 10 }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let serverTicks = serverSeconds.map { $0 * ticksPerSecond }
        return LoadReport.ServerCores(
            cores: cores, busyPercent: percent(Double(busy)), idlePercent: percent(Double(idle)), stealPercent: percent(Double(steal)),
            serverPercent: serverTicks.map { percent($0) }, othersPercent: serverTicks.map { percent(max(0, Double(busy) - $0)) })
    }

    /// Blocks until `path` exists (polling every 10 ms).
    static func waitForFile(_ path: String, progress: (@Sendable (String) -> Void)?) throws(CLIError) {
        progress?("prepared; waiting for \(path) before measuring")
        var waited = 0
        while access(path, F_OK) != 0 {
            usleep(10_000)
            waited += 1
            if waited > 60 * 60 * 100 { throw .local("waited an hour for --start-file \(path)") }
        }
    }

    /// Every loop's recorder, copied on its own thread and summed.
    private static func collect(_ recorders: [Recorder], _ loops: [EventLoop]) -> Recorder.Snapshot {
        var total = Recorder.Snapshot()
        for (recorder, loop) in zip(recorders, loops) {
            total.merge(onLoop(loop) { recorder.snapshot() })
        }
        return total
    }

    /// Runs `body` on `loop` and waits for its result.
    static func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) -> T {
        let box = Mutex<T?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        loop.execute {
            let value = body()
            box.withLock { $0 = value }
            semaphore.signal()
        }
        semaphore.wait()
        return box.withLock { $0! }
    }
}

/// A flag for coalescing wakes of one loop.
final class WakeFlag: Sendable {
    let raised = Atomic<Bool>(false)
}

/// CPU clocks read at one instant.
struct CPUMarks {
    var wall: UInt64
    var user: Double
    var system: Double
    var threads: [Double]
    var server: Double?
    var cores: [CPUUsage.CoreTicks]?

    static func take(_ threadClocks: [clockid_t], _ serverPID: Int32?, _ serverCores: [Int]?) -> CPUMarks {
        let own = CPUUsage.ownProcess()
        return CPUMarks(
            wall: MonotonicClock.now(), user: own.user, system: own.system,
            threads: threadClocks.map(CPUUsage.seconds(of:)), server: serverPID.flatMap(CPUUsage.process),
            cores: serverCores.flatMap(CPUUsage.cores))
    }
}
