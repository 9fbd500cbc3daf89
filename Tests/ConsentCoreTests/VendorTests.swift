import Testing
@testable import ConsentCore

/// Issue 12, point 2: a consumer registers the system vendors that may act for
/// it; a vendor acts for that consumer, within those resources, and never for
/// another (Altinn 3's `handledBy`).
@Suite("Vendors acting for a consumer")
struct VendorTests {
    static let vendor = org(91345678)          // 913456785, BANKSYSTEMER AS
    static let otherVendor = org(92112233)
    static let forBank = Actor.vendor(vendor, for: Fixture.bank)

    static func mandate(_ resources: [ResourceID] = [Fixture.nav5252], vendor: OrganisationNumber = vendor,
                        consumer: OrganisationNumber = Fixture.bank) -> VendorAuthorisation {
        VendorAuthorisation(consumer: consumer, vendor: vendor, vendorName: "BANKSYSTEMER AS", resources: resources)
    }

    /// A hub where BANKEN AS lets the vendor handle NAV's 5252_1.
    static func hub() -> TestHub {
        var hub = TestHub()
        try! hub.perform(.authoriseVendor(mandate()), by: .consumer(Fixture.bank))
        return hub
    }

    @Test("Registering: the consumer for itself or an admin; identical again records nothing; removing stops it")
    func register() throws {
        var hub = TestHub()
        let before = hub.state.lastSequence
        #expect(try hub.perform(.authoriseVendor(Self.mandate([Fixture.tax4629, Fixture.nav5252])), by: .consumer(Fixture.bank))
                == .vendorAuthorisation(Self.mandate([Fixture.tax4629, Fixture.nav5252])), "stored sorted")
        #expect(hub.state.lastSequence == before + 1)
        try hub.perform(.authoriseVendor(Self.mandate([Fixture.nav5252, Fixture.tax4629])), by: .consumer(Fixture.bank))
        #expect(hub.state.lastSequence == before + 1, "the same again records nothing")
        try hub.perform(.authoriseVendor(Self.mandate([Fixture.nav5252])), by: .admin(Fixture.brreg))
        #expect(hub.state.lastSequence == before + 2)
        #expect(try hub.state.vendors(visibleTo: .consumer(Fixture.bank)) == [Self.mandate()])
        #expect(try hub.state.vendors(visibleTo: .consumer(Fixture.finansiering)).isEmpty)
        #expect(try hub.state.vendors(visibleTo: .admin(Fixture.brreg)) == [Self.mandate()])

        // The bank's feed names the vendor; NAV's feed does not see whom the bank works with.
        let entries = try hub.state.events(after: before, for: .consumer(Fixture.bank)).entries
        #expect(entries.map(\.kind) == [.vendorAuthorised, .vendorAuthorised])
        #expect(entries.allSatisfy { $0.vendor == Self.vendor && $0.consumer == Fixture.bank })
        #expect(entries.map(\.performedBy) == [.consumer(Fixture.bank), .admin(Fixture.brreg)])
        #expect(try hub.state.events(after: before, for: .dataSource(Fixture.nav)).entries.isEmpty)

