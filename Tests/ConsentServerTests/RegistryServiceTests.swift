import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// RegistryService through a live hub: data sources define resources and the
/// rettighetsregister (seed 004); consumers read what concerns them.
@Suite(.serialized) struct RegistryServiceTests {
    typealias Registry = Consent_V1_RegistryService

    /// A NAV resource as a data source would send it (owner left to the server).
    static func sickPayResource() -> Consent_V1_ResourceDefinition {
        Consent_V1_ResourceDefinition(
            resourceId: "5252_2", ownerName: "NAV",
            title: .init(nbNo: "Sykepenger fra NAV", en: "Sickness benefit from NAV"),
            text: .init(nbNo: "Ved å samtykke gir du {CoveredByName} rett til å hente opplysninger om sykepenger for {aar}."),
            metadata: [.init(key: "aar", format: .year, required: true)],
            kind: .timeLimited, maximumValidity: .init(unit: .years, amount: 1), requiredAssuranceLevel: 4)
    }

    @Test func eachCallerSeesItsOwnPartOfTheRegistry() async throws {
        let hub = try InProcessHub()
        let nav = try hub.client("datasource")
        let skatt = try hub.client("datasource-skatt")
        let bank = try hub.client("consumer")
        let admin = try hub.client("admin")

        #expect(try await nav.unary(Registry.listResources, .init()).resources.map(\.resourceId) == ["5252_1"])
        #expect(try await skatt.unary(Registry.listResources, .init()).resources.map(\.resourceId) == ["4629_2", "4630_1"])
        #expect(try await bank.unary(Registry.listResources, .init()).resources.map(\.resourceId) == ["4629_2", "4630_1", "5252_1"])
        #expect(try await admin.unary(Registry.listResources, .init()).resources.count == 3)

        let navResource = try await bank.unary(Registry.getResource, .init(resourceId: "5252_1")).resource!
        #expect(navResource.ownerOrgNumber == "889640782")
        #expect(navResource.metadata.map(\.key) == ["fraOgMed", "tilOgMed"])
        #expect(navResource.metadata.allSatisfy { $0.format == .date && $0.required })
        #expect(navResource.dateRanges == [.init(fromKey: "fraOgMed", toKey: "tilOgMed")])
        #expect(navResource.maximumValidity == .init(unit: .years, amount: 3))
        #expect(navResource.requiredAssuranceLevel == 4)
        #expect(navResource.kind == .timeLimited)

        let authorisations = try await bank.unary(Registry.listAuthorisations, .init()).authorisations
        #expect(authorisations.map(\.resourceId) == ["4629_2", "4630_1", "5252_1"])
        #expect(authorisations.allSatisfy { $0.consumerOrgNumber == Flow.bank && $0.redirectDomains == ["banken.example"] })
        #expect(try await nav.unary(Registry.listAuthorisations, .init(resourceId: "4629_2")).authorisations.isEmpty)

        let foreign = await Flow.refusal { _ = try await nav.unary(Registry.getResource, .init(resourceId: "4629_2")) }
        #expect(foreign?.code == .permissionDenied)
        #expect(Flow.reason(foreign) == "resource_not_visible")
        let unknown = await Flow.refusal { _ = try await admin.unary(Registry.getResource, .init(resourceId: "9999_1")) }
        #expect(unknown?.code == .notFound)

        for client in [nav, skatt, bank, admin] { client.close() }
        await hub.stop()
    }

