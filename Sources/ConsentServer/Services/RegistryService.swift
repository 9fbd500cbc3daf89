import ConsentCore
import ConsentProto
import ConsentRPC

/// `consent.v1.RegistryService`: resources (samtykketjenester), the
/// rettighetsregister of who may ask for them (seed 004), and the consumers'
/// register of vendors acting for them (`RegistryService+Vendors.swift`).
///
/// The router checks roles; ConsentCore checks ownership (a data source changes
/// only its own resources). Reads are open to consumers too, which see what
/// they are authorised for, so a bank can find the metadata keys to send.
public enum RegistryService {
    /// Who may change the registry, in the order a principal with several roles acts in.
    static let changeRoles: [Role] = [.datasource, .admin]
    /// Who may read it.
    static let readRoles: [Role] = [.datasource, .consumer, .admin]

    /// Registers the service's methods.
    /// - Parameters:
    ///   - ledger: the state and its log.
    ///   - clock: the time commands are decided at.
    public static func register(into router: inout RouterBuilder, ledger: ConsentLedger, clock: some WallClock & Sendable) {
        router.unary(Consent_V1_RegistryService.registerResource, roles: Set(changeRoles)) { request, context throws(RPCError) in
            try registerResource(request, context, ledger: ledger, now: clock.now())
        }
        router.unary(Consent_V1_RegistryService.getResource, roles: Set(readRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: readRoles)
            let id = try ProtoField.resourceID(request.resourceId, field: "resource_id")
            let (resource, sequence) = try ledger.read { state throws(DomainError) in
                let resource = try state.resource(id)
                // Definitions are visible as ConsentCore decides (a data source its own,
                // a consumer those it is authorised for); say so rather than pretend it is unknown.
                guard state.resources(visibleTo: actor).contains(where: { $0.id == id }) else {
                    throw DomainError(.permissionDenied, reason: "resource_not_visible",
                                      message: notVisibleMessage(id, actor: actor))
                }
                return resource
            }
            return Reply(Consent_V1_GetResourceResponse(resource: .init(resource)), durableAfter: sequence)
        }
        router.unary(Consent_V1_RegistryService.listResources, roles: Set(readRoles)) { _, context throws(RPCError) in
            let actor = try context.actor(as: readRoles)
            let (resources, sequence) = try ledger.read { state in state.resources(visibleTo: actor) }
            return Reply(Consent_V1_ListResourcesResponse(resources: resources.map(Consent_V1_ResourceDefinition.init)),
                         durableAfter: sequence)
        }
        router.unary(Consent_V1_RegistryService.authoriseConsumer, roles: Set(changeRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: changeRoles)
            guard let message = request.authorisation else {
                throw ProtoField.missing("authorisation", "the resource, the consumer, its name and its redirect domains")
            }
            let authorisation = try message.authorisation(field: "authorisation")
            let (result, sequence) = try ledger.run(.authoriseConsumer(authorisation), by: actor, at: clock.now())
            guard case .authorisation(let stored) = result else { throw ConsentLedger.unexpected(result, for: "AuthoriseConsumer") }
            return Reply(Consent_V1_AuthoriseConsumerResponse(authorisation: .init(stored)), durableAfter: sequence)
        }
        router.unary(Consent_V1_RegistryService.deauthoriseConsumer, roles: Set(changeRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: changeRoles)
            let resource = try ProtoField.resourceID(request.resourceId, field: "resource_id")
            let consumer = try ProtoField.organisation(request.consumerOrgNumber, field: "consumer_org_number")
            let (result, sequence) = try ledger.run(.deauthoriseConsumer(resource: resource, consumer: consumer), by: actor, at: clock.now())
            guard case .deauthorised(let r, let c) = result else { throw ConsentLedger.unexpected(result, for: "DeauthoriseConsumer") }
            return Reply(Consent_V1_DeauthoriseConsumerResponse(resourceId: r.description, consumerOrgNumber: c.description),
                         durableAfter: sequence)
        }
        router.unary(Consent_V1_RegistryService.listAuthorisations, roles: Set(readRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: readRoles)
            let resource = try ProtoField.optionalResourceID(request.resourceId, field: "resource_id")
            let (list, sequence) = try ledger.read { state throws(DomainError) in
                try state.authorisations(visibleTo: actor, resource: resource)
            }
            return Reply(Consent_V1_ListAuthorisationsResponse(authorisations: list.map(Consent_V1_ConsumerAuthorisation.init)),
                         durableAfter: sequence)
        }
        registerVendorMethods(into: &router, ledger: ledger, clock: clock)
        registerTemplateMethods(into: &router, ledger: ledger, clock: clock)
    }

    /// RegisterResource: an empty owner is the calling data source, or, for an
    /// admin updating a resource, its current owner (an owner never changes).
    static func registerResource(_ request: Consent_V1_RegisterResourceRequest, _ context: CallContext,
                                 ledger: ConsentLedger, now: Timestamp) throws(RPCError) -> Reply<Consent_V1_RegisterResourceResponse> {
        let actor = try context.actor(as: changeRoles)
        guard let definition = request.resource else {
            throw ProtoField.missing("resource", "the resource definition")
        }
        let owner: OrganisationNumber
        if let given = try ProtoField.optionalOrganisation(definition.ownerOrgNumber, field: "resource.owner_org_number") {
            owner = given
        } else if case .dataSource(let org) = actor {
            owner = org
        } else {
            let id = try ProtoField.resourceID(definition.resourceId, field: "resource.resource_id")
            guard let existing = try ledger.read({ state in try? state.resource(id) }).value else {
                throw ProtoField.missing("resource.owner_org_number", "the owning data source of a new resource, when an admin registers it")
            }
            owner = existing.owner
        }
        let resource = try definition.resource(owner: owner, field: "resource")
        let (result, sequence) = try ledger.run(.registerResource(resource), by: actor, at: now)
        guard case .resource(let stored) = result else { throw ConsentLedger.unexpected(result, for: "RegisterResource") }
        return Reply(Consent_V1_RegisterResourceResponse(resource: .init(stored)), durableAfter: sequence)
    }

    static func notVisibleMessage(_ id: ResourceID, actor: Actor) -> String {
        switch actor {
        case .dataSource(let org): "Resource \(id) belongs to another data source, not to \(org); a data source sees only its own resources."
        case .consumer(let org): "\(org) is not authorised for resource \(id); ask its data source to add you to its rettighetsregister."
        default: "Resource \(id) is not visible to \(actor.role)."
        }
    }
}
