import ConsentOpenSSL

/// JSON Web Keys (RFC 7517) for P-256 public keys.
public enum JWK {
    /// The RFC 7638 thumbprint: base64url of the SHA-256 of the canonical
    /// JWK `{"crv":"P-256","kty":"EC","x":"…","y":"…"}` (required members
    /// only, sorted, no whitespace). The default `kid`: it names the key by
    /// its content, so the same key always gets the same id.
    public static func thumbprint(of key: P256.PublicKey) -> String {
        let canonical = #"{"crv":"P-256","kty":"EC","x":""# + Base64URL.encode(key.x)
            + #"","y":""# + Base64URL.encode(key.y) + #""}"#
        return Base64URL.encode(SHA256.hash(canonical))
    }

    /// Writes one published key as a JWK object.
    static func write(_ key: VerificationKey, into writer: inout JSONWriter) {
        writer.raw(#"{"kty":"EC","crv":"P-256","x":"#)
        writer.string(Base64URL.encode(key.publicKey.x))
        writer.raw(#","y":"#)
        writer.string(Base64URL.encode(key.publicKey.y))
        writer.raw(#","kid":"#)
        writer.string(key.keyID)
        writer.raw(#","use":"sig","alg":"ES256"}"#)
    }
}
