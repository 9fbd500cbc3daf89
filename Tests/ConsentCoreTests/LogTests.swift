import Testing
@testable import ConsentCore

@Suite("Samtykkelogg and the user's list (seed 002)")
struct LogTests {
    /// Seed 002's log: BANKEN AS (time-limited) and FINANSIERING AS (one-time), both
    /// given 25.10.2017 and ending 30.10.2017 10:30:00.
    static func seedScenario() throws -> (hub: TestHub, banken: RequestID, finansiering: RequestID) {
        var hub = TestHub()
        hub.engine.clock = ManualClock(OsloTime.instant(of: CivilTime(year: 2017, month: 10, day: 25, hour: 9)))
        for seed in DemoRegistry.commands { try hub.perform(seed.command, by: seed.actor) }
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: Fixture.tax4629, consumer: Fixture.finansiering,
                                                                 consumerName: "FINANSIERING AS", redirectDomains: ["finansiering.example"])),
                        by: .dataSource(Fixture.skatteetaten))
        let ends = OsloTime.instant(of: CivilTime(year: 2017, month: 10, day: 30, hour: 10, minute: 30))
        var nav = TestHub.navRequest()
        nav.validTo = ends
        let banken = try hub.create(nav)
        var tax = TestHub.taxRequest()
        tax.validTo = ends
        tax.redirectURL = "https://finansiering.example/svar"
        let finansiering = try hub.create(tax, by: Fixture.finansiering)
        try hub.accept(banken.id)
        hub.advance(.minutes(5))
        try hub.accept(finansiering.id)
        hub.advance(.days(1))
        try hub.use(banken.id, Fixture.nav5252)
        hub.advance(.days(1))
        try hub.use(finansiering.id, Fixture.tax4629, by: .consumer(Fixture.finansiering))
        return (hub, banken.id, finansiering.id)
    }

    @Test("The log reads as seed 002's Samtykkelogg")
    func seedLog() throws {
        let (hub, _, _) = try Self.seedScenario()
        let lines = try hub.state.consentLog(of: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(lines.map(\.date) == ["25.10.2017", "25.10.2017", "26.10.2017", "27.10.2017"])
        #expect(lines.map(\.title) == ["Samtykke gitt", "Samtykke gitt", "Samtykke benyttet", "Samtykke benyttet"])
        #expect(lines.map(\.text) == [
            "BANKEN AS fikk samtykke fra HÅKON TRANA (Opphører 30.10.2017 10:30:00)",
            "FINANSIERING AS fikk samtykke fra HÅKON TRANA (Opphører 30.10.2017 10:30:00)",
            "BANKEN AS har hentet data om HÅKON TRANA. (Opphører 30.10.2017 10:30:00)",
            "FINANSIERING AS har hentet data om HÅKON TRANA. Engangssamtykke er nå opphørt.",
        ])
    }

    @Test("Nynorsk and English logs")
    func translatedLogs() throws {
        let (hub, _, _) = try Self.seedScenario()
        let nn = try hub.state.consentLog(of: .endUser(Fixture.haakonUser), language: .nynorsk, at: hub.now)
        #expect(nn[0].text == "BANKEN AS fekk samtykke frå HÅKON TRANA (Opphøyrer 30.10.2017 10:30:00)")
        #expect(nn[3].title == "Samtykke nytta")
        #expect(nn[3].text.hasSuffix("Eingongssamtykke er no opphøyrt."))
        let en = try hub.state.consentLog(of: .endUser(Fixture.haakonUser), language: .english, at: hub.now)
        #expect(en[0].title == "Consent given")
        #expect(en[0].text == "BANKEN AS was given consent by HÅKON TRANA (Ends 30.10.2017 10:30:00)")
        #expect(en[3].text == "FINANSIERING AS has retrieved data about HÅKON TRANA. One-time consent has now ended.")
    }

    @Test("Withdrawn and expired consents have their own lines (Samtykke trukket, Samtykke utløpt)")
    func withdrawnAndExpired() throws {
        var (hub, banken, _) = try Self.seedScenario()
        try hub.revoke(banken)
        let revokedLines = try hub.state.consentLog(banken, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(revokedLines.last?.title == "Samtykke trukket")
        #expect(revokedLines.last?.text == "HÅKON TRANA trakk tilbake samtykket til BANKEN AS.")
        #expect(try hub.state.consentLog(banken, by: .endUser(Fixture.haakonUser), language: .english, at: hub.now).last?.title == "Consent withdrawn")

        // A consent that simply runs out: the line appears at its end, event or not.
        var hub2 = TestHub()
        let (id, _) = hub2.givenConsent(TestHub.navRequest(validFor: .days(2)))
        #expect(try hub2.state.consentLog(id, by: .endUser(Fixture.haakonUser), at: hub2.now).count == 1)
        hub2.advance(.days(3))
        let lines = try hub2.state.consentLog(id, by: .endUser(Fixture.haakonUser), at: hub2.now)
        #expect(lines.map(\.title) == ["Samtykke gitt", "Samtykke utløpt"])
        #expect(lines[1].text == "Samtykket til BANKEN AS er utløpt (Opphørte 04.06.2025 10:00:00)")
        #expect(lines[1].time == Fixture.start + .days(2))
        // Writing the expiry event does not add a second line.
        try hub2.perform(.expireDue(limit: 10), by: .system)
        #expect(try hub2.state.consentLog(id, by: .endUser(Fixture.haakonUser), at: hub2.now) == lines)
    }

    @Test("A declined request shows in the log and the list; a user without a name is 'deg'")
    func declined() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        var anonymous = Fixture.haakonUser
        anonymous.name = nil
        try hub.reject(view.id, as: anonymous)
        let lines = try hub.state.consentLog(view.id, by: .endUser(anonymous), at: hub.now)
        #expect(lines.map(\.title) == ["Samtykke avslått"])
        #expect(lines[0].text == "deg avslo forespørselen fra BANKEN AS.")
        let list = try hub.state.consents(of: .endUser(anonymous), at: hub.now)
        #expect(list.map(\.status) == [.rejected])
        #expect(list[0].statusText == "Avslått")
    }

    @Test("The user's list shows every state with words and whether it can be withdrawn")
    func list() throws {
        var hub = TestHub()
        let (active, _) = hub.givenConsent()
        hub.advance(.seconds(1))
        let (once, _) = hub.givenConsent(TestHub.taxRequest())
        try hub.use(once, Fixture.tax4629)
        hub.advance(.seconds(1))
        let (revoked, _) = hub.givenConsent()
        try hub.revoke(revoked)
        hub.advance(.seconds(1))
        let pending = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        hub.advance(.seconds(1))
        _ = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.ingrid)))

        let list = try hub.state.consents(of: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(list.map(\.id) == [pending.id, revoked, once, active])
        #expect(list.map(\.status) == [.created, .revoked, .usedUp, .accepted])
        #expect(list.map(\.statusText) == ["Venter på svar", "Trukket", "Brukt (engangssamtykke)", "Aktivt"])
        #expect(list.map(\.canRevoke) == [false, false, false, true])
        #expect(list[2].resourceTitles == ["Inntekt og skattegrunnlag for 2024"])
        #expect(list[3].consumerName == "BANKEN AS")
        let english = try hub.state.consents(of: .endUser(Fixture.haakonUser), language: .english, at: hub.now)
        #expect(english.map(\.statusText) == ["Awaiting answer", "Withdrawn", "Used (one-time consent)", "Active"])
        #expect(try hub.state.consents(of: .endUser(Fixture.ingridUser), at: hub.now).count == 1)
    }

    @Test("Organisation consents are listed for people who may sign for it, and only them")
    func organisationList() throws {
        var hub = TestHub()
        var signatory = Fixture.haakonUser
        signatory.maySignFor = [Fixture.brreg]
        let view = try hub.create(TestHub.navRequest())
        try hub.accept(view.id, as: signatory, onBehalfOf: Fixture.brreg)
        #expect(try hub.state.consents(of: .endUser(signatory), party: .organisation(Fixture.brreg), at: hub.now).map(\.id) == [view.id])
        #expect(try hub.state.consents(of: .endUser(signatory), at: hub.now).isEmpty)
        expectRefused(.permissionDenied, "not_signatory") {
            () throws(DomainError) in try hub.state.consents(of: .endUser(Fixture.ingridUser), party: .organisation(Fixture.brreg), at: hub.now)
        }
        expectRefused(.permissionDenied, "role_not_allowed") {
            () throws(DomainError) in try hub.state.consents(of: .consumer(Fixture.bank), at: hub.now)
        }
        let lines = try hub.state.consentLog(view.id, by: .endUser(signatory), at: hub.now)
        // Who answered for the organisation is in the log (issue 12, point 3).
        #expect(lines[0].text == "BANKEN AS fikk samtykke fra organisasjonen 974 760 673 ved HÅKON TRANA (Opphører 02.06.2026 10:00:00)")
    }

    @Test("A withdrawal by the support desk is not put in the user's mouth")
    func operatorWithdrawal() throws {
        var hub = TestHub()
        let (id, _) = hub.givenConsent()
        hub.advance(.hours(1))
        try hub.revoke(id, as: .admin(Fixture.brreg))
        let lines = try hub.state.consentLog(id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(lines.last?.title == "Samtykke trukket")
        #expect(lines.last?.text == "Samtykket til BANKEN AS ble trukket tilbake av brukerstøtte.")
        #expect(!(lines.last?.text.contains("HÅKON TRANA") ?? true))
    }
}
