import Foundation

/// The result of a run: what `consent-load` prints and writes with `--json`.
/// Latencies are in microseconds, times in seconds.
public struct LoadReport: Codable, Sendable, Equatable {
    public var scenario: String
    public var method: String
    /// What one call is: "call", or "flow" when a call is several RPCs
    /// (`calls`, `calls_per_s` and the latencies then count flows).
    public var unit: String = "call"
    /// "closed-loop" or "open-loop".
    public var pacing: String
    /// Open loop: the calls per second asked for.
    public var rate: Double?
    public var connections: Int
    public var inFlight: Int
    public var threads: Int
    public var warmupSeconds: Double
    /// From the end of the warm-up to the last measured answer.
    public var durationSeconds: Double
    /// Measured calls answered (OK or not).
    public var calls: Int
    public var ok: Int
    public var failed: Int
    /// Failed calls by status name.
    public var errors: [String: Int]
    /// Measured calls never sent (their connection was lost).
    public var notSent: Int
    /// Open loop: measured calls that waited for a free in-flight slot (the
    /// wait is in their latency).
    public var heldBack: Int
    public var callsPerSecond: Double
    public var itemsPerCall: Int
    public var itemsPerSecond: Double
    public var latency: Latency
    public var clientCPU: ClientCPU
    public var serverCPU: ServerCPU?
    /// With `--server-cores`: how the cores the server was pinned to spent the measured time.
    public var serverCores: ServerCores? = nil
    public var generator: GeneratorVerdict
    /// Why a run ended early, or other things a reader must know.
    public var notes: [String]

    public struct Latency: Codable, Sendable, Equatable {
        public var min: Double
        public var mean: Double
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double

        enum CodingKeys: String, CodingKey {
            case min, mean, p50, p90, p99, max
            case p999 = "p99_9"
        }

        /// The summary of a histogram of nanoseconds.
        public init(_ histogram: Histogram) {
            func us(_ ns: UInt64) -> Double { (Double(ns) / 10).rounded() / 100 }
            min = histogram.isEmpty ? 0 : us(histogram.min)
            mean = (histogram.mean / 10).rounded() / 100
            p50 = us(histogram.value(atPercentile: 50))
            p90 = us(histogram.value(atPercentile: 90))
            p99 = us(histogram.value(atPercentile: 99))
            p999 = us(histogram.value(atPercentile: 99.9))
            max = us(histogram.max)
        }
    }

    public struct ClientCPU: Codable, Sendable, Equatable {
        public var userSeconds: Double
        public var systemSeconds: Double
        /// (user + system) / duration × 100: 100 is one core.
        public var percentOfCore: Double
        /// The busiest event-loop thread's CPU / duration × 100.
        public var busiestThreadPercent: Double
        public var cores: Int

        enum CodingKeys: String, CodingKey {
            case userSeconds = "user_s", systemSeconds = "system_s", percentOfCore = "percent_of_core"
            case busiestThreadPercent = "busiest_thread_percent", cores
        }
    }

    public struct ServerCPU: Codable, Sendable, Equatable {
        public var pid: Int32
        public var seconds: Double
        public var percentOfCore: Double
        /// Measured calls per second of server CPU: comparable across runs on a noisy machine.
        public var callsPerCPUSecond: Double

        enum CodingKeys: String, CodingKey {
            case pid, seconds = "cpu_s", percentOfCore = "percent_of_core", callsPerCPUSecond = "calls_per_cpu_s"
        }
    }

    /// The cores the server runs on (`--server-cores`), over the measured
    /// window, each share in percent of all those cores' time: whether the
    /// server had them to itself, and whether it wanted them all.
    public struct ServerCores: Codable, Sendable, Equatable {
        public var cores: [Int]
        /// Busy with anything: the server, other processes, interrupts.
        public var busyPercent: Double
        /// Nobody wanted the core (idle + iowait).
        public var idlePercent: Double
        /// Taken by the hypervisor for other machines.
        public var stealPercent: Double
        /// The server's own CPU (from `--server-pid`) as a share of the cores; nil without it.
        public var serverPercent: Double?
        /// Busy with something other than the server: the server did not have the cores to itself.
        public var othersPercent: Double?

