import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentToken
import Foundation
import Testing

/// LogUse and LogUses (DESIGN §2 step 6, seed 002's Samtykkelogg).
@Suite struct TokenUseTests {
    @Test func loggedUseAppearsInTheUsersConsentLog() async throws {
        let hub = try InProcessHub(storage: .embedded)
        // Given ten minutes ago; the bank fetched the data a minute ago and logs it now.
        let consent = try hub.give(Demo.navRequest(validTo: hub.now + .seconds(86_400)), at: hub.now - .seconds(600))
        let bank = try hub.client("consumer")
        let usedAt = hub.now.millisecondsSinceEpoch - 60_000
        let receipt = try #require(try await bank.logUse(consent.id, resource: DemoRegistry.disabilityBenefits, at: usedAt))
        #expect(receipt.consentId == consent.id.description)
        #expect(receipt.resource == "5252_1")
        #expect(receipt.usedAtMs == usedAt)
        #expect(!receipt.consentEnded)

        let log = try hub.consentLog(consent.id)
        let used = try #require(log.first { $0.kind == .used })
        #expect(used.title == "Samtykke benyttet")
        #expect(used.text.hasPrefix("BANKEN AS har hentet data om HÅKON TRANA."), "\(used.text)")
        #expect(hub.ledger.durableSequence >= hub.ledger.lastSequence, "durable before the answer")
        bank.close()
        await hub.stop()
    }

    @Test func firstUseEndsAOneTimeConsent() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveTaxConsent()
        let skatt = try hub.client("datasource-skatt")
        let receipt = try #require(try await skatt.logUse(consent.id, resource: DemoRegistry.incomeAndTaxBase))
        #expect(receipt.consentEnded)
        let used = try #require(try hub.consentLog(consent.id).first { $0.kind == .used })
        #expect(used.text.hasSuffix("Engangssamtykke er nå opphørt."), "\(used.text)")
        #expect(await refusal { try await skatt.logUse(consent.id, resource: DemoRegistry.incomeAndTaxBase) } == Refusal(.failedPrecondition, "consent_used_up"))
        skatt.close()
        await hub.stop()
    }

    @Test func useCanBeLoggedByTheTokenItWasFetchedWith() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveNAVConsent()
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")
        let token = try await bank.exchange(consent.code).token
        let response = try await nav.unary(Consent_V1_TokenService.logUse, .init(resource: "5252_1", consent: .token(token)))
        #expect(response.receipt?.consentId == consent.id.description)
        let forged = TokenText.changingOneCharacter(of: token, part: 2)
        #expect(await refusal { try await nav.unary(Consent_V1_TokenService.logUse, .init(resource: "5252_1", consent: .token(forged))) }
            == Refusal(.unauthenticated, "token_signature_invalid"))
        // NAV logs only its own resource; Skatteetaten is no data source of this consent.
        let skatt = try hub.client("datasource-skatt")
        #expect(await refusal { try await skatt.logUse(consent.id, resource: DemoRegistry.disabilityBenefits) } == Refusal(.permissionDenied, "not_yours"))
        bank.close()
        nav.close()
        skatt.close()
        await hub.stop()
    }

    @Test func batchAnswersEveryUseInOrder() async throws {
        let hub = try InProcessHub()
        let nav = try hub.giveNAVConsent()
        let tax = try hub.giveTaxConsent()
        let bank = try hub.client("consumer")
        func use(_ id: String, _ resource: String) -> Consent_V1_LogUseRequest {
            Consent_V1_LogUseRequest(resource: resource, consent: .consentId(id))
        }
        let uses = [
            use(nav.id.description, "5252_1"),
            use("not-an-id", "5252_1"),
            use(nav.id.description, "4629_2"),
            use(tax.id.description, "4629_2"),
            use(tax.id.description, "4629_2"),
            Consent_V1_LogUseRequest(resource: "5252_1"),
            Consent_V1_LogUseRequest(resource: "5252_1", usedAtMs: hub.now.millisecondsSinceEpoch + 3_600_000, consent: .consentId(nav.id.description)),
            use(nav.id.description, "5252_1"),
        ]
        let response = try await bank.unary(Consent_V1_TokenService.logUses, .init(uses: uses))
        #expect(response.results.map { Refusal($0.status) } == [
            Refusal(.ok, ""), Refusal(.invalidArgument, "request_id_malformed"), Refusal(.permissionDenied, "resource_not_in_consent"),
            Refusal(.ok, ""), Refusal(.failedPrecondition, "consent_used_up"), Refusal(.invalidArgument, "consent_missing"),
            Refusal(.outOfRange, "used_in_future"), Refusal(.ok, ""),
        ])
        #expect(response.results[3].receipt?.consentEnded == true, "the first use ends the one-time consent")
        #expect(try hub.consentLog(nav.id).filter { $0.kind == .used }.count == 2)
        bank.close()
        await hub.stop()
    }
}
