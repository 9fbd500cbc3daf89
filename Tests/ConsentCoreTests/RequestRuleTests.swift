import Testing
@testable import ConsentCore

@Suite("Creating consent requests: every rule")
struct RequestRuleTests {
    @Test("A valid request is created, pending, with normalised metadata")
    func valid() throws {
        var hub = TestHub()
        var request = TestHub.navRequest(offeredBy: .person(Fixture.haakon))
        request.resources[0].metadata.reverse()
        let view = try hub.create(request)
        #expect(view.status == .created)
        #expect(view.kind == .timeLimited)
        #expect(view.resources[0].metadata.map(\.key) == ["fraOgMed", "tilOgMed"])
        #expect(view.resources[0].version == 1)
        #expect(view.answerBy == hub.now + .hours(24))
        #expect(try hub.state.request(view.id, by: .consumer(Fixture.bank), at: hub.now) == view)
    }

    @Test("A request including a one-time resource is a one-time consent")
    func oneTimeWins() throws {
        var hub = TestHub()
        var request = TestHub.taxRequest()
        request.resources.append(TestHub.navRequest().resources[0])
        #expect(try hub.create(request).kind == .oneTime)
    }

    @Test("The answer deadline is never after the consent's end")
    func answerByCapped() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest(validFor: .hours(2)))
        #expect(view.answerBy == view.validTo)
    }

    typealias Rule = (name: String, code: DomainError.Code, reason: String, fragment: String, change: @Sendable (inout NewConsentRequest) -> Void)

    static let rules: [Rule] = [
        ("no resources", .invalidArgument, "resources_missing", "Resources=5252_1", { $0.resources = [] }),
        ("unknown resource", .notFound, "resource_unknown", "1234_5", { $0.resources[0].resource = ResourceID(serviceCode: 1234, editionCode: 5) }),
        ("repeated resource", .invalidArgument, "resource_repeated", "5252_1", { $0.resources.append($0.resources[0]) }),
        ("http redirect", .invalidArgument, "redirect_not_https", "'http'", { $0.redirectURL = "http://banken.example/svar" }),
        ("relative redirect", .invalidArgument, "redirect_malformed", "absolute URL", { $0.redirectURL = "/svar" }),
        ("redirect with user", .invalidArgument, "redirect_malformed", "user information", { $0.redirectURL = "https://evil@banken.example/" }),
        ("redirect with fragment", .invalidArgument, "redirect_has_fragment", "#", { $0.redirectURL = "https://banken.example/svar#x" }),
        ("redirect with space", .invalidArgument, "redirect_malformed", "spaces", { $0.redirectURL = "https://banken.example/s var" }),
        ("redirect port", .invalidArgument, "redirect_malformed", "port", { $0.redirectURL = "https://banken.example:x/" }),
        ("empty redirect", .invalidArgument, "redirect_missing", "RedirectUrl", { $0.redirectURL = "" }),
        ("long redirect", .invalidArgument, "redirect_too_long", "2001 bytes",
         { $0.redirectURL = "https://banken.example/" + String(repeating: "a", count: 1978) }),
        ("21 resources", .outOfRange, "too_many_resources", "at most 20", { $0.resources = Array(repeating: $0.resources[0], count: 21) }),
        ("foreign host", .permissionDenied, "redirect_host_not_registered", "evil.example", { $0.redirectURL = "https://evil.example/svar" }),
        ("suffix trick", .permissionDenied, "redirect_host_not_registered", "notbanken.example", { $0.redirectURL = "https://notbanken.example/" }),
        ("lookalike", .permissionDenied, "redirect_host_not_registered", "banken.example.evil.example", { $0.redirectURL = "https://banken.example.evil.example/" }),
        ("valid-to past", .outOfRange, "valid_to_in_past", "not in the future", { $0.validTo = Fixture.start - .minutes(1) }),
        ("valid-to now", .outOfRange, "valid_to_in_past", "02.06.2025 10:00:00", { $0.validTo = Fixture.start }),
        ("valid-to beyond 3 years", .outOfRange, "valid_to_beyond_maximum", "3 years", { $0.validTo = Fixture.start + .days(3 * 365 + 2) }),
        ("metadata missing", .invalidArgument, "metadata_missing", "5252_1_tilOgMed", { $0.resources[0].metadata.removeLast() }),
        ("metadata malformed", .invalidArgument, "metadata_malformed", "dd.mm.yyyy", { $0.resources[0].metadata[0].value = "2020-01-01" }),
        ("impossible date", .invalidArgument, "metadata_malformed", "'31.02.2020'", { $0.resources[0].metadata[0].value = "31.02.2020" }),
        ("unknown key", .invalidArgument, "metadata_key_unknown", "fraOgMed, tilOgMed", { $0.resources[0].metadata.append(MetadataValue("periode", "x")) }),
        ("key case", .invalidArgument, "metadata_key_unknown", "did you mean 'fraOgMed'", { $0.resources[0].metadata[0].key = "fraogmed" }),
        ("key twice", .invalidArgument, "metadata_key_repeated", "5252_1_fraOgMed", { $0.resources[0].metadata.append(MetadataValue("fraOgMed", "01.01.2020")) }),
        ("from after to", .invalidArgument, "metadata_range_reversed", "01.01.2025", { $0.resources[0].metadata[0].value = "01.01.2025" }),
        ("purpose missing", .invalidArgument, "purpose_missing", "DelegationContext", { $0.purpose = " \n" }),
        ("purpose too long", .invalidArgument, "purpose_too_long", "1001 characters", { $0.purpose = String(repeating: "å", count: 1001) }),
        // One Character of 200,001 bytes: limits count Unicode scalars, so they bound the bytes stored.
        ("purpose of one huge grapheme", .invalidArgument, "purpose_too_long", "100001 characters",
         { $0.purpose = "a" + String(repeating: "\u{0301}", count: 100_000) }),
        ("user token malformed", .invalidArgument, "user_token_malformed", "64 hex", { $0.userToken = "abc" }),
        ("user token not hex", .invalidArgument, "user_token_malformed", "64 hex", { $0.userToken = String(repeating: "g", count: 64) }),
        ("user token vs offered-by", .invalidArgument, "user_token_contradicts_offered_by", "two different people",
         { $0.offeredBy = .person(Fixture.ingrid); $0.userToken = Fixture.haakon.userToken }),
        ("idempotency key with space", .invalidArgument, "idempotency_key_malformed", "printable", { $0.idempotencyKey = "a b" }),
        ("idempotency key too long", .invalidArgument, "idempotency_key_malformed", "128", { $0.idempotencyKey = String(repeating: "k", count: 129) }),
    ]

    @Test("Each rule has its own refusal", arguments: rules.indices)
    func rule(_ index: Int) {
        let rule = Self.rules[index]
        var hub = TestHub()
        var request = TestHub.navRequest()
        rule.change(&request)
        let error = refusal { () throws(DomainError) in try hub.create(request) }
        #expect(error?.code == rule.code, "\(rule.name): \(String(describing: error))")
        #expect(error?.reason == rule.reason, "\(rule.name): \(String(describing: error))")
        #expect(error?.message.contains(rule.fragment) == true, "\(rule.name): \(error?.message ?? "")")
        #expect(hub.state.requestCount == 0)
    }

    @Test("Free-text metadata: not blank, at most 1,000 characters")
    func textMetadata() throws {
        var hub = TestHub()
        let id = ResourceID(serviceCode: 9200, editionCode: 1)
        try hub.perform(.registerResource(Resource(
            id: id, owner: Fixture.nav, ownerName: "NAV", title: LocalizedText(bokmal: "Sak"), text: LocalizedText(bokmal: "Sak {saksnummer}."),
            metadata: [MetadataField(key: "saksnummer", format: .text)], kind: .timeLimited, maximumValidity: .days(10),
            requiredAssuranceLevel: .substantial)), by: .dataSource(Fixture.nav))
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: id, consumer: Fixture.bank, consumerName: "BANKEN AS",
                                                                 redirectDomains: ["banken.example"])), by: .dataSource(Fixture.nav))
        func request(_ value: String) -> NewConsentRequest {
            NewConsentRequest(resources: [ResourceRequest(id, metadata: [MetadataValue("saksnummer", value)])],
                              redirectURL: Fixture.redirect, validTo: Fixture.start + .days(5), purpose: "Sak")
        }
        expectRefused(.invalidArgument, "metadata_too_long", "1001 characters") { () throws(DomainError) in try hub.create(request(String(repeating: "x", count: 1001))) }
        expectRefused(.invalidArgument, "metadata_too_long", "5001 characters") { () throws(DomainError) in
            try hub.create(request("x" + String(repeating: "\u{0301}", count: 5000)))
        }
        expectRefused(.invalidArgument, "metadata_malformed", "not empty") { () throws(DomainError) in try hub.create(request("  ")) }
        let view = try hub.create(request("SAK-2025-17"))
        #expect(try hub.state.renderRequest(view.id, by: .consumer(Fixture.bank), at: hub.now).resources[0].text == "Sak SAK-2025-17.")
    }

    @Test("Subdomains of a registered domain are allowed, case-insensitively, with a port")
    func subdomains() throws {
        var hub = TestHub()
        for url in ["https://banken.example/", "https://app.banken.example/svar?x=1", "HTTPS://Login.Banken.Example:8443/cb"] {
            var request = TestHub.navRequest()
            request.redirectURL = url
            _ = try hub.create(request)
        }
        #expect(hub.state.requestCount == 3)
    }

    @Test("A consumer not in the rettighetsregister cannot ask")
    func notAuthorised() {
        var hub = TestHub()
        expectRefused(.permissionDenied, "consumer_not_authorised", "contact it") {
            () throws(DomainError) in try hub.create(TestHub.navRequest(), by: Fixture.finansiering)
        }
    }

    @Test("Only consumers create requests")
    func role() {
        var hub = TestHub()
        expectRefused(.permissionDenied, "role_not_allowed", "dataSource") {
            () throws(DomainError) in try hub.perform(.createRequest(TestHub.navRequest()), by: .dataSource(Fixture.nav))
        }
    }

    @Test("A one-time resource allows 30 days, and the NAV resource three calendar years exactly")
    func maximumValidityEdges() throws {
        var hub = TestHub()
        var tax = TestHub.taxRequest()
        tax.validTo = Fixture.start + .days(30)
        _ = try hub.create(tax)
        tax.validTo = Fixture.start + .days(30) + .seconds(1)
        expectRefused(.outOfRange, "valid_to_beyond_maximum", "30 days") { () throws(DomainError) in try hub.create(tax) }

        var nav = TestHub.navRequest()
        nav.validTo = MaximumValidity.years(3).latestEnd(from: Fixture.start)
        _ = try hub.create(nav)
    }

    @Test("Idempotency: the same key and content give the same request; other content is alreadyExists")
    func idempotency() throws {
        var hub = TestHub()
        let first = try hub.create(TestHub.navRequest(key: "soknad-42"))
        hub.advance(.minutes(3))
        let again = try hub.engine.execute(.createRequest(TestHub.navRequest(key: "soknad-42")), by: .consumer(Fixture.bank))
        #expect(again.events.isEmpty)
        #expect(try again.get() == .request(first))
        var other = TestHub.navRequest(key: "soknad-42")
        other.purpose = "Noe annet"
        expectRefused(.alreadyExists, "idempotency_key_reused", "soknad-42") { () throws(DomainError) in try hub.create(other) }
        // Keys are per consumer.
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: Fixture.nav5252, consumer: Fixture.finansiering,
                                                                 consumerName: "FINANSIERING AS", redirectDomains: ["banken.example"])),
                        by: .dataSource(Fixture.nav))
        #expect(try hub.create(TestHub.navRequest(key: "soknad-42"), by: Fixture.finansiering).id != first.id)
        #expect(hub.state.requestCount == 2)
    }

    @Test("A retry gets its request back even after the rules would refuse the content")
    func idempotencyAfterDeauthorisation() throws {
        var hub = TestHub()
        let first = try hub.create(TestHub.navRequest(key: "k1"))
        try hub.perform(.deauthoriseConsumer(resource: Fixture.nav5252, consumer: Fixture.bank), by: .dataSource(Fixture.nav))
        #expect(try hub.create(TestHub.navRequest(key: "k1")).id == first.id)
    }

    @Test("Resource text version is pinned at creation")
    func versionPinned() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        var updated = DemoRegistry.navResource
        updated.text.bokmal = "Ny tekst for {CoveredByName}."
        try hub.perform(.registerResource(updated), by: .dataSource(Fixture.nav))
        let rendered = try hub.state.renderRequest(view.id, by: .consumer(Fixture.bank), at: hub.now)
        #expect(rendered.resources[0].text.hasPrefix("Ved å samtykke gir du BANKEN AS"))
        let newer = try hub.create(TestHub.navRequest())
        #expect(try hub.state.renderRequest(newer.id, by: .consumer(Fixture.bank), at: hub.now).resources[0].text == "Ny tekst for BANKEN AS.")
    }
}
