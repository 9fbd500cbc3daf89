import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// Who may do what, and how malformed input is refused, through the wire
/// (DESIGN §6). After every refusal the same connection goes on being served.
@Suite(.serialized) struct ConsentBoundaryTests {
    typealias Service = Consent_V1_ConsentService

    /// The connection still works: a refusal never costs a caller its connection.
    static func stillServing(_ client: some ClientTransport) async throws -> Bool {
        try await client.unary(Consent_V1_Health.check, .init()).status == .serving
    }

    @Test func eachRoleIsRefusedWhatItMayNotDo() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")
        let portal = try hub.client("portal")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id

        // A consumer cannot change the registry.
        let register = await Flow.refusal {
            _ = try await bank.unary(Consent_V1_RegistryService.registerResource, .init(resource: .init(resourceId: "5252_9")))
        }
        #expect(register?.code == .permissionDenied)
        #expect(register?.message == "BANKEN AS (910203045) has role consumer; /consent.v1.RegistryService/RegisterResource requires admin or datasource")
        #expect(try await Self.stillServing(bank))

        // A data source cannot answer for a user.
        let accept = await Flow.refusal { _ = try await nav.unary(Service.acceptRequest, .init(requestId: id)) }
        #expect(accept?.code == .permissionDenied)
        #expect(accept?.message.contains("requires portal") == true)
        #expect(try await Self.stillServing(nav))

        // A consumer cannot read the user's list, and the portal cannot create requests.
        let list = await Flow.refusal { _ = try await bank.unary(Service.listConsents, .init()) }
        #expect(list?.code == .permissionDenied)
        let create = await Flow.refusal { _ = try await portal.unary(Service.createRequest, Flow.navRequest(), options: Flow.user()) }
        #expect(create?.code == .permissionDenied)

        // The feed is for organisations: the portal has no place in it.
        let events = await Flow.refusal { _ = try await portal.unary(Service.listEvents, .init(), options: Flow.user()) }
        #expect(events?.code == .permissionDenied)
        #expect(try await Self.stillServing(portal))

        // NAV may poll a request for its resource (it includes 5252_1).
        #expect(try await nav.unary(Service.getRequestStatus, .init(requestId: id)).request?.id == id)

