import Testing
@testable import ConsentCore

/// Issue 12, point 4 (part): the consumer's purpose per language, and the
/// language the person answered in, recorded with the answer.
@Suite("Purpose per language and the language answered in")
struct LanguageTests {
    static func request() -> NewConsentRequest {
        var request = TestHub.navRequest(offeredBy: .person(Fixture.haakon))
        request.language = nil
        request.purpose = "Behandle krav om uføreytelser"
        request.purposeTexts = LocalizedText(bokmal: nil, nynorsk: "  Handsame krav om uføreytingar ", english: "Process your disability claim")
        return request
    }

    @Test("The page shows the purpose in the person's language, else the purpose as sent", arguments: [
        (Language.english, "Process your disability claim"), (.nynorsk, "Handsame krav om uføreytingar"), (.bokmal, "Behandle krav om uføreytelser"),
    ])
    func purposeInLanguage(_ language: Language, _ expected: String) throws {
        var hub = TestHub()
        let view = try hub.create(Self.request())
        #expect(view.purposeTexts.english == "Process your disability claim" && view.purposeTexts.nynorsk == "Handsame krav om uføreytingar", "trimmed")
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), language: language, at: hub.now)
        #expect(page.purpose == expected)
        #expect(try hub.state.request(view.id, by: .consumer(Fixture.bank), at: hub.now).purpose == "Behandle krav om uføreytelser")
    }

    @Test("A purpose in one language over 1,000 characters is refused naming the language; blank ones are left out")
    func purposeRules() throws {
        var hub = TestHub()
        var request = Self.request()
        request.purposeTexts.english = String(repeating: "x", count: 1001)
        expectRefused(.invalidArgument, "purpose_too_long", "in en") { () throws(DomainError) in try hub.create(request) }
        #expect(hub.state.requestCount == 0)
        request.purposeTexts = LocalizedText(bokmal: nil, english: "   ")
        let view = try hub.create(request)
        #expect(view.purposeTexts == LocalizedText(bokmal: nil))
        #expect(hub.state.tables.purposeTexts.isEmpty, "nothing kept for a request without translations")
    }

    @Test("The purposes are part of an idempotent request: a retry matches, another text reuses the key")
    func idempotency() throws {
        var hub = TestHub()
        var request = Self.request()
        request.idempotencyKey = "lang-1"
        let first = try hub.create(request)
        #expect(try hub.create(request).id == first.id)
        request.purposeTexts.english = "Another purpose"
        expectRefused(.alreadyExists, "idempotency_key_reused") { () throws(DomainError) in try hub.create(request) }
    }

    @Test("The language the person answered in is recorded with an acceptance and a rejection, and survives a snapshot")
    func answerLanguage() throws {
        var hub = TestHub()
        let accepted = try hub.create(Self.request())
        guard case .answer(let answer) = try hub.perform(.acceptRequest(accepted.id, code: CodeGrant(codeHash: hub.nextCode()), language: .nynorsk),
                                                         by: .endUser(Fixture.haakonUser)) else { fatalError() }
        #expect(answer.request.answerLanguage == .nynorsk)
        let rejected = try hub.create(Self.request())
        try hub.perform(.rejectRequest(rejected.id, language: .english), by: .endUser(Fixture.haakonUser))
        let silent = try hub.create(Self.request())
        try hub.accept(silent.id)
        for (id, language) in [(accepted.id, Language?.some(.nynorsk)), (rejected.id, .english), (silent.id, nil)] {
            let view = try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now)
            #expect(view.answerLanguage == language)
            #expect(view.language == nil, "the request's own language is kept apart")
        }
        let restored = try ConsentState(snapshot: hub.state.encodeSnapshot(), configuration: hub.state.configuration)
        #expect(restored == hub.state)
        #expect(try restored.request(accepted.id, by: .consumer(Fixture.bank), at: hub.now).answerLanguage == .nynorsk)
        #expect(try restored.renderRequest(accepted.id, by: .endUser(Fixture.haakonUser), language: .english, at: hub.now).purpose
                == "Process your disability claim")
    }
}
