import Testing
@testable import ConsentCore

/// Issue 12, point 5: uses per day (Berlin Group's `frequencyPerDay`), on a
/// resource or a request, counted per Norwegian calendar day.
@Suite("Usage limits per day")
struct LimitsTests {
    /// NAV's resource again, now allowing `limit` uses per day (a new version).
    static func limitNAV(_ hub: inout TestHub, to limit: UInt32?) throws(DomainError) {
        var nav = DemoRegistry.navResource
        nav.usesPerDay = limit
        try hub.perform(.registerResource(nav), by: .dataSource(Fixture.nav))
    }

    static func request(usesPerDay: UInt32?) -> NewConsentRequest {
        var r = TestHub.navRequest()
        r.usesPerDay = usesPerDay
        return r
    }

    @Test("The effective limit is the lower of the resource's and the request's")
    func effective() throws {
        var hub = TestHub()
        #expect(try hub.create(Self.request(usesPerDay: nil)).resources[0].usesPerDay == nil)
        #expect(try hub.create(Self.request(usesPerDay: 7)).resources[0].usesPerDay == 7)
        try Self.limitNAV(&hub, to: 4)
        #expect(try hub.create(Self.request(usesPerDay: nil)).resources[0].usesPerDay == 4)
        #expect(try hub.create(Self.request(usesPerDay: 2)).resources[0].usesPerDay == 2)
    }

