/// Who acts for which consumer: the one home of that rule.
///
/// A consumer acts for itself. The portal submits an Altinn-2 query for the
/// consumer the query names (`CoveredBy`, seed 003's redirect flow); the
/// request is then the consumer's in every respect.
extension ConsentState {
    /// The consumer an actor acts for, when the command is the consumer's to give.
    /// - Throws: `permissionDenied` `role_not_allowed` for any other actor.
    func requireConsumer(_ actor: Actor, to action: String) throws(DomainError) -> OrganisationNumber {
        guard case .consumer(let org) = actor else { throw .roleNotAllowed(actor, action: action) }
        return org
    }

    /// Who may submit an Altinn-2 query: a consumer (for itself), or the portal
    /// (for the consumer the query names). Checked before the query is parsed,
    /// so a caller with neither role learns nothing from the parser.
    /// - Returns: the calling consumer, `nil` for the portal.
    func requireQuerySubmitter(_ actor: Actor) throws(DomainError) -> OrganisationNumber? {
        switch actor {
        case .consumer(let org): return org
        case .portal: return nil
        default: throw .roleNotAllowed(actor, action: "create a consent request")
        }
    }

    /// Whose request an Altinn-2 query makes. A consumer's query must name the
    /// consumer itself in `CoveredBy`. The portal submits the query a consumer
    /// sent the user's browser with (seed 003's redirect flow), so `CoveredBy`
    /// is the consumer, and ``decideCreate`` then applies exactly that
    /// consumer's rules: authorised for every resource, the redirect on one of
    /// its registered domains.
    func queryConsumer(_ coveredBy: OrganisationNumber, caller: OrganisationNumber?) throws(DomainError) -> OrganisationNumber {
        guard let caller else { return coveredBy }
        try NewConsentRequest.requireCoveredBy(coveredBy, isCaller: caller)
        return caller
    }
}
