import ConsentOpenSSL
import ConsentTesting
import Foundation
import Testing

/// consentctl's commands called in process (ConsentctlCommands) against an
/// in-process hub, as a user runs them (arguments, environment, standard
/// input; standard output and error, exit code), through the README's flow:
/// request → accept → exchange → verify → log-use (one and a batch) → the
/// user's log → revoke → the token refused. ConsentctlProcessTests runs the
/// built executable for what only the process shows.
@Suite struct ConsentctlFlowTests {
    /// Runs a command line as `principal`; the portal states the demo user.
    static func consentctl(_ arguments: [String], as principal: String, on hub: InProcessHub, stdin: String? = nil) throws -> CommandRun {
        try InProcessConsentctl.run(arguments, as: principal, on: hub, stdin: stdin)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    /// Creates and accepts a NAV request; returns its id and the code from the redirect.
    static func acceptedRequest(on hub: InProcessHub) throws -> (id: String, code: String) {
        let created = try consentctl([
            "--json", "request", "create", "--resource", "5252_1",
            "--meta", "5252_1:fraOgMed=01.01.2024", "--meta", "5252_1:tilOgMed=31.12.2024",
            "--redirect", "https://banken.example/samtykke/svar", "--valid-to", ISO8601DateFormatter().string(from: Date().addingTimeInterval(365 * 86_400)),
            "--offered-by", TestHub.demoUserID, "--purpose", "Behandle søknaden din om uføreforsikring",
        ], as: "consumer", on: hub)
        #expect(created.status == 0, "\(created.stderr)")
        let request = try #require(try json(created.stdout)["request"] as? [String: Any], "\(created.stdout)")
        let id = try #require(request["id"] as? String ?? request["requestId"] as? String, "\(request.keys)")
        let accepted = try consentctl(["request", "accept", id], as: "portal", on: hub)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let afterCode = accepted.stdout.components(separatedBy: "AuthorizationCode=").dropFirst().first ?? ""
        let code = afterCode.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        #expect(code.count == 43, "a 256-bit code in base64url: \(accepted.stdout)")
        return (id, String(code))
    }

    /// Runs `body` against a fresh in-process hub and stops the hub whatever
    /// happens. The body runs off the cooperative pool: commands block on their calls.
    static func withHub(_ body: @escaping @Sendable (InProcessHub) throws -> Void) async throws {
        let hub = try InProcessHub()
        do {
            try await offCooperativePool { try body(hub) }
        } catch {
            await hub.stop()
            throw error
        }
        await hub.stop()
    }

    @Test func theReadmeFlowWorksFromTheShell() async throws {
        try await Self.withHub(Self.readmeFlow)
    }

    static func readmeFlow(_ hub: InProcessHub) throws {
        let (id, code) = try acceptedRequest(on: hub)

        let exchanged = try consentctl(["exchange", "-"], as: "consumer", on: hub, stdin: code + "\n")
        #expect(exchanged.status == 0, "\(exchanged.stderr)")
        let token = try #require(exchanged.stdout.split(separator: "\n").first.map(String.init))
        #expect(token.split(separator: ".").count == 3, "the first line is the token: \(exchanged.stdout)")
        #expect(exchanged.stdout.contains("consent   \(id)"))

        let again = try consentctl(["exchange", code], as: "consumer", on: hub)
        #expect(again.status == 1, "a code works once")
        #expect(again.stderr.contains("FAILED_PRECONDITION") || again.stderr.contains("NOT_FOUND") || again.stderr.contains("PERMISSION_DENIED"), "\(again.stderr)")

        let verified = try consentctl(["verify", token, "--resource", "5252_1", "--meta", "fraOgMed=01.01.2024"], as: "datasource", on: hub)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.hasPrefix("VALID        token for consent \(id)"), "\(verified.stdout)")

        let decoded = try consentctl(["decode", token], as: "consumer", on: hub)
        #expect(decoded.status == 0 && decoded.stdout.contains("\"ES256\"") && decoded.stdout.contains(id), "\(decoded.stdout)")

        let used = try consentctl(["log-use", id, "--resource", "5252_1"], as: "datasource", on: hub)
        #expect(used.status == 0, "\(used.stderr)")
        #expect(used.stdout.hasPrefix("use of 5252_1 recorded for consent \(id)"), "\(used.stdout)")

        // LogUses: by id, by token, at a stated time; a refused line fails only itself.
        let now = String(Int64(Date().timeIntervalSince1970 * 1000))  // milliseconds: RFC 3339 to the second could fall before the consent
        let batch = """
            # consent, resource, when
            \(id) 5252_1
            \(token) 5252_1 \(now)
            \(id) 9999_1
            \(id) 5252_1 2020-01-01T00:00:00Z
            """
        let uses = try consentctl(["log-use", "--batch", "-"], as: "datasource", on: hub, stdin: batch)
        let lines = uses.stdout.split(separator: "\n").map(String.init)
        #expect(uses.status == 1, "two uses were refused: \(uses.stdout) \(uses.stderr)")
        #expect(uses.stderr.contains("2 of 4 uses were refused"), "\(uses.stderr)")
        #expect(lines.count == 4, "one result per line, in order: \(uses.stdout)")
        guard lines.count == 4 else { return }
        #expect(lines[0].hasPrefix("1  OK  use of 5252_1 recorded for consent \(id)"), "\(lines)")
        #expect(lines[1].hasPrefix("2  OK  use of 5252_1 recorded for consent \(id)"), "by token: \(lines)")
        #expect(lines[2].hasPrefix("3  ") && !lines[2].contains("OK") && lines[2].contains("9999_1"), "\(lines)")
        #expect(lines[3].hasPrefix("4  ") && !lines[3].contains("OK"), "a use before the consent was given: \(lines)")

        let log = try consentctl(["consent", "log", id], as: "portal", on: hub)
        #expect(log.status == 0, "\(log.stderr)")
        let usedLines = log.stdout.split(separator: "\n").filter { $0.contains("Samtykke benyttet") }
        #expect(usedLines.count == 3, "the single use and two from the batch: \(log.stdout)")

        let revoked = try consentctl(["consent", "revoke", id], as: "portal", on: hub)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let refused = try consentctl(["verify", token], as: "datasource", on: hub)
        #expect(refused.status == 1, "a revoked consent's token is refused")
        #expect(refused.stderr.contains("revoked") || refused.stderr.contains("withdrawn"), "\(refused.stderr)")
    }

