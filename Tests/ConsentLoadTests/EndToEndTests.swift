import ConsentTesting
import Foundation
import Synchronization
import Testing
@testable import ConsentLoad

/// consent-load's whole command line against a live in-process hub.
@Suite(.serialized) struct EndToEndTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
    }

    static func connection(_ hub: TestHub) -> [String] {
        ["--server", "127.0.0.1:\(hub.port)", "--ca", hub.certificates.path("ca.pem"),
         "--cert", hub.certificates.path("consumer.pem"), "--key", hub.certificates.path("consumer.key")]
    }

    @Test func twoHundredHealthChecksAreAllAnsweredAndReported() async throws {
        let hub = try TestHub(demoRegistry: false)
        let json = TestHub.makeTemporaryDirectory("load") + "/report.json"
        let out = Lines(), err = Lines()
        let commandLine = ["health", "--count", "200", "--in-flight", "8", "--connections", "2", "--json", json, "--server-pid", String(getpid())]
            + Self.connection(hub)
        let code = try await offCooperativePool {
            LoadCommand.main(commandLine, environment: [:], standardOutput: out.append, standardError: err.append)
        }
        await hub.stop()
        // Exit 5 would mean this machine was too busy to judge; the counts hold either way.
        #expect(code == 0 || code == LoadCommand.generatorBottleneck, "stderr: \(err.text)")
        let report = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(report.calls == 200 && report.ok == 200 && report.failed == 0)
        #expect(report.scenario == "health" && report.method == "/consent.v1.Health/Check")
        #expect(report.latency.min > 0 && report.latency.min <= report.latency.p50 && report.latency.p50 <= report.latency.max)
        #expect(report.serverCPU?.pid == getpid())
        #expect(out.text.contains("200: 200 OK, 0 failed"))
    }

    @Test func openLoopPingsAtAFixedRate() async throws {
        let hub = try TestHub(demoRegistry: false)
        let out = Lines()
        let commandLine = ["ping", "--rate", "500", "--count", "100", "--quiet", "--json", "-"] + Self.connection(hub)
        let code = try await offCooperativePool {
            LoadCommand.main(commandLine, environment: [:], standardOutput: out.append, standardError: { _ in })
        }
        await hub.stop()
        #expect(code == 0 || code == LoadCommand.generatorBottleneck)
        let report = try JSONDecoder().decode(LoadReport.self, from: Data(out.text.utf8))
        #expect(report.pacing == "open-loop" && report.rate == 500)
        #expect(report.calls == 100 && report.ok == 100)
        #expect(report.generator.sendLagP99 != nil)
    }

    @Test func noServerIsExitThreeWithAHint() {
        let err = Lines()
        let code = LoadCommand.main(
            ["health", "--count", "1", "--server", "127.0.0.1:1", "--ca", TestHub.certificates.path("ca.pem"),
             "--cert", TestHub.certificates.path("consumer.pem"), "--key", TestHub.certificates.path("consumer.key")],
            environment: [:], standardOutput: { _ in }, standardError: err.append)
        #expect(code == 3)
        #expect(err.text.contains("hint: is consentd running at 127.0.0.1:1?"))
    }

    @Test func usageErrorsAreExitTwo() {
        #expect(LoadCommand.main(["nope"], environment: [:], standardOutput: { _ in }, standardError: { _ in }) == 2)
        #expect(LoadCommand.main(["health", "--count", "x"], environment: [:], standardOutput: { _ in }, standardError: { _ in }) == 2)
        #expect(LoadCommand.main([], environment: [:], standardOutput: { _ in }, standardError: { _ in }) == 2)
        let out = Lines()
        #expect(LoadCommand.main(["health", "--help"], environment: [:], standardOutput: out.append, standardError: { _ in }) == 0)
        #expect(out.text.contains("--service NAME") && out.text.contains("exit codes"))
    }
}
