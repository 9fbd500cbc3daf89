import ConsentCore
import ConsentToken
import Testing
@testable import ConsentServer

/// The domain's facts as token claims (DESIGN §7).
@Suite struct TokenMappingTests {
    @Test func fastConsentIDTextIsTheCanonicalText() {
        var random = SplitMix64(seed: 7)
        let ids = [RequestID(high: 0, low: 0), RequestID(high: .max, low: .max)] + (0..<1000).map { _ in RequestID(using: &random) }
        for id in ids {
            #expect(id.canonicalText == id.description)
        }
    }

    @Test func factsBecomeAltinnClaimsInWholeSeconds() throws {
        let facts = TokenFacts(
            consentID: RequestID(high: 0x3f25_04e0_4f89_41d3, low: 0x9a0c_0305_e82c_3301),
            consumer: DemoRegistry.bankenAS,
            offeredBy: .person(try NationalIdentityNumber(validating: "15038512363")),
            resources: [ResourceGrant(resource: DemoRegistry.disabilityBenefits, version: 1, metadata: [MetadataValue("fraOgMed", "01.01.2020"), MetadataValue("tilOgMed", "31.12.2024")])],
            consentedAt: Timestamp(millisecondsSinceEpoch: 1_760_000_000_999), validTo: Timestamp(millisecondsSinceEpoch: 1_790_000_000_999), isOneTime: false)
        let detail = ConsentAuthorizationDetail(facts)
        #expect(detail.consentID == "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
        #expect(detail.from.urn == "urn:altinn:person:identifier-no:15038512363")
        #expect(detail.consumerID == "0192:910203045")
        #expect(detail.consentedAt == 1_760_000_000)
        #expect(detail.validTo == 1_790_000_000, "rounded down: a token never outlives its consent")
        #expect(detail.rights == [ConsentRight(resource: "5252_1", metadata: ["fraOgMed": "01.01.2020", "tilOgMed": "31.12.2024"])])
        var organisation = facts
        organisation.offeredBy = .organisation(DemoRegistry.nav)
        #expect(ConsentAuthorizationDetail(organisation).from.urn == "urn:altinn:organization:identifier-no:889640782")
    }
}
