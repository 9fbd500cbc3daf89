import Testing
@testable import ConsentCore

@Suite("The events feed")
struct FeedTests {
    @Test("A consumer sees its own requests' events, oldest first, with the cursor moving on")
    func consumerFeed() throws {
        var hub = TestHub()
        let (a, code) = hub.givenConsent()
        try hub.exchange(code)
        try hub.use(a, Fixture.nav5252)
        let page = try hub.state.events(after: 0, for: .consumer(Fixture.bank))
        // The authorisations of BANKEN AS, then the request's life.
        #expect(page.entries.map(\.kind) == [.consumerAuthorised, .consumerAuthorised, .consumerAuthorised,
                                             .requestCreated, .requestAccepted, .codeExchanged, .consentUsed])
        #expect(page.reachedEnd)
        #expect(page.nextCursor == hub.state.lastSequence)
        let used = page.entries.last!
        #expect(used.requestID == a && used.resource == Fixture.nav5252 && used.consumer == Fixture.bank)
        #expect(used.performedBy == .consumer(Fixture.bank))
        #expect(page.entries[4].performedBy == .endUser)
        #expect(page.entries.map(\.sequence) == page.entries.map(\.sequence).sorted())

        let next = try hub.state.events(after: page.nextCursor, for: .consumer(Fixture.bank))
        #expect(next.entries.isEmpty && next.reachedEnd)
        try hub.revoke(a)
        #expect(try hub.state.events(after: page.nextCursor, for: .consumer(Fixture.bank)).entries.map(\.kind) == [.consentRevoked])
    }

    @Test("Paging by limit returns every event exactly once")
    func paging() throws {
        var hub = TestHub()
        for _ in 0..<7 { hub.givenConsent() }
        let all = try hub.state.events(after: 0, for: .consumer(Fixture.bank), limit: 1000).entries
        var cursor: UInt64 = 0
        var collected: [FeedEntry] = []
        while true {
            let page = try hub.state.events(after: cursor, for: .consumer(Fixture.bank), limit: 3)
            collected += page.entries
            cursor = page.nextCursor
            if page.reachedEnd { break }
        }
        #expect(collected == all)
        #expect(all.count == 3 + 7 * 2)
    }

    @Test("A data source sees events of requests that include its resources, and its registry events")
    func dataSourceFeed() throws {
        var hub = TestHub()
        hub.givenConsent()
        hub.givenConsent(TestHub.taxRequest())
        let nav = try hub.state.events(after: 0, for: .dataSource(Fixture.nav)).entries
        #expect(nav.map(\.kind) == [.resourceRegistered, .consumerAuthorised, .requestCreated, .requestAccepted])
        #expect(nav[0].resource == Fixture.nav5252 && nav[0].performedBy == .dataSource(Fixture.nav))
        #expect(nav[1].consumer == Fixture.bank)
        let tax = try hub.state.events(after: 0, for: .dataSource(Fixture.skatteetaten)).entries
        #expect(tax.filter { $0.requestID != nil }.count == 2)
        #expect(try hub.state.events(after: 0, for: .admin(Fixture.brreg), limit: 1000).entries.count == Int(hub.state.lastSequence))
    }

    @Test("Filters: kinds and time window")
    func filters() throws {
        var hub = TestHub()
        hub.givenConsent()
        hub.advance(.hours(2))
        let mark = hub.now
        let (b, _) = hub.givenConsent()
        hub.advance(.hours(2))
        try hub.revoke(b)
        let bank = Actor.consumer(Fixture.bank)
        #expect(try hub.state.events(after: 0, for: bank, kinds: [.requestAccepted]).entries.count == 2)
        let window = try hub.state.events(after: 0, for: bank, from: mark, to: mark + .hours(1)).entries
        #expect(window.map(\.kind) == [.requestCreated, .requestAccepted])
        #expect(window.allSatisfy { $0.requestID == b })
        expectRefused(.invalidArgument, "time_range_reversed") { () throws(DomainError) in try hub.state.events(after: 0, for: bank, from: mark, to: mark - .seconds(1)) }
        expectRefused(.invalidArgument, "limit_invalid") { () throws(DomainError) in try hub.state.events(after: 0, for: bank, limit: 0) }
        expectRefused(.permissionDenied, "role_not_allowed", "consent log") {
            () throws(DomainError) in try hub.state.events(after: 0, for: .endUser(Fixture.haakonUser))
        }
    }

    @Test("Other consumers' events are never shown")
    func isolation() throws {
        var hub = TestHub()
        hub.givenConsent()
        let page = try hub.state.events(after: 0, for: .consumer(Fixture.finansiering))
        #expect(page.entries.isEmpty && page.reachedEnd)
    }

    @Test("Code reuse attempts appear in the feed")
    func reuseInFeed() throws {
        var hub = TestHub()
        let (_, code) = hub.givenConsent()
        try hub.exchange(code)
        _ = refusal { () throws(DomainError) in try hub.exchange(code) }
        #expect(try hub.state.events(after: 0, for: .consumer(Fixture.bank), kinds: [.codeReuseAttempted]).entries.count == 1)
    }

    @Test("The page size is capped by configuration")
    func pageCap() throws {
        var config = ConsentConfiguration()
        config.maximumPageSize = 2
        var hub = TestHub(configuration: config)
        hub.givenConsent()
        let page = try hub.state.events(after: 0, for: .consumer(Fixture.bank), limit: 100)
        #expect(page.entries.count == 2 && !page.reachedEnd)
    }

    @Test("On a consent covering two agencies' data, each data source sees only the uses of its own resources")
    func dataSourcesSeeOnlyTheirOwnUses() throws {
        var hub = TestHub()
        var request = TestHub.navRequest(validFor: .days(10))
        request.resources.append(ResourceRequest(Fixture.tax4629, metadata: [MetadataValue("inntektsaar", "2024")]))
        let (id, _) = hub.givenConsent(request)
        try hub.use(id, Fixture.tax4629, by: .dataSource(Fixture.skatteetaten))

        let nav = try hub.state.events(after: 0, for: .dataSource(Fixture.nav), limit: 1000).entries
        #expect(nav.contains { $0.requestID == id && $0.kind == .requestAccepted }, "NAV still sees the consent it is part of")
        #expect(!nav.contains { $0.kind == .consentUsed }, "but not Skatteetaten's fetch: \(nav.map(\.kind))")
        let tax = try hub.state.events(after: 0, for: .dataSource(Fixture.skatteetaten), limit: 1000).entries
        #expect(tax.contains { $0.kind == .consentUsed && $0.resource == Fixture.tax4629 })
        let bank = try hub.state.events(after: 0, for: .consumer(Fixture.bank), limit: 1000).entries
        #expect(bank.contains { $0.kind == .consentUsed }, "the consumer sees every use of its consent")
    }
}
