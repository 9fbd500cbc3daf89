import ConsentClient
import ConsentProto
import ConsentTesting
import Foundation
import Testing
@testable import ConsentLoad

/// The token and use scenarios against a live in-process hub with the demo
/// registry: each prepares what it needs, makes exactly `--count` calls with
/// no errors, and the hub's own event feed shows that the work was done
/// (every code exchanged once, every use recorded).
@Suite(.serialized) struct TokenScenarioTests {
    /// The bank's certificate as the run's own principal, the portal's and
    /// NAV's as second principals (for the scenarios that take them).
    static func principals(_ hub: TestHub, scenario: String) -> [String] {
        let c = hub.certificates
        let takes = Set(ScenarioCatalog.named(scenario)!.options.map(\.name))
        var arguments = EndToEndTests.connection(hub)
        for role in ["portal", "datasource"] where takes.contains("\(role)-cert") {
            arguments += ["--\(role)-cert", c.path("\(role).pem"), "--\(role)-key", c.path("\(role).key")]
        }
        return arguments
    }

    /// Runs consent-load and returns its exit code and JSON report.
    static func run(_ arguments: [String], on hub: TestHub) async throws -> (code: Int32, report: LoadReport, stderr: String) {
        let out = EndToEndTests.Lines(), err = EndToEndTests.Lines()
        let commandLine = arguments + ["--quiet", "--json", "-"] + principals(hub, scenario: arguments[0])
        let code = try await offCooperativePool {
            LoadCommand.main(commandLine, environment: [:], standardOutput: out.append, standardError: err.append)
        }
        guard let report = try? JSONDecoder().decode(LoadReport.self, from: Data(out.text.utf8)) else {
            throw ReportMissing(exitCode: code, stderr: err.text)
        }
        return (code, report, err.text)
    }

    /// consent-load wrote no report; its standard error says why.
    struct ReportMissing: Error, CustomStringConvertible {
        var exitCode: Int32
        var stderr: String
        var description: String { "no JSON report (exit \(exitCode)): \(stderr)" }
    }

    /// How many events of `type` the bank's feed holds.
    static func events(_ type: Consent_V1_ConsentEventType, on hub: TestHub) async throws -> Int {
        let bank = try hub.client("consumer")
        defer { bank.close() }
        var count = 0, after: UInt64 = 0
        while true {
            let page = try await bank.unary(Consent_V1_ConsentService.listEvents, .init(after: after, types: [type], limit: 1000))
            count += page.events.count
            after = page.nextCursor
            if page.reachedEnd { return count }
        }
    }

    @Test(arguments: [
        ["exchange"], ["issue-token", "--consents", "5"], ["verify", "--consents", "5", "--tokens", "20"],
        ["log-use", "--consents", "10"], ["flow"],
    ])
    func everyScenarioMakesItsCallsWithoutErrors(_ scenario: [String]) async throws {
        let hub = try TestHub()
        let (code, report, stderr) = try await Self.run(scenario + ["--count", "60", "--in-flight", "8", "--connections", "2"], on: hub)
        await hub.stop()
        // Exit 5 would mean this machine was too busy to judge the generator; the counts hold either way.
        #expect(code == 0 || code == LoadCommand.generatorBottleneck, "stderr: \(stderr)")
        #expect(report.scenario == scenario[0])
        #expect(report.calls == 60 && report.ok == 60 && report.failed == 0, "\(report.errors) \(report.notes)")
        #expect(report.notes.isEmpty, "\(report.notes)")
    }

    @Test func exchangeUsesEachPreparedCodeExactlyOnce() async throws {
        let hub = try TestHub()
        let (_, report, _) = try await Self.run(["exchange", "--count", "50", "--in-flight", "16"], on: hub)
        #expect(report.method == "/consent.v1.TokenService/ExchangeCode" && report.ok == 50)
        #expect(try await Self.events(.codeExchanged, on: hub) == 50)
        #expect(try await Self.events(.codeReuseAttempted, on: hub) == 0, "no code was presented twice")
        await hub.stop()
    }

