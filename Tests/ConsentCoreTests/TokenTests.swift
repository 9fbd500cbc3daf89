import Testing
@testable import ConsentCore

@Suite("Codes, token facts and the online check")
struct TokenTests {
    @Test("Exchanging a code records an event and returns the facts a token needs")
    func exchange() throws {
        var hub = TestHub()
        let (id, code) = hub.givenConsent()
        let decision = try hub.engine.execute(.exchangeCode(codeHash: code), by: .consumer(Fixture.bank))
        #expect(decision.events.map(\.kind) == [.codeExchanged])
        guard case .tokenFacts(let facts) = try decision.get() else { Issue.record("no facts"); return }
        #expect(facts.consentID == id)
        #expect(facts.consumer == Fixture.bank)
        #expect(facts.offeredBy == .person(Fixture.haakon))
        #expect(facts.resources.map(\.resource) == [Fixture.nav5252])
        #expect(facts.resources[0].value(for: "fraOgMed") == "01.01.2020")
        #expect(facts.validTo == Fixture.start + .days(365))
        #expect(facts.consentedAt == Fixture.start)
        #expect(!facts.isOneTime)
    }

    @Test("A second exchange is refused and recorded as a reuse attempt")
    func reuse() throws {
        var hub = TestHub()
        let (id, code) = hub.givenConsent()
        try hub.exchange(code)
        let decision = try hub.engine.execute(.exchangeCode(codeHash: code), by: .consumer(Fixture.bank))
        #expect(decision.events.map(\.kind) == [.codeReuseAttempted])
        #expect(decision.events.first?.payload.requestID == id)
        expectRefused(.failedPrecondition, "code_already_used", "has been recorded") { () throws(DomainError) in try decision.get() }
        // The engine's perform applies the event and then throws.
        let before = hub.state.lastSequence
        expectRefused(.failedPrecondition, "code_already_used") { () throws(DomainError) in try hub.exchange(code) }
        #expect(hub.state.lastSequence == before + 1)
    }

    @Test("Code refusals: unknown, malformed, another consumer's, expired, consent no longer live")
    func codeRefusals() throws {
        var hub = TestHub()
        expectRefused(.notFound, "code_unknown", "consent page again") { () throws(DomainError) in try hub.exchange(codeHash(12345)) }
        expectRefused(.invalidArgument, "code_hash_malformed", "0 bytes") { () throws(DomainError) in try hub.exchange([]) }

        let (_, code) = hub.givenConsent()
        expectRefused(.permissionDenied, "code_not_yours", "911223341") { () throws(DomainError) in try hub.exchange(code, by: Fixture.finansiering) }
        expectRefused(.permissionDenied, "role_not_allowed") {
            () throws(DomainError) in try hub.perform(.exchangeCode(codeHash: code), by: .dataSource(Fixture.nav))
        }
        hub.advance(.minutes(5))
        expectRefused(.failedPrecondition, "code_expired", "minutes") { () throws(DomainError) in try hub.exchange(code) }

        let (revokedID, revokedCode) = hub.givenConsent()
        try hub.revoke(revokedID)
        expectRefused(.failedPrecondition, "consent_revoked") { () throws(DomainError) in try hub.exchange(revokedCode) }
    }

