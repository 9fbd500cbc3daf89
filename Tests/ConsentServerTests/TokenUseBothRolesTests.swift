import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// An organisation that is both a consumer and a data source (NAV fetching
/// for itself and serving banks) logs the uses of other consumers' consents
/// as the data source it is for them, one by one and in a batch.
@Suite(.serialized) struct TokenUseBothRolesTests {
    @Test func aDataSourceThatIsAlsoAConsumerLogsUsesOfOthersConsents() async throws {
        var principals = InProcessHub.defaultPrincipals
        principals["datasource"]!.roles = [.consumer, .datasource]
        let hub = try InProcessHub(principals: principals)
        let nav = try hub.client("datasource")
        let consent = try hub.giveNAVConsent()  // BANKEN AS's

        var one = Consent_V1_LogUseRequest(resource: "5252_1")
        one.consent = .consentId(consent.id.description)
        let receipt = try await nav.unary(Consent_V1_TokenService.logUse, one).receipt
        #expect(receipt?.consentId == consent.id.description)

        let batch = try await nav.unary(Consent_V1_TokenService.logUses, .init(uses: [one, one]))
        #expect(batch.results.map { $0.status?.code ?? 0 } == [0, 0], "\(batch.results)")
        #expect(try hub.consentLog(consent.id).filter { $0.kind == .used }.count == 3)
        nav.close()
        await hub.stop()
    }
}