        #expect(try hub.perform(.deauthoriseVendor(consumer: Fixture.bank, vendor: Self.vendor), by: .consumer(Fixture.bank))
                == .vendorDeauthorised(consumer: Fixture.bank, vendor: Self.vendor))
        try hub.perform(.deauthoriseVendor(consumer: Fixture.bank, vendor: Self.vendor), by: .consumer(Fixture.bank))
        #expect(hub.state.lastSequence == before + 3, "removing twice records once")
        #expect(try hub.state.events(after: before + 2, for: .consumer(Fixture.bank)).entries.map(\.kind) == [.vendorDeauthorised])
        expectRefused(.permissionDenied, "vendor_not_authorised") { () throws(DomainError) in
            try hub.perform(.createRequest(TestHub.navRequest()), by: Self.forBank)
        }
    }

    @Test("Registration refusals", arguments: [
        "another consumer", "end user", "data source", "the vendor itself", "vendor is the consumer", "name missing",
        "name too long", "no resources", "too many resources", "resource repeated", "resource unknown", "consumer not authorised",
    ])
    func registerRefusals(_ name: String) throws {
        var hub = TestHub()
        var authorisation = Self.mandate()
        var actor = Actor.consumer(Fixture.bank)
        let expected: (DomainError.Code, String)
        switch name {
        case "another consumer": actor = .consumer(Fixture.finansiering); expected = (.permissionDenied, "consumer_not_caller")
        case "end user": actor = .endUser(Fixture.haakonUser); expected = (.permissionDenied, "role_not_allowed")
        case "data source": actor = .dataSource(Fixture.nav); expected = (.permissionDenied, "role_not_allowed")
        case "the vendor itself": actor = Self.forBank; expected = (.permissionDenied, "role_not_allowed")
        case "vendor is the consumer": authorisation.vendor = Fixture.bank; expected = (.invalidArgument, "vendor_is_consumer")
        case "name missing": authorisation.vendorName = "  "; expected = (.invalidArgument, "vendor_name_missing")
        case "name too long": authorisation.vendorName = String(repeating: "x", count: 201); expected = (.invalidArgument, "vendor_name_too_long")
        case "no resources": authorisation.resources = []; expected = (.invalidArgument, "resources_missing")
        case "too many resources":
            authorisation.resources = (1...21).map { ResourceID(serviceCode: UInt32($0), editionCode: 1) }
            expected = (.outOfRange, "too_many_resources")
        case "resource repeated": authorisation.resources = [Fixture.nav5252, Fixture.nav5252]; expected = (.invalidArgument, "resource_repeated")
        case "resource unknown":
            authorisation.resources = [ResourceID(serviceCode: 9999, editionCode: 1)]; expected = (.notFound, "resource_unknown")
        default:
            authorisation.consumer = Fixture.finansiering; actor = .consumer(Fixture.finansiering)
            expected = (.permissionDenied, "consumer_not_authorised")
        }
        let before = hub.state.lastSequence
        expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.perform(.authoriseVendor(authorisation), by: actor) }
        #expect(hub.state.lastSequence == before)
    }

    @Test("The vendor does the bank's whole flow; tokens and events name both; the person sees only the bank")
    func flow() throws {
        var hub = Self.hub()
        guard case .request(let created) = try hub.perform(.createRequest(TestHub.navRequest(offeredBy: .person(Fixture.haakon))), by: Self.forBank)
        else { fatalError() }
        #expect(created.consumer == Fixture.bank && created.handledBy == Self.vendor)
        #expect(try hub.state.request(created.id, by: Self.forBank, at: hub.now).handledBy == Self.vendor)
        #expect(try hub.state.request(created.id, by: .consumer(Fixture.bank), at: hub.now).handledBy == Self.vendor)

        // The person's page and log name the bank, never the vendor.
        let page = try hub.state.renderRequest(created.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.intro == "BANKEN AS ønsker å hente opplysninger om deg")
        #expect(!page.lines.joined().contains("BANKSYSTEMER") && !page.lines.joined().contains(Self.vendor.description))
        let code = hub.nextCode()
        try hub.accept(created.id, code: code)

        guard case .tokenFacts(let facts) = try hub.perform(.exchangeCode(codeHash: code), by: Self.forBank) else { fatalError() }
        #expect(facts.consumer == Fixture.bank && facts.handledBy == Self.vendor)
        #expect(try hub.state.tokenFacts(for: created.id, by: Self.forBank, at: hub.now).handledBy == Self.vendor)
        #expect(try hub.state.tokenFacts(for: created.id, by: .consumer(Fixture.bank), at: hub.now).handledBy == nil)
        hub.advance(.minutes(1))
        #expect(try hub.use(created.id, Fixture.nav5252, by: Self.forBank).consent == created.id)

        let log = try hub.state.consentLog(created.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(log.map(\.text).allSatisfy { $0.contains("BANKEN AS") && !$0.contains("BANKSYSTEMER") })

        // The feed names both: the vendor performed it, for the bank's request; NAV sees it too.
        let bankFeed = try hub.state.events(after: 0, for: .consumer(Fixture.bank), kinds: [.requestCreated, .codeExchanged, .consentUsed]).entries
        #expect(bankFeed.map(\.performedBy) == [.vendor(Self.vendor), .vendor(Self.vendor), .vendor(Self.vendor)])
        #expect(bankFeed.allSatisfy { $0.consumer == Fixture.bank })
        #expect(try hub.state.events(after: 0, for: .dataSource(Fixture.nav), kinds: [.requestCreated]).entries.last?.performedBy == .vendor(Self.vendor))

        // It lists and ends for the bank.
        #expect(try hub.state.requests(of: Self.forBank, after: 0, at: hub.now).requests.map(\.id) == [created.id])
        guard case .revoked(let ended) = try hub.perform(.revokeConsent(created.id), by: Self.forBank) else { fatalError() }
        #expect(ended.status == .revoked)
        #expect(try hub.state.consentLog(created.id, by: .endUser(Fixture.haakonUser), at: hub.now).last?.text
                == "BANKEN AS avsluttet samtykket fra HÅKON TRANA.")

        // And deletes an unanswered request.
        guard case .request(let pending) = try hub.perform(.createRequest(TestHub.navRequest()), by: Self.forBank) else { fatalError() }
        #expect(try LifecycleTests.delete(&hub, pending.id, by: Self.forBank).status == .deleted)
    }

    @Test("A vendor sees and handles only its consumer's requests within its resources")
    func mandateLimits() throws {
        var hub = Self.hub()
        let own = hub.givenConsent().id
        let tax = hub.givenConsent(TestHub.taxRequest()).id
        // The bank's tax consent is outside the vendor's resources: hidden from its list, refused by id.
        #expect(try hub.state.requests(of: Self.forBank, after: 0, at: hub.now).requests.map(\.id) == [own])
        expectRefused(.permissionDenied, "vendor_not_authorised", "resource 4629_2") { () throws(DomainError) in
            try hub.state.request(tax, by: Self.forBank, at: hub.now)
        }
        expectRefused(.permissionDenied, "vendor_not_authorised", "4629_2") { () throws(DomainError) in
            try hub.perform(.createRequest(TestHub.taxRequest()), by: Self.forBank)
        }
        expectRefused(.permissionDenied, "vendor_not_authorised") { () throws(DomainError) in
            try hub.state.tokenFacts(for: tax, by: Self.forBank, at: hub.now)
        }
    }

    @Test("Refusals for a vendor", arguments: [
        "not registered", "registered by another consumer", "outside its resources", "removed", "another consumer's request",
    ])
    func refusals(_ name: String) throws {
        var hub = Self.hub()
        let (id, code) = hub.givenConsent()
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: Fixture.nav5252, consumer: Fixture.finansiering,
                                                                 consumerName: "FINANSIERING AS", redirectDomains: ["banken.example"])),
                        by: .dataSource(Fixture.nav))
        var actor = Self.forBank
        var target = id
        var expected = (DomainError.Code.permissionDenied, "vendor_not_authorised")
        switch name {
        case "not registered": actor = .vendor(Self.otherVendor, for: Fixture.bank)
        case "registered by another consumer": actor = .vendor(Self.vendor, for: Fixture.finansiering)
        case "outside its resources": target = hub.givenConsent(TestHub.taxRequest()).id
        case "removed": try hub.perform(.deauthoriseVendor(consumer: Fixture.bank, vendor: Self.vendor), by: .consumer(Fixture.bank))
        default:
            // Registered by FINANSIERING AS too, the vendor still cannot touch the bank's request for it.
            try hub.perform(.authoriseVendor(Self.mandate(consumer: Fixture.finansiering)), by: .consumer(Fixture.finansiering))
            actor = .vendor(Self.vendor, for: Fixture.finansiering)
            expected = (.permissionDenied, "not_yours")
        }
        let before = hub.state.lastSequence
        let commands: [Command] = [
            .createRequest(TestHub.navRequest()), .deleteRequest(target), .revokeConsent(target),
            .logUse(UseReport(consent: target, resource: Fixture.nav5252, usedAt: hub.now)),
        ]
        for command in commands {
            if case .createRequest = command, name == "another consumer's request" || name == "outside its resources" { continue }
            expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.perform(command, by: actor) }
        }
        if name != "another consumer's request" && name != "outside its resources" {
            expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.perform(.exchangeCode(codeHash: code), by: actor) }
        }
        expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.state.request(target, by: actor, at: hub.now) }
        expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.state.tokenFacts(for: target, by: actor, at: hub.now) }
        #expect(hub.state.lastSequence == before, "refusals record nothing")
    }

    @Test("A vendor submits the bank's Altinn-2 query only for the bank")
    func query() throws {
        var hub = Self.hub()
        let query = AltinnQueryTests.query([:])
        guard case .request(let view) = try hub.perform(.createRequestFromQuery(query, idempotencyKey: nil), by: Self.forBank) else { fatalError() }
        #expect(view.consumer == Fixture.bank && view.handledBy == Self.vendor)
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: Fixture.nav5252, consumer: Fixture.finansiering,
                                                                 consumerName: "FINANSIERING AS", redirectDomains: ["banken.example"])),
                        by: .dataSource(Fixture.nav))
        try hub.perform(.authoriseVendor(Self.mandate(consumer: Fixture.finansiering)), by: .consumer(Fixture.finansiering))
        expectRefused(.permissionDenied, "covered_by_not_caller") { () throws(DomainError) in
            try hub.perform(.createRequestFromQuery(query, idempotencyKey: nil), by: .vendor(Self.vendor, for: Fixture.finansiering))
        }
    }

    @Test("Data sources, portals and end users see no vendor's requests through the vendor's role; vendors read no feed")
    func noFeedForVendors() {
        let hub = Self.hub()
        expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in try hub.state.events(after: 0, for: Self.forBank) }
        expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in try hub.state.vendors(visibleTo: Self.forBank) }
        expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in try hub.state.authorisations(visibleTo: Self.forBank) }
    }
}
