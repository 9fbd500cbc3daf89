import Testing
@testable import ConsentCore

@Suite("Expiry sweeping")
struct ExpiryTests {
    @Test("Due requests and consents get expiry events once; answered and withdrawn ones do not")
    func sweep() throws {
        var config = ConsentConfiguration()
        config.requestLifetime = .hours(1)
        var hub = TestHub(configuration: config)
        let unanswered = try hub.create(TestHub.navRequest())
        let (shortLived, _) = hub.givenConsent(TestHub.navRequest(validFor: .hours(3)))
        let (revoked, _) = hub.givenConsent(TestHub.navRequest(validFor: .hours(3)))
        try hub.revoke(revoked)
        let (longLived, _) = hub.givenConsent(TestHub.navRequest(validFor: .days(30)))

        #expect(try hub.perform(.expireDue(limit: 100), by: .system) == .expired(count: 0))
        hub.advance(.hours(2))
        let first = try hub.engine.execute(.expireDue(limit: 100), by: .system)
        #expect(first.events.map(\.kind) == [.requestExpired])
        #expect(first.events[0].payload.requestID == unanswered.id)
        #expect(first.events[0].actor == .system)
        hub.advance(.hours(2))
        let second = try hub.engine.execute(.expireDue(limit: 100), by: .system)
        #expect(second.events.map(\.kind) == [.consentExpired])
        #expect(second.events[0].payload.requestID == shortLived)
        #expect(try hub.engine.execute(.expireDue(limit: 100), by: .system).events.isEmpty)

        let view = try hub.state.request(shortLived, by: .consumer(Fixture.bank), at: hub.now)
        // Ended at its valid-to, not at the sweep an hour later.
        #expect(view.status == .expired && view.endedAt == view.validTo && view.validTo < hub.now)
        let lapsed = try hub.state.request(unanswered.id, by: .consumer(Fixture.bank), at: hub.now)
        #expect(lapsed.status == .expired && lapsed.endedAt == unanswered.answerBy)
        #expect(try hub.state.request(revoked, by: .consumer(Fixture.bank), at: hub.now).status == .revoked)
        #expect(try hub.state.request(longLived, by: .consumer(Fixture.bank), at: hub.now).status == .accepted)
        // Stale heap entries have been dropped: only the long-lived consent's validity remains.
        #expect(hub.state.tables.deadlines.entries.count == 1)
    }

    @Test("The limit bounds one sweep; the next sweep continues")
    func limit() throws {
        var hub = TestHub()
        for _ in 0..<5 { _ = try hub.create(TestHub.navRequest()) }
        hub.advance(.hours(25))
        #expect(try hub.perform(.expireDue(limit: 2), by: .system) == .expired(count: 2))
        #expect(try hub.perform(.expireDue(limit: 10), by: .system) == .expired(count: 3))
        #expect(try hub.perform(.expireDue(limit: 10), by: .system) == .expired(count: 0))
    }

    @Test("Only the system or an admin sweeps")
    func roles() {
        var hub = TestHub()
        expectRefused(.permissionDenied, "role_not_allowed", "expire") { () throws(DomainError) in try hub.perform(.expireDue(limit: 1), by: .consumer(Fixture.bank)) }
        expectRefused(.invalidArgument, "limit_invalid") { () throws(DomainError) in try hub.perform(.expireDue(limit: 0), by: .system) }
    }
}
