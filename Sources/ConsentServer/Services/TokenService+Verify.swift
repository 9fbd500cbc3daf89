import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentToken

extension TokenService {
    /// VerifyToken: the data source's online check (seed 003 step 7: "NAV
    /// sjekker om samtykke tokenet er gyldig og at sluttbruker har samtykket
    /// til at forespurt informasjon kan utleveres").
    ///
    /// First what any offline validator checks (form, ES256, kid, signature,
    /// exp, iss), then what only the hub knows: the consent is still live,
    /// the caller is a data source of it, and the asked resource and metadata
    /// are covered (`ConsentState.checkLive`).
    func verifyToken(_ request: Consent_V1_VerifyTokenRequest, _ context: CallContext) throws(RPCError) -> Reply<Consent_V1_VerifyTokenResponse> {
        let organisation = try context.organisation()
        // A principal with both roles checks as a data source: that is what this call is for.
        let actor: Actor = context.principal.has(.datasource) ? .dataSource(organisation) : .admin(organisation)
        guard !request.token.isEmpty else { throw TokenRefusal.tokenMissing }
        var resource: ResourceID?
        if !request.resource.isEmpty {
            do {
                resource = try ResourceID(validating: request.resource)
            } catch {
                throw RPCError(error)
            }
        }
        let metadata = request.metadata.map { MetadataValue($0.key, $0.value) }

        let material = keys.current
        let now = clock.now()
        let verified: VerifiedToken
        do {
            verified = try material.verifier.verifiedToken(request.token, now: now.millisecondsSinceEpoch / 1000, expectedIssuer: keys.issuer)
        } catch {
            throw TokenRefusal.token(error)
        }
        let id = try Self.consentID(of: verified.claims)
        let (_, durableAfter) = try ledger.read { state throws(DomainError) in
            try state.checkLive(id, by: actor, resource: resource, metadata: metadata, at: now)
        }
        let summary = Consent_V1_TokenClaimsSummary(verified.claims, keyID: verified.keyID)
        return Reply(Consent_V1_VerifyTokenResponse(valid: true, claims: summary), durableAfter: durableAfter)
    }

    /// The consent id a verified token names.
    /// - Throws: INVALID_ARGUMENT `token_malformed` if it is not a consent id
    ///   (a token this hub did not make, signed with its key: never in practice).
    static func consentID(of claims: ConsentTokenClaims) throws(RPCError) -> RequestID {
        do {
            return try RequestID(validating: claims.consent.consentID)
        } catch {
            throw TokenRefusal.tokenConsentMalformed
        }
    }
}
