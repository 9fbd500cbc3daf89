import Testing
@testable import ConsentCore

@Suite("The end user's answer, withdrawal and the state machine")
struct AnswerTests {
    @Test("Accept: the consent exists, the code hash is recorded, the redirect carries id, status and code")
    func accept() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        hub.advance(.minutes(2))
        let answer = try hub.accept(view.id)
        #expect(answer.accepted && !answer.isRepeat && answer.needsAuthorizationCode)
        #expect(answer.request.status == .accepted)
        #expect(answer.request.offeredBy == .person(Fixture.haakon))
        #expect(answer.request.decidedAt == hub.now)
        #expect(answer.redirectURL(authorizationCode: "c0de+/=")
                == "https://banken.example/samtykke/svar?RequestId=\(view.id)&Status=OK&AuthorizationCode=c0de%2B%2F%3D")
        #expect(try hub.state.request(view.id, by: .consumer(Fixture.bank), at: hub.now).status == .accepted)
    }

    @Test("The redirect appends with '&' when the URL has a query, and adds no separator after a trailing '?'")
    func redirectSeparators() throws {
        var hub = TestHub()
        for (url, joined) in [("https://banken.example/svar?sak=7", "https://banken.example/svar?sak=7&RequestId="),
                              ("https://banken.example/svar?", "https://banken.example/svar?RequestId=")] {
            var request = TestHub.navRequest()
            request.redirectURL = url
            let view = try hub.create(request)
            let answer = try hub.accept(view.id)
            #expect(answer.redirectURL(authorizationCode: "x").hasPrefix(joined))
        }
    }

    @Test("Reject: Status=Failed with a percent-encoded ErrorMessage")
    func reject() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        let answer = try hub.reject(view.id)
        #expect(!answer.accepted && !answer.needsAuthorizationCode)
        #expect(answer.request.status == .rejected)
        #expect(answer.redirectURL(authorizationCode: nil)
                == "https://banken.example/samtykke/svar?RequestId=\(view.id)&Status=Failed&ErrorMessage=The%20user%20did%20not%20give%20consent")
    }

    @Test("Repeating a transition returns the current state and records nothing (Altinn 3)")
    func repeats() throws {
        var hub = TestHub()
        let a = try hub.create(TestHub.navRequest())
        try hub.accept(a.id)
        let again = try hub.engine.execute(.acceptRequest(a.id, code: CodeGrant(codeHash: codeHash(999))), by: .endUser(Fixture.haakonUser))
        #expect(again.events.isEmpty)
        guard case .answer(let answer) = try again.get() else { Issue.record("no answer"); return }
        #expect(answer.isRepeat && !answer.needsAuthorizationCode && answer.request.status == .accepted)
        #expect(answer.redirectURL(authorizationCode: nil).hasSuffix("&Status=OK"))

        let r = try hub.create(TestHub.navRequest())
        try hub.reject(r.id)
        #expect(try hub.engine.execute(.rejectRequest(r.id), by: .endUser(Fixture.haakonUser)).events.isEmpty)

        try hub.revoke(a.id)
        let revokeAgain = try hub.engine.execute(.revokeConsent(a.id), by: .endUser(Fixture.haakonUser))
        #expect(revokeAgain.events.isEmpty)
        #expect(try revokeAgain.get() == .revoked(try hub.state.request(a.id, by: .admin(Fixture.brreg), at: hub.now)))
    }

    @Test("Refused transitions each say why")
    func refusedTransitions() throws {
        var hub = TestHub()
        let accepted = try hub.create(TestHub.navRequest())
        try hub.accept(accepted.id)
        let rejected = try hub.create(TestHub.navRequest())
        try hub.reject(rejected.id)
        let pending = try hub.create(TestHub.navRequest())
        let haakon = Actor.endUser(Fixture.haakonUser)

        expectRefused(.failedPrecondition, "request_already_rejected", "new request") { () throws(DomainError) in try hub.accept(rejected.id) }
        expectRefused(.failedPrecondition, "request_already_accepted", "Withdraw") { () throws(DomainError) in try hub.reject(accepted.id) }
        expectRefused(.failedPrecondition, "request_not_accepted", "reject the request instead") {
            () throws(DomainError) in try hub.revoke(pending.id)
        }
        expectRefused(.failedPrecondition, "request_already_rejected") { () throws(DomainError) in try hub.revoke(rejected.id, as: haakon) }

        try hub.revoke(accepted.id)
        expectRefused(.failedPrecondition, "consent_revoked", "withdrawn") { () throws(DomainError) in try hub.accept(accepted.id) }
        expectRefused(.failedPrecondition, "consent_revoked") { () throws(DomainError) in try hub.reject(accepted.id) }
    }

    @Test("An unanswered request expires after the configured time (computed on read)")
    func requestExpiry() throws {
        var config = ConsentConfiguration()
        config.requestLifetime = .hours(1)
        var hub = TestHub(configuration: config)
        let view = try hub.create(TestHub.navRequest())
        hub.advance(.minutes(59))
        #expect(try hub.state.request(view.id, by: .consumer(Fixture.bank), at: hub.now).status == .created)
        hub.advance(.minutes(1))
        #expect(try hub.state.request(view.id, by: .consumer(Fixture.bank), at: hub.now).status == .expired)
        expectRefused(.failedPrecondition, "request_expired", "new request") { () throws(DomainError) in try hub.accept(view.id) }
        expectRefused(.failedPrecondition, "request_expired") { () throws(DomainError) in try hub.reject(view.id) }
    }

    @Test("A consent expires at its valid-to; it can no longer be withdrawn or accepted")
    func consentExpiry() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.navRequest(validFor: .days(10)))
        hub.advance(.days(10))
        #expect(try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now).status == .expired)
        expectRefused(.failedPrecondition, "consent_expired", "end date") { () throws(DomainError) in try hub.revoke(id) }
        expectRefused(.failedPrecondition, "consent_expired") { () throws(DomainError) in try hub.accept(id) }
    }

    @Test("A one-time consent cannot be withdrawn, before or after its use")
    func oneTimeNotRevocable() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(TestHub.taxRequest())
        expectRefused(.failedPrecondition, "one_time_consent_not_revocable", "engangssamtykke") { () throws(DomainError) in try hub.revoke(id) }
        try hub.use(id, Fixture.tax4629)
        expectRefused(.failedPrecondition, "one_time_consent_not_revocable", "already ended") { () throws(DomainError) in try hub.revoke(id) }
        expectRefused(.failedPrecondition, "consent_used_up") { () throws(DomainError) in try hub.accept(id) }
    }

    @Test("Offered-by: only that person, or someone who may sign for that organisation")
    func offeredBy() throws {
        var hub = TestHub()
        let forHaakon = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        expectRefused(.permissionDenied, "offered_by_mismatch", "another person") {
            () throws(DomainError) in try hub.accept(forHaakon.id, as: Fixture.ingridUser)
        }
        expectRefused(.permissionDenied, "offered_by_mismatch") { () throws(DomainError) in try hub.reject(forHaakon.id, as: Fixture.ingridUser) }

        let forBrreg = try hub.create(TestHub.navRequest(offeredBy: .organisation(Fixture.brreg)))
        expectRefused(.permissionDenied, "offered_by_mismatch", "974760673") { () throws(DomainError) in try hub.accept(forBrreg.id) }
        var signatory = Fixture.ingridUser
        signatory.maySignFor = [Fixture.brreg]
        let answer = try hub.accept(forBrreg.id, as: signatory)
        #expect(answer.request.offeredBy == .organisation(Fixture.brreg))
    }

    @Test("An open request is answered for oneself, or for an organisation the user may sign for")
    func openRequest() throws {
        var hub = TestHub()
        let a = try hub.create(TestHub.navRequest())
        #expect(try hub.accept(a.id, as: Fixture.ingridUser).request.offeredBy == .person(Fixture.ingrid))
        // Now it is Ingrid's: Håkon can neither see it nor answer it.
        expectRefused(.permissionDenied, "not_yours", "not offered to you") {
            () throws(DomainError) in try hub.state.request(a.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        }
        expectRefused(.permissionDenied, "not_yours") { () throws(DomainError) in try hub.accept(a.id) }

        let b = try hub.create(TestHub.navRequest())
        expectRefused(.permissionDenied, "not_signatory", "974760673") {
            () throws(DomainError) in try hub.accept(b.id, onBehalfOf: Fixture.brreg)
        }
        var signatory = Fixture.haakonUser
        signatory.maySignFor = [Fixture.brreg]
        #expect(try hub.accept(b.id, as: signatory, onBehalfOf: Fixture.brreg).request.offeredBy == .organisation(Fixture.brreg))

        let c = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        expectRefused(.invalidArgument, "on_behalf_of_conflicts", "974760673") {
            () throws(DomainError) in try hub.accept(c.id, as: signatory, onBehalfOf: Fixture.brreg)
        }
    }

    @Test("UserToken: the logged-in user must match, compared ignoring case; else log in again")
    func userToken() throws {
        var hub = TestHub()
        var request = TestHub.navRequest()
        request.userToken = Fixture.haakon.userToken.uppercased()
        let view = try hub.create(request)
        expectRefused(.unauthenticated, "user_token_mismatch", "log in as the person") {
            () throws(DomainError) in try hub.accept(view.id, as: Fixture.ingridUser)
        }
        expectRefused(.unauthenticated, "user_token_mismatch") {
            () throws(DomainError) in try hub.state.renderRequest(view.id, by: .endUser(Fixture.ingridUser), at: hub.now)
        }
        #expect(try hub.accept(view.id).accepted)
    }

    @Test("The resource's assurance level is required to accept, not to reject")
    func assuranceLevel() throws {
        var hub = TestHub()
        var minID = Fixture.haakonUser
        minID.assuranceLevel = .substantial
        let nav = try hub.create(TestHub.navRequest())
        expectRefused(.permissionDenied, "assurance_level_too_low", "security level 4") { () throws(DomainError) in try hub.accept(nav.id, as: minID) }
        #expect(try hub.state.renderRequest(nav.id, by: .endUser(minID), at: hub.now).requiredAssuranceLevel == .high)
        try hub.reject(nav.id, as: minID)
        // Skatteetaten's resource asks level 3.
        let tax = try hub.create(TestHub.taxRequest())
        #expect(try hub.accept(tax.id, as: minID).accepted)
    }

    @Test("Code grant rules on accept")
    func codeGrantRules() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        let user = Actor.endUser(Fixture.haakonUser)
        expectRefused(.invalidArgument, "code_hash_malformed", "31 bytes") {
            () throws(DomainError) in try hub.perform(.acceptRequest(view.id, code: CodeGrant(codeHash: Array(codeHash(1).prefix(31)))), by: user)
        }
        expectRefused(.outOfRange, "code_expiry_out_of_range", "3600 seconds") {
            () throws(DomainError) in try hub.perform(.acceptRequest(view.id, code: CodeGrant(codeHash: codeHash(1), expiresAt: hub.now + .hours(2))), by: user)
        }
        expectRefused(.outOfRange, "code_expiry_out_of_range") {
            () throws(DomainError) in try hub.perform(.acceptRequest(view.id, code: CodeGrant(codeHash: codeHash(1), expiresAt: hub.now)), by: user)
        }
        try hub.accept(view.id, code: codeHash(1))
        let other = try hub.create(TestHub.navRequest())
        expectRefused(.alreadyExists, "code_hash_in_use", "new random code") { () throws(DomainError) in try hub.accept(other.id, code: codeHash(1)) }
    }

    @Test("Only end users answer; end users and admins withdraw, consumers end (LifecycleTests), data sources neither")
    func roles() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        expectRefused(.permissionDenied, "role_not_allowed", "consumer") {
            () throws(DomainError) in try hub.perform(.rejectRequest(id), by: .consumer(Fixture.bank))
        }
        expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in try hub.revoke(id, as: .dataSource(Fixture.nav)) }
        expectRefused(.permissionDenied, "not_yours") { () throws(DomainError) in try hub.revoke(id, as: .endUser(Fixture.ingridUser)) }
        #expect(try hub.revoke(id, as: .admin(Fixture.brreg)).status == .revoked)
        expectRefused(.notFound, "request_unknown") {
            () throws(DomainError) in try hub.revoke(RequestID(high: 1, low: 2))
        }
    }

    @Test("Reading a request: consumer, data source, user and admin; nobody else")
    func ownershipOfReads() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        #expect(throws: Never.self) { try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now) }
        #expect(throws: Never.self) { try hub.state.request(id, by: .dataSource(Fixture.nav), at: hub.now) }
        #expect(throws: Never.self) { try hub.state.request(id, by: .endUser(Fixture.haakonUser), at: hub.now) }
        #expect(throws: Never.self) { try hub.state.request(id, by: .admin(Fixture.brreg), at: hub.now) }
        expectRefused(.permissionDenied, "not_yours", "another consumer") {
            () throws(DomainError) in try hub.state.request(id, by: .consumer(Fixture.finansiering), at: hub.now)
        }
        expectRefused(.permissionDenied, "not_yours", "none of your resources") {
            () throws(DomainError) in try hub.state.request(id, by: .dataSource(Fixture.skatteetaten), at: hub.now)
        }
        expectRefused(.permissionDenied, "not_yours") { () throws(DomainError) in try hub.state.request(id, by: .endUser(Fixture.ingridUser), at: hub.now) }
    }

    @Test("A data source sees who the person is only once they have consented")
    func dataSourceSeesThePersonOnlyAfterConsent() throws {
        var hub = TestHub()
        let open = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(try hub.state.request(open.id, by: .dataSource(Fixture.nav), at: hub.now).offeredBy == nil)
        #expect(try hub.state.request(open.id, by: .consumer(Fixture.bank), at: hub.now).offeredBy == .person(Fixture.haakon),
                "the bank named the person itself")
        let refused = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        try hub.reject(refused.id)
        #expect(try hub.state.request(refused.id, by: .dataSource(Fixture.nav), at: hub.now).offeredBy == nil)
        try hub.accept(open.id)
        #expect(try hub.state.request(open.id, by: .dataSource(Fixture.nav), at: hub.now).offeredBy == .person(Fixture.haakon))
    }
}
