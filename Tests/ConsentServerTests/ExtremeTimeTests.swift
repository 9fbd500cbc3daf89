import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentTesting
import Testing

/// Times at the ends of Int64 once crashed the hub (an overflow while the
/// refusal was being worded, under the ledger's lock). Every time field a
/// caller sends is now range-checked: INVALID_ARGUMENT naming the field, and
/// the hub goes on serving with its data intact.
@Suite(.serialized) struct ExtremeTimeTests {
    typealias Service = Consent_V1_ConsentService
    static let extremes: [Int64] = [.min, .min + 1, -1, .max, .max - 86_400_000, 253_402_300_800_000]

    static func expectOutOfRange(_ error: RPCError?, field: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(error?.code == .invalidArgument, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(Flow.reason(error) == "time_out_of_range", sourceLocation: sourceLocation)
        #expect(error?.message.hasPrefix("\(field): ") == true, "\(error?.message ?? "")", sourceLocation: sourceLocation)
    }

    @Test func everyTimeFieldRefusesTimesOutsideTheYears1970To9999() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")
        let portal = try hub.client("portal")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id
        _ = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user())
        let before = try await nav.unary(Service.listEvents, .init(after: 0)).events.count

        for ms in Self.extremes {
            var create = Flow.navRequest()
            create.validToMs = ms
            Self.expectOutOfRange(await Flow.refusal { _ = try await bank.unary(Service.createRequest, create) }, field: "valid_to_ms")

            Self.expectOutOfRange(await Flow.refusal { _ = try await nav.unary(Service.listEvents, .init(fromMs: 1, toMs: ms)) }, field: "to_ms")
            Self.expectOutOfRange(await Flow.refusal { _ = try await bank.unary(Service.listEvents, .init(fromMs: ms)) }, field: "from_ms")

            var use = Consent_V1_LogUseRequest(resource: "5252_1", usedAtMs: ms)
            use.consent = .consentId(id)
            Self.expectOutOfRange(await Flow.refusal { _ = try await nav.unary(Consent_V1_TokenService.logUse, use) }, field: "used_at_ms")

            // In a batch only the bad item is refused.
            var good = Consent_V1_LogUseRequest(resource: "5252_1")
            good.consent = .consentId(id)
            let batch = try await nav.unary(Consent_V1_TokenService.logUses, .init(uses: [use, good]))
            #expect(batch.results.count == 2)
            #expect(batch.results.first?.status?.code == UInt32(StatusCode.invalidArgument.rawValue))
            #expect(batch.results.first?.status?.message.hasPrefix("used_at_ms: ") == true)
            #expect(batch.results.last?.receipt?.consentId == id)
        }

        // Still serving, and nothing but the good uses was recorded.
        #expect(try await bank.unary(Consent_V1_Health.check, .init()).status == .serving)
        let after = try await nav.unary(Service.listEvents, .init(after: 0)).events
        #expect(after.count == before + Self.extremes.count)
        #expect(after.suffix(Self.extremes.count).allSatisfy { $0.type == .consentUsed })
        #expect(try await bank.unary(Service.createRequest, Flow.navRequest()).request?.id.isEmpty == false)

        bank.close()
        nav.close()
        portal.close()
        await hub.stop()
    }
}
