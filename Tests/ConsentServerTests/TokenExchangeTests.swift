import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentToken
import Foundation
import Testing

/// ExchangeCode, ExchangeCodes and IssueToken over the wire (DESIGN §2 steps 4 and 7).
@Suite struct TokenExchangeTests {
    @Test func exchangedTokenVerifiesWithNothingButThePublishedJWKS() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveNAVConsent()
        let bank = try hub.client("consumer")
        let grant = try await bank.exchange(consent.code)
        let jwks = try await hub.jwks()

        let claims = try TokenVerifier(jwks: jwks).verify(grant.token, now: hub.now.millisecondsSinceEpoch / 1000, expectedIssuer: "https://consenthub.example")
        #expect(claims.consent.consentID == consent.id.description)
        #expect(claims.consent.consumerID == "0192:910203045")
        #expect(claims.consent.from == .person(identifier: TestHub.demoUserID))
        #expect(claims.consent.rights == [ConsentRight(resource: "5252_1", metadata: ["fraOgMed": "01.01.2020", "tilOgMed": "31.12.2024"])])
        #expect(!claims.isOneTime)
        #expect(claims.expiresAt - claims.issuedAt == 120, "the default lifetime")
        #expect(grant.consentId == consent.id.description)
        #expect(grant.expiresAtMs == claims.expiresAt * 1000)
        #expect(grant.tokenId == claims.tokenID)
        #expect(grant.keyId == TokenText.keyID(of: grant.token))
        #expect(grant.consentValidToMs / 1000 == claims.consent.validTo)
        bank.close()
        await hub.stop()
    }

    @Test func secondExchangeIsRefusedHandsOutNothingAndIsOnDiskBeforeTheAnswer() async throws {
        let hub = try InProcessHub(storage: .embedded)
        let consent = try hub.giveNAVConsent()
        let bank = try hub.client("consumer")
        _ = try await bank.exchange(consent.code)
        let before = hub.ledger.lastSequence

        let error = await #expect(throws: RPCError.self) { try await bank.unary(Consent_V1_TokenService.exchangeCode, .init(code: consent.code)) }
        #expect(error.map(Refusal.init) == Refusal(.failedPrecondition, "code_already_used"))
        #expect(error?.message.contains("recorded") == true)
        // The attempt is an event, and it was durable when the refusal arrived.
        #expect(hub.ledger.lastSequence == before + 1)
        #expect(hub.ledger.durableSequence >= before + 1)
        bank.close()
        await hub.stop()
    }

    @Test func expiredCodeIsRefused() async throws {
        let hub = try InProcessHub()
        // Accepted ten minutes ago with a code that lived five.
        let tenMinutesAgo = hub.now - .seconds(600)
        let consent = try hub.give(Demo.navRequest(validTo: hub.now + .seconds(86_400)), at: tenMinutesAgo, codeExpiresAt: tenMinutesAgo + .seconds(300))
        let bank = try hub.client("consumer")
        #expect(await refusal { try await bank.exchange(consent.code) } == Refusal(.failedPrecondition, "code_expired"))
        bank.close()
        await hub.stop()
    }

    @Test func malformedCodeIsRefusedWithoutTouchingTheLedger() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let before = hub.ledger.lastSequence
        for code in ["", "short", String(repeating: "A", count: 42) + "!", String(repeating: "A", count: 44)] {
            #expect(await refusal { try await bank.exchange(code) } == Refusal(.invalidArgument, "code_malformed"), "\(code)")
        }
        #expect(await refusal { try await bank.exchange(AuthorizationCode.generate().code) } == Refusal(.notFound, "code_unknown"))
        #expect(hub.ledger.lastSequence == before)
        bank.close()
        await hub.stop()
    }

    @Test func anotherConsumersCodeAndConsentAreRefused() async throws {
        let hub = try InProcessHub()
        try hub.authoriseSecondConsumer()
        let theirs = try hub.give(Demo.navRequest(validTo: hub.now + .seconds(86_400), redirect: "https://finansiering.example/svar"), by: Demo.finansiering)
        let bank = try hub.client("consumer")
        #expect(await refusal { try await bank.exchange(theirs.code) } == Refusal(.permissionDenied, "code_not_yours"))
        #expect(await refusal { try await bank.issueToken(theirs.id) } == Refusal(.permissionDenied, "not_yours"))
        bank.close()
        await hub.stop()
    }

    @Test func batchAnswersEveryCodeInOrderAndOneBadCodeFailsNoOther() async throws {
        let hub = try InProcessHub()
        let first = try hub.giveNAVConsent()
        let second = try hub.giveTaxConsent()
        let tenMinutesAgo = hub.now - .seconds(600)
        let stale = try hub.give(Demo.navRequest(validTo: hub.now + .seconds(86_400)), at: tenMinutesAgo, codeExpiresAt: tenMinutesAgo + .seconds(60))
        let bank = try hub.client("consumer")
        let codes = [first.code, "not-a-code", first.code, AuthorizationCode.generate().code, stale.code, second.code]
        let response = try await bank.unary(Consent_V1_TokenService.exchangeCodes, .init(codes: codes))

        #expect(response.results.map { Refusal($0.status) } == [
            Refusal(.ok, ""), Refusal(.invalidArgument, "code_malformed"), Refusal(.failedPrecondition, "code_already_used"),
            Refusal(.notFound, "code_unknown"), Refusal(.failedPrecondition, "code_expired"), Refusal(.ok, ""),
        ])
        #expect(response.results.map { $0.grant != nil } == [true, false, false, false, false, true])
        let verifier = try TokenVerifier(jwks: try await hub.jwks())
        let now = hub.now.millisecondsSinceEpoch / 1000
        let firstClaims = try verifier.verify(response.results[0].grant!.token, now: now, expectedIssuer: hub.configuration.issuer)
        let secondClaims = try verifier.verify(response.results[5].grant!.token, now: now, expectedIssuer: hub.configuration.issuer)
        #expect(firstClaims.consent.consentID == first.id.description)
        #expect(secondClaims.consent.consentID == second.id.description)
        #expect(secondClaims.isOneTime && response.results[5].grant!.oneTime, "Skatteetaten's 4629_2 is one-time")
        bank.close()
        await hub.stop()
    }

    @Test func batchOverTheLimitIsRefusedWhole() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let codes = (0..<1001).map { _ in AuthorizationCode.generate().code }
        #expect(await refusal { try await bank.unary(Consent_V1_TokenService.exchangeCodes, .init(codes: codes)) } == Refusal(.resourceExhausted, "batch_too_large"))
        bank.close()
        await hub.stop()
    }

    @Test func issueTokenGivesAFreshTokenForALiveConsent() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveNAVConsent()
        let bank = try hub.client("consumer")
        let exchanged = try await bank.exchange(consent.code)
        let fresh = try await bank.issueToken(consent.id)
        #expect(fresh.tokenId != exchanged.tokenId)
        #expect(fresh.consentId == consent.id.description)
        let claims = try TokenVerifier(jwks: try await hub.jwks()).verify(fresh.token, now: hub.now.millisecondsSinceEpoch / 1000, expectedIssuer: hub.configuration.issuer)
        #expect(claims.consent.consentID == consent.id.description)
        #expect(await refusal { try await bank.unary(Consent_V1_TokenService.issueToken, .init(consentId: "nope")) } == Refusal(.invalidArgument, "request_id_malformed"))
        #expect(await refusal { try await bank.issueToken(RequestID(high: 1, low: 2)) } == Refusal(.notFound, "request_unknown"))
        bank.close()
        await hub.stop()
    }

    @Test func revokedConsentGetsNoTokenAndItsTokensFailOnline() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveNAVConsent()
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")
        let token = try await bank.exchange(consent.code).token
        #expect(try await nav.verify(token).valid)

        try hub.revoke(consent.id)
        #expect(await refusal { try await bank.issueToken(consent.id) } == Refusal(.failedPrecondition, "consent_revoked"))
        #expect(await refusal { try await nav.verify(token) } == Refusal(.failedPrecondition, "consent_revoked"))
        bank.close()
        nav.close()
        await hub.stop()
    }

    @Test func tokenLifetimeIsConfigurableButNeverOutlivesTheConsent() async throws {
        let hub = try InProcessHub { $0.tokenLifetimeSeconds = 30 }
        let bank = try hub.client("consumer")
        let long = try hub.giveNAVConsent()
        let grant = try await bank.exchange(long.code)
        #expect(grant.expiresAtMs - grant.issuedAtMs == 30_000)

        let short = try hub.giveNAVConsent(validFor: .seconds(10))
        let capped = try await bank.exchange(short.code)
        #expect(capped.expiresAtMs == capped.consentValidToMs / 1000 * 1000, "exp is the consent's validTo, not iat + 30 s")
        #expect(capped.expiresAtMs - capped.issuedAtMs <= 10_000)
        bank.close()
        await hub.stop()
    }

    @Test func wrongRolesAreRefused() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveNAVConsent()
        let nav = try hub.client("datasource")
        let portal = try hub.client("portal")
        let bank = try hub.client("consumer")
        #expect(await refusal { try await nav.exchange(consent.code) }?.code == .permissionDenied)
        #expect(await refusal { try await nav.issueToken(consent.id) }?.code == .permissionDenied)
        #expect(await refusal { try await portal.logUse(consent.id, resource: DemoRegistry.disabilityBenefits) }?.code == .permissionDenied)
        let token = try await bank.exchange(consent.code).token
        #expect(await refusal { try await bank.verify(token) }?.code == .permissionDenied, "a consumer does not verify tokens")
        #expect(await refusal { try await portal.verify(token) }?.code == .permissionDenied)
        bank.close()
        nav.close()
        portal.close()
        await hub.stop()
    }
}
