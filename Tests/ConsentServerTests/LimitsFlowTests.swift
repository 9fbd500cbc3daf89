import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// Issue 12, point 5, over the wire: uses per day (`frequencyPerDay`) on a
/// request and on a resource, statistics for data sources and operators, and
/// the person's counts for the portal.
@Suite(.serialized) struct LimitsFlowTests {
    typealias Service = Consent_V1_ConsentService
    typealias Tokens = Consent_V1_TokenService
    typealias Registry = Consent_V1_RegistryService

    static func use(_ id: String) -> Consent_V1_LogUseRequest {
        var use = Consent_V1_LogUseRequest(resource: "5252_1")
        use.consent = .consentId(id)
        return use
    }

    @Test func aUsePastTheDailyLimitIsRefused() async throws {
        let hub = try TestHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let nav = try hub.client("datasource")
        defer { bank.close(); portal.close(); nav.close() }
        var asked = Flow.navRequest()
        asked.usesPerDay = 2
        let created = try await bank.unary(Service.createRequest, asked).request!
        #expect(created.resources.map(\.usesPerDay) == [2])
        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: created.id), options: Flow.user())
        let code = try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
        let token = try await bank.unary(Tokens.exchangeCode, .init(code: code)).grant!.token

        _ = try await nav.unary(Tokens.logUse, Self.use(created.id))
        _ = try await bank.unary(Tokens.logUse, Self.use(created.id))
        let third = await Flow.refusal { _ = try await nav.unary(Tokens.logUse, Self.use(created.id)) }
        #expect(third?.code == .resourceExhausted && Flow.reason(third) == "daily_use_limit_reached")
        #expect(third?.message.contains("2 uses of resource 5252_1 per day") == true)
        let verify = await Flow.refusal { _ = try await nav.unary(Tokens.verifyToken, .init(token: token, resource: "5252_1")) }
        #expect(verify?.code == .resourceExhausted && Flow.reason(verify) == "daily_use_limit_reached")
        // In a batch, only the item past the limit is refused.
        let batch = try await nav.unary(Tokens.logUses, .init(uses: [Self.use(created.id)]))
        #expect(batch.results.first?.status?.reason == "daily_use_limit_reached")
        #expect(batch.results.first?.status?.code == StatusCode.resourceExhausted.rawValue)

        // A request may not raise a limit, nor give a silly one.
        var tooMany = Flow.navRequest()
        tooMany.usesPerDay = 20_000
        let silly = await Flow.refusal { _ = try await bank.unary(Service.createRequest, tooMany) }
        #expect(silly?.code == .outOfRange && Flow.reason(silly) == "uses_per_day_out_of_range")
        await hub.stop()
    }

    @Test func aResourceSetsTheLimitARequestMayLower() async throws {
        let hub = try TestHub()
        let nav = try hub.client("datasource")
        let bank = try hub.client("consumer")
        defer { nav.close(); bank.close() }
        var definition = try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource!
        #expect(definition.usesPerDay == 0)
        definition.usesPerDay = 4
        #expect(try await nav.unary(Registry.registerResource, .init(resource: definition)).resource?.usesPerDay == 4)
        #expect(try await bank.unary(Service.createRequest, Flow.navRequest()).request?.resources.first?.usesPerDay == 4)
        var lower = Flow.navRequest()
        lower.usesPerDay = 1
        #expect(try await bank.unary(Service.createRequest, lower).request?.resources.first?.usesPerDay == 1)
        var higher = Flow.navRequest()
        higher.usesPerDay = 5
        let refused = await Flow.refusal { _ = try await bank.unary(Service.createRequest, higher) }
        #expect(refused?.code == .outOfRange && Flow.reason(refused) == "uses_per_day_beyond_maximum")
        definition.usesPerDay = 10_001
        let bad = await Flow.refusal { _ = try await nav.unary(Registry.registerResource, .init(resource: definition)) }
        #expect(bad?.code == .outOfRange && Flow.reason(bad) == "uses_per_day_out_of_range")
        await hub.stop()
    }

    @Test func statisticsAndThePersonsCounts() async throws {
        let hub = try TestHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let nav = try hub.client("datasource")
        let admin = try hub.client("admin")
        defer { bank.close(); portal.close(); nav.close(); admin.close() }
        let given = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        _ = try await portal.unary(Service.acceptRequest, .init(requestId: given.id), options: Flow.user())
        _ = try await nav.unary(Tokens.logUse, Self.use(given.id))
        let ended = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        _ = try await portal.unary(Service.acceptRequest, .init(requestId: ended.id), options: Flow.user())
        _ = try await bank.unary(Service.revokeConsent, .init(consentId: ended.id))
        let declined = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        _ = try await portal.unary(Service.rejectRequest, .init(requestId: declined.id), options: Flow.user())
        let deleted = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        _ = try await bank.unary(Service.deleteRequest, .init(requestId: deleted.id))

        let rows = try await nav.unary(Service.getStatistics, .init()).rows
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row.resourceId == "5252_1" && row.given == 2 && row.used == 1 && row.ended == 1 && row.rejected == 1 && row.withdrawn == 0)
        #expect(row.period.count == 10)
        let month = try await admin.unary(Service.getStatistics, .init(period: .month)).rows
        #expect(month.map(\.period) == [String(row.period.prefix(7))] && month.first?.given == 2)

        let other = await Flow.refusal { _ = try await nav.unary(Service.getStatistics, .init(resourceId: "4629_2")) }
        #expect(other?.code == .permissionDenied && Flow.reason(other) == "resource_not_owned")
        let byBank = await Flow.refusal { _ = try await bank.unary(Service.getStatistics, .init()) }
        #expect(byBank?.code == .permissionDenied)
        let period = await Flow.refusal { _ = try await nav.unary(Service.getStatistics, .init(period: .init(rawValue: 9))) }
        #expect(period?.code == .invalidArgument && Flow.reason(period) == "statistics_period_unknown" && period?.message.hasPrefix("period:") == true)

        let counts = try await portal.unary(Service.countConsents, .init(), options: Flow.user())
        #expect(counts.counts.map(\.status) == [.created, .accepted, .rejected, .revoked, .expired, .usedUp])
        #expect(counts.counts.map(\.count) == [0, 1, 1, 1, 0, 0])
        #expect(counts.endedByConsumer == 1)
        let notSignatory = await Flow.refusal { _ = try await portal.unary(Service.countConsents, .init(party: Flow.bank), options: Flow.user()) }
        #expect(notSignatory?.code == .permissionDenied && Flow.reason(notSignatory) == "not_signatory")
        await hub.stop()
    }
}
