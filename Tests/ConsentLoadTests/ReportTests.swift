import ConsentCLI
import Foundation
import Testing
@testable import ConsentLoad

/// The report's JSON (what scripts and Tools/bench.sh read), the verdict on
/// the generator, and the command line's plan.
@Suite struct ReportTests {
    static func sampleReport(bottleneck: Bool = false) -> LoadReport {
        var latency = Histogram()
        for v in [100_000, 200_000, 300_000, 5_000_000] as [UInt64] { latency.record(v) }
        return LoadReport(
            scenario: "health", method: "/consent.v1.Health/Check", pacing: "open-loop", rate: 5000, connections: 2, inFlight: 64,
            threads: 1, warmupSeconds: 1, durationSeconds: 2.5, calls: 12_500, ok: 12_497, failed: 3, errors: ["UNAVAILABLE": 3],
            notSent: 0, heldBack: 12, callsPerSecond: 5000, itemsPerCall: 1, itemsPerSecond: 5000, latency: LoadReport.Latency(latency),
            clientCPU: .init(userSeconds: 0.5, systemSeconds: 0.25, percentOfCore: 30, busiestThreadPercent: 28, cores: 2),
            serverCPU: .init(pid: 42, seconds: 0.5, percentOfCore: 20, callsPerCPUSecond: 25_000),
            generator: .init(bottleneck: bottleneck, reasons: bottleneck ? ["busy"] : [], sendLagP99: 55.5), notes: [])
    }

    @Test func jsonHasTheDocumentedKeysAndUnits() throws {
        let text = Self.sampleReport().jsonText()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == [
            "scenario", "method", "unit", "pacing", "rate", "connections", "in_flight", "threads", "warmup_s", "duration_s", "calls", "ok",
            "failed", "errors", "not_sent", "held_back", "calls_per_s", "items_per_call", "items_per_s", "latency", "client_cpu", "server_cpu",
            "generator", "notes",
        ])
        let latency = try #require(object["latency"] as? [String: Double])
        #expect(Set(latency.keys) == ["min", "mean", "p50", "p90", "p99", "p99_9", "max"])
        #expect(latency["min"] == 100, "microseconds")
        #expect(latency["max"] == 5000)
        #expect(abs(latency["p50"]! - 200) <= 200 * 0.004)
        #expect((object["errors"] as? [String: Int]) == ["UNAVAILABLE": 3])
        #expect((object["server_cpu"] as? [String: Any])?["calls_per_cpu_s"] as? Double == 25_000)
        #expect((object["generator"] as? [String: Any])?["send_lag_p99_us"] as? Double == 55.5)
        // And it reads back as the same report.
        #expect(try JSONDecoder().decode(LoadReport.self, from: Data(text.utf8)) == Self.sampleReport())
    }

    @Test func jsonLeavesOutTheServerWhenNotMeasured() throws {
        var report = Self.sampleReport()
        report.serverCPU = nil
        report.rate = nil
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.jsonText().utf8)) as? [String: Any])
        #expect(object["server_cpu"] == nil && object["rate"] == nil)
    }

    @Test func textReportShowsTheWarningBlockOnlyWhenTheGeneratorWasTheLimit() {
        #expect(!LoadReportText.render(Self.sampleReport()).contains("WARNING"))
        let text = LoadReportText.render(Self.sampleReport(bottleneck: true))
        #expect(text.contains("!! WARNING: consent-load itself was the bottleneck"))
        #expect(text.contains("UNAVAILABLE  3"))
        #expect(text.contains("12,500: 12,497 OK, 3 failed"))
    }

    @Test func verdictFlagsASaturatedThreadAProcessAndALateTimetable() {
        let limits = GeneratorLimits()
        #expect(!limits.judge(busiestThread: 0.5, processCPU: 0.6, wall: 1, usableThreads: 2, sendLag: nil).bottleneck)
        let busy = limits.judge(busiestThread: 0.95, processCPU: 1, wall: 1, usableThreads: 2, sendLag: nil)
        #expect(busy.bottleneck && busy.reasons.count == 1 && busy.reasons[0].contains("95 %"))
        #expect(limits.judge(busiestThread: 0.5, processCPU: 1.9, wall: 1, usableThreads: 2, sendLag: nil).bottleneck)
        var lag = Histogram()
        for _ in 0..<98 { lag.record(50_000) }
        for _ in 0..<2 { lag.record(3_000_000) }
        let late = limits.judge(busiestThread: 0.1, processCPU: 0.1, wall: 1, usableThreads: 1, sendLag: lag)
        #expect(late.bottleneck && late.reasons[0].contains("timetable was not kept"))
        // The same lag beside a server that answered in 200 ms at p99 is noise.
        #expect(!limits.judge(busiestThread: 0.1, processCPU: 0.1, wall: 1, usableThreads: 1, sendLag: lag, latencyP99: 200_000_000).bottleneck)
        #expect(!limits.judge(busiestThread: 0.1, processCPU: 0.1, wall: 1, usableThreads: 1, sendLag: Histogram()).bottleneck)
    }

    @Test func planFromTheCommandLine() throws {
        func plan(_ arguments: [String]) throws(CLIError) -> LoadPlan {
            try LoadCommand.makePlan(try ArgumentParser.parse(arguments[...], specs: LoadCommand.loadOptions))
        }
        let defaults = try plan([])
        #expect(defaults.pacing == .closedLoop && defaults.end == .duration(seconds: 10) && defaults.warmup == 1)
        #expect(defaults.connections == 1 && defaults.inFlight == 32 && defaults.threads == 1)
        let open = try plan(["--rate", "20_000", "--count", "500", "--connections", "4", "--in-flight=8"])
        #expect(open.pacing == .openLoop(rate: 20_000) && open.end == .count(500) && open.warmup == 0)
        #expect(open.connections == 4 && open.inFlight == 8)
        #expect(throws: CLIError.self) { try plan(["--count", "5", "--duration", "1"]) }
        #expect(throws: CLIError.self) { try plan(["--rate", "0"]) }
        #expect(throws: CLIError.self) { try plan(["--in-flight", "0"]) }
    }

    @Test func procStatParsingSkipsACommandNameWithSpacesAndParentheses() {
        let line = "1234 (consent d (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 0 0"
        #expect(CPUUsage.parseProcStat(line, ticksPerSecond: 100) == 3.0)
    }

    @Test func coreTicksSplitBusyIdleAndStolenTimeOfTheAskedCores() throws {
        let text = """
            cpu  500 0 300 9000 100 0 20 30 0 0
            cpu0 200 0 100 4000 50 0 10 10 0 0
            cpu1 300 0 200 5000 50 0 10 20 0 0
            intr 12345
            """
        let ticks = try #require(CPUUsage.parseCoreTicks(text, cores: [1]))
        #expect(ticks == [CPUUsage.CoreTicks(busy: 510, idle: 5050, steal: 20)])
        #expect(CPUUsage.parseCoreTicks(text, cores: [0, 2]) == nil)

        let before = [CPUUsage.CoreTicks(busy: 100, idle: 100, steal: 0)]
        let after = [CPUUsage.CoreTicks(busy: 180, idle: 110, steal: 10)]
        // 100 ticks: 80 busy, of which the server's 0.6 s at 100 ticks/s = 60.
        let usage = LoadRunner.coreUsage(cores: [0], from: before, to: after, serverSeconds: 0.6 * 100 / Double(sysconf(Int32(_SC_CLK_TCK))))
        #expect(usage.busyPercent == 80 && usage.idlePercent == 10 && usage.stealPercent == 10)
        #expect(usage.serverPercent == 60 && usage.othersPercent == 20)
    }
}