    @Test func aDataSourceRegistersAResourceAndAuthorisesABank() async throws {
        let hub = try InProcessHub()
        let nav = try hub.client("datasource")
        let bank = try hub.client("consumer")

        let stored = try await nav.unary(Registry.registerResource, .init(resource: Self.sickPayResource())).resource!
        #expect(stored.ownerOrgNumber == "889640782", "an empty owner is the calling data source")
        #expect(stored.title?.nbNo == "Sykepenger fra NAV")
        #expect(stored.metadata == [.init(key: "aar", format: .year, required: true)])

        // Not yet authorised: the bank neither sees it nor may ask for it.
        let hidden = await Flow.refusal { _ = try await bank.unary(Registry.getResource, .init(resourceId: "5252_2")) }
        #expect(hidden?.message == "910203045 is not authorised for resource 5252_2; ask its data source to add you to its rettighetsregister.")

        let authorisation = Consent_V1_ConsumerAuthorisation(
            resourceId: "5252_2", consumerOrgNumber: Flow.bank, consumerName: "BANKEN AS",
            redirectDomains: [" Banken.Example ", "app.banken.example"])
        let saved = try await nav.unary(Registry.authoriseConsumer, .init(authorisation: authorisation)).authorisation!
        #expect(saved.redirectDomains == ["banken.example", "app.banken.example"])
        #expect(try await bank.unary(Registry.getResource, .init(resourceId: "5252_2")).resource?.resourceId == "5252_2")

        // The bank can now ask for it.
        let request = Consent_V1_CreateRequestRequest(
            resources: [.init(resourceId: "5252_2", metadata: [.init(key: "aar", value: "2024")])],
            redirectUrl: "https://app.banken.example/cb", validToMs: Flow.nowMs + 30 * Flow.day, purpose: "Forsikring")
        #expect(try await bank.unary(Consent_V1_ConsentService.createRequest, request).request?.status == .created)

        // Deauthorised: no new requests, and the bank no longer sees it.
        let removed = try await nav.unary(Registry.deauthoriseConsumer, .init(resourceId: "5252_2", consumerOrgNumber: Flow.bank))
        #expect(removed.resourceId == "5252_2")
        let refused = await Flow.refusal { _ = try await bank.unary(Consent_V1_ConsentService.createRequest, request) }
        #expect(Flow.reason(refused) == "consumer_not_authorised")
        #expect(try await bank.unary(Registry.listResources, .init()).resources.map(\.resourceId) == ["4629_2", "4630_1", "5252_1"])

        // The registry events are in NAV's feed.
        let events = try await nav.unary(Consent_V1_ConsentService.listEvents,
                                         .init(types: [.resourceRegistered, .consumerAuthorised, .consumerDeauthorised])).events
        #expect(events.filter { $0.resourceId == "5252_2" }.map(\.type) == [.resourceRegistered, .consumerAuthorised, .consumerDeauthorised])

        nav.close()
        bank.close()
        await hub.stop()
    }

    @Test func ownershipAndMalformedDefinitionsAreRefused() async throws {
        let hub = try InProcessHub()
        let skatt = try hub.client("datasource-skatt")
        let admin = try hub.client("admin")

        // Skatteetaten cannot change NAV's resource or authorise for it.
        var hijack = Self.sickPayResource()
        hijack.resourceId = "5252_1"
        let update = await Flow.refusal { _ = try await skatt.unary(Registry.registerResource, .init(resource: hijack)) }
        #expect(update?.code == .permissionDenied)
        let authorise = await Flow.refusal {
            _ = try await skatt.unary(Registry.authoriseConsumer, .init(authorisation: .init(
                resourceId: "5252_1", consumerOrgNumber: Flow.bank, consumerName: "BANKEN AS", redirectDomains: ["banken.example"])))
        }
        #expect(authorise?.code == .permissionDenied)
        #expect(Flow.reason(authorise) == "resource_not_owned")

        // Wire-level mistakes name the field.
        var noKind = Self.sickPayResource()
        noKind.kind = .unspecified
        let kind = await Flow.refusal { _ = try await admin.unary(Registry.registerResource, .init(resource: noKind)) }
        #expect(kind?.message.hasPrefix("resource.owner_org_number is required") == true, "an admin must name the owner of a new resource")
        noKind.ownerOrgNumber = "889640782"
        let kind2 = await Flow.refusal { _ = try await admin.unary(Registry.registerResource, .init(resource: noKind)) }
        #expect(kind2?.message.hasPrefix("resource.kind: must be CONSENT_KIND_ONE_TIME or CONSENT_KIND_TIME_LIMITED") == true)
        var badFormat = Self.sickPayResource()
        badFormat.metadata[0].format = .unspecified
        let format = await Flow.refusal { _ = try await skatt.unary(Registry.registerResource, .init(resource: badFormat)) }
        #expect(format?.message.hasPrefix("resource.metadata[0].format: ") == true)
        let none = await Flow.refusal { _ = try await admin.unary(Registry.registerResource, .init()) }
        #expect(none?.message == "resource is required: the resource definition")

        // Domain rules keep their reasons: Bokmål text is required.
        var noBokmal = Self.sickPayResource()
        noBokmal.ownerOrgNumber = "889640782"
        noBokmal.text = .init(en: "English only")
        let text = await Flow.refusal { _ = try await admin.unary(Registry.registerResource, .init(resource: noBokmal)) }
        #expect(Flow.reason(text) == "text_missing_bokmal")

        // An admin may register for a data source, and update it without naming the owner again.
        var forNAV = Self.sickPayResource()
        forNAV.ownerOrgNumber = "889640782"
        #expect(try await admin.unary(Registry.registerResource, .init(resource: forNAV)).resource?.ownerOrgNumber == "889640782")
        forNAV.ownerOrgNumber = ""
        forNAV.ownerName = "Arbeids- og velferdsetaten"
        #expect(try await admin.unary(Registry.registerResource, .init(resource: forNAV)).resource?.ownerName == "Arbeids- og velferdsetaten")
        #expect(try await admin.unary(Consent_V1_Health.check, .init()).status == .serving)

        skatt.close()
        admin.close()
        await hub.stop()
    }
}
