import Testing
@testable import ConsentCore

@Suite("Registry: resources and the rettighetsregister")
struct RegistryTests {
    static let mine = ResourceID(serviceCode: 9001, editionCode: 1)

    static func resource(_ change: (inout Resource) -> Void = { _ in }) -> Resource {
        var r = Resource(
            id: mine, owner: Fixture.nav, ownerName: "NAV",
            title: LocalizedText(bokmal: "Tittel"),
            text: LocalizedText(bokmal: "{CoveredByName} får data for {aar}.", english: "{CoveredByName} gets data for {aar}."),
            metadata: [MetadataField(key: "aar", format: .year)],
            kind: .timeLimited, maximumValidity: .days(90), requiredAssuranceLevel: .substantial)
        change(&r)
        return r
    }

    @Test("The demo registry registers cleanly, and again changes nothing")
    func demoIdempotent() throws {
        var hub = TestHub()
        let before = hub.state
        #expect(DemoRegistry.missing(in: hub.state).isEmpty)
        for seed in DemoRegistry.commands {
            let decision = try hub.engine.execute(seed.command, by: seed.actor)
            #expect(decision.events.isEmpty)
        }
        #expect(hub.state == before)
        #expect(DemoRegistry.missing(in: ConsentState()).count == DemoRegistry.commands.count)
    }

    @Test("A data source registers its own resource and an update makes a new version")
    func registerAndUpdate() throws {
        var hub = TestHub()
        try hub.perform(.registerResource(Self.resource()), by: .dataSource(Fixture.nav))
        try hub.perform(.registerResource(Self.resource { $0.title = LocalizedText(bokmal: "Ny tittel") }), by: .dataSource(Fixture.nav))
        #expect(try hub.state.resource(Self.mine).title.bokmal == "Ny tittel")
        #expect(hub.state.tables.resources[Self.mine]?.count == 2)
        #expect(hub.state.resources(visibleTo: .dataSource(Fixture.nav)).map(\.id) == [Fixture.nav5252, Self.mine])
    }

    @Test("An admin may register for any owner")
    func adminRegisters() throws {
        var hub = TestHub()
        try hub.perform(.registerResource(Self.resource()), by: .admin(Fixture.brreg))
        #expect(try hub.state.resource(Self.mine).owner == Fixture.nav)
    }

    @Test("Registering a resource owned by another organisation is refused")
    func otherOwner() {
        var hub = TestHub()
        expectRefused(.permissionDenied, "resource_not_owned", "889640782") {
            () throws(DomainError) in try hub.perform(.registerResource(Self.resource()), by: .dataSource(Fixture.skatteetaten))
        }
        // Taking over NAV's existing id, even with oneself as owner, is refused too.
        expectRefused(.permissionDenied, "resource_owned_by_other", "889640782") {
            () throws(DomainError) in
            try hub.perform(.registerResource(Self.resource { $0.id = Fixture.nav5252; $0.owner = Fixture.skatteetaten }),
                            by: .dataSource(Fixture.skatteetaten))
        }
        expectRefused(.permissionDenied, "role_not_allowed", "consumer") {
            () throws(DomainError) in try hub.perform(.registerResource(Self.resource()), by: .consumer(Fixture.bank))
        }
    }

    @Test("Resource definition rules", arguments: [
        ("owner name missing", .invalidArgument, "owner_name_missing", "ownerName") as (String, DomainError.Code, String, String),
        ("no Bokmål title", .invalidArgument, "text_missing_bokmal", "title"),
        ("no Bokmål text", .invalidArgument, "text_missing_bokmal", "nb-NO"),
        ("text over 1,000", .invalidArgument, "text_too_long", "1001 characters"),
        ("unknown placeholder", .invalidArgument, "text_unknown_placeholder", "{CoverdByName}"),
        ("unclosed brace", .invalidArgument, "text_placeholder_malformed", "never closed"),
        ("stray brace", .invalidArgument, "text_placeholder_malformed", "without a '{'"),
        ("bad key", .invalidArgument, "metadata_key_invalid", "fra_og_med"),
        ("reserved key", .invalidArgument, "metadata_key_reserved", "ValidTo"),
        ("key twice", .invalidArgument, "metadata_key_declared_twice", "aar"),
        ("range of a year", .invalidArgument, "date_range_invalid", "aar"),
        ("zero validity", .outOfRange, "maximum_validity_out_of_range", "0 days"),
        ("eleven years", .outOfRange, "maximum_validity_out_of_range", "11 years"),
        ("owner name too long", .invalidArgument, "owner_name_too_long", "201 characters"),
        ("21 keys", .invalidArgument, "too_many_metadata_keys", "at most 20"),
    ])
    func definitionRules(_ name: String, _ code: DomainError.Code, _ reason: String, _ fragment: String) {
        let broken = Self.resource { r in
            switch name {
            case "owner name missing": r.ownerName = "  "
            case "no Bokmål title": r.title = LocalizedText(bokmal: nil, english: "Title")
            case "no Bokmål text": r.text = LocalizedText(bokmal: "")
            case "text over 1,000": r.text.english = String(repeating: "x", count: 1001)
            case "unknown placeholder": r.text.bokmal = "{CoverdByName} får data."
            case "unclosed brace": r.text.bokmal = "{CoveredByName får data."
            case "stray brace": r.text.bokmal = "CoveredByName} får data."
            case "bad key": r.metadata = [MetadataField(key: "fra_og_med", format: .date)]; r.text.bokmal = "x"; r.text.english = nil
            case "reserved key": r.metadata = [MetadataField(key: "ValidTo", format: .date)]
            case "key twice": r.metadata.append(MetadataField(key: "aar", format: .text))
            case "range of a year": r.dateRanges = [DateRange(fromKey: "aar", toKey: "aar")]
            case "zero validity": r.maximumValidity = .days(0)
            case "eleven years": r.maximumValidity = .years(11)
            case "owner name too long": r.ownerName = String(repeating: "N", count: 201)
            case "21 keys": r.metadata = (1...21).map { MetadataField(key: "k\($0)", format: .text) }
            default: Issue.record("unknown case \(name)")
            }
        }
        var hub = TestHub()
        expectRefused(code, reason, fragment) { () throws(DomainError) in try hub.perform(.registerResource(broken), by: .dataSource(Fixture.nav)) }
    }

