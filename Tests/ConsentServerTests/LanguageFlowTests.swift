import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Testing

/// Issue 12, point 4 (part), through the router: the bank's purpose per
/// language reaches the page in the person's language, and the language the
/// person answered in comes back to the bank.
@Suite struct LanguageFlowTests {
    typealias Service = Consent_V1_ConsentService

    @Test func thePurposeInThePersonsLanguageAndTheLanguageAnsweredIn() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer"), portal = try hub.client("portal")
        var asked = Flow.navRequest()
        asked.purposeTexts = .init(nbNo: "", nnNo: "Handsame søknaden din", en: "Process your application")
        let request = try await bank.unary(Service.createRequest, asked).request!
        #expect(request.purposeTexts?.en == "Process your application" && request.purposeTexts?.nbNo == "")

        for (language, purpose) in [("en", "Process your application"), ("nn-NO", "Handsame søknaden din"), ("nb-NO", Flow.purpose)] {
            let page = try await portal.unary(Service.getRequest, .init(requestId: request.id, language: language), options: Flow.user()).page!
            #expect(page.purpose == purpose, "\(language)")
        }
        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: request.id, language: "nn-no"), options: Flow.user())
        #expect(answer.request?.answerLanguage == "nn-NO")
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: request.id)).request?.answerLanguage == "nn-NO")

        let rejected = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        let unknown = await Flow.refusal {
            _ = try await portal.unary(Service.rejectRequest, .init(requestId: rejected.id, language: "sv"), options: Flow.user())
        }
        #expect(unknown?.code == .invalidArgument && unknown?.message.hasPrefix("language:") == true)
        _ = try await portal.unary(Service.rejectRequest, .init(requestId: rejected.id, language: "en"), options: Flow.user())
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: rejected.id)).request?.answerLanguage == "en")

        var tooLong = Flow.navRequest()
        tooLong.purposeTexts = .init(en: String(repeating: "x", count: 1001))
        let refused = await Flow.refusal { _ = try await bank.unary(Service.createRequest, tooLong) }
        #expect(refused?.code == .invalidArgument && Flow.reason(refused) == "purpose_too_long" && refused?.message.contains("in en") == true)
        await hub.stop()
    }
}
