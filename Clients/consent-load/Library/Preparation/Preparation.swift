import ConsentCLI
import ConsentRPC
import ConsentTransport
import Dispatch
import Synchronization

/// The prepare phase's engine: many independent jobs (each a chain of calls:
/// create a request, accept it…) kept in flight at once, so thousands of
/// codes are ready in seconds. Not measured.
public enum Preparation {
    /// Jobs open at once. Each job has at most one call open on each
    /// connection, so this stays under the server's 1,024 calls per connection.
    public static let window = 512

    /// Runs `count` jobs, at most `window` at a time, and returns their results in order.
    ///
    /// Call it from a thread that may block (`prepare` runs on one), never
    /// from an event loop. After the first failure no new job starts; the
    /// open ones are waited for.
    /// - Parameters:
    ///   - what: what the jobs make, plural, for progress lines ("codes").
    ///   - job: starts job `index`; its completion runs exactly once, on any thread.
    /// - Throws: `CLIError` for the first failure, prefixed with what was being prepared.
    public static func run<T: Sendable>(
        _ what: String, count: Int, context: ScenarioContext,
        job: (_ index: Int, _ completion: @escaping @Sendable (Result<T, RPCError>) -> Void) -> Void
    ) throws(CLIError) -> [T] {
        let results = Mutex<[T?]>([T?](repeating: nil, count: count))
        let failure = Mutex<RPCError?>(nil)
        let done = Atomic<Int>(0)
        let slots = DispatchSemaphore(value: window)
        let open = DispatchGroup()
        let started = MonotonicClock.now()
        var lastLine = started
        for index in 0..<count {
            slots.wait()
            if failure.withLock({ $0 }) != nil {
                slots.signal()
                break
            }
            open.enter()
            job(index) { result in
                switch result {
                case .success(let value): results.withLock { $0[index] = value }
                case .failure(let error): failure.withLock { if $0 == nil { $0 = error } }
                }
                done.add(1, ordering: .relaxed)
                slots.signal()
                open.leave()
            }
            let now = MonotonicClock.now()
            if now - lastLine >= 1_000_000_000 {
                context.log("preparing: \(LoadReportText.number(done.load(ordering: .relaxed))) of \(LoadReportText.number(count)) \(what)…")
                lastLine = now
            }
        }
        open.wait()
        if let error = failure.withLock({ $0 }) {
            var refusal = CLIError(error, server: context.settings.server)
            refusal.message = "while preparing \(what): \(refusal.message)"
            throw refusal
        }
        let seconds = Double(MonotonicClock.now() - started) / 1e9
        if seconds >= 1 {
            context.log("prepared \(LoadReportText.number(count)) \(what) in \(String(format: "%.1f", seconds)) s (not measured)")
        }
        return results.withLock { $0.map { $0! } }
    }

    /// Items (codes) a prepared pool gets when the command line does not say
    /// (`--pool`) and the plan does not know its number of calls: enough for
    /// this many items a second over the warm-up and the measurement…
    public static let estimatedItemsPerSecond = 30_000.0
    /// …but never more than this many, so that preparing takes seconds, not minutes.
    public static let estimateCap = 300_000

    /// How many calls' worth of single-use data (codes) to prepare.
    ///
    /// `--pool N` items if given; else the calls the plan makes when they are
    /// known (`--count N` without warm-up, `--rate R` × time); else an
    /// estimate of what the warm-up and the measurement can use, capped. When
    /// a closed loop runs out it ends early, says so, and its rate is still
    /// right: it is measured to the last answer.
    public static func callsToPrepare(_ context: ScenarioContext, itemsPerCall: Int, poolItems: Int?) -> Int {
        if let poolItems { return max(1, poolItems / itemsPerCall) }
        if let planned = context.plannedCalls { return planned }
        let cap = max(estimateCap / itemsPerCall, 1)
        func estimate(_ seconds: Double) -> Int {
            min(Int((seconds * estimatedItemsPerSecond / Double(itemsPerCall)).rounded(.up)), cap)
        }
        switch context.plan.end {
        case .count(let n): return n + estimate(context.plan.warmup)  // the count itself is never cut
        case .duration(let seconds): return max(1, estimate(context.plan.warmup + seconds))
        }
    }
}
