import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentToken
import Foundation
import Testing

/// Seed 003, figures 1 and 2, entirely over the wire as the four parties see
/// it: the bank asks, the user (through the portal) accepts, the bank
/// exchanges the code for a token, NAV verifies it and logs the use, the user
/// reads the log, the bank re-fetches a token while the consent lives, the
/// user withdraws, and NAV's online check refuses from then on.
@Suite struct Seed003FlowTests {
    typealias Consents = Consent_V1_ConsentService
    typealias Tokens = Consent_V1_TokenService

    @Test(arguments: TestStorage.allCases)
    func requestAcceptExchangeVerifyLogUseReuseAndWithdraw(_ storage: TestStorage) async throws {
        let hub = try InProcessHub(storage: storage)
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let nav = try hub.client("datasource")

        // Figure 1, steps 1–4: the bank asks; the user reads the page and accepts at level 4.
        let id = try await bank.unary(Consents.createRequest, Flow.navRequest()).request!.id
        let answer = try await portal.unary(Consents.acceptRequest, .init(requestId: id), options: Flow.user(level: 4))
        let code = try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
        #expect(Flow.parameter("Status", in: answer.redirectUrl) == "OK")

        // Step 5: the bank exchanges the code for a short-lived signed token.
        let grant = try await bank.unary(Tokens.exchangeCode, .init(code: code)).grant!
        #expect(grant.consentId == id)
        #expect(grant.expiresAtMs - grant.issuedAtMs == 120_000, "Altinn 3's 120 s lifetime")

        // Steps 6–7: NAV checks the token offline with the published keys only…
        let keys = try await nav.unary(Tokens.getSigningKeys, .init())
        let offline = try TokenVerifier(jwks: keys.jwks).verify(grant.token, now: Flow.nowMs / 1000, expectedIssuer: "https://consenthub.example")
        #expect(offline.consent.consumerID == "0192:\(Flow.bank)")
        #expect(offline.consent.consentID == id)
        // …and online, for the data it is about to hand out.
        let online = try await nav.unary(Tokens.verifyToken, .init(
            token: grant.token, resource: "5252_1", metadata: [.init(key: "fraOgMed", value: "01.01.2024")]))
        #expect(online.valid)

        // Step 8: NAV logs the use (logUse); the user's log shows it in seed 002's words.
        let receipt = try await nav.unary(Tokens.logUse, .init(resource: "5252_1", consent: .consentId(id))).receipt!
        #expect(!receipt.consentEnded, "a time-limited consent lives on after a use")
        let log = try await portal.unary(Consents.getConsentLog, .init(consentId: id), options: Flow.user()).lines
        #expect(log.map(\.kind) == [.given, .used])
        #expect(log.map(\.title) == ["Samtykke gitt", "Samtykke benyttet"])

        // Figure 2 ("gjenbruk av samtykke"): while the consent lives the bank gets a fresh token without asking the user again.
        let again = try await bank.unary(Tokens.issueToken, .init(consentId: id)).grant!
        #expect(again.tokenId != grant.tokenId)
        #expect(try await nav.unary(Tokens.verifyToken, .init(token: again.token)).valid)

        // The code was one-time: a second exchange hands out nothing.
        let reuse = await Flow.refusal { _ = try await bank.unary(Tokens.exchangeCode, .init(code: code)) }
        #expect(reuse?.code == .failedPrecondition)

        // The user withdraws; NAV's online check and the bank's re-fetch are refused from then on.
        _ = try await portal.unary(Consents.revokeConsent, .init(consentId: id), options: Flow.user())
        let verifyAfter = await Flow.refusal { _ = try await nav.unary(Tokens.verifyToken, .init(token: again.token)) }
        #expect(verifyAfter?.code == .failedPrecondition)
        let issueAfter = await Flow.refusal { _ = try await bank.unary(Tokens.issueToken, .init(consentId: id)) }
        #expect(issueAfter?.code == .failedPrecondition)
        let finalLog = try await portal.unary(Consents.getConsentLog, .init(consentId: id), options: Flow.user()).lines
        #expect(finalLog.map(\.kind) == [.given, .used, .revoked])

        for client in [bank, portal, nav] { client.close() }
        await hub.stop()
    }

    @Test(arguments: TestStorage.allCases)
    func oneTimeConsentEndsAtItsFirstUseAndRefusesASecondToken(_ storage: TestStorage) async throws {
        let hub = try InProcessHub(storage: storage)
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let skatt = try hub.client("datasource-skatt")

        let id = try await bank.unary(Consents.createRequest, Flow.taxRequest()).request!.id
        let answer = try await portal.unary(Consents.acceptRequest, .init(requestId: id), options: Flow.user(level: 4))
        let code = try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
        let grant = try await bank.unary(Tokens.exchangeCode, .init(code: code)).grant!
        #expect(try await skatt.unary(Tokens.verifyToken, .init(token: grant.token, resource: "4629_2")).valid)

        let receipt = try await skatt.unary(Tokens.logUse, .init(resource: "4629_2", consent: .token(grant.token))).receipt!
        #expect(receipt.consentEnded, "engangssamtykke: ended by its first use")
        let log = try await portal.unary(Consents.getConsentLog, .init(consentId: id), options: Flow.user()).lines
        #expect(log.last?.text.contains("Engangssamtykke er nå opphørt") == true, "\(log.map(\.text))")

        let second = await Flow.refusal { _ = try await bank.unary(Tokens.issueToken, .init(consentId: id)) }
        #expect(second?.code == .failedPrecondition)
        let verify = await Flow.refusal { _ = try await skatt.unary(Tokens.verifyToken, .init(token: grant.token)) }
        #expect(verify?.code == .failedPrecondition)

        for client in [bank, portal, skatt] { client.close() }
        await hub.stop()
    }
}
