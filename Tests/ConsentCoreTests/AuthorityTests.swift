import Testing
@testable import ConsentCore

/// Issue 12, point 3: organisation consents that hold up (Altinn 3's
/// `requiredDelegator` and authority per resource). Who may answer for an
/// organisation, by which role, and what the log says about it.
@Suite("Organisation authority and required delegators")
struct AuthorityTests {
    static func roles(_ codes: String...) -> [RoleCode] { codes.map { RoleCode(unchecked: $0) } }

    /// NAV's 5252_1, requiring the general manager or the chair to consent for an organisation.
    static let navForManagers: Resource = {
        var r = DemoRegistry.navResource
        r.organisationAuthority = roles("DAGL", "LEDE")
        r.actions = ["submit-application"]  // issue 12, point 4: in the codec samples and the replay scenario too
        return r
    }()

    /// A person who may act for Brønnøysund (974 760 673) with these roles (none: by signs-for alone).
    static func member(_ codes: [String], signsFor: Bool = true, id: NationalIdentityNumber = Fixture.ingrid,
                       name: String = "INGRID BERG") -> EndUser {
        var user = EndUser(nationalId: id, assuranceLevel: .high, maySignFor: signsFor ? [Fixture.brreg] : [], name: name)
        if !codes.isEmpty { user.organisationRoles = [Fixture.brreg: codes.map { RoleCode(unchecked: $0) }] }
        return user
    }

    /// A hub whose NAV resource needs DAGL or LEDE.
    static func hub() -> TestHub {
        var hub = TestHub()
        try! hub.perform(.registerResource(navForManagers), by: .dataSource(Fixture.nav))
        return hub
    }

    static func orgRequest(delegator: NationalIdentityNumber? = nil) -> NewConsentRequest {
        var request = TestHub.navRequest(offeredBy: .organisation(Fixture.brreg))
        request.requiredDelegator = delegator
        return request
    }

    // MARK: Authority per resource

    @Test("An answer for an organisation needs one of the resource's roles", arguments: [
        // (case, roles held, in signs-for, accept?, expected reason or nil, expected authority)
        ("signs-for only, no roles", [], true, true, "organisation_authority_missing", []),
        ("a board member", ["MEDL"], true, true, "organisation_authority_missing", []),
        ("general manager", ["DAGL"], true, true, nil, ["DAGL"]),
        ("chair with signing right: only the accepted role is recorded", ["SIGN", "LEDE"], true, true, nil, ["LEDE"]),
        ("roles without signs-for: the roles let them act", ["DAGL"], false, true, nil, ["DAGL"]),
        ("rejecting needs the authority too", ["MEDL"], true, false, "organisation_authority_missing", []),
        ("the chair rejects", ["LEDE"], true, false, nil, ["LEDE"]),
    ] as [(String, [String], Bool, Bool, String?, [String])])
    func authority(_ name: String, _ held: [String], _ signsFor: Bool, _ accept: Bool, _ reason: String?, _ recorded: [String]) throws {
        var hub = Self.hub()
        let view = try hub.create(Self.orgRequest())
        let user = Self.member(held, signsFor: signsFor)
        let before = hub.state.lastSequence
        let answer = { (hub: inout TestHub) throws(DomainError) -> ConsentAnswer in
            accept ? try hub.accept(view.id, as: user) : try hub.reject(view.id, as: user)
        }
        if let reason {
            expectRefused(.permissionDenied, reason, "DAGL, LEDE") { () throws(DomainError) in try answer(&hub) }
            #expect(hub.state.lastSequence == before, "a refusal records nothing")
            #expect(hub.state.tables.records.last!.stored == .created)
            // The page is refused the same way: it is never shown to someone who cannot answer it.
            #expect(refusal { () throws(DomainError) in try hub.state.renderRequest(view.id, by: .endUser(user), at: hub.now) }?.reason == reason)
        } else {
            let answered = try answer(&hub)
            #expect(answered.request.answerAuthority == recorded.map { RoleCode(unchecked: $0) }, "\(name)")
            #expect(try hub.state.request(view.id, by: .consumer(Fixture.bank), at: hub.now).answerAuthority.map(\.code) == recorded)
        }
    }