    @Test("Limit refusals", arguments: ["resource 0", "resource too high", "request 0", "request too high", "request above the resource's"])
    func refusals(_ name: String) throws {
        var hub = TestHub()
        let expected: (DomainError.Code, String)
        switch name {
        case "resource 0":
            expected = (.outOfRange, "uses_per_day_out_of_range")
            expectRefused(expected.0, expected.1) { () throws(DomainError) in try Self.limitNAV(&hub, to: 0) }
            return
        case "resource too high":
            expected = (.outOfRange, "uses_per_day_out_of_range")
            expectRefused(expected.0, expected.1) { () throws(DomainError) in try Self.limitNAV(&hub, to: 10_001) }
            return
        case "request 0": expected = (.outOfRange, "uses_per_day_out_of_range")
            expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.create(Self.request(usesPerDay: 0)) }
        case "request too high": expected = (.outOfRange, "uses_per_day_out_of_range")
            expectRefused(expected.0, expected.1) { () throws(DomainError) in try hub.create(Self.request(usesPerDay: 10_001)) }
        default:
            try Self.limitNAV(&hub, to: 3)
            expectRefused(.outOfRange, "uses_per_day_beyond_maximum", "at most 3") { () throws(DomainError) in
                try hub.create(Self.request(usesPerDay: 4))
            }
        }
    }

    @Test("A use past the limit is refused RESOURCE_EXHAUSTED; the next Norwegian day allows it again")
    func perDay() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(Self.request(usesPerDay: 2))
        try hub.use(id, Fixture.nav5252)
        try hub.use(id, Fixture.nav5252, by: .dataSource(Fixture.nav))
        let before = hub.state.lastSequence
        expectRefused(.resourceExhausted, "daily_use_limit_reached", "2 uses of resource 5252_1 per day") { () throws(DomainError) in
            try hub.use(id, Fixture.nav5252)
        }
        #expect(hub.state.lastSequence == before, "a refused use records nothing")
        // VerifyToken says so, with or without the resource.
        expectRefused(.resourceExhausted, "daily_use_limit_reached") { () throws(DomainError) in
            try hub.state.checkLive(id, by: .dataSource(Fixture.nav), resource: Fixture.nav5252, at: hub.now)
        }
        expectRefused(.resourceExhausted, "daily_use_limit_reached") { () throws(DomainError) in
            try hub.state.checkLive(id, by: .dataSource(Fixture.nav), at: hub.now)
        }
        // Tokens are still issued: the consent lives.
        #expect(try hub.state.tokenFacts(for: id, by: .consumer(Fixture.bank), at: hub.now).consentID == id)

        // Fixture.start is 10:00 in Oslo (summer time): Oslo's next day begins at 22:00 UTC.
        hub.advance(.hours(13) + .seconds(59 * 60 + 59))  // 23:59:59 Oslo time: still the same day
        expectRefused(.resourceExhausted, "daily_use_limit_reached") { () throws(DomainError) in try hub.use(id, Fixture.nav5252) }
        hub.advance(.seconds(2))                          // 00:00:01 the next day
        try hub.use(id, Fixture.nav5252)
        #expect(try hub.state.checkLive(id, by: .dataSource(Fixture.nav), resource: Fixture.nav5252, at: hub.now).consentID == id)
    }

    @Test("A batch counts its own uses; one refused use does not stop the others")
    func batch() throws {
        var hub = TestHub()
        let (limited, _) = hub.givenConsent(Self.request(usesPerDay: 1))
        let (free, _) = hub.givenConsent()
        let now = hub.now
        let reports = [limited, limited, free, free].map { UseReport(consent: $0, resource: Fixture.nav5252, usedAt: now) }
        guard case .usedBatch(let results) = try hub.perform(.logUses(reports), by: .consumer(Fixture.bank)) else { fatalError() }
        #expect(results.map { (try? $0.get()) != nil } == [true, false, true, true])
        if case .failure(let error) = results[1] { #expect(error.reason == "daily_use_limit_reached" && error.code == .resourceExhausted) }
    }

    @Test("A use reported late counts on the day it happened, from the log")
    func lateReports() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent(Self.request(usesPerDay: 1))
        let yesterday = hub.now + .hours(1)
        hub.advance(.days(1))
        try hub.use(id, Fixture.nav5252)                       // today's one use
        try hub.use(id, Fixture.nav5252, at: yesterday)        // yesterday had none yet: reported late
        expectRefused(.resourceExhausted, "daily_use_limit_reached") { () throws(DomainError) in
            try hub.use(id, Fixture.nav5252, at: yesterday + .minutes(5))
        }
        expectRefused(.resourceExhausted, "daily_use_limit_reached") { () throws(DomainError) in try hub.use(id, Fixture.nav5252) }
        // A snapshot, and a rebuild from the events, count the same.
        let restored = try ConsentState(snapshot: hub.state.encodeSnapshot())
        #expect(restored == hub.state)
    }

    @Test("Without a resource, VerifyToken refuses only when nothing the caller serves is left today")
    func verifyWithoutResource() throws {
        var hub = TestHub()
        try Self.limitNAV(&hub, to: 1)
        var unlimited = DemoRegistry.navResource
        unlimited.id = ResourceID(serviceCode: 5252, editionCode: 9)
        unlimited.usesPerDay = nil
        try hub.perform(.registerResource(unlimited), by: .dataSource(Fixture.nav))
        var authorisation = DemoRegistry.authorisations[0]
        authorisation.resource = unlimited.id
        try hub.perform(.authoriseConsumer(authorisation), by: .dataSource(Fixture.nav))
        var request = TestHub.navRequest()
        request.resources.append(ResourceRequest(unlimited.id, metadata: request.resources[0].metadata))
        let (id, _) = hub.givenConsent(request)
        try hub.use(id, Fixture.nav5252)
        expectRefused(.resourceExhausted, "daily_use_limit_reached") { () throws(DomainError) in
            try hub.state.checkLive(id, by: .dataSource(Fixture.nav), resource: Fixture.nav5252, at: hub.now)
        }
        #expect(try hub.state.checkLive(id, by: .dataSource(Fixture.nav), resource: unlimited.id, at: hub.now).consentID == id)
        #expect(try hub.state.checkLive(id, by: .dataSource(Fixture.nav), at: hub.now).consentID == id)
    }

    @Test("Consents without a limit keep no counter: no memory per consent")
    func noCounterWithoutLimit() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        try hub.use(id, Fixture.nav5252)
        #expect(hub.state.tables.dailyUses.isEmpty)
        let (limited, _) = hub.givenConsent(Self.request(usesPerDay: 3))
        try hub.use(limited, Fixture.nav5252)
        #expect(hub.state.tables.dailyUses.count == 1)
    }
}