    @Test("The server may set the code's lifetime at accept time")
    func codeLifetime() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        try hub.perform(.acceptRequest(view.id, code: CodeGrant(codeHash: codeHash(7), expiresAt: hub.now + .seconds(30))),
                        by: .endUser(Fixture.haakonUser))
        hub.advance(.seconds(30))
        expectRefused(.failedPrecondition, "code_expired") { () throws(DomainError) in try hub.exchange(codeHash(7)) }
    }

    @Test("Codes are forgotten a day after they expire; a late reuse is then an unknown code")
    func codesForgotten() throws {
        var hub = TestHub()
        let (_, code) = hub.givenConsent()
        try hub.exchange(code)
        hub.advance(.hours(24) + .minutes(5))
        hub.givenConsent()   // applying an acceptance prunes old codes
        expectRefused(.notFound, "code_unknown") { () throws(DomainError) in try hub.exchange(code) }
        #expect(hub.state.tables.codes.count == 1)
    }

    @Test("Batch exchange: each code answered in order; a duplicate within the batch is a reuse")
    func batchExchange() throws {
        var hub = TestHub()
        let (a, codeA) = hub.givenConsent()
        let (b, codeB) = hub.givenConsent()
        let decision = try hub.engine.execute(.exchangeCodes(codeHashes: [codeA, codeHash(999), codeB, codeA, []]), by: .consumer(Fixture.bank))
        #expect(decision.events.map(\.kind) == [.codeExchanged, .codeExchanged, .codeReuseAttempted])
        guard case .tokenFactsBatch(let results) = try decision.get() else { Issue.record("no batch"); return }
        #expect(results.count == 5)
        #expect((try? results[0].get())?.consentID == a)
        #expect(refusal { () throws(DomainError) in try results[1].get() }?.reason == "code_unknown")
        #expect((try? results[2].get())?.consentID == b)
        #expect(refusal { () throws(DomainError) in try results[3].get() }?.reason == "code_already_used")
        #expect(refusal { () throws(DomainError) in try results[4].get() }?.reason == "code_hash_malformed")
    }

    @Test("A batch larger than the limit is refused as a whole")
    func batchLimit() {
        var config = ConsentConfiguration()
        config.maximumBatchSize = 3
        var hub = TestHub(configuration: config)
        expectRefused(.resourceExhausted, "batch_too_large", "at most 3") {
            () throws(DomainError) in try hub.perform(.exchangeCodes(codeHashes: Array(repeating: codeHash(1), count: 4)), by: .consumer(Fixture.bank))
        }
    }

    @Test("Token facts by consent id while it lives (seed 003, gjenbruk av samtykke)")
    func reuseOfConsent() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.navRequest(validFor: .days(30)))
        hub.advance(.days(29))
        #expect(try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now).consentID == id)
        expectRefused(.permissionDenied, "not_yours") {
            () throws(DomainError) in try hub.state.tokenFacts(for: id, by: .consumer(Fixture.finansiering), at: hub.now)
        }
        expectRefused(.permissionDenied, "role_not_allowed") {
            () throws(DomainError) in try hub.state.tokenFacts(for: id, by: .dataSource(Fixture.nav), at: hub.now)
        }
        hub.advance(.days(1))
        expectRefused(.failedPrecondition, "consent_expired") { () throws(DomainError) in try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now) }
    }

    @Test("No token for a request not accepted, rejected, withdrawn or a used one-time consent")
    func noTokenWhenNotLive() throws {
        var hub = TestHub()
        let bank = Actor.consumer(Fixture.bank)
        let pending = try hub.create(TestHub.navRequest())
        expectRefused(.failedPrecondition, "consent_not_given") { () throws(DomainError) in try hub.state.tokenFacts(for: pending.id, by: bank, at: hub.now) }
        try hub.reject(pending.id)
        expectRefused(.failedPrecondition, "request_already_rejected") { () throws(DomainError) in try hub.state.tokenFacts(for: pending.id, by: bank, at: hub.now) }
        let (revoked, _) = hub.givenConsent()
        try hub.revoke(revoked)
        expectRefused(.failedPrecondition, "consent_revoked") { () throws(DomainError) in try hub.state.tokenFacts(for: revoked, by: bank, at: hub.now) }
        let (once, _) = hub.givenConsent(TestHub.taxRequest())
        #expect(try hub.state.tokenFacts(for: once, by: bank, at: hub.now).isOneTime)
        try hub.use(once, Fixture.tax4629)
        expectRefused(.failedPrecondition, "consent_used_up", "new consent") { () throws(DomainError) in try hub.state.tokenFacts(for: once, by: bank, at: hub.now) }
    }

    @Test("Online check by the data source: live, owned, covering the asked resource and metadata")
    func checkLive() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        let nav = Actor.dataSource(Fixture.nav)
        #expect(try hub.state.checkLive(id, by: nav, at: hub.now).consentID == id)
        #expect(try hub.state.checkLive(id, by: nav, resource: Fixture.nav5252, metadata: [MetadataValue("fraOgMed", "01.01.2020")], at: hub.now).consentID == id)
        // A date inside the consented period is covered.
        #expect(throws: Never.self) {
            try hub.state.checkLive(id, by: nav, resource: Fixture.nav5252,
                                    metadata: [MetadataValue("fraOgMed", "01.06.2021"), MetadataValue("tilOgMed", "30.06.2022")], at: hub.now)
        }
        expectRefused(.permissionDenied, "metadata_not_covered", "5252_1_tilOgMed") {
            () throws(DomainError) in try hub.state.checkLive(id, by: nav, resource: Fixture.nav5252, metadata: [MetadataValue("tilOgMed", "31.12.2025")], at: hub.now)
        }
        expectRefused(.permissionDenied, "metadata_not_covered", "5252_1_annet") {
            () throws(DomainError) in try hub.state.checkLive(id, by: nav, resource: Fixture.nav5252, metadata: [MetadataValue("annet", "x")], at: hub.now)
        }
        expectRefused(.permissionDenied, "resource_not_in_consent", "4629_2") {
            () throws(DomainError) in try hub.state.checkLive(id, by: nav, resource: Fixture.tax4629, at: hub.now)
        }
        expectRefused(.invalidArgument, "metadata_without_resource") {
            () throws(DomainError) in try hub.state.checkLive(id, by: nav, metadata: [MetadataValue("fraOgMed", "01.01.2020")], at: hub.now)
        }
        expectRefused(.permissionDenied, "not_yours", "none of your resources") {
            () throws(DomainError) in try hub.state.checkLive(id, by: .dataSource(Fixture.skatteetaten), at: hub.now)
        }
        expectRefused(.permissionDenied, "role_not_allowed") {
            () throws(DomainError) in try hub.state.checkLive(id, by: .consumer(Fixture.bank), at: hub.now)
        }
        try hub.revoke(id)
        expectRefused(.failedPrecondition, "consent_revoked") { () throws(DomainError) in try hub.state.checkLive(id, by: nav, at: hub.now) }
    }

    @Test("In a consent spanning two data sources, each checks only its own resources")
    func twoDataSources() throws {
        var hub = TestHub()
        var request = TestHub.taxRequest()
        request.resources.append(TestHub.navRequest().resources[0])
        let (id, _) = hub.givenConsent(request)
        #expect(throws: Never.self) { try hub.state.checkLive(id, by: .dataSource(Fixture.skatteetaten), resource: Fixture.tax4629, at: hub.now) }
        expectRefused(.permissionDenied, "resource_not_owned", "889640782") {
            () throws(DomainError) in try hub.state.checkLive(id, by: .dataSource(Fixture.skatteetaten), resource: Fixture.nav5252, at: hub.now)
        }
    }
}