    @Test("Without a required authority any signatory answers; the roles they hold are recorded; a person's own consent has none")
    func noRequirement() throws {
        var hub = TestHub()
        let plain = try hub.create(TestHub.navRequest(offeredBy: .organisation(Fixture.brreg)))
        #expect(try hub.accept(plain.id, as: Self.member(["SIGN", "DAGL"])).request.answerAuthority == Self.roles("DAGL", "SIGN"))
        let bare = try hub.create(TestHub.navRequest(offeredBy: .organisation(Fixture.brreg)))
        #expect(try hub.accept(bare.id, as: Self.member([])).request.answerAuthority.isEmpty)
        // A resource with an authority asks nothing of a person consenting for themselves.
        var managed = Self.hub()
        let own = try managed.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(try managed.accept(own.id).request.answerAuthority.isEmpty)
        // Roles in another organisation do not count.
        let other = try managed.create(Self.orgRequest())
        var elsewhere = Self.member([], signsFor: true)
        elsewhere.organisationRoles = [Fixture.bank: Self.roles("DAGL")]
        expectRefused(.permissionDenied, "organisation_authority_missing") { () throws(DomainError) in try managed.accept(other.id, as: elsewhere) }
    }

    @Test("Each resource with an authority must be satisfied: a request for two needs a role of each")
    func everyResource() throws {
        var hub = Self.hub()
        var tax = DemoRegistry.taxResource
        tax.organisationAuthority = Self.roles("SIGN")
        try hub.perform(.registerResource(tax), by: .dataSource(Fixture.skatteetaten))
        var request = Self.orgRequest()
        request.resources.append(TestHub.taxRequest().resources[0])
        request.validTo = Fixture.start + .days(10)
        let view = try hub.create(request)
        expectRefused(.permissionDenied, "organisation_authority_missing", "4629_2") { () throws(DomainError) in
            try hub.accept(view.id, as: Self.member(["DAGL"]))
        }
        expectRefused(.permissionDenied, "organisation_authority_missing", "5252_1") { () throws(DomainError) in
            try hub.accept(view.id, as: Self.member(["SIGN"]))
        }
        #expect(try hub.accept(view.id, as: Self.member(["DAGL", "SIGN", "MEDL"])).request.answerAuthority == Self.roles("DAGL", "SIGN"))
    }

    // MARK: Required delegator

    @Test("Only the required delegator answers, sees the page, and it is recorded with the request")
    func requiredDelegator() throws {
        var hub = TestHub()
        let haakon = Self.member([], id: Fixture.haakon, name: "HÅKON TRANA")
        let view = try hub.create(Self.orgRequest(delegator: Fixture.haakon))
        #expect(view.requiredDelegator == Fixture.haakon)
        let ingrid = Self.member(["DAGL"])
        for refused in [
            refusal { () throws(DomainError) in try hub.accept(view.id, as: ingrid) },
            refusal { () throws(DomainError) in try hub.reject(view.id, as: ingrid) },
            refusal { () throws(DomainError) in try hub.state.renderRequest(view.id, by: .endUser(ingrid), at: hub.now) },
        ] {
            #expect(refused?.code == .permissionDenied && refused?.reason == "required_delegator_mismatch")
            #expect(refused?.message.contains(Fixture.haakon.digits) == false, "the message names nobody")
        }
        // Ingrid may still read it in the organisation's list (she signs for it), not answer it.
        #expect(try hub.state.consents(of: .endUser(ingrid), party: .organisation(Fixture.brreg), at: hub.now).map(\.id) == [view.id])
        let accepted = try hub.accept(view.id, as: haakon)
        #expect(accepted.request.status == .accepted && accepted.request.requiredDelegator == Fixture.haakon)
        // The delegator must still be able to act for the organisation.
        let again = try hub.create(Self.orgRequest(delegator: Fixture.haakon))
        expectRefused(.permissionDenied, "offered_by_mismatch") { () throws(DomainError) in try hub.accept(again.id) }
    }

    @Test("A required delegator needs an organisation in OfferedBy", arguments: [
        ("for a person", PartyID?.some(.person(Fixture.haakon))), ("for whoever logs in", PartyID?.none),
    ])
    func delegatorNeedsOrganisation(_ name: String, _ offeredBy: PartyID?) {
        var hub = TestHub()
        var request = TestHub.navRequest(offeredBy: offeredBy)
        request.requiredDelegator = Fixture.haakon
        expectRefused(.invalidArgument, "required_delegator_without_organisation") { () throws(DomainError) in try hub.create(request) }
        #expect(hub.state.requestCount == 0)
    }

    @Test("The required delegator is part of an idempotent request: a retry matches, another delegator reuses the key")
    func delegatorIdempotency() throws {
        var hub = TestHub()
        var request = Self.orgRequest(delegator: Fixture.haakon)
        request.idempotencyKey = "org-1"
        let first = try hub.create(request)
        let sequence = hub.state.lastSequence
        #expect(try hub.create(request).id == first.id)
        #expect(hub.state.lastSequence == sequence)
        request.requiredDelegator = Fixture.ingrid
        expectRefused(.alreadyExists, "idempotency_key_reused") { () throws(DomainError) in try hub.create(request) }
    }

    // MARK: The log

