/// Who may see and act on what. Roles are the server's business; ownership is
/// checked here, and always before the state of the thing, so that nobody
/// learns anything about a request that is not theirs.
extension ConsentState {
    /// Whether an actor may read a request: its consumer, a data source owning
    /// one of its resources, its user (or a person who may sign for its
    /// organisation), anyone logged in for an open request not yet answered, an admin.
    func canRead(_ record: RequestRecord, actor: Actor) -> Bool {
        switch actor {
        case .admin, .system:
            return true
        case .consumer(let org):
            return record.consumer == org.value
        case .dataSource(let org):
            return tables.scopeOwners[Int(record.scope)].contains(org.value)
        case .endUser(let user):
            // An open request is anyone's while unanswered (possession of its
            // id is the link); deleted, it stays readable so the person
            // learns that rather than "not yours".
            guard let party = record.party else { return record.stored == .created || record.stored == .deleted }
            return user.mayActFor(party)
        case .portal:
            // The portal itself reads nothing: it sees requests only as the user it logged in.
            return false
        case .vendor:
            return (try? acting(actor, to: "read a consent request")).map { mayHandle(record, by: $0) } ?? false
        }
    }

    /// Throws unless the actor may read the request: `not_yours`, or for a
    /// vendor `vendor_not_authorised` when the request is outside its mandate.
    func requireReadable(_ record: RequestRecord, actor: Actor) throws(DomainError) {
        if case .vendor = actor {
            try requireHandled(record, by: acting(actor, to: "read a consent request"), actor: actor)
            return
        }
        guard canRead(record, actor: actor) else { throw .notYours(record.id, actor: actor) }
    }

    /// For an end user answering a request not yet answered: checks that they
    /// are the one asked for and returns the party the answer is for.
    ///
    /// Seed 004: a `UserToken` that does not match the logged-in user means the
    /// user must log in again as the right person (`unauthenticated`); an
    /// `OfferedBy` must be the user, or an organisation they may sign for.
    func answeringParty(_ user: EndUser, slot: UInt32, record: RequestRecord,
                        onBehalfOf: OrganisationNumber?) throws(DomainError) -> PartyID {
        if let token = tables.pendingUserTokens[slot], user.nationalId.userTokenDigest != token {
            throw .userTokenMismatch()
        }
        if let offered = record.party {
            if let org = onBehalfOf, offered != .organisation(org) { throw .onBehalfOfConflicts(org) }
            guard user.mayActFor(offered) else { throw .offeredByMismatch(offered) }
            return offered
        }
        if let org = onBehalfOf {
            guard user.mayActFor(.organisation(org)) else { throw .notSignatory(org) }
            return .organisation(org)
        }
        return .person(user.nationalId)
    }
}
