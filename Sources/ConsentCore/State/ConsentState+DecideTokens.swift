extension ConsentState {
    /// One code exchange (seed 002 steps 6–7: the code is exchanged for a signed token).
    ///
    /// A code works once: a second exchange is refused *and* recorded, because it
    /// means the code leaked or the consumer has a bug (OAuth 2.0, RFC 6749 §4.1.2).
    func decideExchange(_ hashBytes: [UInt8], acting: Acting, now: Timestamp,
                        exchangedInBatch: inout Set<CodeHash>, out: inout EventBuffer) -> Result<TokenFacts, DomainError> {
        guard let hash = SHA256Digest(bytes: hashBytes) else { return .failure(.codeHashMalformed(hashBytes.count)) }
        guard let code = tables.codes[hash] else { return .failure(.codeUnknown()) }
        let record = tables.records[Int(code.slot)]
        guard record.consumer == acting.consumer.value else { return .failure(.codeNotYours(acting.consumer)) }
        // A vendor outside its mandate learns nothing more, and its attempt is no reuse.
        do throws(DomainError) {
            try requireMandate(acting, for: tables.scopes[record.scope].lazy.map(\.resource))
        } catch {
            return .failure(error)
        }
        if code.exchanged || exchangedInBatch.contains(hash) {
            out.add(.codeReuseAttempted(record.id, hash))
            return .failure(.codeAlreadyUsed())
        }
        guard now.millisecondsSinceEpoch < code.expiresAt else {
            return .failure(.codeExpired(Timestamp(millisecondsSinceEpoch: code.expiresAt)))
        }
        do throws(DomainError) {
            let facts = try liveFacts(record, at: now, handledBy: acting.vendor)
            exchangedInBatch.insert(hash)
            out.add(.codeExchanged(record.id, hash))
            return .success(facts)
        } catch {
            return .failure(error)
        }
    }

    /// The facts of a consent that is live now.
    /// - Parameter handledBy: the vendor the token is for (it names it), if any.
    /// - Throws: `failedPrecondition` naming why it is not live.
    func liveFacts(_ record: RequestRecord, at now: Timestamp, handledBy: OrganisationNumber? = nil) throws(DomainError) -> TokenFacts {
        switch record.status(at: now.millisecondsSinceEpoch) {
        case .accepted: return facts(of: record, handledBy: handledBy)
        case .created: throw .consentNotGiven(record.id)
        case .rejected: throw .requestAlreadyRejected(record.id)
        case .revoked: throw .consentRevoked(record.id, byConsumer: endedByConsumer(record))
        case .usedUp: throw .consentUsedUp(record.id)
        case .deleted: throw .requestDeleted(record.id)
        case .expired:
            throw record.decidedAt == RequestRecord.none ? .requestExpired(record.id) : .consentExpired(record.id)
        }
    }

    func facts(of record: RequestRecord, handledBy: OrganisationNumber? = nil) -> TokenFacts {
        var facts = TokenFacts(
            consentID: record.id,
            consumer: OrganisationNumber(unchecked: record.consumer),
            offeredBy: record.party ?? .organisation(OrganisationNumber(unchecked: 0)),
            resources: tables.scopes[record.scope],
            consentedAt: Timestamp(millisecondsSinceEpoch: record.decidedAt),
            validTo: Timestamp(millisecondsSinceEpoch: record.validTo),
            isOneTime: record.kind == .oneTime,
            handledBy: handledBy)
        // The actions of the definition version the person consented to.
        let grants = tables.scopes[record.scope]
        if grants.contains(where: { tables.resource($0.resource, version: $0.version)?.actions.isEmpty == false }) {
            facts.actions = grants.map { tables.resource($0.resource, version: $0.version)?.actions ?? [] }
        }
        return facts
    }
}
