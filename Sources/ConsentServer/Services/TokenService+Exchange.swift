import ConsentCore
import ConsentProto
import ConsentRPC

extension TokenService {
    /// ExchangeCode: a code for a token (DESIGN §2 step 4).
    ///
    /// The ledger records the exchange (or the reuse attempt) under its lock;
    /// the token is signed afterwards, while the log syncs.
    func exchangeCode(_ request: Consent_V1_ExchangeCodeRequest, _ context: CallContext) throws(RPCError) -> Reply<Consent_V1_ExchangeCodeResponse> {
        let actor = try context.actor(as: Self.consumerRoles)
        // Garbage is refused without a lookup: only a well-formed code is hashed.
        guard AuthorizationCode.isWellFormed(request.code) else { throw TokenRefusal.codeMalformed(length: request.code.utf8.count) }
        let now = clock.now()
        let outcome = ledger.execute(.exchangeCode(codeHash: AuthorizationCode.hash(of: request.code)), by: actor, at: now)
        switch outcome.result {
        case .success(.tokenFacts(let facts)):
            let grant = try grant(for: facts, at: now, signer: keys.signer, codeUsed: true)
            return Reply(Consent_V1_ExchangeCodeResponse(grant: grant), durableAfter: outcome.durableAfter)
        case .success(let other):
            throw Self.unexpected(other, for: "exchangeCode")
        case .failure(let error):
            // A reuse is recorded: its refusal waits for the record, like a success.
            throw error.answered(afterDurable: outcome.durableAfter)
        }
    }

    /// ExchangeCodes: up to the batch limit in one `execute` and one durable
    /// wait; one result per code, in order.
    func exchangeCodes(_ request: Consent_V1_ExchangeCodesRequest, _ context: CallContext) throws(RPCError) -> Reply<Consent_V1_ExchangeCodesResponse> {
        let actor = try context.actor(as: Self.consumerRoles)
        let codes = request.codes
        guard codes.count <= maximumBatchSize else { throw TokenRefusal.batchTooLarge(codes.count, maximum: maximumBatchSize) }
        var results = [Consent_V1_ExchangeCodeResult](repeating: Consent_V1_ExchangeCodeResult(), count: codes.count)
        // Malformed codes are answered here; the rest go to the domain together.
        var hashes: [[UInt8]] = []
        var positions: [Int] = []
        hashes.reserveCapacity(codes.count)
        positions.reserveCapacity(codes.count)
        for (index, code) in codes.enumerated() {
            if AuthorizationCode.isWellFormed(code) {
                hashes.append(AuthorizationCode.hash(of: code))
                positions.append(index)
            } else {
                results[index].status = Consent_V1_TokenItemStatus(TokenRefusal.codeMalformed(length: code.utf8.count))
            }
        }
        guard !hashes.isEmpty else { return Reply(Consent_V1_ExchangeCodesResponse(results: results)) }

        let now = clock.now()
        let outcome = ledger.execute(.exchangeCodes(codeHashes: hashes), by: actor, at: now)
        let items: [Result<TokenFacts, DomainError>]
        switch outcome.result {
        case .success(.tokenFactsBatch(let batch)): items = batch
        case .success(let other): throw Self.unexpected(other, for: "exchangeCodes")
        case .failure(let error): throw error
        }
        // One signer for the whole batch: a reload in between changes nothing here.
        let signer = keys.signer
        for (item, index) in zip(items, positions) {
            switch item {
            case .success(let facts):
                do throws(RPCError) {
                    results[index].grant = try grant(for: facts, at: now, signer: signer, codeUsed: true)
                    results[index].status = .ok
                } catch {
                    results[index].status = Consent_V1_TokenItemStatus(error)
                }
            case .failure(let error):
                results[index].status = Consent_V1_TokenItemStatus(RPCError(error))
            }
        }
        return Reply(Consent_V1_ExchangeCodesResponse(results: results), durableAfter: outcome.durableAfter)
    }

    /// IssueToken: a fresh token for a live consent, by id ("gjenbruk av
    /// samtykke", seed 003 figure 2). A read: nothing is recorded.
    func issueToken(_ request: Consent_V1_IssueTokenRequest, _ context: CallContext) throws(RPCError) -> Reply<Consent_V1_IssueTokenResponse> {
        let actor = try context.actor(as: Self.consumerRoles)
        let id: RequestID
        do {
            id = try RequestID(validating: request.consentId)
        } catch {
            throw RPCError(error)
        }
        let now = clock.now()
        let (facts, durableAfter) = try ledger.read { state throws(DomainError) in
            try state.tokenFacts(for: id, by: actor, at: now)
        }
        let grant = try grant(for: facts, at: now, signer: keys.signer, codeUsed: false)
        return Reply(Consent_V1_IssueTokenResponse(grant: grant), durableAfter: durableAfter)
    }

    /// A command answered with a result of the wrong kind: a bug, logged, INTERNAL.
    static func unexpected(_ result: CommandResult, for command: String) -> RPCError {
        ServerLog.error("TokenService: \(command) answered with an unexpected result kind")
        return RPCError(.internalError, "internal error (see the hub's log)", trailers: [ErrorTrailers.reason: "internal_error"])
    }
}
