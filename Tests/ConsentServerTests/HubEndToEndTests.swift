import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Synchronization
import Testing

/// The transport core through a real `ConsentHubServer` (in process) or a
/// real `consentd` (child process): DESIGN §4 and §6, issue 2's list.
@Suite(.serialized) struct HubEndToEndTests {
    /// A certificate our CA signed for an organisation the principals file does not list.
    static func strangerCertificate() throws -> (cert: String, key: String) {
        let directory = TestHub.makeTemporaryDirectory("stranger")
        let issued = try TestHub.certificates.authority.issueClientCertificate(organisationNumber: "912345688", name: "UKJENT AS")
        try issued.write(certificateTo: directory + "/c.pem", keyTo: directory + "/c.key")
        return (directory + "/c.pem", directory + "/c.key")
    }

    @Test(arguments: TestStorage.allCases)
    func healthAnswersServingOverMutualTLS(_ storage: TestStorage) async throws {
        let hub = try TestHub(storage: storage)
        let client = try hub.client("consumer")
        let check = try await client.unary(Consent_V1_Health.check, .init())
        #expect(check.status == .serving)
        let unknown = try await client.unary(Consent_V1_Health.check, .init(service: "consent.v1.Nope"))
        #expect(unknown.status == .serviceUnknown)
        let refused = await Flow.refusal { _ = try await client.unary(Consent_V1_Health.stats, .init()) }
        #expect(refused?.code == .permissionDenied, "a bank may not read the hub's counters")
        let admin = try hub.client("admin")
        defer { admin.close() }
        let stats = try await admin.unary(Consent_V1_Health.stats, .init())
        #expect(stats.storage.hasPrefix(storage == .postgres ? "PostgreSQL " : "log at "), "\(stats.storage)")
        #expect(stats.eventsCommitted >= 6, "the demo registry's events are durable")
        #expect(stats.methods.contains { $0.method == "/consent.v1.Health/Check" && $0.calls == 2 })
        client.close()
        await hub.stop()
    }

    /// Found by AddressSanitizer's leak check (make test-sanitizers): the
    /// router's Health handlers held the hub's status and the status the
    /// router, so a hub that had shut down kept its ledger and state.
    @Test func aHubThatHasShutDownFreesItsLedger() async throws {
        weak var ledger: ConsentLedger?
        do {
            let hub = try TestHub()
            let client = try hub.client("consumer")
            #expect(try await client.unary(Consent_V1_Health.check, .init()).status == .serving)
            ledger = hub.server.ledger
            client.close()
            await hub.stop()
        }
        #expect(ledger == nil, "the ledger (state and log) of a hub that has shut down is still in memory")
    }

