import Testing
@testable import ConsentCore

/// A consumer's open (unanswered) requests are bounded: a runaway bank cannot
/// grow the hub's memory and log without bound (issue 11, attack test:
/// 400,000 CreateRequest calls from one bank in 12 s, all accepted).
@Suite("Open request quota")
struct OpenRequestQuotaTests {
    static func hub(quota: Int) -> TestHub {
        var config = ConsentConfiguration()
        config.maximumOpenRequestsPerConsumer = quota
        config.requestLifetime = .hours(1)
        config.openRequestsRetryAfter = .seconds(60)
        return TestHub(configuration: config)
    }

    @Test("the quota refuses with RESOURCE_EXHAUSTED open_requests_quota and a retry hint; answers and expiries free it")
    func quotaRefusesAndFrees() throws {
        var hub = Self.hub(quota: 3)
        let a = try hub.create(TestHub.navRequest())
        let b = try hub.create(TestHub.navRequest())
        _ = try hub.create(TestHub.navRequest())
        expectRefused(.resourceExhausted, "open_requests_quota", "3 requests") { () throws(DomainError) in try hub.create(TestHub.navRequest()) }
        #expect(refusal { () throws(DomainError) in try hub.create(TestHub.navRequest()) }?.retryAfterMilliseconds == 60_000)
        // A retry of a request already made (same idempotency key) is not a new one: never refused.
        // Another consumer has a quota of its own.
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(
            resource: Fixture.nav5252, consumer: Fixture.finansiering, consumerName: "FINANSIERING AS",
            redirectDomains: ["banken.example"])), by: .dataSource(Fixture.nav))
        _ = try hub.create(TestHub.navRequest(), by: Fixture.finansiering)

        try hub.accept(a.id)
        let d = try hub.create(TestHub.navRequest())  // the answered one freed a place
        try hub.reject(b.id)
        _ = try hub.create(TestHub.navRequest())
        expectRefused(.resourceExhausted, "open_requests_quota") { () throws(DomainError) in try hub.create(TestHub.navRequest()) }
        // A request its consumer deleted waits for nobody: its place is free.
        _ = try LifecycleTests.delete(&hub, d.id)
        _ = try hub.create(TestHub.navRequest())
        expectRefused(.resourceExhausted, "open_requests_quota") { () throws(DomainError) in try hub.create(TestHub.navRequest()) }

        // Unanswered requests expire at their answer-by; once the sweep has
        // recorded that, they no longer count.
        hub.advance(.hours(2))
        _ = try hub.perform(.expireDue(limit: 100), by: .system)
        for _ in 0..<3 { _ = try hub.create(TestHub.navRequest()) }
        expectRefused(.resourceExhausted, "open_requests_quota") { () throws(DomainError) in try hub.create(TestHub.navRequest()) }
    }

    @Test("an idempotent retry of a request already made is answered even at the quota")
    func idempotentRetryIsNotCounted() throws {
        var hub = Self.hub(quota: 1)
        let first = try hub.create(TestHub.navRequest(key: "loan-1"))
        #expect(try hub.create(TestHub.navRequest(key: "loan-1")).id == first.id)
        expectRefused(.resourceExhausted, "open_requests_quota") { () throws(DomainError) in try hub.create(TestHub.navRequest(key: "loan-2")) }
    }

    @Test("the count survives a snapshot and a replay")
    func countIsRestored() throws {
        var hub = Self.hub(quota: 2)
        _ = try hub.create(TestHub.navRequest())
        _ = try hub.create(TestHub.navRequest())
        let restored = try ConsentState(snapshot: hub.state.encodeSnapshot(), configuration: hub.state.configuration)
        #expect(restored == hub.state)
        let refusedAfterRestore = refusal { () throws(DomainError) in
            try restored.decide(.createRequest(TestHub.navRequest()), by: .consumer(Fixture.bank), at: hub.now, using: &hub.engine.random)
        }
        #expect(refusedAfterRestore?.reason == "open_requests_quota")
    }
}
