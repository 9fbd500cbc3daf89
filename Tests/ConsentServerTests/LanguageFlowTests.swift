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

/// Issue 12, point 4 (part), through the router: NAV's resource grants an
/// action beyond reading; the page lists it and the token carries it.
@Suite struct ActionFlowTests {
    typealias Service = Consent_V1_ConsentService
    typealias Registry = Consent_V1_RegistryService
    typealias Token = Consent_V1_TokenService

    @Test func anActionBeyondReadingIsOnThePageAndInTheToken() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer"), nav = try hub.client("datasource"), portal = try hub.client("portal")
        var resource = try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource!
        resource.actions = ["submit-application"]
        #expect(try await nav.unary(Registry.registerResource, .init(resource: resource)).resource?.actions == ["submit-application"])

        let request = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        let page = try await portal.unary(Service.getRequest, .init(requestId: request.id), options: Flow.user()).page!
        #expect(page.resources.first?.actions == ["submit-application"])
        _ = try await portal.unary(Service.acceptRequest, .init(requestId: request.id), options: Flow.user())
        let token = try await bank.unary(Token.issueToken, .init(consentId: request.id)).grant!.token
        let verified = try await nav.unary(Token.verifyToken, .init(token: token, resource: "5252_1"))
        #expect(verified.valid && verified.claims?.rights.first?.actions == ["submit-application"])

        resource.actions = ["Submit"]
        let refused = await Flow.refusal { _ = try await nav.unary(Registry.registerResource, .init(resource: resource)) }
        #expect(refused?.code == .invalidArgument && Flow.reason(refused) == "action_malformed")
        #expect(try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource?.actions == ["submit-application"])
        await hub.stop()
    }
}
