import ConsentProto
import ConsentToken

/// The token keys in force and everything the calls derive from them,
/// computed once per (re)load so that no call builds a verifier or a JWK Set.
///
/// A class, so that a call reading the current keys retains one object
/// instead of copying a dozen references.
final class TokenMaterial: Sendable {
    /// Signs new tokens with the active key.
    let signer: TokenSigner
    /// VerifyToken's check: the hub issued these tokens with its own clock,
    /// so it allows no clock skew on `exp` (a data source offline allows 30 s).
    let verifier: TokenVerifier
    /// LogUse by token: signature and issuer only. A use may be logged after
    /// the token ran out; the domain checks the use's time against the consent.
    let useVerifier: TokenVerifier
    /// GetSigningKeys' answer.
    let signingKeys: Consent_V1_GetSigningKeysResponse
    /// True when the active key was generated at start (no `--signing-key`).
    let isEphemeral: Bool

    /// A leeway no token reaches: time is not checked.
    private static let unlimitedLeeway: Int64 = 1 << 40

    init(keySet: TokenKeySet, issuer: String, lifetime: Int64, isEphemeral: Bool, issued: IssuedTokens?) {
        signer = TokenSigner(keySet: keySet, issuer: issuer, lifetime: lifetime, issued: issued)
        verifier = keySet.verifier(leeway: 0, issued: issued)
        useVerifier = keySet.verifier(leeway: Self.unlimitedLeeway, issued: issued)
        self.isEphemeral = isEphemeral

        var response = Consent_V1_GetSigningKeysResponse()
        response.jwks = keySet.jwks
        response.activeKeyId = keySet.active.keyID
        for key in keySet.published {
            response.keys.append(Consent_V1_TokenSigningKey(
                keyId: key.keyID, keyType: "EC", curve: "P-256", algorithm: "ES256",
                x: Base64URL.encode(key.publicKey.x), y: Base64URL.encode(key.publicKey.y),
                status: key.keyID == keySet.active.keyID ? .active : .published))
        }
        signingKeys = response
    }
}