@Suite("Statistics and the person's counts")
struct StatisticsTests {
    @Test("Given, rejected, withdrawn, ended and used per resource per Norwegian day, and by month")
    func counts() throws {
        var hub = TestHub()
        let (a, _) = hub.givenConsent()                  // given 5252_1 on 02.06
        try hub.use(a, Fixture.nav5252)                  // used
        try hub.use(a, Fixture.nav5252)                  // used
        let (b, _) = hub.givenConsent()                  // given
        try hub.revoke(b)                                // withdrawn by the person
        let r = try hub.create(TestHub.navRequest())
        try hub.reject(r.id)                             // rejected
        let (tax, _) = hub.givenConsent(TestHub.taxRequest())  // given 4629_2
        hub.advance(.days(1))
        let (c, _) = hub.givenConsent()                  // given on 03.06
        try hub.revoke(c, as: .consumer(Fixture.bank))   // ended by the consumer
        try hub.use(tax, Fixture.tax4629)                // used 4629_2 on 03.06

        let nav = try hub.state.statistics(visibleTo: .dataSource(Fixture.nav))
        #expect(nav.map(\.period) == ["2025-06-02", "2025-06-03"])
        #expect(nav.allSatisfy { $0.resource == Fixture.nav5252 })
        #expect(nav[0].counts.given == 2 && nav[0].counts.used == 2 && nav[0].counts.withdrawn == 1 && nav[0].counts.rejected == 1)
        #expect(nav[0].counts.ended == 0)
        #expect(nav[1].counts.given == 1 && nav[1].counts.ended == 1 && nav[1].counts.withdrawn == 0)

        let byMonth = try hub.state.statistics(visibleTo: .dataSource(Fixture.nav), period: .month)
        #expect(byMonth.map(\.period) == ["2025-06"] && byMonth[0].counts.given == 3 && byMonth[0].counts.used == 2)

        // Skatteetaten sees its own; the admin everything; a time range by Norwegian date.
        let skatt = try hub.state.statistics(visibleTo: .dataSource(Fixture.skatteetaten))
        #expect(Set(skatt.map(\.resource)) == [Fixture.tax4629])
        #expect(skatt.first { $0.period == "2025-06-03" }?.counts.used == 1)
        #expect(try hub.state.statistics(visibleTo: .admin(Fixture.brreg)).count == nav.count + skatt.count)
        let secondDay = try hub.state.statistics(visibleTo: .admin(Fixture.brreg), from: Fixture.start + .days(1), to: Fixture.start + .days(2))
        #expect(Set(secondDay.map(\.period)) == ["2025-06-03"])
        #expect(try hub.state.statistics(visibleTo: .admin(Fixture.brreg), resource: Fixture.tax4629).allSatisfy { $0.resource == Fixture.tax4629 })

        // Restored from a snapshot: the same counts (rebuilding from the events: ReplayTests).
        #expect(try ConsentState(snapshot: hub.state.encodeSnapshot()).statistics(visibleTo: .admin(Fixture.brreg))
                == hub.state.statistics(visibleTo: .admin(Fixture.brreg)))
    }

    @Test("Statistics refusals", arguments: ["consumer", "end user", "vendor", "another's resource", "reversed", "too many rows"])
    func refusals(_ name: String) throws {
        var configuration = ConsentConfiguration()
        configuration.maximumStatisticsRows = 1
        var hub = TestHub(configuration: configuration)
        let (id, _) = hub.givenConsent()
        hub.advance(.days(1))
        try hub.use(id, Fixture.nav5252)
        var actor = Actor.dataSource(Fixture.nav)
        var resource: ResourceID? = nil
        var from: Timestamp? = nil, to: Timestamp? = nil
        let expected: (DomainError.Code, String)
        switch name {
        case "consumer": actor = .consumer(Fixture.bank); expected = (.permissionDenied, "role_not_allowed")
        case "end user": actor = .endUser(Fixture.haakonUser); expected = (.permissionDenied, "role_not_allowed")
        case "vendor": actor = .vendor(VendorTests.vendor, for: Fixture.bank); expected = (.permissionDenied, "role_not_allowed")
        case "another's resource": resource = Fixture.tax4629; expected = (.permissionDenied, "resource_not_owned")
        case "reversed": from = hub.now; to = hub.now - .days(1); expected = (.invalidArgument, "time_range_reversed")
        default: expected = (.outOfRange, "statistics_too_many_rows")
        }
        expectRefused(expected.0, expected.1) { () throws(DomainError) in
            try hub.state.statistics(visibleTo: actor, resource: resource, from: from, to: to)
        }
    }

    @Test("The person's counts per state: deleted requests are not counted; ended ones are told apart")
    func personCounts() throws {
        var hub = TestHub()
        let me = Actor.endUser(Fixture.haakonUser)
        _ = hub.givenConsent()
        let (withdrawn, _) = hub.givenConsent()
        try hub.revoke(withdrawn)
        let (ended, _) = hub.givenConsent()
        try hub.revoke(ended, as: .consumer(Fixture.bank))
        let pending = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let deleted = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        try LifecycleTests.delete(&hub, deleted.id)
        let declined = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        try hub.reject(declined.id)
        _ = pending
        let counts = try hub.state.consentCounts(of: me, at: hub.now)
        #expect(counts.byStatus == [.accepted: 1, .revoked: 2, .created: 1, .rejected: 1])
        #expect(counts.endedByConsumer == 1)
        #expect(try hub.state.consents(of: me, at: hub.now).count == counts.byStatus.values.reduce(0, +))
        expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in
            try hub.state.consentCounts(of: .consumer(Fixture.bank), at: hub.now)
        }
        expectRefused(.permissionDenied, "not_signatory") { () throws(DomainError) in
            try hub.state.consentCounts(of: me, party: .organisation(Fixture.brreg), at: hub.now)
        }
    }
}
