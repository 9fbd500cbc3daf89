import Testing
@testable import ConsentCore

@Suite("The consent page: rendering and language fallback")
struct RenderingTests {
    @Test("Bokmål page: who, which data, purpose, how long, in seed 003's words")
    func bokmal() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.language == .bokmal)
        #expect(page.heading == "Samtykke til bruk av dine data")
        #expect(page.intro == "BANKEN AS ønsker å hente opplysninger om deg")
        #expect(page.consumerName == "BANKEN AS" && page.consumerOrganisationNumber == Fixture.bank)
        #expect(page.purposeHeading == "Formål" && page.purpose == "Behandle krav om uføreytelser")
        #expect(page.resourcesHeading == "Ved å samtykke, får BANKEN AS tilgang til følgende opplysninger om deg")
        #expect(page.resources.count == 1)
        let nav = page.resources[0]
        #expect(nav.title == "Opplysninger om arbeidsavklaringspenger og uføretrygd fra NAV")
        #expect(nav.dataSourceName == "NAV")
        #expect(nav.text.hasPrefix("Ved å samtykke gir du BANKEN AS rett til å innhente personopplysninger digitalt fra NAV"))
        #expect(nav.text.contains("Opplysningene gjelder perioden 01.01.2020–31.12.2024."))
        #expect(!nav.text.contains("{"))
        #expect(page.validity == "Samtykket er gyldig fra og med 02.06.2025 kl. 10:00 til og med 02.06.2026 kl. 10:00.")
        #expect(page.voluntaryNote.hasPrefix("Det er frivillig å gi samtykke, og du kan når som helst trekke samtykket tilbake"))
        #expect(page.acceptLabel == "Ja, jeg gir samtykke" && page.rejectLabel == "Nei, jeg samtykker ikke")
        #expect(page.requiredAssuranceLevel == .high)
        #expect(page.lines.count == 9)
    }

    @Test("Nynorsk and English pages use their own texts")
    func otherLanguages() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        let nn = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), language: .nynorsk, at: hub.now)
        #expect(nn.intro == "BANKEN AS ønskjer å hente opplysningar om deg")
        #expect(nn.resources[0].title == "Opplysningar om arbeidsavklaringspengar og uføretrygd frå NAV")
        #expect(nn.resources[0].language == .nynorsk)
        #expect(nn.validity.hasPrefix("Samtykket er gyldig frå og med 02.06.2025 kl. 10:00"))
        let en = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), language: .english, at: hub.now)
        #expect(en.heading == "Consent to the use of your data")
        #expect(en.resources[0].text.hasPrefix("By consenting, you give BANKEN AS the right"))
        #expect(en.validity == "The consent is valid from 02.06.2025 at 10:00 up to and including 02.06.2026 at 10:00.")
        #expect(en.acceptLabel == "Yes, I give my consent")
    }

    @Test("A text missing in the asked language falls back to Bokmål, resource by resource")
    func fallback() throws {
        var hub = TestHub()
        let id = ResourceID(serviceCode: 9100, editionCode: 1)
        let onlyBokmal = Resource(id: id, owner: Fixture.nav, ownerName: "NAV", title: LocalizedText(bokmal: "Bare bokmål"),
                                  text: LocalizedText(bokmal: "Gyldig til {ValidTo} for {CoveredByName} ({CoveredBy})."),
                                  kind: .timeLimited, maximumValidity: .days(30), requiredAssuranceLevel: .substantial)
        try hub.perform(.registerResource(onlyBokmal), by: .dataSource(Fixture.nav))
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: id, consumer: Fixture.bank, consumerName: "BANKEN AS", redirectDomains: ["banken.example"])),
                        by: .dataSource(Fixture.nav))
        var request = TestHub.navRequest(validFor: .days(20))
        request.resources.append(ResourceRequest(id))
        let view = try hub.create(request)
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), language: .english, at: hub.now)
        #expect(page.heading == "Consent to the use of your data")
        #expect(page.resources[0].language == .english)
        #expect(page.resources[1].language == .bokmal)
        #expect(page.resources[1].title == "Bare bokmål")
        // Dates in a Bokmål text say "kl.", not "at".
        #expect(page.resources[1].text == "Gyldig til 22.06.2025 kl. 10:00 for BANKEN AS (910203045).")
    }

    @Test("Without an asked language, the request's LanguageCode is used, else Bokmål")
    func defaultLanguage() throws {
        var hub = TestHub()
        var request = TestHub.navRequest()
        request.language = .english
        let english = try hub.create(request)
        #expect(try hub.state.renderRequest(english.id, by: .endUser(Fixture.haakonUser), at: hub.now).language == .english)
        request.language = nil
        let none = try hub.create(request)
        #expect(try hub.state.renderRequest(none.id, by: .endUser(Fixture.haakonUser), at: hub.now).language == .bokmal)
    }

    @Test("A one-time consent says 'once only' and that it cannot be withdrawn")
    func oneTimePage() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.taxRequest())
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.isOneTime)
        #expect(page.validity == "Dette er et engangssamtykke: det gjelder én innhenting av opplysningene og opphører senest 12.06.2025 kl. 10:00.")
        #expect(page.voluntaryNote.contains("kan ikke trekkes tilbake"))
        #expect(page.resources[0].title == "Inntekt og skattegrunnlag for 2024")
        #expect(page.resources[0].text.contains("for inntektsåret 2024 til BANKEN AS"))
        #expect(page.requiredAssuranceLevel == .substantial)
    }

    @Test("A request for an organisation says so")
    func organisationPage() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest(offeredBy: .organisation(Fixture.brreg)))
        var signatory = Fixture.haakonUser
        signatory.maySignFor = [Fixture.brreg]
        let page = try hub.state.renderRequest(view.id, by: .endUser(signatory), at: hub.now)
        #expect(page.intro == "BANKEN AS ønsker å hente opplysninger om organisasjonen 974 760 673")
    }

    @Test("Once answered, validity starts at the answer, and only the user (or consumer, source, admin) can render it")
    func afterAnswer() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest())
        hub.advance(.hours(3))
        try hub.accept(view.id)
        hub.advance(.days(3))
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.validFrom == Fixture.start + .hours(3))
        #expect(page.status == .accepted)
        #expect(throws: Never.self) { try hub.state.renderRequest(view.id, by: .consumer(Fixture.bank), at: hub.now) }
        expectRefused(.permissionDenied, "not_yours") { () throws(DomainError) in try hub.state.renderRequest(view.id, by: .endUser(Fixture.ingridUser), at: hub.now) }
    }

    @Test("Template rendering leaves unknown names as written and handles an unclosed brace")
    func templates() {
        #expect(TextTemplate.render("a {x} b {y}") { $0 == "x" ? "1" : nil } == "a 1 b {y}")
        #expect(TextTemplate.render("a {x") { _ in "1" } == "a {x")
    }
}
