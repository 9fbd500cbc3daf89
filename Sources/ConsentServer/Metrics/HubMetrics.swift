import ConsentRPC
import Synchronization

/// One counter that can live in an array (an `Atomic` cannot: it is not copyable).
final class Counter: Sendable {
    private let value = Atomic<UInt64>(0)
    func add(_ amount: UInt64) { value.add(amount, ordering: .relaxed) }
    var count: UInt64 { value.load(ordering: .relaxed) }
}

/// A histogram with fixed bucket bounds, updated with atomics from any
/// thread (the event loops, the store's writer) and read by the metrics
/// endpoint. Prometheus's cumulative `_bucket{le=…}`, `_sum`, `_count`.
final class AtomicHistogram: Sendable {
    let bounds: [Double]
    private let counts: [Counter]
    /// The sum in millionths of the unit (microseconds for seconds), so it fits an integer atomic.
    private let sumMicros = Atomic<UInt64>(0)

    init(bounds: [Double]) {
        self.bounds = bounds
        counts = (0...bounds.count).map { _ in Counter() }
    }

    func observe(_ value: Double) {
        var index = bounds.count
        for (i, bound) in bounds.enumerated() where value <= bound {
            index = i
            break
        }
        counts[index].add(1)
        sumMicros.add(UInt64(max(0, value) * 1e6), ordering: .relaxed)
    }

    var total: UInt64 { counts.reduce(0) { $0 + $1.count } }

    /// The lines of one series: cumulative buckets, sum, count.
    func render(_ name: String, labels: String, into lines: inout [String]) {
        let prefix = labels.isEmpty ? "" : labels + ","
        var cumulative: UInt64 = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += counts[i].count
            lines.append("\(name)_bucket{\(prefix)le=\"\(MetricsText.number(bound))\"} \(cumulative)")
        }
        cumulative += counts[bounds.count].count
        lines.append("\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative)")
        let braces = labels.isEmpty ? "" : "{\(labels)}"
        lines.append("\(name)_sum\(braces) \(MetricsText.number(Double(sumMicros.load(ordering: .relaxed)) / 1e6))")
        lines.append("\(name)_count\(braces) \(cumulative)")
    }

    /// Latency buckets in seconds: 100 µs to 10 s.
    static let seconds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Records per sync: one writer waiting alone up to thousands sharing a sync.
    static let records: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
}

/// The counters behind `--metrics-listen` that are counted as things
/// happen: calls by method and status with their latency, the store's
/// syncs, expiry sweeps. The rest (connections, role, lag, snapshots) is read
/// where it lives at each scrape (`ConsentHubServer+Metrics.swift`).
public final class HubMetrics: Sendable {
    final class MethodSeries: Sendable {
        /// One counter per gRPC status code (0…16), and one for any other number.
        let codes = (0...17).map { _ in Counter() }
        let latency = AtomicHistogram(bounds: AtomicHistogram.seconds)
    }

    /// Every method the router serves, fixed once before the server starts
    /// (read without a lock on the call path afterwards).
    private(set) nonisolated(unsafe) var methods: [String: MethodSeries] = [:]
    /// Calls to a method the router does not have.
    let unknownMethod = MethodSeries()
    let recordsPerSync = AtomicHistogram(bounds: AtomicHistogram.records)
    let syncSeconds = AtomicHistogram(bounds: AtomicHistogram.seconds)
    let expirySweeps = Counter()
    let expired = Counter()

    public init() {}

    /// Sets the methods; called once, before the first call is dispatched.
    func register(methods names: [String]) {
        var methods: [String: MethodSeries] = [:]
        for name in names { methods[name] = MethodSeries() }
        self.methods = methods
    }

    func series(_ method: String) -> MethodSeries { methods[method] ?? unknownMethod }

    /// A call ended with `code` after `seconds`.
    func record(_ series: MethodSeries, code: StatusCode, seconds: Double) {
        let index = Int(code.rawValue)
        series.codes[(0...16).contains(index) ? index : 17].add(1)
        series.latency.observe(seconds)
    }

    /// A batch of `records` became durable in `seconds` (one sync, or one COMMIT).
    @Sendable public func recordSync(records: UInt64, seconds: Double) {
        recordsPerSync.observe(Double(records))
        syncSeconds.observe(seconds)
    }

    func recordSweep(expired count: Int) {
        expirySweeps.add(1)
        expired.add(UInt64(max(0, count)))
    }
}

/// Formatting of the Prometheus text format (version 0.0.4).
enum MetricsText {
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// A label value with `\`, `"` and newlines escaped.
    static func label(_ value: String) -> String {
        var text = ""
        for character in value {
            switch character {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "\n": text += "\\n"
            default: text.append(character)
            }
        }
        return text
    }

    static func header(_ name: String, _ type: String, _ help: String, into lines: inout [String]) {
        lines.append("# HELP \(name) \(help)")
        lines.append("# TYPE \(name) \(type)")
    }
}
