import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// The limits and quotas of docs/PROTOCOL.md §9 as an operator sets them
/// (consentd options, config keys) and as a client meets them: each refusal
/// is RESOURCE_EXHAUSTED with a reason and a retry hint in the trailers.
@Suite struct HubLimitTests {
    /// A call with a payload made by hand (not a valid message of any size).
    static func rawCall(_ client: ConsentClient, _ method: String, _ payload: [UInt8]) async -> CallResult {
        await withCheckedContinuation { continuation in
            _ = client.startCall(method: method, payload: payload, options: CallOptions(), onMessage: { _ in }) { continuation.resume(returning: $0) }
        }
    }

    static func expectExhausted(_ error: RPCError?, reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(error?.code == .resourceExhausted, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.trailers[ErrorTrailers.reason] == reason, "\(String(describing: error?.trailers))", sourceLocation: sourceLocation)
        let retry = error?.trailers[ErrorTrailers.retryAfterMilliseconds].flatMap(Int.init)
        #expect(retry != nil && retry! > 0, "a retry hint: \(String(describing: error?.trailers))", sourceLocation: sourceLocation)
    }

    @Test func connectionLimitsAreOptionsAndConfigKeys() throws {
        let path = TestHub.makeTemporaryDirectory("config") + "/consentd.conf"
        try """
        max-connections = 5000
        max-pending-handshakes = 100
        max-pending-handshakes-per-address = 10
        max-connections-per-address = 50
        max-connections-per-principal = 20
        handshakes-per-second = 300
        max-calls-per-second-per-principal = 5000
        max-concurrent-calls-per-principal = 64
        frame-timeout = 15
        max-open-requests-per-consumer = 1000
        """.write(toFile: path, atomically: true, encoding: .utf8)
        guard case .serve(let c) = try ServerOptions.parse(["--config", path, "--max-connections-per-principal", "30"]) else {
            Issue.record("expected serve")
            return
        }
        #expect(c.maxConnections == 5000 && c.maxPendingHandshakes == 100 && c.maxPendingHandshakesPerAddress == 10)
        #expect(c.maxConnectionsPerAddress == 50 && c.maxConnectionsPerPrincipal == 30 && c.handshakesPerSecond == 300)
        #expect(c.frameTimeoutSeconds == 15 && c.consentConfiguration.maximumOpenRequestsPerConsumer == 1000)
        #expect(c.maxCallsPerSecondPerPrincipal == 5000 && c.maxConcurrentCallsPerPrincipal == 64)
        #expect(throws: ConfigurationError.self) { _ = try ServerOptions.parse(["--max-connections-per-address", "0"]) }
        let help = ServerOptions.helpText()
        for key in ["max-open-requests-per-consumer", "max-calls-per-second-per-principal", "max-concurrent-calls-per-principal", "max-connections", "max-pending-handshakes", "max-connections-per-address", "max-connections-per-principal", "handshakes-per-second", "frame-timeout"] {
            #expect(help.contains("--\(key) "), "consentd --help lists \(key)")
        }
    }

    @Test func aPrincipalOverItsConnectionLimitIsToldWhyAndOthersAreServed() async throws {
        let hub = try TestHub(demoRegistry: false) { $0.maxConnectionsPerPrincipal = 1 }
        let bank = try hub.client("consumer")
        #expect(try await bank.unary(Consent_V1_Health.check, .init()).status == .serving)
        let second = try hub.client("consumer")
        let refused = await Flow.refusal { _ = try await second.unary(Consent_V1_Health.check, .init()) }
        Self.expectExhausted(refused, reason: "connections_per_principal")
        let admin = try hub.client("admin")
        let stats = try await admin.unary(Consent_V1_Health.stats, .init())
        #expect(stats.connectionsRefused == 1)
        #expect(try await bank.unary(Consent_V1_Health.check, .init()).status == .serving)
        second.close()
        bank.close()
        admin.close()
        await hub.stop()
    }

