import ConsentClient
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentToken
import Foundation
import Testing

/// VerifyToken: the data source's online check (DESIGN §2 step 5), each
/// refusal with its own status and reason.
@Suite struct TokenVerifyTests {
    /// A hub with a NAV consent whose code was exchanged by the bank.
    struct Setup {
        let hub: InProcessHub
        let consent: GivenConsent
        let token: String
        let nav: InProcessClient

        init() async throws {
            hub = try InProcessHub()
            consent = try hub.giveNAVConsent()
            let bank = try hub.client("consumer")
            token = try await bank.exchange(consent.code).token
            bank.close()
            nav = try hub.client("datasource")
        }

        func stop() async {
            nav.close()
            await hub.stop()
        }
    }

    @Test func validTokenIsConfirmedWithItsClaims() async throws {
        let s = try await Setup()
        let response = try await s.nav.verify(s.token, resource: "5252_1", metadata: ["fraOgMed": "01.03.2023"])
        #expect(response.valid)
        let claims = try #require(response.claims)
        #expect(claims.consentId == s.consent.id.description)
        #expect(claims.to == "0192:910203045")
        #expect(claims.consumerOrganisationNumber == "910203045")
        #expect(claims.from == "urn:altinn:person:identifier-no:\(TestHub.demoUserID)")
        #expect(claims.issuer == "https://consenthub.example")
        #expect(claims.keyId == s.hub.tokenKeys.keySet.active.keyID)
        #expect(claims.rights == [Consent_V1_TokenResourceRight(resource: "5252_1", metadata: [
            .init(key: "fraOgMed", value: "01.01.2020"), .init(key: "tilOgMed", value: "31.12.2024"),
        ])])
        #expect(claims.expiresAtMs - claims.issuedAtMs == 120_000)
        // Without a resource only the token and the consent's liveness are checked.
        #expect(try await s.nav.verify(s.token).valid)
        await s.stop()
    }

    @Test func oneChangedCharacterIsRefused() async throws {
        let s = try await Setup()
        let badSignature = TokenText.changingOneCharacter(of: s.token, part: 2)
        #expect(await refusal { try await s.nav.verify(badSignature) } == Refusal(.unauthenticated, "token_signature_invalid"))
        let badClaims = TokenText.changingOneCharacter(of: s.token, part: 1)
        let claimsRefusal = await refusal { try await s.nav.verify(badClaims) }
        #expect(claimsRefusal == Refusal(.unauthenticated, "token_signature_invalid"), "the signature covers the claims")
        #expect(await refusal { try await s.nav.verify("garbage") } == Refusal(.invalidArgument, "token_malformed"))
        #expect(await refusal { try await s.nav.verify("") } == Refusal(.invalidArgument, "token_missing"))
        await s.stop()
    }

    @Test func expiredTokenIsRefused() async throws {
        let s = try await Setup()
        // Signed by the hub's own key, as if ten minutes ago: it expired eight minutes ago.
        let now = s.hub.now.millisecondsSinceEpoch / 1000
        let old = try s.hub.tokenKeys.signer.issue(for: ConsentAuthorizationDetail(
            consentID: s.consent.id.description, from: .person(identifier: TestHub.demoUserID), consumerOrganisationNumber: "910203045",
            consentedAt: now - 3600, validTo: now + 3600, rights: [ConsentRight(resource: "5252_1")]), isOneTime: false, now: now - 600)
        let refused = await refusal { try await s.nav.verify(old) }
        #expect(refused == Refusal(.unauthenticated, "token_expired"))
        await s.stop()
    }

    /// The hub's own token, checked as its 120 s pass on the hub's clock:
    /// valid up to its last second, expired at `exp`.
    @Test func theExchangedTokenExpiresOnTheHubsClock() async throws {
        let s = try await Setup()
        s.hub.advance(by: .seconds(119))
        #expect(try await s.nav.verify(s.token).valid)
        s.hub.advance(by: .seconds(1))
        #expect(await refusal { try await s.nav.verify(s.token) } == Refusal(.unauthenticated, "token_expired"))
        await s.stop()
    }

    @Test func tokenOfAnotherIssuerOrAnUnknownKeyIsRefused() async throws {
        let s = try await Setup()
        let now = s.hub.now.millisecondsSinceEpoch / 1000
        let consent = ConsentAuthorizationDetail(
            consentID: s.consent.id.description, from: .person(identifier: TestHub.demoUserID), consumerOrganisationNumber: "910203045",
            consentedAt: now - 10, validTo: now + 3600, rights: [ConsentRight(resource: "5252_1")])
        let impostor = TokenSigner(keySet: s.hub.tokenKeys.keySet, issuer: "https://impostor.example")
        #expect(await refusal { try await s.nav.verify(try! impostor.issue(for: consent, isOneTime: false, now: now)) }
            == Refusal(.unauthenticated, "token_issuer_wrong"))
        let stranger = TokenSigner(keySet: try TokenKeySet(active: SigningKey(privateKey: try P256.PrivateKey())), issuer: "https://consenthub.example")
        #expect(await refusal { try await s.nav.verify(try! stranger.issue(for: consent, isOneTime: false, now: now)) }
            == Refusal(.unauthenticated, "token_key_unknown"))
        await s.stop()
    }

    @Test func anotherDataSourceCannotVerifyTheToken() async throws {
        let s = try await Setup()
        let skatt = try s.hub.client("datasource-skatt")
        #expect(await refusal { try await skatt.verify(s.token) } == Refusal(.permissionDenied, "not_yours"))
        #expect(await refusal { try await skatt.verify(s.token, resource: "5252_1") } == Refusal(.permissionDenied, "not_yours"))
        skatt.close()
        await s.stop()
    }

    @Test func resourceAndMetadataMustBeCovered() async throws {
        let s = try await Setup()
        #expect(await refusal { try await s.nav.verify(s.token, resource: "4629_2") }?.code == .permissionDenied)
        #expect(await refusal { try await s.nav.verify(s.token, resource: "5252_1", metadata: ["fraOgMed": "01.01.2019"]) }
            == Refusal(.permissionDenied, "metadata_not_covered"))
        #expect(await refusal { try await s.nav.verify(s.token, resource: "52x") } == Refusal(.invalidArgument, "resource_id_malformed"))
        await s.stop()
    }

    @Test func usedOneTimeConsentFailsOnlineAndGetsNoNewToken() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveTaxConsent()
        let bank = try hub.client("consumer")
        let skatt = try hub.client("datasource-skatt")
        let token = try await bank.exchange(consent.code).token
        #expect(try await skatt.verify(token, resource: "4629_2", metadata: ["inntektsaar": "2024"]).valid)

        let receipt = try await bank.logUse(consent.id, resource: DemoRegistry.incomeAndTaxBase)
        #expect(receipt?.consentEnded == true)
        #expect(await refusal { try await skatt.verify(token) } == Refusal(.failedPrecondition, "consent_used_up"))
        #expect(await refusal { try await bank.issueToken(consent.id) } == Refusal(.failedPrecondition, "consent_used_up"))
        bank.close()
        skatt.close()
        await hub.stop()
    }
}
