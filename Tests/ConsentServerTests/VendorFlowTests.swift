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

/// Issue 12, point 2, over the wire: BANKEN AS registers the system vendor
/// BANKSYSTEMER AS, which then does the bank's side of the flow with its own
/// certificate; tokens and events name both, the person sees only the bank.
@Suite(.serialized) struct VendorFlowTests {
    typealias Service = Consent_V1_ConsentService
    typealias Tokens = Consent_V1_TokenService
    typealias Registry = Consent_V1_RegistryService

    static let vendor = DevPrincipal.vendor.organisationNumber
    static let forBank = CallOptions(timeout: .seconds(30), metadata: TestHub.actingFor())

    static func register(_ bank: ConsentClient, resources: [String] = ["5252_1"]) async throws -> Consent_V1_VendorAuthorisation {
        let authorisation = Consent_V1_VendorAuthorisation(vendorOrgNumber: vendor, vendorName: "BANKSYSTEMER AS", resourceIds: resources)
        return try await bank.unary(Registry.authoriseVendor, .init(authorisation: authorisation)).authorisation!
    }

    @Test func theVendorActsForTheBank() async throws {
        let hub = try TestHub()
        let bank = try hub.client("consumer")
        let vendor = try hub.client("vendor")
        let portal = try hub.client("portal")
        let nav = try hub.client("datasource")
        defer { bank.close(); vendor.close(); portal.close(); nav.close() }

        // Not registered yet: refused with its own reason, before anything is looked at.
        let early = await Flow.refusal { _ = try await vendor.unary(Service.createRequest, Flow.navRequest(), options: Self.forBank) }
        #expect(early?.code == .permissionDenied && Flow.reason(early) == "vendor_not_authorised")

        let stored = try await Self.register(bank)
        #expect(stored.consumerOrgNumber == Flow.bank && stored.resourceIds == ["5252_1"])
        #expect(try await bank.unary(Registry.listVendors, .init()).authorisations == [stored])

        // The vendor creates the bank's request; the bank and the vendor poll it.
        let created = try await vendor.unary(Service.createRequest, Flow.navRequest(), options: Self.forBank).request!
        #expect(created.consumerOrgNumber == Flow.bank && created.handledByOrgNumber == Self.vendor)
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: created.id)).request?.handledByOrgNumber == Self.vendor)
        #expect(try await vendor.unary(Service.getRequestStatus, .init(requestId: created.id), options: Self.forBank).request?.status == .created)

        // The person's page shows the bank, never the vendor.
        let page = try await portal.unary(Service.getRequest, .init(requestId: created.id), options: Flow.user()).page!
        #expect(page.consumerName == "BANKEN AS" && page.consumerOrgNumber == Flow.bank)
        let pageText = ([page.intro, page.resourcesHeading] + page.resources.map(\.text)).joined()
        #expect(!pageText.contains("BANKSYSTEMER") && !pageText.contains(Self.vendor))

        // Accepted; the vendor exchanges the code: the token says handledBy.
        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: created.id), options: Flow.user())
        let code = try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
        let grant = try await vendor.unary(Tokens.exchangeCode, .init(code: code), options: Self.forBank).grant!
        #expect(grant.handledByOrgNumber == Self.vendor)
        let claims = try await nav.unary(Tokens.verifyToken, .init(token: grant.token, resource: "5252_1")).claims!
        #expect(claims.to == "0192:\(Flow.bank)" && claims.handledBy == "urn:altinn:organization:identifier-no:\(Self.vendor)")
        #expect(claims.handledByOrganisationNumber == Self.vendor)
        // A token the bank gets itself names no vendor.
        let own = try await bank.unary(Tokens.issueToken, .init(consentId: created.id)).grant!
        #expect(own.handledByOrgNumber == "")
        #expect(try await nav.unary(Tokens.verifyToken, .init(token: own.token)).claims?.handledBy == "")

        // It logs the use, lists the bank's requests, and ends the consent for the bank.
        #expect(try await vendor.unary(Tokens.issueToken, .init(consentId: created.id), options: Self.forBank).grant?.handledByOrgNumber == Self.vendor)
        var use = Consent_V1_LogUseRequest(resource: "5252_1")
        use.consent = .consentId(created.id)
        #expect(try await vendor.unary(Tokens.logUse, use, options: Self.forBank).receipt?.consentId == created.id)
        #expect(try await vendor.unary(Service.listRequests, .init(), options: Self.forBank).requests.map(\.id) == [created.id])
        let ended = try await vendor.unary(Service.revokeConsent, .init(consentId: created.id), options: Self.forBank).consent!
        #expect(ended.status == .revoked)
        let log = try await portal.unary(Service.getConsentLog, .init(consentId: created.id), options: Flow.user()).lines
        #expect(log.map(\.title) == ["Samtykke gitt", "Samtykke benyttet", "Samtykke avsluttet"])
        #expect(log.allSatisfy { !$0.text.contains("BANKSYSTEMER") })

        // The bank's feed: every step the vendor took names the vendor and the bank.
        let events = try await bank.unary(Service.listEvents, .init(after: 0, limit: 1000)).events
        let byVendor = events.filter { $0.performedBy == .vendor }
        #expect(byVendor.map(\.type) == [.requestCreated, .codeExchanged, .consentUsed, .consentRevoked])
        #expect(byVendor.allSatisfy { $0.performedByOrgNumber == Self.vendor && $0.consumerOrgNumber == Flow.bank })
        #expect(events.contains { $0.type == .vendorAuthorised && $0.vendorOrgNumber == Self.vendor })
        await hub.stop()
    }

    @Test func theVendorNeverActsBeyondWhatTheBankGaveIt() async throws {
        let hub = try TestHub()
        let bank = try hub.client("consumer")
        let vendor = try hub.client("vendor")
        let admin = try hub.client("admin")
        defer { bank.close(); vendor.close(); admin.close() }
        _ = try await Self.register(bank)

        // Another consumer has not registered it.
        let other = CallOptions(timeout: .seconds(30), metadata: TestHub.actingFor(Flow.organisation(91122334)))
        let foreign = await Flow.refusal { _ = try await vendor.unary(Service.listRequests, .init(), options: other) }
        #expect(foreign?.code == .permissionDenied && Flow.reason(foreign) == "vendor_not_authorised")
        // A resource outside what the bank named.
        let tax = await Flow.refusal { _ = try await vendor.unary(Service.createRequest, Flow.taxRequest(), options: Self.forBank) }
        #expect(tax?.code == .permissionDenied && Flow.reason(tax) == "vendor_not_authorised" && tax?.message.contains("4629_2") == true)
        let bankTax = try await bank.unary(Service.createRequest, Flow.taxRequest()).request!
        let peek = await Flow.refusal { _ = try await vendor.unary(Service.getRequestStatus, .init(requestId: bankTax.id), options: Self.forBank) }
        #expect(peek?.code == .permissionDenied && Flow.reason(peek) == "vendor_not_authorised")
        // Without naming a consumer, or naming garbage.
        let unnamed = await Flow.refusal { _ = try await vendor.unary(Service.listRequests, .init()) }
        #expect(unnamed?.code == .invalidArgument && Flow.reason(unnamed) == "acting_for_missing")
        let garbage = await Flow.refusal {
            _ = try await vendor.unary(Service.listRequests, .init(), options: CallOptions(metadata: [VendorMetadata.actingFor: "12345"]))
        }
        #expect(garbage?.code == .invalidArgument && garbage?.message.hasPrefix(VendorMetadata.actingFor) == true)
        var twice = TestHub.actingFor()
        twice.add(VendorMetadata.actingFor, Flow.organisation(91122334))
        let repeated = await Flow.refusal { _ = try await vendor.unary(Service.listRequests, .init(), options: CallOptions(metadata: twice)) }
        #expect(repeated?.code == .invalidArgument && Flow.reason(repeated) == "metadata_repeated")
        // What its role never allows: the feed, the person's side, registering itself.
        for refused in [
            await Flow.refusal { _ = try await vendor.unary(Service.listEvents, .init(), options: Self.forBank) },
            await Flow.refusal { _ = try await vendor.unary(Service.acceptRequest, .init(requestId: bankTax.id), options: Self.forBank) },
            await Flow.refusal { _ = try await vendor.unary(Registry.authoriseVendor, .init(authorisation: .init(vendorOrgNumber: Self.vendor, vendorName: "X", resourceIds: ["5252_1"])), options: Self.forBank) },
        ] {
            #expect(refused?.code == .permissionDenied)
        }
        // The bank registers only for itself; an admin for anyone (and must say for whom).
        let forOther = Consent_V1_VendorAuthorisation(consumerOrgNumber: Flow.organisation(91122334), vendorOrgNumber: Self.vendor,
                                                      vendorName: "BANKSYSTEMER AS", resourceIds: ["5252_1"])
        let notCaller = await Flow.refusal { _ = try await bank.unary(Registry.authoriseVendor, .init(authorisation: forOther)) }
        #expect(notCaller?.code == .permissionDenied && Flow.reason(notCaller) == "consumer_not_caller")
        let unnamedConsumer = await Flow.refusal {
            _ = try await admin.unary(Registry.authoriseVendor, .init(authorisation: .init(vendorOrgNumber: Self.vendor, vendorName: "X", resourceIds: ["5252_1"])))
        }
        #expect(unnamedConsumer?.code == .invalidArgument && unnamedConsumer?.message.hasPrefix("authorisation.consumer_org_number") == true)
        let byAdmin = try await admin.unary(Registry.authoriseVendor, .init(authorisation: .init(
            consumerOrgNumber: Flow.bank, vendorOrgNumber: Self.vendor, vendorName: "BANKSYSTEMER AS", resourceIds: ["5252_1", "4630_1", "4629_2"])))
        #expect(byAdmin.authorisation?.resourceIds == ["4629_2", "4630_1", "5252_1"])
        #expect(try await vendor.unary(Service.getRequestStatus, .init(requestId: bankTax.id), options: Self.forBank).request?.id == bankTax.id)

        // Removed: refused at once.
        _ = try await bank.unary(Registry.deauthoriseVendor, .init(vendorOrgNumber: Self.vendor))
        let removed = await Flow.refusal { _ = try await vendor.unary(Service.createRequest, Flow.navRequest(), options: Self.forBank) }
        #expect(removed?.code == .permissionDenied && Flow.reason(removed) == "vendor_not_authorised")
        #expect(try await bank.unary(Registry.listVendors, .init()).authorisations.isEmpty)
        await hub.stop()
    }
}
