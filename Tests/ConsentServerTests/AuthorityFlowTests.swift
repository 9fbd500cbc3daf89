import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Testing

/// Issue 12, point 3, through the router (in process): NAV states the
/// authority needed to consent for an organisation, the bank names the one
/// person who must answer, the portal states the roles the person holds.
@Suite struct AuthorityFlowTests {
    typealias Service = Consent_V1_ConsentService
    typealias Registry = Consent_V1_RegistryService
    static let organisation = "974760673"
    static let other = "01019012480"  // a second synthetic person

    static func person(_ id: String = TestHub.demoUserID, roles: String? = nil, signsFor: Bool = false) -> CallOptions {
        var metadata = TestHub.portalUser(id)
        if signsFor { metadata.add(PortalMetadata.signsFor, organisation) }
        if let roles { metadata.add(PortalMetadata.organisationRoles, roles) }
        return CallOptions(timeout: .seconds(30), metadata: metadata)
    }

    static func requireManagers(_ nav: some ClientTransport, _ roles: [String] = ["LEDE", "dagl"]) async throws -> Consent_V1_ResourceDefinition {
        var resource = try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource!
        resource.organisationAuthority = roles
        return try await nav.unary(Registry.registerResource, .init(resource: resource)).resource!
    }

    @Test func onlyTheRequiredDelegatorWithTheAuthorityAnswersAndTheLogSaysByWhichRole() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer"), nav = try hub.client("datasource"), portal = try hub.client("portal")
        let stored = try await Self.requireManagers(nav)
        #expect(stored.organisationAuthority == ["DAGL", "LEDE"], "upper-cased and sorted")

        var asked = Flow.navRequest(offeredBy: Self.organisation)
        asked.requiredDelegator = TestHub.demoUserID
        let request = try await bank.unary(Service.createRequest, asked).request!
        #expect(request.requiredDelegator == TestHub.demoUserID)

        let otherManager = await Flow.refusal {
            _ = try await portal.unary(Service.acceptRequest, .init(requestId: request.id), options: Self.person(Self.other, roles: "\(Self.organisation)=DAGL"))
        }
        #expect(otherManager?.code == .permissionDenied && Flow.reason(otherManager) == "required_delegator_mismatch")
        #expect(otherManager?.message.contains(TestHub.demoUserID) == false)
        let boardMember = await Flow.refusal {
            _ = try await portal.unary(Service.acceptRequest, .init(requestId: request.id), options: Self.person(roles: "\(Self.organisation)=MEDL", signsFor: true))
        }
        #expect(boardMember?.code == .permissionDenied && Flow.reason(boardMember) == "organisation_authority_missing")
        let page = await Flow.refusal {
            _ = try await portal.unary(Service.getRequest, .init(requestId: request.id), options: Self.person(signsFor: true))
        }
        #expect(Flow.reason(page) == "organisation_authority_missing", "the page is refused like the answer")
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: request.id)).request?.status == .created)

        let answer = try await portal.unary(Service.acceptRequest, .init(requestId: request.id),
                                            options: Self.person(roles: "\(Self.organisation)=SIGN,DAGL"))
        #expect(answer.request?.status == .accepted)
        #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: request.id)).request?.answerAuthority == ["DAGL"])
        let log = try await portal.unary(Service.getConsentLog, .init(consentId: request.id), options: Self.person(roles: "\(Self.organisation)=DAGL"))
        #expect(log.lines.first?.text.contains("organisasjonen 974 760 673 ved HÅKON TRANA (daglig leder)") == true)
        await hub.stop()
    }

    @Test func badInputIsRefusedByNameAndChangesNothing() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer"), nav = try hub.client("datasource"), portal = try hub.client("portal")
        var forPerson = Flow.navRequest()
        forPerson.requiredDelegator = Self.other
        let person = await Flow.refusal { _ = try await bank.unary(Service.createRequest, forPerson) }
        #expect(person?.code == .invalidArgument && Flow.reason(person) == "required_delegator_without_organisation")
        var malformed = Flow.navRequest(offeredBy: Self.organisation)
        malformed.requiredDelegator = "0101901248"
        let short = await Flow.refusal { _ = try await bank.unary(Service.createRequest, malformed) }
        #expect(short?.code == .invalidArgument && short?.message.hasPrefix("required_delegator:") == true)

        let request = try await bank.unary(Service.createRequest, Flow.navRequest(offeredBy: Self.organisation)).request!
        for (roles, reason) in [("974760673:DAGL", "org_roles_malformed"), ("974760673=", "org_roles_malformed"),
                                ("974760673=DAGL;974760673=LEDE", "org_roles_malformed"), ("974760673=DAGL!", "role_code_malformed"),
                                ("97476067=DAGL", "organisation_number_length")] {
            let refused = await Flow.refusal {
                _ = try await portal.unary(Service.getRequest, .init(requestId: request.id), options: Self.person(roles: roles))
            }
            #expect(refused?.code == .invalidArgument && Flow.reason(refused) == reason, "\(roles)")
            #expect(refused?.message.hasPrefix(PortalMetadata.organisationRoles) == true, "\(roles)")
        }
        var twice = TestHub.portalUser()
        twice.add(PortalMetadata.organisationRoles, "974760673=DAGL")
        twice.add(PortalMetadata.organisationRoles, "974760673=LEDE")
        let repeated = await Flow.refusal {
            _ = try await portal.unary(Service.getRequest, .init(requestId: request.id), options: CallOptions(metadata: twice))
        }
        #expect(Flow.reason(repeated) == "metadata_repeated")

        for (roles, reason) in [(["DAGL", "DAGL"], "authority_role_repeated"), (["D"], "role_code_malformed"),
                                ((0..<21).map { "R\($0)" }, "too_many_authority_roles")] {
            let refused = await Flow.refusal { _ = try await Self.requireManagers(nav, roles) }
            #expect(refused?.code == .invalidArgument && Flow.reason(refused) == reason, "\(roles)")
        }
        #expect(try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource?.organisationAuthority == [])
        // Someone with the roles answers as before: the hub still serves.
        _ = try await portal.unary(Service.acceptRequest, .init(requestId: request.id), options: Self.person(roles: "974760673=MEDL"))
        await hub.stop()
    }
}
