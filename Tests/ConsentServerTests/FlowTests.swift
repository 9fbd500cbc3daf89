import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// The consent flow of seeds 002 and 003 through a live hub: the consumer, the
/// portal and the feed, each with its own certificate.
@Suite(.serialized) struct FlowTests {
    typealias Service = Consent_V1_ConsentService

    /// Seed 003, figure 1, from the bank's request to the user's withdrawal,
    /// with the bank's live feed open all along.
    @Test(arguments: TestStorage.allCases)
    func figureOneFromRequestToWithdrawal(_ storage: TestStorage) async throws {
        let hub = try InProcessHub(storage: storage)
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")

        // The bank follows its feed; once the backlog is through, events arrive live.
        let watch = bank.serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120)))
        var feed = watch.makeAsyncIterator()
        while let message = try await feed.next(), !message.caughtUp {}

        // 1. BANKEN AS asks for NAV's data about the user, for 2024.
        let created = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        #expect(created.status == .created)
        #expect(created.consumerOrgNumber == Flow.bank)
        #expect(created.resources.map(\.resourceId) == ["5252_1"])
        #expect(created.resources[0].metadata.map(\.value) == ["01.01.2024", "31.12.2024"])
        #expect(created.resources[0].version == 1)
        let id = created.id

        // 2. The portal shows the page, in Bokmål by default and in English on request.
        let page = try await portal.unary(Service.getRequest, .init(requestId: id), options: Flow.user()).page!
        #expect(page.language == "nb-NO")
        #expect(page.heading == "Samtykke til bruk av dine data")
        #expect(page.intro == "BANKEN AS ønsker å hente opplysninger om deg")
        #expect(page.purpose == Flow.purpose)
        #expect(page.resources.map(\.title) == ["Opplysninger om arbeidsavklaringspenger og uføretrygd fra NAV"])
        #expect(page.resources[0].text.contains("Ved å samtykke gir du BANKEN AS rett til"))
        #expect(page.resources[0].text.contains("01.01.2024–31.12.2024"))
        #expect(page.requiredAssuranceLevel == 4)
        #expect(page.acceptLabel == "Ja, jeg gir samtykke")
        let english = try await portal.unary(Service.getRequest, .init(requestId: id, language: "en"), options: Flow.user()).page!
        #expect(english.heading == "Consent to the use of your data")
        #expect(english.resources[0].title == "Information on work assessment allowance and disability benefit from NAV")

        // 3. The user, logged in at level 4, accepts: back to the bank with a one-time code.
        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user(level: 4))
        #expect(answer.request?.status == .accepted)
        #expect(!answer.alreadyAnswered)
        #expect(answer.redirectUrl.hasPrefix("\(Flow.redirect)?RequestId=\(id)&Status=OK&AuthorizationCode="))
        #expect(Flow.parameter("RequestId", in: answer.redirectUrl) == id)
        #expect(Flow.parameter("Status", in: answer.redirectUrl) == "OK")
        let code = try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
        #expect(code.count == 43)
        #expect(code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })

        // 5. The bank polls: accepted, by the user it asked.
        let accepted = try await bank.unary(Service.getRequestStatus, .init(requestId: id)).request!
        #expect(accepted.status == .accepted)
        #expect(accepted.offeredBy == TestHub.demoUserID)
        #expect(accepted.decidedAtMs > 0)

        // 8. The user lists consents and reads the log.
        let list = try await portal.unary(Service.listConsents, .init(), options: Flow.user()).consents
        let mine = try #require(list.first { $0.id == id })
        #expect(mine.status == .accepted)
        #expect(mine.statusText == "Aktivt")
        #expect(mine.consumerName == "BANKEN AS")
        #expect(mine.canRevoke)
        let log = try await portal.unary(Service.getConsentLog, .init(consentId: id), options: Flow.user()).lines
        #expect(log.map(\.title) == ["Samtykke gitt"])
        #expect(log[0].kind == .given)
        #expect(log[0].text.hasPrefix("BANKEN AS fikk samtykke fra HÅKON TRANA (Opphører "))

        // 8. The user withdraws.
        let revoked = try await portal.unary(Service.revokeConsent, .init(consentId: id), options: Flow.user()).consent!
        #expect(revoked.status == .revoked)
        #expect(revoked.endedAtMs > 0)
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: id)).request?.status == .revoked)
        let after = try await portal.unary(Service.getConsentLog, .init(consentId: id), options: Flow.user()).lines
        #expect(after.map(\.title) == ["Samtykke gitt", "Samtykke trukket"])
        #expect(after[1].text == "HÅKON TRANA trakk tilbake samtykket til BANKEN AS.")
        let englishLog = try await portal.unary(Service.getConsentLog, .init(consentId: id, language: "en"), options: Flow.user()).lines
        #expect(englishLog.map(\.title) == ["Consent given", "Consent withdrawn"])

        // The feed: created, accepted, revoked, in order, by the bank and then the user.
        let events = try await bank.unary(Service.listEvents, .init(after: 0)).events.filter { $0.requestId == id }
        #expect(events.map(\.type) == [.requestCreated, .requestAccepted, .consentRevoked])
        #expect(events.map(\.performedBy) == [.consumer, .endUser, .endUser])
        #expect(events[0].performedByOrgNumber == Flow.bank)
        #expect(events.map(\.sequence) == events.map(\.sequence).sorted())

        // The bank's live feed learnt of the withdrawal.
        var live: [Consent_V1_ConsentEvent] = []
        while !live.contains(where: { $0.type == .consentRevoked }), let message = try await feed.next() {
            #expect(message.caughtUp)
            live += message.events.filter { $0.requestId == id }
        }
        #expect(live.map(\.type) == [.requestCreated, .requestAccepted, .consentRevoked])

        bank.close()
        portal.close()
        await hub.stop()
    }

    /// Seed 004: the same request as an Altinn 2 query string, with a UserToken
    /// and a language; the page then comes in the request's language.
    @Test func altinnQueryStringCreatesTheSameRequest() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        let token = try NationalIdentityNumber(validating: TestHub.demoUserID).userToken.uppercased()
        let query = "?Resources=5252_1&CoveredBy=910203045&OfferedBy=\(TestHub.demoUserID)"
            + "&RedirectUrl=https%3A%2F%2Fbanken.example%2Fcb&ValidToDate=\(year)-06-30%2012:00:00"
            + "&LanguageCode=en&DelegationContext=S%C3%B8knad%20om%20forsikring&ResponseType=code"
            + "&5252_1_fraOgMed=01.01.2024&5252_1_tilOgMed=31.12.2024&UserToken=\(token)"
        let request = try await bank.unary(Service.createRequestFromQuery, .init(query: query)).request!
        #expect(request.status == .created)
        #expect(request.language == "en")
        #expect(request.purpose == "Søknad om forsikring")
        #expect(request.redirectUrl == "https://banken.example/cb")
        #expect(request.offeredBy == TestHub.demoUserID)
        #expect(request.resources[0].metadata.map { "\($0.key)=\($0.value)" } == ["fraOgMed=01.01.2024", "tilOgMed=31.12.2024"])

        let page = try await portal.unary(Service.getRequest, .init(requestId: request.id), options: Flow.user()).page!
        #expect(page.language == "en")
        #expect(page.intro == "BANKEN AS would like to retrieve information about you")

        // CoveredBy must be the caller.
        let other = query.replacingOccurrences(of: "CoveredBy=910203045", with: "CoveredBy=889640782")
        let refused = await Flow.refusal { _ = try await bank.unary(Service.createRequestFromQuery, .init(query: other)) }
        #expect(refused?.code == .permissionDenied)
        #expect(Flow.reason(refused) == "covered_by_not_caller")

        bank.close()
        portal.close()
        await hub.stop()
    }

    /// Seed 003's redirect flow: the bank sends the browser to the portal with
    /// its query; the portal submits it for the bank while a user is logged in.
    @Test func portalSubmitsTheBanksQueryForIt() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let nav = try hub.client("datasource")
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        let query = "Resources=5252_1&CoveredBy=910203045&RedirectUrl=https%3A%2F%2Fbanken.example%2Fcb"
            + "&ValidToDate=\(year)-06-30%2012:00:00&DelegationContext=Forsikring&ResponseType=code"
            + "&5252_1_fraOgMed=01.01.2024&5252_1_tilOgMed=31.12.2024"

        let request = try await portal.unary(Service.createRequestFromQuery, .init(query: query, idempotencyKey: "reload-safe"),
                                              options: Flow.user()).request!
        #expect(request.consumerOrgNumber == "910203045")
        #expect(request.status == .created)
        // Without OfferedBy it asks the person who was logged in, and nobody else.
        #expect(request.offeredBy == TestHub.demoUserID)
        // A reload of the portal's page gets the same request.
        let again = try await portal.unary(Service.createRequestFromQuery, .init(query: query, idempotencyKey: "reload-safe"),
                                           options: Flow.user()).request!
        #expect(again.id == request.id)
        // It is the bank's request: the bank polls it, and its feed says the portal submitted it.
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: request.id)).request?.status == .created)
        let created = try await bank.unary(Service.listEvents, .init(after: 0)).events.filter { $0.requestId == request.id }
        #expect(created.map(\.type) == [.requestCreated])
        #expect(created.first?.performedBy == .portal)
        #expect(created.first?.performedByOrgNumber == "974760673")
        // The user answers it as any other.
        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: request.id), options: Flow.user())
        #expect(Flow.parameter("Status", in: answer.redirectUrl) == "OK")

        // Nobody logged in: the portal cannot create requests anonymously.
        let anonymous = await Flow.refusal { _ = try await portal.unary(Service.createRequestFromQuery, .init(query: query)) }
        #expect(anonymous?.code == .unauthenticated)
        #expect(Flow.reason(anonymous) == "end_user_missing")
        // The consumer's rules: a redirect outside its registered domains is refused.
        let evil = query.replacingOccurrences(of: "banken.example", with: "evil.example")
        let refused = await Flow.refusal { _ = try await portal.unary(Service.createRequestFromQuery, .init(query: evil), options: Flow.user()) }
        #expect(refused?.code == .permissionDenied)
        #expect(Flow.reason(refused) == "redirect_host_not_registered")
        // Through the portal a query can only ask the person logged in: another
        // person's OfferedBy or UserToken is refused, and nothing is created.
        let other = "01019012480"
        let forOther = await Flow.refusal {
            _ = try await portal.unary(Service.createRequestFromQuery, .init(query: query + "&OfferedBy=\(other)"), options: Flow.user())
        }
        #expect(forOther?.code == .permissionDenied)
        #expect(Flow.reason(forOther) == "offered_by_mismatch")
        let token = try NationalIdentityNumber(validating: other).userToken
        let tokenForOther = await Flow.refusal {
            _ = try await portal.unary(Service.createRequestFromQuery, .init(query: query + "&UserToken=\(token)"), options: Flow.user())
        }
        #expect(tokenForOther?.code == .unauthenticated)
        #expect(Flow.reason(tokenForOther) == "user_token_mismatch")
        let feed = try await bank.unary(Service.listEvents, .init(after: 0)).events.filter { $0.type == .requestCreated }
        #expect(feed.count == 1)
        // A data source may not submit queries at all.
        let wrongRole = await Flow.refusal { _ = try await nav.unary(Service.createRequestFromQuery, .init(query: query)) }
        #expect(wrongRole?.code == .permissionDenied)

        bank.close()
        portal.close()
        nav.close()
        await hub.stop()
    }

    /// Step 3, the other answer: Altinn 2's `Status=Failed&ErrorMessage=…`, and "Samtykke avslått" in the log.
    @Test func rejectSendsTheUserBackWithStatusFailed() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id

        // Rejecting needs no particular login level.
        let answer = try await portal.unary(Service.rejectRequest, .init(requestId: id), options: Flow.user(level: 3))
        #expect(answer.request?.status == .rejected)
        #expect(answer.redirectUrl == "\(Flow.redirect)?RequestId=\(id)&Status=Failed&ErrorMessage=The%20user%20did%20not%20give%20consent")
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: id)).request?.status == .rejected)
        let log = try await portal.unary(Service.getConsentLog, .init(consentId: id), options: Flow.user()).lines
        #expect(log.map(\.title) == ["Samtykke avslått"])
        #expect(log[0].text == "HÅKON TRANA avslo forespørselen fra BANKEN AS.")

        // Rejecting again repeats the answer; accepting now is refused.
        let again = try await portal.unary(Service.rejectRequest, .init(requestId: id), options: Flow.user())
        #expect(again.alreadyAnswered)
        let late = await Flow.refusal { _ = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user()) }
        #expect(late?.code == .failedPrecondition)
        #expect(Flow.reason(late) == "request_already_rejected")

        bank.close()
        portal.close()
        await hub.stop()
    }

    /// Seed 003: NAV needs login level 4. At level 3 the user is told to log in
    /// again, nothing is recorded, and a later accept at level 4 works.
    @Test func assuranceLevelThreeCannotAcceptNAVsResource() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id

        let refused = await Flow.refusal { _ = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user(level: 3)) }
        #expect(refused?.code == .permissionDenied)
        #expect(Flow.reason(refused) == "assurance_level_too_low")
        #expect(refused?.message == "Giving this consent requires login at security level 4; the user is logged in at level 3. Log in again with a stronger method (e.g. BankID).")
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: id)).request?.status == .created)

        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user(level: 4))
        #expect(answer.request?.status == .accepted)

        bank.close()
        portal.close()
        await hub.stop()
    }

    /// A one-time Skatteetaten consent (engangssamtykke) cannot be withdrawn;
    /// the user is told why, and it stays accepted.
    @Test func oneTimeConsentCannotBeRevoked() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let request = try await bank.unary(Service.createRequest, Flow.taxRequest()).request!
        #expect(request.oneTime)
        let page = try await portal.unary(Service.getRequest, .init(requestId: request.id), options: Flow.user(level: 3)).page!
        #expect(page.oneTime)
        #expect(page.requiredAssuranceLevel == 3)
        _ = try await portal.unary(Service.acceptRequest, .init(requestId: request.id), options: Flow.user(level: 3))

        let refused = await Flow.refusal { _ = try await portal.unary(Service.revokeConsent, .init(consentId: request.id), options: Flow.user()) }
        #expect(refused?.code == .failedPrecondition)
        #expect(Flow.reason(refused) == "one_time_consent_not_revocable")
        #expect(refused?.message == "Consent \(request.id) is a one-time consent (engangssamtykke); it cannot be withdrawn, and ends at its first use or when it expires.")
        let list = try await portal.unary(Service.listConsents, .init(), options: Flow.user()).consents
        #expect(list.first { $0.id == request.id }?.canRevoke == false)
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: request.id)).request?.status == .accepted)

        bank.close()
        portal.close()
        await hub.stop()
    }

    /// An unanswered request expires after the request TTL: its status says so
    /// at once, and the sweep records it, so the bank's feed shows REQUEST_EXPIRED.
    @Test(arguments: TestStorage.allCases)
    func unansweredRequestExpiresAndTheFeedShowsIt(_ storage: TestStorage) async throws {
        let hub = try InProcessHub(storage: storage) { $0.requestTTLSeconds = 3600 }
        let bank = try hub.client("consumer")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id
        let expiry = Consent_V1_ListEventsRequest(after: 0, types: [.requestExpired])

        hub.advance(by: .seconds(3599))
        #expect(hub.sweepExpiries() == 0)
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: id)).request?.status == .created)

        hub.advance(by: .seconds(1))
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: id)).request?.status == .expired)
        #expect(try await bank.unary(Service.listEvents, expiry).events.isEmpty, "recorded only by the sweep")
        #expect(hub.sweepExpiries() == 1)
        let expired = try await bank.unary(Service.listEvents, expiry).events.filter { $0.requestId == id }
        #expect(expired.map(\.performedBy) == [.system])

        bank.close()
        await hub.stop()
    }
}