        bank.close()
        nav.close()
        portal.close()
        await hub.stop()
    }

    @Test func aConsumerCannotReadAnotherConsumersRequest() async throws {
        let hub = try InProcessHub()
        let otherBank = try hub.client("consumer-2")
        let bank = try hub.client("consumer")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id

        let status = await Flow.refusal { _ = try await otherBank.unary(Service.getRequestStatus, .init(requestId: id)) }
        #expect(status?.code == .permissionDenied)
        #expect(Flow.reason(status) == "not_yours")
        #expect(status?.message == "You may not see or act on request \(id): it was created by another consumer.")

        // Its feed does not show the other bank's request either.
        let feed = try await otherBank.unary(Service.listEvents, .init(after: 0)).events
        #expect(!feed.contains { $0.requestId == id })
        // Nor may it create requests for resources it is not authorised for.
        let create = await Flow.refusal { _ = try await otherBank.unary(Service.createRequest, Flow.navRequest()) }
        #expect(create?.code == .permissionDenied)
        #expect(Flow.reason(create) == "consumer_not_authorised")
        #expect(try await Self.stillServing(otherBank))

        bank.close()
        otherBank.close()
        await hub.stop()
    }

    @Test func thePortalMustStateTheUser() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id

        let nobody = await Flow.refusal { _ = try await portal.unary(Service.getRequest, .init(requestId: id)) }
        #expect(nobody?.code == .unauthenticated)
        #expect(nobody?.message == "no end user is logged in: the portal must state the user's national id in the metadata key x-consent-user-id")

        var badID = TestHub.portalUser()
        badID.set(PortalMetadata.userID, "15038512364")
        let malformed = await Flow.refusal {
            _ = try await portal.unary(Service.getRequest, .init(requestId: id), options: CallOptions(metadata: badID))
        }
        #expect(malformed?.code == .invalidArgument)
        #expect(malformed?.message.hasPrefix("x-consent-user-id: ") == true)
        #expect(malformed?.message.contains("1503851") == false, "a national id never appears in a message")

        var badLevel = TestHub.portalUser()
        badLevel.set(PortalMetadata.assuranceLevel, "high")
        let level = await Flow.refusal {
            _ = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: CallOptions(metadata: badLevel))
        }
        #expect(level?.code == .invalidArgument)
        #expect(level?.message.hasPrefix("x-consent-assurance-level: ") == true)

        // Identity metadata given twice is refused, whichever value comes first:
        // the portal states one user, never a list to pick from.
        for key in [PortalMetadata.userID, PortalMetadata.assuranceLevel, PortalMetadata.userName, PortalMetadata.signsFor] {
            var twice = TestHub.portalUser()
            if key == PortalMetadata.signsFor { twice.add(key, Flow.bank) }
            twice.add(key, key == PortalMetadata.userID ? "01019012480" : key == PortalMetadata.assuranceLevel ? "3" : key == PortalMetadata.userName ? "KARI NORDMANN" : Flow.bank)
            let repeated = await Flow.refusal {
                _ = try await portal.unary(Service.getRequest, .init(requestId: id), options: CallOptions(metadata: twice))
            }
            #expect(repeated?.code == .invalidArgument, "\(key): \(String(describing: repeated))")
            #expect(Flow.reason(repeated) == "metadata_repeated", "\(key)")
            #expect(repeated?.message.contains("0101901") == false && repeated?.message.contains("1503851") == false)
        }

        // Another person may not see a request offered to the demo user.
        let other = try NationalIdentityNumber(validating: "01019012480").digits
        let stranger = await Flow.refusal {
            _ = try await portal.unary(Service.getRequest, .init(requestId: id), options: CallOptions(metadata: TestHub.portalUser(other)))
        }
        #expect(stranger?.code == .permissionDenied)
        #expect(stranger?.message.contains("0101901") == false)
        #expect(try await Self.stillServing(portal))

        bank.close()
        portal.close()
        await hub.stop()
    }

    @Test func malformedFieldsAreInvalidArgumentNamingTheField() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")

        let badID = await Flow.refusal { _ = try await bank.unary(Service.getRequestStatus, .init(requestId: "not-a-uuid")) }
        #expect(badID?.code == .invalidArgument)
        #expect(badID?.message.hasPrefix("request_id: A request id is a UUID") == true)
        #expect(Flow.reason(badID) == "request_id_malformed")

        var request = Flow.navRequest()
        request.resources[0].resourceId = "5252-1"
        let badResource = await Flow.refusal { _ = try await bank.unary(Service.createRequest, request) }
        #expect(badResource?.code == .invalidArgument)
        #expect(badResource?.message.hasPrefix("resources[0].resource_id: ") == true)

        request = Flow.navRequest(offeredBy: "12345")
        let badParty = await Flow.refusal { _ = try await bank.unary(Service.createRequest, request) }
        #expect(badParty?.message.hasPrefix("offered_by: ") == true)

        request = Flow.navRequest()
        request.validToMs = 0
        let noValidity = await Flow.refusal { _ = try await bank.unary(Service.createRequest, request) }
        #expect(noValidity?.code == .invalidArgument)
        #expect(noValidity?.message.hasPrefix("valid_to_ms is required") == true)

        request = Flow.navRequest()
        request.language = "sv-SE"
        let badLanguage = await Flow.refusal { _ = try await bank.unary(Service.createRequest, request) }
        #expect(badLanguage?.message == "language: 'sv-SE' is not a supported language; use en, nb-NO or nn-NO.")

        let badType = await Flow.refusal {
            _ = try await bank.unary(Service.listEvents, .init(types: [.requestCreated, .unspecified]))
        }
        #expect(badType?.code == .invalidArgument)
        #expect(badType?.message.hasPrefix("types[1]: CONSENT_EVENT_TYPE_UNSPECIFIED is not an event type") == true)

        let badLog = await Flow.refusal {
            _ = try await portal.unary(Service.getConsentLog, .init(consentId: "x"), options: Flow.user())
        }
        #expect(badLog?.message.hasPrefix("consent_id: ") == true)

        // A rule of the domain (not of the wire) keeps the domain's status and reason.
        request = Flow.navRequest()
        request.redirectUrl = "http://banken.example/cb"
        let insecure = await Flow.refusal { _ = try await bank.unary(Service.createRequest, request) }
        #expect(Flow.reason(insecure) == "redirect_not_https")

        // Streams refuse the same way, as the call's status.
        var streamError: RPCError? = nil
        do {
            for try await _ in bank.serverStream(Service.watchEvents, .init(types: [.unrecognized(99)])) {}
        } catch let error as RPCError {
            streamError = error
        }
        #expect(streamError?.code == .invalidArgument)
        #expect(streamError?.message.hasPrefix("types[0]: ") == true)
        #expect(try await Self.stillServing(bank))

        bank.close()
        portal.close()
        await hub.stop()
    }

    @Test func createIsIdempotentByKey() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let retried = Flow.navRequest(idempotencyKey: "soknad-4711")
        let first = try await bank.unary(Service.createRequest, retried).request!
        let again = try await bank.unary(Service.createRequest, retried).request!
        #expect(again.id == first.id)
        #expect(again.createdAtMs == first.createdAtMs)

        var changed = retried
        changed.purpose = "Noe annet"
        let conflict = await Flow.refusal { _ = try await bank.unary(Service.createRequest, changed) }
        #expect(conflict?.code == .alreadyExists)
        #expect(Flow.reason(conflict) == "idempotency_key_reused")

        let other = try await bank.unary(Service.createRequest, Flow.navRequest(idempotencyKey: "soknad-4712")).request!
        #expect(other.id != first.id)
        let created = try await bank.unary(Service.listEvents, .init(types: [.requestCreated])).events
        #expect(created.filter { $0.requestId == first.id }.count == 1, "the retry recorded nothing")

        bank.close()
        await hub.stop()
    }

    @Test func repeatedAcceptCarriesNoNewCode() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let portal = try hub.client("portal")
        let id = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id
        let first = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user())
        let again = try await portal.unary(Service.acceptRequest, .init(requestId: id), options: Flow.user())
        #expect(!first.alreadyAnswered)
        #expect(again.alreadyAnswered)
        #expect(Flow.parameter("AuthorizationCode", in: first.redirectUrl) != nil)
        #expect(again.redirectUrl == "\(Flow.redirect)?RequestId=\(id)&Status=OK")

        bank.close()
        portal.close()
        await hub.stop()
    }
}