    @Test func aPrincipalOverItsCallRateIsToldHowLongToWait() async throws {
        let hub = try TestHub(demoRegistry: false) { $0.maxCallsPerSecondPerPrincipal = 3 }
        let bank = try hub.client("consumer")
        // Twenty calls at once, so that they arrive within the same second
        // however slowly a loaded machine answers each (one after another,
        // the budget could refill between them).
        let refusals = await withTaskGroup(of: RPCError?.self) { group in
            for _ in 0..<20 {
                group.addTask { await Flow.refusal { _ = try await bank.unary(Consent_V1_Health.check, .init()) } }
            }
            var all: [RPCError] = []
            for await refusal in group { if let refusal { all.append(refusal) } }
            return all
        }
        #expect(refusals.count >= 20 - 2 * 3, "at most two seconds' budget of 3 calls is let through")
        for refusal in refusals { Self.expectExhausted(refusal, reason: "call_rate") }
        let nav = try hub.client("datasource")
        #expect(try await nav.unary(Consent_V1_Health.check, .init()).status == .serving, "NAV has a budget of its own")
        bank.close()
        nav.close()
        await hub.stop()
    }

    @Test func aConsumerAtItsOpenRequestQuotaIsRefusedUntilOneIsAnswered() async throws {
        let hub = try InProcessHub { c in
            c.maxOpenRequestsPerConsumer = 2
            c.expiryIntervalSeconds = 30
        }
        let bank = try hub.client("consumer")
        let first = try await bank.unary(Consent_V1_ConsentService.createRequest, Flow.navRequest())
        _ = try await bank.unary(Consent_V1_ConsentService.createRequest, Flow.navRequest())
        let refused = await Flow.refusal { _ = try await bank.unary(Consent_V1_ConsentService.createRequest, Flow.navRequest()) }
        Self.expectExhausted(refused, reason: "open_requests_quota")
        #expect(refused?.trailers[ErrorTrailers.retryAfterMilliseconds] == "30000", "one expiry interval")
        // The user answers one: a place is free again.
        let portal = try hub.client("portal")
        _ = try await portal.unary(Consent_V1_ConsentService.rejectRequest, .init(requestId: first.request!.id),
                                   options: CallOptions(metadata: TestHub.portalUser()))
        _ = try await bank.unary(Consent_V1_ConsentService.createRequest, Flow.navRequest())
        bank.close()
        portal.close()
        await hub.stop()
    }

    /// 1.9 million empty entries in one 3.8 MB frame (the attack test's): the
    /// count is refused from the first thousand tags, before anything is decoded.
    @Test func batchesAreRefusedBySizeBeforeDecoding() async throws {
        let hub = try TestHub(demoRegistry: false)
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")
        // Field 1, length 0, 1.9 million times.
        var flood = [UInt8](repeating: 0, count: 2 * 1_900_000)
        for i in stride(from: 0, to: flood.count, by: 2) { flood[i] = 0x0A }
        for (client, method) in [(bank, Consent_V1_TokenService.exchangeCodes.fullName), (nav, Consent_V1_TokenService.logUses.fullName)] {
            let result = await Self.rawCall(client, method, flood)
            #expect(result.code == .resourceExhausted, "\(method): \(result.code) \(result.message)")
            #expect(result.trailers[ErrorTrailers.reason] == "batch_too_large")
            #expect(result.message.contains("more than 1000"), "refused by counting, not after decoding: \(result.message)")
        }
        // The same limit holds for any repeated field of any request: 1,001 resources in a CreateRequest.
        var request = Flow.navRequest()
        request.resources = Array(repeating: request.resources[0], count: 1001)
        let refused = await Flow.refusal { _ = try await bank.unary(Consent_V1_ConsentService.createRequest, request) }
        #expect(refused?.code == .resourceExhausted && refused?.trailers[ErrorTrailers.reason] == "batch_too_large", "\(String(describing: refused))")
        #expect(try await bank.unary(Consent_V1_Health.check, .init()).status == .serving)
        bank.close()
        nav.close()
        await hub.stop()
    }
}
