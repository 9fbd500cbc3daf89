import ConsentCore
import ConsentProto
import ConsentRPC

/// The consumers' vendor register (issue 12, Altinn 3's `handledBy`): which
/// system vendors may act for a consumer, for which resources.
extension RegistryService {
    /// Who registers vendors: the consumer for itself, or an operator.
    static let vendorRoles: [Role] = [.consumer, .admin]

    static func registerVendorMethods(into router: inout RouterBuilder, ledger: ConsentLedger, clock: some WallClock & Sendable) {
        router.unary(Consent_V1_RegistryService.authoriseVendor, roles: Set(vendorRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: vendorRoles)
            guard let message = request.authorisation else {
                throw ProtoField.missing("authorisation", "the vendor, its name and the resources it may handle")
            }
            let authorisation = try message.authorisation(field: "authorisation", caller: actor)
            let (result, sequence) = try ledger.run(.authoriseVendor(authorisation), by: actor, at: clock.now())
            guard case .vendorAuthorisation(let stored) = result else { throw ConsentLedger.unexpected(result, for: "AuthoriseVendor") }
            return Reply(Consent_V1_AuthoriseVendorResponse(authorisation: .init(stored)), durableAfter: sequence)
        }
        router.unary(Consent_V1_RegistryService.deauthoriseVendor, roles: Set(vendorRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: vendorRoles)
            let consumer = try consumerField(request.consumerOrgNumber, field: "consumer_org_number", caller: actor)
            let vendor = try ProtoField.organisation(request.vendorOrgNumber, field: "vendor_org_number")
            let (result, sequence) = try ledger.run(.deauthoriseVendor(consumer: consumer, vendor: vendor), by: actor, at: clock.now())
            guard case .vendorDeauthorised(let c, let v) = result else { throw ConsentLedger.unexpected(result, for: "DeauthoriseVendor") }
            return Reply(Consent_V1_DeauthoriseVendorResponse(consumerOrgNumber: c.description, vendorOrgNumber: v.description),
                         durableAfter: sequence)
        }
        router.unary(Consent_V1_RegistryService.listVendors, roles: Set(vendorRoles)) { _, context throws(RPCError) in
            let actor = try context.actor(as: vendorRoles)
            let (list, sequence) = try ledger.read { state throws(DomainError) in try state.vendors(visibleTo: actor) }
            return Reply(Consent_V1_ListVendorsResponse(authorisations: list.map(Consent_V1_VendorAuthorisation.init)),
                         durableAfter: sequence)
        }
    }

    /// The consumer a vendor registration is about: empty means the calling
    /// consumer; an admin must name one.
    static func consumerField(_ text: String, field: String, caller: Actor) throws(RPCError) -> OrganisationNumber {
        if let given = try ProtoField.optionalOrganisation(text, field: field) { return given }
        guard case .consumer(let org) = caller else {
            throw ProtoField.missing(field, "the consumer whose vendor it is, when an admin registers it")
        }
        return org
    }
}

extension Consent_V1_VendorAuthorisation {
    /// The wire form of a vendor registration.
    init(_ a: VendorAuthorisation) {
        self.init(consumerOrgNumber: a.consumer.description, vendorOrgNumber: a.vendor.description,
                  vendorName: a.vendorName, resourceIds: a.resources.map(\.description))
    }

    /// The domain registration this message describes (an empty consumer is the caller).
    /// - Throws: `INVALID_ARGUMENT` naming a malformed field; the domain checks the rest.
    func authorisation(field: String, caller: Actor) throws(RPCError) -> VendorAuthorisation {
        var resources: [ResourceID] = []
        for (index, text) in resourceIds.enumerated() {
            resources.append(try ProtoField.resourceID(text, field: "\(field).resource_ids[\(index)]"))
        }
        return VendorAuthorisation(
            consumer: try RegistryService.consumerField(consumerOrgNumber, field: "\(field).consumer_org_number", caller: caller),
            vendor: try ProtoField.organisation(vendorOrgNumber, field: "\(field).vendor_org_number"),
            vendorName: vendorName, resources: resources)
    }
}