        enum CodingKeys: String, CodingKey {
            case cores, busyPercent = "busy_percent", idlePercent = "idle_percent", stealPercent = "steal_percent"
            case serverPercent = "server_percent", othersPercent = "others_percent"
        }
    }

    public struct GeneratorVerdict: Codable, Sendable, Equatable {
        /// True when the figures measure consent-load, not the server.
        public var bottleneck: Bool
        /// Why, one sentence each.
        public var reasons: [String]
        /// Open loop: p99 of how late consent-load sent calls it was not held back from sending.
        public var sendLagP99: Double?

        enum CodingKeys: String, CodingKey {
            case bottleneck, reasons, sendLagP99 = "send_lag_p99_us"
        }
    }

    enum CodingKeys: String, CodingKey {
        case scenario, method, unit, pacing, rate, connections, threads, calls, ok, failed, errors, latency, generator, notes
        case inFlight = "in_flight", warmupSeconds = "warmup_s", durationSeconds = "duration_s", notSent = "not_sent", heldBack = "held_back"
        case callsPerSecond = "calls_per_s", itemsPerCall = "items_per_call", itemsPerSecond = "items_per_s"
        case clientCPU = "client_cpu", serverCPU = "server_cpu", serverCores = "server_cores"
    }

    /// The report as pretty JSON with sorted keys (latency keys end in µs: `latency.p99` is microseconds).
    public func jsonText() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// When the generator, not the server, set the figures.
public struct GeneratorLimits: Sendable {
    /// A loop thread busy this share of the time was the limit: it could not
    /// have sent more, so the server was never asked for more.
    public var busyThreadShare = 0.9
    /// The same for the whole process against the cores it could use.
    public var processShare = 0.9
    /// Open loop: a p99 send lag above this means the timetable was not kept.
    /// One millisecond is half of DESIGN §10's p99 target: a generator that
    /// late would make a healthy server look sick.
    public var sendLagP99Nanos: UInt64 = 1_000_000
    /// …unless the lag is this small a share of the latency p99: every
    /// latency already includes its call's lag, so a lag of 4 ms beside a
    /// p99 of 200 ms does not change the verdict on the server.
    public var sendLagShareOfLatency = 0.1

    public init() {}

    /// Judges a run.
    /// - Parameters:
    ///   - busiestThread: CPU seconds of the busiest event-loop thread.
    ///   - processCPU: CPU seconds of the whole process.
    ///   - wall: seconds of the measured window.
    ///   - usableThreads: loop threads (plus the waker) the process ran, capped at the cores.
    ///   - sendLag: the open loop's send lag (nanoseconds), nil for a closed loop.
    ///   - latencyP99: the measured calls' p99 (nanoseconds).
    public func judge(
        busiestThread: Double, processCPU: Double, wall: Double, usableThreads: Int, sendLag: Histogram?, latencyP99: UInt64 = 0
    ) -> LoadReport.GeneratorVerdict {
        var reasons: [String] = []
        if wall > 0 {
            let busiest = busiestThread / wall
            if busiest >= busyThreadShare {
                reasons.append("an event-loop thread of consent-load was busy \(Int((busiest * 100).rounded())) % of the time (limit \(Int(busyThreadShare * 100)) %)")
            }
            let share = processCPU / wall / Double(max(usableThreads, 1))
            if share >= processShare {
                reasons.append("consent-load used \(Int((processCPU / wall * 100).rounded())) % CPU, \(Int((share * 100).rounded())) % of its \(usableThreads) usable thread(s)")
            }
        }
        var lagP99: Double?
        if let sendLag, !sendLag.isEmpty {
            let p99 = sendLag.value(atPercentile: 99)
            lagP99 = (Double(p99) / 10).rounded() / 100
            if p99 > sendLagP99Nanos && Double(p99) > sendLagShareOfLatency * Double(latencyP99) {
                reasons.append("the open-loop timetable was not kept: calls went out \(LoadReportText.duration(Double(p99) / 1000)) late at p99 (limit \(LoadReportText.duration(Double(sendLagP99Nanos) / 1000)))")
            }
        }
        return LoadReport.GeneratorVerdict(bottleneck: !reasons.isEmpty, reasons: reasons, sendLagP99: lagP99)
    }
}
