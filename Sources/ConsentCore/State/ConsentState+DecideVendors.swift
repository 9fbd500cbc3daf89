extension ConsentState {
    /// Only the consumer itself, or an admin, changes whom the consumer lets act for it.
    func requireVendorRegistrar(_ actor: Actor, consumer: OrganisationNumber, action: String) throws(DomainError) {
        switch actor {
        case .admin: return
        case .consumer(let org): guard org == consumer else { throw .vendorConsumerNotCaller(consumer, caller: org) }
        default: throw .roleNotAllowed(actor, action: action)
        }
    }

    /// A consumer registers a system vendor for some resources (issue 12,
    /// Altinn 3's `handledBy`): the vendor then handles the consumer's requests
    /// and consents for those resources, and nothing else.
    func decideAuthoriseVendor(_ authorisation: VendorAuthorisation, actor: Actor, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        try requireVendorRegistrar(actor, consumer: authorisation.consumer, action: "register vendors for a consumer")
        guard authorisation.vendor != authorisation.consumer else { throw .vendorIsConsumer(authorisation.vendor) }
        try ResourceRules.checkName(authorisation.vendorName, field: "vendorName", missingReason: "vendor_name_missing", tooLongReason: "vendor_name_too_long")
        guard !authorisation.resources.isEmpty else { throw .resourcesMissing() }
        guard authorisation.resources.count <= ResourceRules.maximumListLength else {
            throw .tooManyResources(authorisation.resources.count, maximum: ResourceRules.maximumListLength)
        }
        var seen = Set<ResourceID>()
        for resource in authorisation.resources {
            guard seen.insert(resource).inserted else { throw .resourceRepeated(resource) }
            guard let definition = tables.currentResource(resource) else { throw .resourceUnknown(resource) }
            // A consumer can hand on only what it may ask for itself.
            guard tables.authorisations[resource]?[authorisation.consumer.value] != nil else {
                throw .consumerNotAuthorised(authorisation.consumer, resource: resource, owner: definition.ownerName)
            }
        }
        var normalised = authorisation
        normalised.vendorName = authorisation.vendorName.trimmingASCIIWhitespace()
        normalised.resources = authorisation.resources.sorted()
        if tables.vendors[normalised.consumer.value]?[normalised.vendor.value] == normalised {
            return .vendorAuthorisation(normalised)
        }
        out.add(.vendorAuthorised(normalised))
        return .vendorAuthorisation(normalised)
    }

    /// Stops a vendor from acting for a consumer, at once. Requests and
    /// consents it handled stay the consumer's; nothing it did is undone.
    func decideDeauthoriseVendor(consumer: OrganisationNumber, vendor: OrganisationNumber, actor: Actor,
                                 out: inout EventBuffer) throws(DomainError) -> CommandResult {
        try requireVendorRegistrar(actor, consumer: consumer, action: "remove vendors of a consumer")
        if tables.vendors[consumer.value]?[vendor.value] != nil {
            out.add(.vendorDeauthorised(consumer: consumer, vendor: vendor))
        }
        return .vendorDeauthorised(consumer: consumer, vendor: vendor)
    }
}

extension ConsentState {
    /// Vendor authorisations: a consumer sees its own, an admin all, ordered
    /// by consumer then vendor.
    /// - Throws: `permissionDenied` `role_not_allowed` for anyone else.
    public func vendors(visibleTo actor: Actor) throws(DomainError) -> [VendorAuthorisation] {
        let all: [VendorAuthorisation]
        switch actor {
        case .consumer(let org): all = tables.vendors[org.value].map { Array($0.values) } ?? []
        case .admin, .system: all = tables.vendors.values.flatMap(\.values)
        default: throw .roleNotAllowed(actor, action: "list a consumer's vendors")
        }
        return all.sorted { ($0.consumer, $0.vendor) < ($1.consumer, $1.vendor) }
    }
}