    @Test func unknownMethodIsUnimplementedAndTheConnectionStaysUp() async throws {
        let hub = try TestHub(demoRegistry: false)
        let client = try hub.client("datasource")
        let method = ProtoMethod<Consent_V1_HealthCheckRequest, Consent_V1_HealthCheckResponse>(fullName: "/consent.v1.Nope/Check", kind: .unary)
        await #expect {
            _ = try await client.unary(method, .init())
        } throws: { error in
            (error as? RPCError)?.code == .unimplemented && (error as? RPCError)?.message == "unknown method /consent.v1.Nope/Check"
        }
        #expect(try await client.unary(Consent_V1_Health.check, .init()).status == .serving)
        client.close()
        await hub.stop()
    }

    @Test func certificateOfOurCAForAnUnknownOrganisationIsUnauthenticated() async throws {
        let principals = TestHub.makeTemporaryDirectory("principals") + "/principals.json"
        try TestHub.writePrincipals(to: principals)
        let hub = try TestHub(demoRegistry: false) { $0.principalsPath = principals }
        let stranger = try Self.strangerCertificate()
        let client = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: hub.port, caFile: hub.certificates.path("ca.pem"), certificateFile: stranger.cert, keyFile: stranger.key))
        await #expect {
            _ = try await client.unary(Consent_V1_Health.check, .init())
        } throws: { error in
            let e = error as? RPCError
            return e?.code == .unauthenticated && e?.message.contains("912345688 is not a known principal") == true
        }
        // The transport refuses a stranger's calls before reading them, and
        // remembers that per connection: a reload that adds the organisation
        // must reach the connection already open.
        try TestHub.writePrincipals(to: principals) { $0.append(Principal(id: "912345688", name: "UKJENT AS", roles: [.consumer])) }
        try hub.server.reloadPrincipals()
        #expect(try await client.unary(Consent_V1_Health.check, .init()).status == .serving)
        client.close()
        await hub.stop()
    }

    @Test func certificateFromAnotherCAIsRefusedAtTheHandshake() async throws {
        let hub = try TestHub(demoRegistry: false)
        let directory = TestHub.makeTemporaryDirectory("foreign")
        let foreign = try DevCertificates.foreignClient()
        try foreign.client.write(certificateTo: directory + "/f.pem", keyTo: directory + "/f.key")
        #expect {
            _ = try ConsentClient(configuration: .init(
                host: "127.0.0.1", port: hub.port, caFile: hub.certificates.path("ca.pem"),
                certificateFile: directory + "/f.pem", keyFile: directory + "/f.key"))
        } throws: { error in
            let e = error as? RPCError
            return e?.code == .unavailable && e?.message.contains("handshake") == true
        }
        #expect(try await hub.client("consumer").unary(Consent_V1_Health.check, .init()).status == .serving, "the next client is served")
        await hub.stop()
    }

    @Test func sighupReloadsThePrincipalsFile() async throws {
        let certificates = TestHub.certificates
        let data = TestHub.makeTemporaryDirectory("reload")
        // A copy of the principals file that the test can change.
        let principals = data + ".principals.json"
        try FileManager.default.copyItem(atPath: certificates.path("principals.json"), toPath: principals)
        let server = try ConsentdProcess(certificates: certificates, dataDirectory: data, extraArguments: ["--principals", principals])
        let stranger = try Self.strangerCertificate()
        func strangerCheck() async throws -> StatusCode {
            let client = try ConsentClient(configuration: .init(
                host: "127.0.0.1", port: server.port, caFile: certificates.path("ca.pem"), certificateFile: stranger.cert, keyFile: stranger.key))
            defer { client.close() }
            do {
                _ = try await client.unary(Consent_V1_Health.check, .init())
                return .ok
            } catch {
                return error.code
            }
        }
        #expect(try await strangerCheck() == .unauthenticated)
        var text = try String(contentsOfFile: principals, encoding: .utf8)
        text = text.replacingOccurrences(of: "  ]", with: "    ,{\"id\": \"912345688\", \"name\": \"UKJENT AS\", \"roles\": [\"consumer\"]}\n  ]")
        try text.write(toFile: principals, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        var status = StatusCode.unauthenticated
        for _ in 0..<50 where status != .ok {
            try await Task.sleep(for: .milliseconds(100))
            status = try await strangerCheck()
        }
        #expect(status == .ok, "log: \(server.log)")
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
    }

    @Test(arguments: TestStorage.allCases)
    func sigtermLetsCallsInFlightFinishAndExitsZero(_ storage: TestStorage) async throws {
        let data = TestHub.makeTemporaryDirectory("sigterm")
        let server = try ConsentdProcess(
            certificates: TestHub.certificates, dataDirectory: data, extraArguments: TestStorage.arguments(postgres: storage.makeDatabase()))
        try server.waitUntilServing()
        let client = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: server.port, caFile: TestHub.certificates.path("ca.pem"),
            certificateFile: TestHub.certificates.path("consumer.pem"), keyFile: TestHub.certificates.path("consumer.key")))
        let outcomes = Mutex<[StatusCode: Int]>([:])
        let started = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        // Keep 256 calls in flight until the server goes away.
        @Sendable func launch() {
            guard !stop.load(ordering: .relaxed) else { return }
            started.add(1, ordering: .relaxed)
            client.startUnary(Consent_V1_Health.check, .init()) { result in
                let code: StatusCode = switch result {
                case .success: .ok
                case .failure(let error): error.code
                }
                outcomes.withLock { $0[code, default: 0] += 1 }
                finished.add(1, ordering: .relaxed)
                if code == .ok { launch() }
            }
        }
        for _ in 0..<256 { launch() }
        try await Task.sleep(for: .milliseconds(300))
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0, "log: \(server.log)")
        stop.store(true, ordering: .relaxed)
        for _ in 0..<100 where finished.load(ordering: .relaxed) < started.load(ordering: .relaxed) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(finished.load(ordering: .relaxed) == started.load(ordering: .relaxed), "every call got an answer")
        let seen = outcomes.withLock { $0 }
        #expect((seen[.ok] ?? 0) > 256, "calls completed before and during the drain: \(seen)")
        #expect(Set(seen.keys).isSubset(of: [.ok, .unavailable]), "only OK, or UNAVAILABLE after the GoAway: \(seen)")
        #expect(server.log.contains("signal SIGTERM: draining"))
        client.close()
    }

    @Test(arguments: TestStorage.allCases)
    func stateSurvivesARestartOnTheSameStore(_ storage: TestStorage) async throws {
        let data = TestHub.makeTemporaryDirectory("restart")
        let store = TestStorage.arguments(postgres: try storage.makeDatabase())
        let first = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: ["--demo-registry"] + store)
        // A node of a shared store loads the registry once it is the active one.
        try first.waitForLog("demo registry: 6 registrations added")
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0)
        #expect(first.log.contains("demo registry: 6 registrations added"))
        let second = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: ["--demo-registry"] + store)
        try second.waitUntilServing()
        let client = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: second.port, caFile: TestHub.certificates.path("ca.pem"),
            certificateFile: TestHub.certificates.path("admin.pem"), keyFile: TestHub.certificates.path("admin.key")))
        #expect(try await client.unary(Consent_V1_Health.stats, .init()).eventsCommitted == 6)
        client.close()
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0)
        #expect(!second.log.contains("registrations added"), "a restart with --demo-registry adds nothing twice")
        #expect(second.log.contains("recovered to sequence 6"))
    }

    @Test func secondConsentdOnTheSameDataDirectoryRefusesToStart() async throws {
        let data = TestHub.makeTemporaryDirectory("lock")
        let first = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data)
        #expect {
            _ = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data)
        } throws: { error in
            "\(error)".contains("is in use by another consentd (pid \(first.pid))")
        }
        first.signal(SIGTERM)
        #expect(first.waitForExit() == 0)
    }
}
