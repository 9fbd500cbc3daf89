extension ConsentState {
    /// Only the owning data source, or an admin, changes a resource or its authorisations
    /// (seed 000: "Datakilden styrer hvem som får lov å spørre om å få data").
    func requireRegistryRole(_ actor: Actor, owner: OrganisationNumber, action: String) throws(DomainError) {
        switch actor {
        case .admin: return
        case .dataSource(let org):
            guard org == owner else { throw .notResourceOwner(org, owner: owner, action: action) }
        default:
            throw .roleNotAllowed(actor, action: action)
        }
    }

    func decideRegister(_ given: Resource, actor: Actor, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        // One order for the authority roles, so the same set is the same definition.
        var resource = given
        resource.organisationAuthority.sort()
        if let existing = tables.currentResource(resource.id) {
            guard existing.owner == resource.owner else { throw .resourceOwnedByOther(resource.id, owner: existing.owner) }
            try requireRegistryRole(actor, owner: existing.owner, action: "update resource \(resource.id)")
            // Registering the definition in force again is a no-op, so the demo
            // registry (and any start-up script) can be applied on every start.
            if existing == resource { return .resource(existing) }
        } else {
            try requireRegistryRole(actor, owner: resource.owner, action: "register resource \(resource.id)")
        }
        try ResourceRules.validate(resource)
        try checkTemplateReference(resource)
        out.add(.resourceRegistered(resource))
        return .resource(resource)
    }

    func decideAuthorise(_ authorisation: ConsumerAuthorisation, actor: Actor, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        guard let resource = tables.currentResource(authorisation.resource) else { throw .resourceUnknown(authorisation.resource) }
        try requireRegistryRole(actor, owner: resource.owner, action: "authorise consumers for resource \(resource.id)")
        let normalised = try ResourceRules.normalise(authorisation)
        if tables.authorisations[normalised.resource]?[normalised.consumer.value] == normalised {
            return .authorisation(normalised)
        }
        out.add(.consumerAuthorised(normalised))
        return .authorisation(normalised)
    }

    func decideDeauthorise(_ resourceID: ResourceID, consumer: OrganisationNumber, actor: Actor,
                           out: inout EventBuffer) throws(DomainError) -> CommandResult {
        guard let resource = tables.currentResource(resourceID) else { throw .resourceUnknown(resourceID) }
        try requireRegistryRole(actor, owner: resource.owner, action: "deauthorise consumers for resource \(resourceID)")
        if tables.authorisations[resourceID]?[consumer.value] != nil {
            out.add(.consumerDeauthorised(resource: resourceID, consumer: consumer))
        }
        return .deauthorised(resource: resourceID, consumer: consumer)
    }
}