    @Test func exchangeBatchesCountItemsAndExchangeEveryCode() async throws {
        let hub = try TestHub()
        let (code, report, stderr) = try await Self.run(["exchange", "--batch", "10", "--count", "3", "--in-flight", "2"], on: hub)
        #expect(code == 0 || code == LoadCommand.generatorBottleneck, "stderr: \(stderr)")
        #expect(report.method == "/consent.v1.TokenService/ExchangeCodes")
        #expect(report.calls == 3 && report.ok == 3 && report.itemsPerCall == 10)
        #expect(abs(report.itemsPerSecond - report.callsPerSecond * 10) <= 10, "items/s is calls/s × the batch")
        #expect(try await Self.events(.codeExchanged, on: hub) == 30)
        await hub.stop()
    }

    @Test func logUseBatchesRecordEveryUse() async throws {
        let hub = try TestHub()
        let (_, report, _) = try await Self.run(["log-use", "--batch", "25", "--consents", "7", "--count", "4"], on: hub)
        #expect(report.method == "/consent.v1.TokenService/LogUses" && report.ok == 4 && report.itemsPerCall == 25)
        #expect(try await Self.events(.consentUsed, on: hub) == 100)
        await hub.stop()
    }

    @Test func aFlowIsOneCallOfFiveSteps() async throws {
        let hub = try TestHub()
        let (_, report, _) = try await Self.run(["flow", "--count", "12", "--in-flight", "4"], on: hub)
        #expect(report.unit == "flow" && report.ok == 12)
        for type in [Consent_V1_ConsentEventType.requestCreated, .requestAccepted, .codeExchanged, .consentUsed] {
            #expect(try await Self.events(type, on: hub) == 12, "\(type)")
        }
        await hub.stop()
        #expect(LoadReportText.render(report).contains("12: 12 OK, 0 failed") && LoadReportText.render(report).contains("flows/s"))
    }

    @Test func aPortalWithoutThePortalRoleStopsThePreparationWithItsStatus() async throws {
        let hub = try TestHub()
        let c = hub.certificates
        let err = EndToEndTests.Lines()
        let code = LoadCommand.main(
            ["exchange", "--count", "5", "--quiet", "--portal-cert", c.path("datasource.pem"), "--portal-key", c.path("datasource.key")]
                + EndToEndTests.connection(hub),
            environment: [:], standardOutput: { _ in }, standardError: err.append)
        await hub.stop()
        #expect(code == 1)
        #expect(err.text.contains("while preparing consents") && err.text.contains("PERMISSION_DENIED"), "\(err.text)")
    }

    @Test func everyScenarioExplainsItselfInHelp() {
        let main = EndToEndTests.Lines()
        #expect(LoadCommand.main(["--help"], environment: [:], standardOutput: main.append, standardError: { _ in }) == 0)
        for descriptor in ScenarioCatalog.all {
            #expect(main.text.contains("  \(descriptor.name)  "), "the main help lists \(descriptor.name)")
            let out = EndToEndTests.Lines()
            #expect(LoadCommand.main([descriptor.name, "--help"], environment: [:], standardOutput: out.append, standardError: { _ in }) == 0)
            #expect(out.text.contains(descriptor.summary) && out.text.contains(descriptor.details))
            for option in descriptor.options { #expect(out.text.contains("--\(option.name)")) }
        }
        let verify = EndToEndTests.Lines()
        _ = LoadCommand.main(["verify", "--help"], environment: [:], standardOutput: verify.append, standardError: { _ in })
        #expect(verify.text.contains("--datasource-profile NAME") && verify.text.contains("--portal-cert FILE"))
    }

    @Test func secondPrincipalUsageErrors() {
        func usage(_ arguments: [String]) -> String? {
            let err = EndToEndTests.Lines()
            let code = LoadCommand.main(arguments, environment: [:], standardOutput: { _ in }, standardError: err.append)
            return code == 2 ? err.text : nil
        }
        #expect(usage(["exchange", "--count", "5", "--pool", "4"])?.contains("needs 5 codes but --pool prepares 4") == true)
        #expect(usage(["exchange", "--batch", "1001"]) != nil)
        #expect(usage(["verify", "--datasource-cert", "a.pem"])?.contains("--datasource-cert and --datasource-key go together") == true)
    }
}