    @Test func organisationAuthorityFromTheShell() async throws {
        try await Self.withHub(Self.organisationAuthority)
    }

    /// Issue 12, point 3: NAV's resource file asks for a general manager or
    /// chair; the bank names the one person who must answer; the portal
    /// states the roles with --org-roles.
    static func organisationAuthority(_ hub: InProcessHub) throws {
        let file = TestHub.makeTemporaryDirectory("authority") + "/5252_1.json"
        try Data("""
            {"id": "5252_1", "ownerName": "NAV", "title": {"nb-NO": "Opplysninger fra NAV"},
             "text": {"nb-NO": "Ved å samtykke gir du {CoveredByName} rett til opplysninger for {fraOgMed}–{tilOgMed}."},
             "metadata": [{"key": "fraOgMed", "format": "date"}, {"key": "tilOgMed", "format": "date"}],
             "kind": "time-limited", "maximumValidity": {"years": 3}, "assuranceLevel": 4,
             "organisationAuthority": ["LEDE", "dagl"]}
            """.utf8).write(to: URL(fileURLWithPath: file))
        let registered = try consentctl(["resource", "register", "--file", file], as: "datasource", on: hub)
        #expect(registered.status == 0, "\(registered.stderr)")
        let shown = try consentctl(["resource", "show", "5252_1"], as: "datasource", on: hub)
        #expect(shown.stdout.contains("authority     for an organisation, one of the roles DAGL, LEDE"), "\(shown.stdout)")

        let organisation = "974760673"
        let created = try consentctl([
            "request", "create", "--resource", "5252_1", "--meta", "fraOgMed=01.01.2024", "--meta", "tilOgMed=31.12.2024",
            "--redirect", "https://banken.example/samtykke/svar", "--valid-to", "+30d", "--offered-by", organisation,
            "--required-delegator", TestHub.demoUserID, "--purpose", "Lån til bedriften",
        ], as: "consumer", on: hub)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("answered by \(TestHub.demoUserID) only (required delegator)"), "\(created.stdout)")
        let id = try #require(created.stdout.split(separator: "\n").first?.split(separator: " ").last.map(String.init))

