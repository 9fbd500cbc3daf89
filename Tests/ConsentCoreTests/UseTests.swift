import Testing
@testable import ConsentCore

@Suite("Logging use (logUse)")
struct UseTests {
    @Test("A use by the consumer or the data source is recorded; a time-limited consent stays live")
    func use() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        hub.advance(.hours(1))
        let receipt = try hub.use(id, Fixture.nav5252)
        #expect(!receipt.endedConsent)
        try hub.use(id, Fixture.nav5252, by: .dataSource(Fixture.nav))
        #expect(try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now).status == .accepted)
    }

    @Test("A one-time consent ends at its first use; a second use is refused")
    func oneTime() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.taxRequest())
        let usedAt = hub.now + .minutes(1)
        hub.advance(.minutes(2))
        #expect(try hub.use(id, Fixture.tax4629, at: usedAt).endedConsent)
        let view = try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now)
        #expect(view.status == .usedUp)
        #expect(view.endedAt == usedAt)
        expectRefused(.failedPrecondition, "consent_used_up", "one-time") {
            () throws(DomainError) in try hub.use(id, Fixture.tax4629, by: .dataSource(Fixture.skatteetaten))
        }
    }

    @Test("Use refusals", arguments: [
        "someone else's consent", "not a resource of the consent", "data source of another resource",
        "before consent", "in the future", "after expiry", "after revocation", "not accepted", "rejected", "unknown", "end user",
    ])
    func refusals(_ name: String) throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.navRequest(validFor: .days(10)))
        var report = UseReport(consent: id, resource: Fixture.nav5252, usedAt: hub.now)
        var actor = Actor.consumer(Fixture.bank)
        let expected: (DomainError.Code, String)
        switch name {
        case "someone else's consent": actor = .consumer(Fixture.finansiering); expected = (.permissionDenied, "not_yours")
        case "not a resource of the consent": report.resource = Fixture.tax4629; expected = (.permissionDenied, "resource_not_in_consent")
        case "data source of another resource": actor = .dataSource(Fixture.skatteetaten); expected = (.permissionDenied, "not_yours")
        case "before consent": report.usedAt = hub.now - .minutes(5) - .seconds(1); expected = (.outOfRange, "used_before_consent")
        case "in the future": report.usedAt = hub.now + .minutes(6); expected = (.outOfRange, "used_in_future")
        case "after expiry":
            hub.advance(.days(11)); report.usedAt = hub.now - .hours(1); expected = (.failedPrecondition, "used_after_expiry")
        case "after revocation":
            hub.advance(.hours(1)); try hub.revoke(id); report.usedAt = hub.now; expected = (.failedPrecondition, "used_after_revocation")
        case "not accepted":
            report.consent = try hub.create(TestHub.navRequest()).id; expected = (.failedPrecondition, "consent_not_given")
        case "rejected":
            let r = try hub.create(TestHub.navRequest()); try hub.reject(r.id); report.consent = r.id
            expected = (.failedPrecondition, "request_already_rejected")
        case "unknown": report.consent = RequestID(high: 9, low: 9); expected = (.notFound, "request_unknown")
        default: actor = .endUser(Fixture.haakonUser); expected = (.permissionDenied, "role_not_allowed")
        }
        expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.perform(.logUse(report), by: actor) }
    }

    @Test("A use that happened before a withdrawal may be logged after it")
    func lateLogging() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        let usedAt = hub.now + .minutes(10)
        hub.advance(.hours(1))
        try hub.revoke(id)
        hub.advance(.minutes(1))
        #expect(try hub.use(id, Fixture.nav5252, at: usedAt).usedAt == usedAt)
    }

    @Test("Batch use: one result per item, failures do not stop the others, one-time consents end once")
    func batch() throws {
        var hub = TestHub()
        let (a, _) = hub.givenConsent()
        let (once, _) = hub.givenConsent(TestHub.taxRequest())
        let t = hub.now
        let reports = [
            UseReport(consent: a, resource: Fixture.nav5252, usedAt: t),
            UseReport(consent: once, resource: Fixture.tax4629, usedAt: t),
            UseReport(consent: RequestID(high: 1, low: 1), resource: Fixture.nav5252, usedAt: t),
            UseReport(consent: once, resource: Fixture.tax4629, usedAt: t),
            UseReport(consent: a, resource: Fixture.nav5252, usedAt: t),
        ]
        let decision = try hub.engine.execute(.logUses(reports), by: .consumer(Fixture.bank))
        #expect(decision.events.count == 3)
        guard case .usedBatch(let results) = try decision.get() else { Issue.record("no batch"); return }
        #expect(results.map { (try? $0.get()) != nil } == [true, true, false, false, true])
        #expect(refusal { () throws(DomainError) in try results[2].get() }?.reason == "request_unknown")
        #expect(refusal { () throws(DomainError) in try results[3].get() }?.reason == "consent_used_up")
        #expect((try? results[1].get())?.endedConsent == true)
        expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in try hub.perform(.logUses(reports), by: .endUser(Fixture.haakonUser)) }
    }

    @Test("A reporter's clock a little behind the hub's: the use counts at the moment of consent and ends a one-time consent")
    func slightlyEarlyUse() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.taxRequest())
        let consentedAt = hub.now
        let receipt = try hub.use(id, Fixture.tax4629, at: consentedAt - .seconds(2))
        #expect(receipt.endedConsent)
        #expect(receipt.usedAt == consentedAt, "recorded at the consent's moment, never before it")
        #expect(try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now).status == .usedUp)
        expectRefused(.failedPrecondition, "consent_used_up") { () throws(DomainError) in try hub.use(id, Fixture.tax4629) }
    }

    @Test("A one-time consent the sweep marked expired takes one late-logged use, then no more")
    func oneTimeAfterTheExpirySweep() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.taxRequest())
        let validTo = try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now).validTo
        hub.advance(.days(400))
        _ = try hub.perform(.expireDue(limit: 100), by: .system)
        #expect(try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now).status == .expired)

        let first = try hub.use(id, Fixture.tax4629, at: validTo - .seconds(60))
        #expect(first.endedConsent)
        #expect(try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now).status == .usedUp)
        expectRefused(.failedPrecondition, "consent_used_up") { () throws(DomainError) in
            try hub.use(id, Fixture.tax4629, at: validTo - .seconds(30))
        }
    }
}