    @Test("The Samtykkelogg names who answered for the organisation and by which role, in each language")
    func log() throws {
        var hub = Self.hub()
        let view = try hub.create(Self.orgRequest())
        let manager = Self.member(["DAGL"], id: Fixture.haakon, name: "HÅKON TRANA")
        try hub.accept(view.id, as: manager)
        let nb = try hub.state.consentLog(view.id, by: .endUser(manager), at: hub.now)
        #expect(nb[0].text == "BANKEN AS fikk samtykke fra organisasjonen 974 760 673 ved HÅKON TRANA (daglig leder) (Opphører 02.06.2026 10:00:00)")
        let en = try hub.state.consentLog(view.id, by: .endUser(manager), language: .english, at: hub.now)
        #expect(en[0].text.contains("the organisation 974 760 673, by HÅKON TRANA (general manager)"))
        let nn = try hub.state.consentLog(view.id, by: .endUser(manager), language: .nynorsk, at: hub.now)
        #expect(nn[0].text.contains("ved HÅKON TRANA (dagleg leiar)"))

        let declined = try hub.create(Self.orgRequest())
        try hub.reject(declined.id, as: Self.member(["LEDE", "XYZ1"]))
        let lines = try hub.state.consentLog(declined.id, by: .consumer(Fixture.bank), at: hub.now)
        #expect(lines[0].text == "organisasjonen 974 760 673 ved INGRID BERG (styreleder) avslo forespørselen fra BANKEN AS.")
    }

    // MARK: The resource's authority

    @Test("Registering an authority: sorted, upper case, refused when repeated, too long or malformed")
    func registration() throws {
        var hub = TestHub()
        var resource = DemoRegistry.navResource
        resource.organisationAuthority = Self.roles("LEDE", "DAGL")
        guard case .resource(let stored) = try hub.perform(.registerResource(resource), by: .dataSource(Fixture.nav)) else { fatalError() }
        #expect(stored.organisationAuthority == Self.roles("DAGL", "LEDE"))
        let sequence = hub.state.lastSequence
        resource.organisationAuthority = Self.roles("DAGL", "LEDE")
        try hub.perform(.registerResource(resource), by: .dataSource(Fixture.nav))
        #expect(hub.state.lastSequence == sequence, "the same set in another order is the same definition")

        resource.organisationAuthority = Self.roles("DAGL", "LEDE", "DAGL")
        expectRefused(.invalidArgument, "authority_role_repeated", "DAGL") { () throws(DomainError) in
            try hub.perform(.registerResource(resource), by: .dataSource(Fixture.nav))
        }
        resource.organisationAuthority = (0..<21).map { RoleCode(unchecked: "R\($0)") }
        expectRefused(.invalidArgument, "too_many_authority_roles", "21") { () throws(DomainError) in
            try hub.perform(.registerResource(resource), by: .dataSource(Fixture.nav))
        }
        #expect(hub.state.lastSequence == sequence)
    }

    @Test("Role codes: 2 to 8 letters or digits, upper-cased", arguments: [
        ("DAGL", "DAGL"), ("dagl", "DAGL"), ("FFØR", "FFØR"), ("R1", "R1"), ("D", nil), ("DAGL!", nil), ("TOOLONGROLE", nil),
        ("", nil), ("DA GL", nil),
    ] as [(String, String?)])
    func roleCodes(_ text: String, _ expected: String?) {
        if let expected {
            #expect((try? RoleCode(validating: text))?.code == expected)
        } else {
            expectRefused(.invalidArgument, "role_code_malformed") { () throws(DomainError) in try RoleCode(validating: text) }
        }
    }

    // MARK: Durability

    /// (Rebuilding from events, directly and through the codec, is in
    /// ReplayTests, whose scenario ends with these commands.)
    @Test("Required delegators and answer authorities survive a snapshot")
    func snapshot() throws {
        var hub = Self.hub()
        let events0 = hub.state.lastSequence
        let view = try hub.create(Self.orgRequest(delegator: Fixture.ingrid))
        try hub.accept(view.id, as: Self.member(["DAGL", "SIGN"]))
        let declined = try hub.create(Self.orgRequest())
        try hub.reject(declined.id, as: Self.member(["LEDE"]))
        #expect(hub.state.lastSequence > events0)
        #expect(hub.state.tables.requiredDelegators.count == 1 && hub.state.tables.answerAuthorities.count == 2)
        let restored = try ConsentState(snapshot: hub.state.encodeSnapshot(), configuration: hub.state.configuration)
        #expect(restored == hub.state)
        #expect(try restored.request(view.id, by: .consumer(Fixture.bank), at: hub.now).answerAuthority == Self.roles("DAGL"))
    }
}
