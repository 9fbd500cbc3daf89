/// A token taken apart without checking its signature, for people to read.
public struct DecodedToken: Sendable {
    /// The header, as indented JSON.
    public let header: String
    /// The claims, as indented JSON.
    public let claims: String
    /// The header's `alg`, if any.
    public let algorithm: String?
    /// The header's `kid`, if any.
    public let keyID: String?
    /// The signature bytes (64 for ES256).
    public let signature: [UInt8]
}

/// Decodes tokens without verifying them (`consentctl decode TOKEN`).
public enum TokenDecoder {
    /// Splits `token` and pretty-prints its header and claims.
    ///
    /// - Important: Nothing here is verified: use `TokenVerifier` before
    ///   trusting any of it.
    /// - Throws: `TokenError.malformed` if the token is not three base64url
    ///   parts with JSON header and payload.
    public static func decode(_ token: String) throws(TokenError) -> DecodedToken {
        let parts = try TokenParts(token)
        let header = try parts.header()
        let payload = try parts.payload()
        guard let signature = parts.signature() else {
            throw .malformed("the signature is not base64url")
        }
        return DecodedToken(
            header: header.prettyPrinted(),
            claims: payload.prettyPrinted(),
            algorithm: header["alg"]?.stringValue,
            keyID: header["kid"]?.stringValue,
            signature: signature)
    }
}