        let board = try consentctl(["--org-roles", "\(organisation)=MEDL", "request", "accept", id], as: "portal", on: hub)
        #expect(board.status == 1 && board.stderr.contains("PERMISSION_DENIED"), "\(board.stderr)")
        #expect(board.stderr.contains("must hold one of the roles DAGL, LEDE"), "\(board.stderr)")
        let manager = try consentctl(["--org-roles", "\(organisation)=DAGL,SIGN", "request", "accept", id], as: "portal", on: hub)
        #expect(manager.status == 0, "\(manager.stderr)")
        let status = try consentctl(["request", "status", id], as: "consumer", on: hub)
        #expect(status.stdout.contains("authority   DAGL"), "\(status.stdout)")
    }

    @Test func theConsumerDeletesEndsAndLetsAVendorActFromTheShell() async throws {
        try await Self.withHub(Self.consumerLifecycle)
    }

    /// Issue 12, points 1 and 2: a request deleted before anyone answered, a
    /// consent the bank ends, the person's counts, and a vendor that may act
    /// for the bank only while the bank lets it.
    static func consumerLifecycle(_ hub: InProcessHub) throws {
        let (id, _) = try acceptedRequest(on: hub)
        let created = try consentctl([
            "request", "create", "--resource", "5252_1", "--meta", "fraOgMed=01.01.2024", "--meta", "tilOgMed=31.12.2024",
            "--redirect", "https://banken.example/samtykke/svar", "--valid-to", "+30d", "--offered-by", TestHub.demoUserID,
            "--purpose", "Behandle søknaden din om uføreforsikring",
        ], as: "consumer", on: hub)
        let unanswered = try #require(created.stdout.split(separator: "\n").first?.split(separator: " ").last.map(String.init), "\(created.stdout)")
        let deleted = try consentctl(["request", "delete", unanswered], as: "consumer", on: hub)
        #expect(deleted.status == 0 && deleted.stdout == "deleted: \(unanswered) is now deleted\n", "\(deleted.stdout) \(deleted.stderr)")
        let late = try consentctl(["request", "accept", unanswered], as: "portal", on: hub)
        #expect(late.status == 1 && late.stderr.hasPrefix("consentctl: "), "a deleted request can never be accepted: \(late.stderr)")

        let ended = try consentctl(["consent", "end", id], as: "consumer", on: hub)
        #expect(ended.status == 0 && ended.stdout == "ended: \(id) is now revoked\n", "\(ended.stdout) \(ended.stderr)")
        let counts = try consentctl(["consent", "count"], as: "portal", on: hub)
        #expect(counts.status == 0 && counts.stdout.contains("(of the revoked, ended by the consumer: 1)"), "\(counts.stdout)")

        let vendor = DevPrincipal.vendor.organisationNumber, bank = DevPrincipal.consumer.organisationNumber
        let authorised = try consentctl(["vendor", "authorise", vendor, "--name", "BANKSYSTEMER AS", "--resource", "5252_1"], as: "consumer", on: hub)
        #expect(authorised.status == 0 && authorised.stdout.hasPrefix("authorised "), "\(authorised.stdout) \(authorised.stderr)")
        let listed = try consentctl(["--acting-for", bank, "request", "list"], as: "vendor", on: hub)
        #expect(listed.status == 0 && listed.stdout.contains("\(id)  revoked  5252_1"), "the bank's requests, for its vendor: \(listed.stdout) \(listed.stderr)")
        let deauthorised = try consentctl(["vendor", "deauthorise", vendor], as: "consumer", on: hub)
        #expect(deauthorised.status == 0, "\(deauthorised.stderr)")
        let refused = try consentctl(["--acting-for", bank, "request", "list"], as: "vendor", on: hub)
        #expect(refused.status == 1 && refused.stderr.contains("PERMISSION_DENIED"), "\(refused.stderr)")
    }

    @Test func batchFileMistakesAreUsageErrors() async throws {
        try await Self.withHub(Self.batchMistakes)
    }

    static func batchMistakes(_ hub: InProcessHub) throws {
        let short = try consentctl(["log-use", "--batch", "-"], as: "datasource", on: hub, stdin: "only-one-field\n")
        #expect(short.status == 2 && short.stderr.contains("use 1: expected CONSENT_ID RESOURCE [TIME]"), "\(short.stderr)")
        let mixed = try consentctl(["log-use", "--batch", "-", "--resource", "5252_1"], as: "datasource", on: hub, stdin: "x 5252_1\n")
        #expect(mixed.status == 2 && mixed.stderr.contains("drop --resource"), "\(mixed.stderr)")
        let empty = try consentctl(["log-use", "--batch", "-"], as: "datasource", on: hub, stdin: "# nothing\n")
        #expect(empty.status == 2 && empty.stderr.contains("holds no uses"), "\(empty.stderr)")
        let badTime = try consentctl(["log-use", "--batch", "-"], as: "datasource", on: hub, stdin: "x 5252_1 yesterday\n")
        #expect(badTime.status == 2 && badTime.stderr.contains("-, use 1: the time must be an RFC 3339 time"), "\(badTime.stderr)")
        // Every time option takes the same forms (one parser): milliseconds as well as +Nd.
        let inMilliseconds = String(Int64(Date().timeIntervalSince1970 * 1000) + 30 * 86_400_000)
        let created = try consentctl([
            "request", "create", "--resource", "5252_1", "--meta", "fraOgMed=01.01.2024", "--meta", "tilOgMed=31.12.2024",
            "--redirect", "https://banken.example/samtykke/svar", "--valid-to", inMilliseconds, "--offered-by", TestHub.demoUserID,
            "--purpose", "Behandle søknaden din om uføreforsikring",
        ], as: "consumer", on: hub)
        #expect(created.status == 0, "\(created.stderr)")
        let badFrom = try consentctl(["request", "list", "--from", "last week"], as: "consumer", on: hub)
        #expect(badFrom.status == 2 && badFrom.stderr.contains("--from must be an RFC 3339 time"), "\(badFrom.stderr)")
    }
}
