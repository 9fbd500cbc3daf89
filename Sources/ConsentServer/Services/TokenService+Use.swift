import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentToken

extension TokenService {
    /// LogUse: records one use, durably (Altinn 2's logUse; seed 003: "ansvarlig
    /// for å logge bruk av samtykke ved å benytte Altinn tjenesten «logUse»").
    /// The first use of a one-time consent ends it.
    func logUse(_ request: Consent_V1_LogUseRequest, _ context: CallContext) throws(RPCError) -> Reply<Consent_V1_LogUseResponse> {
        let actor = try Self.useActor(context)
        let now = clock.now()
        let report = try useReport(request, now: now, material: keys.current)
        var outcome = ledger.execute(.logUse(report), by: actor, at: now)
        if case .failure(let error) = outcome.result, error.trailers[DomainErrorMapping.reasonKey] == "not_yours",
           let alternative = Self.dataSourceActor(besides: actor, context) {
            outcome = ledger.execute(.logUse(report), by: alternative, at: now)
        }
        switch outcome.result {
        case .success(.used(let receipt)):
            return Reply(Consent_V1_LogUseResponse(receipt: Consent_V1_TokenUseReceipt(receipt)), durableAfter: outcome.durableAfter)
        case .success(let other):
            throw Self.unexpected(other, for: "logUse")
        case .failure(let error):
            throw error
        }
    }

    /// LogUses: every use in one `execute` and one durable wait (group commit
    /// makes a thousand uses cost one sync); one result per use, in order.
    func logUses(_ request: Consent_V1_LogUsesRequest, _ context: CallContext) throws(RPCError) -> Reply<Consent_V1_LogUsesResponse> {
        let actor = try Self.useActor(context)
        let uses = request.uses
        guard uses.count <= maximumBatchSize else { throw TokenRefusal.batchTooLarge(uses.count, maximum: maximumBatchSize) }
        let now = clock.now()
        let material = keys.current
        var results = [Consent_V1_LogUseResult](repeating: Consent_V1_LogUseResult(), count: uses.count)
        // Items that cannot even be read are answered here; the rest go to the domain together.
        var reports: [UseReport] = []
        var positions: [Int] = []
        reports.reserveCapacity(uses.count)
        positions.reserveCapacity(uses.count)
        for (index, use) in uses.enumerated() {
            do throws(RPCError) {
                reports.append(try useReport(use, now: now, material: material))
                positions.append(index)
            } catch {
                results[index].status = Consent_V1_TokenItemStatus(error)
            }
        }
        guard !reports.isEmpty else { return Reply(Consent_V1_LogUsesResponse(results: results)) }

        let outcome = ledger.execute(.logUses(reports), by: actor, at: now)
        var items: [Result<UseReceipt, DomainError>]
        switch outcome.result {
        case .success(.usedBatch(let batch)): items = batch
        case .success(let other): throw Self.unexpected(other, for: "logUses")
        case .failure(let error): throw error
        }
        var durableAfter = outcome.durableAfter
        // A principal that is both a consumer and a data source: the uses of
        // consents that are not its own as a consumer, again as the data source.
        let foreign = items.indices.filter { if case .failure(let e) = items[$0] { e.reason == "not_yours" } else { false } }
        if !foreign.isEmpty, let alternative = Self.dataSourceActor(besides: actor, context) {
            let retried = ledger.execute(.logUses(foreign.map { reports[$0] }), by: alternative, at: now)
            if case .success(.usedBatch(let batch)) = retried.result {
                for (position, item) in zip(foreign, batch) { items[position] = item }
                durableAfter = max(durableAfter, retried.durableAfter)
            }
        }
        for (item, index) in zip(items, positions) {
            switch item {
            case .success(let receipt):
                results[index].status = .ok
                results[index].receipt = Consent_V1_TokenUseReceipt(receipt)
            case .failure(let error):
                results[index].status = Consent_V1_TokenItemStatus(RPCError(error))
            }
        }
        return Reply(Consent_V1_LogUsesResponse(results: results), durableAfter: durableAfter)
    }

    /// Who logs: the consumer, the data source, or a vendor for its consumer.
    /// A principal with both the consumer and the data source role logs as
    /// the consumer first; a consent that is not its own as a consumer is
    /// tried again as the data source (`dataSourceActor`).
    static func useActor(_ context: CallContext) throws(RPCError) -> Actor {
        try context.actor(as: useRoles)
    }

    /// The same organisation as a data source, when `actor` was its consumer
    /// side and it has that role too.
    static func dataSourceActor(besides actor: Actor, _ context: CallContext) -> Actor? {
        guard case .consumer(let organisation) = actor, context.principal.has(.datasource) else { return nil }
        return .dataSource(organisation)
    }

    /// A use as the domain takes it, from the request: the consent (by id, or
    /// from a token whose signature and issuer verify), the resource, the time.
    /// - Throws: INVALID_ARGUMENT for what cannot be read; the token refusals of VerifyToken.
    func useReport(_ request: Consent_V1_LogUseRequest, now: Timestamp, material: TokenMaterial) throws(RPCError) -> UseReport {
        let consent: RequestID
        switch request.consent {
        case .consentId(let text)?:
            do {
                consent = try RequestID(validating: text)
            } catch {
                throw RPCError(error)
            }
        case .token(let token)?:
            guard !token.isEmpty else { throw TokenRefusal.tokenMissing }
            let claims: ConsentTokenClaims
            do {
                claims = try material.useVerifier.verify(token, now: now.millisecondsSinceEpoch / 1000, expectedIssuer: keys.issuer)
            } catch {
                throw TokenRefusal.token(error)
            }
            consent = try Self.consentID(of: claims)
        case nil:
            throw TokenRefusal.consentMissing
        }
        guard !request.resource.isEmpty else { throw TokenRefusal.resourceMissing }
        let resource: ResourceID
        do {
            resource = try ResourceID(validating: request.resource)
        } catch {
            throw RPCError(error)
        }
        let usedAt = try ProtoField.optionalTime(request.usedAtMs, field: "used_at_ms") ?? now
        return UseReport(consent: consent, resource: resource, usedAt: usedAt)
    }
}