    @Test("A text of exactly 1,000 characters (counted as characters, not bytes) is allowed")
    func thousandCharacters() throws {
        var hub = TestHub()
        try hub.perform(.registerResource(Self.resource { $0.text.nynorsk = String(repeating: "ø", count: 1000) }), by: .dataSource(Fixture.nav))
    }

    @Test("Authorising a consumer: owner only, domains normalised, repeat is a no-op")
    func authorise() throws {
        var hub = TestHub()
        let a = ConsumerAuthorisation(resource: Fixture.nav5252, consumer: Fixture.finansiering, consumerName: " FINANSIERING AS ",
                                      redirectDomains: ["Finansiering.Example", "finansiering.example", " app.finans.example "])
        guard case .authorisation(let stored) = try hub.perform(.authoriseConsumer(a), by: .dataSource(Fixture.nav)) else { return }
        #expect(stored.redirectDomains == ["finansiering.example", "app.finans.example"])
        #expect(stored.consumerName == "FINANSIERING AS")
        #expect(try hub.engine.execute(.authoriseConsumer(a), by: .dataSource(Fixture.nav)).events.isEmpty)
        #expect(try hub.state.authorisations(visibleTo: .consumer(Fixture.finansiering)).map(\.resource) == [Fixture.nav5252])
        #expect(try hub.state.authorisations(visibleTo: .dataSource(Fixture.skatteetaten)).allSatisfy { $0.consumer == Fixture.bank })
        #expect(try hub.state.authorisations(visibleTo: .admin(Fixture.brreg)).count == 4)
        #expect(hub.state.resources(visibleTo: .consumer(Fixture.finansiering)).map(\.id) == [Fixture.nav5252])

        expectRefused(.permissionDenied, "resource_not_owned", "889640782") {
            () throws(DomainError) in try hub.perform(.authoriseConsumer(a), by: .dataSource(Fixture.skatteetaten))
        }
        expectRefused(.permissionDenied, "role_not_allowed") {
            () throws(DomainError) in try hub.state.authorisations(visibleTo: .endUser(Fixture.haakonUser))
        }
    }

    @Test("Authorisation rules", arguments: [
        ("unknown resource", DomainError.Code.notFound, "resource_unknown", "9999_9"),
        ("no name", .invalidArgument, "consumer_name_missing", "consumerName"),
        ("no domains", .invalidArgument, "redirect_domains_missing", "retur domene"),
        ("url as domain", .invalidArgument, "redirect_domain_invalid", "https://banken.example"),
        ("ip as domain", .invalidArgument, "redirect_domain_invalid", "10.0.0.1"),
        ("name too long", .invalidArgument, "consumer_name_too_long", "201 characters"),
        ("21 domains", .invalidArgument, "too_many_redirect_domains", "at most 20"),
    ])
    func authorisationRules(_ name: String, _ code: DomainError.Code, _ reason: String, _ fragment: String) {
        var a = ConsumerAuthorisation(resource: Fixture.nav5252, consumer: Fixture.finansiering, consumerName: "FINANSIERING AS",
                                      redirectDomains: ["finansiering.example"])
        switch name {
        case "unknown resource": a.resource = ResourceID(serviceCode: 9999, editionCode: 9)
        case "no name": a.consumerName = ""
        case "no domains": a.redirectDomains = []
        case "url as domain": a.redirectDomains = ["https://banken.example"]
        case "ip as domain": a.redirectDomains = ["10.0.0.1"]
        case "name too long": a.consumerName = String(repeating: "N", count: 201)
        case "21 domains": a.redirectDomains = (1...21).map { "d\($0).example" }
        default: break
        }
        var hub = TestHub()
        expectRefused(code, reason, fragment) { () throws(DomainError) in try hub.perform(.authoriseConsumer(a), by: .dataSource(Fixture.nav)) }
    }

    @Test("Deauthorising stops new requests but keeps given consents usable")
    func deauthorise() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        try hub.perform(.deauthoriseConsumer(resource: Fixture.nav5252, consumer: Fixture.bank), by: .dataSource(Fixture.nav))
        expectRefused(.permissionDenied, "consumer_not_authorised", "910203045") { () throws(DomainError) in try hub.create(TestHub.navRequest()) }
        #expect(try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now).consentID == id)
        // Repeating is a no-op.
        #expect(try hub.engine.execute(.deauthoriseConsumer(resource: Fixture.nav5252, consumer: Fixture.bank), by: .dataSource(Fixture.nav)).events.isEmpty)
    }
}
