import ConsentCLI
import ConsentProto
import ConsentRPC
import ConsentTesting
import Foundation
import Testing
@testable import ConsentLoad

/// The pieces of the prepare phase that need no server: second principals,
/// pool sizes, codes from redirects, batch outcomes.
@Suite struct PreparationTests {
    static func context(_ plan: LoadPlan, planned: Int?) throws -> ScenarioContext {
        // `callsToPrepare` reads only the plan; the client is never used.
        ScenarioContext(settings: ConnectionSettings(), clients: [], plan: plan, plannedCalls: planned, log: { _ in })
    }

    @Test func poolSizeFollowsThePlan() throws {
        var plan = LoadPlan()
        plan.end = .count(500)
        plan.warmup = 0
        #expect(Preparation.callsToPrepare(try Self.context(plan, planned: 500), itemsPerCall: 1, poolItems: nil) == 500)
        #expect(Preparation.callsToPrepare(try Self.context(plan, planned: 500), itemsPerCall: 10, poolItems: 2000) == 200, "--pool counts codes")
        plan.warmup = 1
        #expect(Preparation.callsToPrepare(try Self.context(plan, planned: nil), itemsPerCall: 1, poolItems: nil) == 500 + 30_000,
                "the count is never cut; the warm-up is estimated")
        plan.end = .duration(seconds: 5)
        #expect(Preparation.callsToPrepare(try Self.context(plan, planned: nil), itemsPerCall: 1, poolItems: nil) == 180_000)
        #expect(Preparation.callsToPrepare(try Self.context(plan, planned: nil), itemsPerCall: 100, poolItems: nil) == 1_800)
        plan.end = .duration(seconds: 60)
        #expect(Preparation.callsToPrepare(try Self.context(plan, planned: nil), itemsPerCall: 1, poolItems: nil) == Preparation.estimateCap)
    }

    @Test func theCodeIsTakenFromTheRedirect() {
        let url = "https://banken.example/samtykke/svar?RequestId=69e7f626-fe05-47ef-82c1-c7077e7992d9&Status=OK&AuthorizationCode=UVJbWHtUUBwdUofavpu2jFgP1AKvcAeSS3FoB7Md9uY"
        #expect(NAVConsents.authorizationCode(in: url) == "UVJbWHtUUBwdUofavpu2jFgP1AKvcAeSS3FoB7Md9uY")
        #expect(NAVConsents.authorizationCode(in: "https://banken.example/cb?RequestId=x&Status=Failed&ErrorMessage=nei") == nil)
        #expect(NAVConsents.authorizationCode(in: "https://banken.example/cb") == nil)
    }

    @Test func aBatchFailsWithItsFirstRefusedItem() {
        let mixed = Consent_V1_ExchangeCodesResponse(results: [
            .init(status: .init(code: 0)), .init(status: .init(code: 9, reason: "code_already_used")), .init(status: .init(code: 5)),
        ])
        #expect(BatchOutcome.exchangeCodes(.success(mixed.serializedBytes())) == .failedPrecondition)
        let fine = Consent_V1_LogUsesResponse(results: [.init(status: .init(code: 0)), .init(status: .init(code: 0))])
        #expect(BatchOutcome.logUses(.success(fine.serializedBytes())) == .ok)
        #expect(BatchOutcome.logUses(CallResult(code: .resourceExhausted, message: "batch_too_large")) == .resourceExhausted)
    }

    @Test func secondPrincipalsComeFromTheProfileFileOrFiles() throws {
        let directory = TestHub.makeTemporaryDirectory("principals")
        let file = directory + "/profiles.conf"
        try """
            [default]
            cert = consumer.pem
            key = consumer.key
            [portal]
            cert = portal.pem
            key = portal.key
            [portal-level3]
            cert = portal.pem
            key = portal.key
            user-id = 01017012345
            assurance-level = 3
            """.write(toFile: file, atomically: true, encoding: .utf8)
        var base = ConnectionSettings()
        base.server = "hub.example:7443"
        base.ca = "/etc/ca.pem"
        base.timeout = 7

        let portal = try Principal.parse("portal", ParsedArguments()).settings(base: base, profileFile: file)
        #expect(portal.cert == directory + "/portal.pem" && portal.server == "hub.example:7443" && portal.ca == "/etc/ca.pem" && portal.timeout == 7)
        #expect(portal.userID == Principal.demoUserID && portal.assuranceLevel == "4", "a portal profile without a user states the demo user")

        let level3 = try Principal.parse("portal", ParsedArguments(values: ["portal-profile": ["portal-level3"]])).settings(base: base, profileFile: file)
        #expect(level3.userID == "01017012345" && level3.assuranceLevel == "3", "the profile's user is kept")

        let files = try Principal.parse("datasource", ParsedArguments(values: ["datasource-cert": ["nav.pem"], "datasource-key": ["nav.key"]]))
        #expect(files.source == .files(cert: "nav.pem", key: "nav.key"))
        #expect(try files.settings(base: base, profileFile: nil).userID == nil, "only the portal states an end user")

        #expect(throws: CLIError.self) { try Principal.parse("portal", ParsedArguments()).settings(base: base, profileFile: nil) }
        do {
            _ = try Principal(role: "portal", source: .profile("nope")).settings(base: base, profileFile: file)
            Issue.record("an unknown profile must be refused")
        } catch {
            #expect(error.message.contains("--portal-profile") && error.message.contains("--portal-cert"), "\(error.message)")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
