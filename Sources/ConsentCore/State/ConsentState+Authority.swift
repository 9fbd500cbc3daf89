/// Organisation consents that hold up (issue 12, point 3; Altinn 3's
/// `requiredDelegator` and authority per resource): the one home of the rule
/// for who may answer for an organisation, and by which role.
extension ConsentState {
    /// Checks that `user` may answer for `party` beyond signing for it, and
    /// returns the roles by which they answer.
    ///
    /// 1. A request naming a required delegator may be answered only by that
    ///    person (`required_delegator_mismatch`).
    /// 2. For an organisation, every resource that states an
    ///    ``Resource/organisationAuthority`` needs one of its roles among those
    ///    the portal states the person holds in it (`organisation_authority_missing`).
    ///
    /// - Returns: for an organisation, the person's roles that the resources
    ///   accept (all their roles there when no resource names any); empty for
    ///   a person's own consent.
    func answerAuthority(_ user: EndUser, party: PartyID, record: RequestRecord) throws(DomainError) -> [RoleCode] {
        if let delegator = tables.requiredDelegators[record.id], delegator != user.nationalId {
            throw .requiredDelegatorMismatch(record.id)
        }
        guard case .organisation(let org) = party else { return [] }
        let held = user.roles(in: org)
        var accepted = Set<RoleCode>()
        for grant in tables.scopes[record.scope] {
            guard let resource = tables.resource(grant.resource, version: grant.version),
                  !resource.organisationAuthority.isEmpty else { continue }
            guard resource.organisationAuthority.contains(where: held.contains) else {
                throw .organisationAuthorityMissing(org, resource: resource.id, accepted: resource.organisationAuthority)
            }
            accepted.formUnion(resource.organisationAuthority)
        }
        return accepted.isEmpty ? held : held.filter(accepted.contains)
    }
}
