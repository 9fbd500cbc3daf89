import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentToken

/// `consent.v1.TokenService` (token.proto): codes become signed tokens, data
/// sources check tokens online, uses are logged (DESIGN §2 steps 4–7, §5, §7).
///
/// These are the hub's hot calls, so each does the least it can:
/// - A change (exchange, use) is one `ConsentLedger.execute`, which decides,
///   appends the event to the log's pending buffer and applies it under the
///   ledger's lock; batches are one `execute` for every item.
/// - The token is signed *after* the lock is released, on the event loop,
///   while the log writer syncs: the answer waits for durability (the
///   router's `durableAfter`) in parallel with the signature.
/// - Reads (IssueToken, VerifyToken) hold the lock only for the lookup.
/// - Keys, verifiers and the JWK Set are built once per key (re)load
///   (`TokenKeys`), never per call.
public struct TokenService: Sendable {
    let ledger: ConsentLedger
    let keys: TokenKeys
    let clock: any WallClock & Sendable
    /// The most items in one ExchangeCodes or LogUses call (the domain's limit).
    let maximumBatchSize: Int

    /// ExchangeCode(s), IssueToken: the consumer, or a vendor acting for it.
    static let consumerRoles: [Role] = [.consumer, .vendor]
    /// LogUse(s): the consumer, a data source, or a vendor acting for a
    /// consumer (in this order: a vendor that is also something else acts
    /// as the vendor only when it names a consumer).
    static let useRoles: [Role] = [.consumer, .datasource, .vendor]

    /// Adds TokenService's methods to `router`.
    /// - Parameters:
    ///   - ledger: the consent state and its durable log.
    ///   - keys: the token keys in force (reloaded on SIGHUP).
    ///   - clock: the time codes are exchanged, tokens signed and checked, and uses logged at.
    public static func register(
        into router: inout RouterBuilder, ledger: ConsentLedger, keys: TokenKeys, clock: any WallClock & Sendable = SystemClock()
    ) {
        let limit = (try? ledger.read { $0.configuration.maximumBatchSize }.value) ?? ConsentConfiguration().maximumBatchSize
        let service = TokenService(ledger: ledger, keys: keys, clock: clock, maximumBatchSize: limit)
        router.unary(Consent_V1_TokenService.exchangeCode, roles: Set(consumerRoles)) { request, context throws(RPCError) in
            try service.exchangeCode(request, context)
        }
        router.unary(Consent_V1_TokenService.exchangeCodes, roles: Set(consumerRoles)) { request, context throws(RPCError) in
            try service.exchangeCodes(request, context)
        }
        router.unary(Consent_V1_TokenService.issueToken, roles: Set(consumerRoles)) { request, context throws(RPCError) in
            try service.issueToken(request, context)
        }
        router.unary(Consent_V1_TokenService.verifyToken, roles: [.datasource, .admin]) { request, context throws(RPCError) in
            try service.verifyToken(request, context)
        }
        router.unary(Consent_V1_TokenService.logUse, roles: Set(useRoles)) { request, context throws(RPCError) in
            try service.logUse(request, context)
        }
        router.unary(Consent_V1_TokenService.logUses, roles: Set(useRoles)) { request, context throws(RPCError) in
            try service.logUses(request, context)
        }
        router.unary(Consent_V1_TokenService.getSigningKeys, roles: Set(Role.allCases)) { _, _ in
            Reply(keys.current.signingKeys)
        }
    }

    /// Signs a token for `facts` at `now`.
    /// - Parameter codeUsed: whether a code was spent on it (the refusal then
    ///   tells the consumer how to get the token another way).
    /// - Throws: INTERNAL if signing fails (the reason goes to the log only).
    func grant(for facts: TokenFacts, at now: Timestamp, signer: TokenSigner, codeUsed: Bool) throws(RPCError) -> Consent_V1_TokenGrant {
        let claims = signer.claims(for: ConsentAuthorizationDetail(facts), isOneTime: facts.isOneTime, now: now.millisecondsSinceEpoch / 1000)
        do {
            let token = try signer.sign(claims)
            return Consent_V1_TokenGrant(token: token, claims: claims, keyID: signer.keySet.active.keyID, facts: facts)
        } catch {
            ServerLog.error("signing a token for consent \(facts.consentID) failed: \(error)")
            throw TokenRefusal.signingFailed(consent: claims.consent.consentID, codeUsed: codeUsed)
        }
    }
}
