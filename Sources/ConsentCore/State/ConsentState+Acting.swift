/// The consumer a command is for, and the vendor acting for it, if any.
struct Acting: Hashable, Sendable {
    /// The consumer whose request or consent it is.
    var consumer: OrganisationNumber
    /// The vendor acting for it (Altinn 3's `handledBy`); nil when the consumer acts itself.
    var vendor: OrganisationNumber?
}

/// Who acts for which consumer: the one home of that rule.
///
/// - A consumer acts for itself.
/// - A vendor acts for a consumer that registered it (`authoriseVendor`), and
///   only on requests and consents whose every resource the consumer named
///   for it; anything else is `permissionDenied` `vendor_not_authorised`,
///   checked before the vendor learns anything about a request.
/// - The portal submits an Altinn-2 query for the consumer the query names
///   (`CoveredBy`, seed 003's redirect flow); the request is then the
///   consumer's in every respect.
extension ConsentState {
    /// The consumer an actor acts for, when the command is the consumer's to give.
    /// - Throws: `permissionDenied` `vendor_not_authorised` for a vendor the
    ///   consumer has not registered; `role_not_allowed` for any other actor.
    func acting(_ actor: Actor, to action: String) throws(DomainError) -> Acting {
        switch actor {
        case .consumer(let org):
            return Acting(consumer: org, vendor: nil)
        case .vendor(let vendor, let consumer):
            guard tables.vendors[consumer.value]?[vendor.value] != nil else {
                throw .vendorNotAuthorised(vendor, consumer: consumer, resource: nil)
            }
            return Acting(consumer: consumer, vendor: vendor)
        default:
            throw .roleNotAllowed(actor, action: action)
        }
    }

    /// Throws unless the acting vendor (if any) may handle every one of `resources`.
    func requireMandate(_ acting: Acting, for resources: some Sequence<ResourceID>) throws(DomainError) {
        guard let vendor = acting.vendor else { return }
        let mandate = tables.vendors[acting.consumer.value]?[vendor.value]
        for resource in resources where !(mandate?.resources.contains(resource) ?? false) {
            throw .vendorNotAuthorised(vendor, consumer: acting.consumer, resource: resource)
        }
    }

    /// Throws unless the request is the acting consumer's (`not_yours`) and, for
    /// a vendor, within its mandate (`vendor_not_authorised`).
    func requireHandled(_ record: RequestRecord, by acting: Acting, actor: Actor) throws(DomainError) {
        guard record.consumer == acting.consumer.value else { throw .notYours(record.id, actor: actor) }
        try requireMandate(acting, for: tables.scopes[record.scope].lazy.map(\.resource))
    }

    /// Whether a request is the acting consumer's and within the vendor's mandate.
    func mayHandle(_ record: RequestRecord, by acting: Acting) -> Bool {
        guard record.consumer == acting.consumer.value else { return false }
        guard let vendor = acting.vendor else { return true }
        return tables.vendors[acting.consumer.value]?[vendor.value]?.covers(tables.scopes[record.scope]) ?? false
    }

    /// Who may submit an Altinn-2 query: a consumer (for itself), its vendor
    /// (for that consumer), or the portal (for the consumer the query names).
    /// Checked before the query is parsed, so a caller with neither role
    /// learns nothing from the parser.
    /// - Returns: who acts, `nil` for the portal.
    func requireQuerySubmitter(_ actor: Actor) throws(DomainError) -> Acting? {
        switch actor {
        case .consumer, .vendor: return try acting(actor, to: "create a consent request")
        case .portal: return nil
        default: throw .roleNotAllowed(actor, action: "create a consent request")
        }
    }

    /// Whose request an Altinn-2 query makes. A consumer's (or its vendor's)
    /// query must name that consumer in `CoveredBy`. The portal submits the
    /// query a consumer sent the user's browser with (seed 003's redirect
    /// flow), so `CoveredBy` is the consumer, and ``decideCreate`` then
    /// applies exactly that consumer's rules: authorised for every resource,
    /// the redirect on one of its registered domains.
    func queryActing(_ coveredBy: OrganisationNumber, submitter: Acting?) throws(DomainError) -> Acting {
        guard let submitter else { return Acting(consumer: coveredBy, vendor: nil) }
        try NewConsentRequest.requireCoveredBy(coveredBy, isCaller: submitter.consumer)
        return submitter
    }
}
