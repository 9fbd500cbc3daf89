import ConsentOpenSSL

/// A key that signs tokens: a key id and a P-256 private key, with the
/// token header for that id encoded once.
public struct SigningKey: Sendable {
    /// The JWK `kid`, written into every token's header.
    public let keyID: String
    /// The private key.
    public let privateKey: P256.PrivateKey
    /// `base64url({"alg":"ES256","typ":"JWT","kid":"<kid>"})`: the header
    /// never changes for a key, so it is encoded here and not per token.
    let encodedHeader: [UInt8]

    /// - Parameters:
    ///   - keyID: the id to publish; by default the RFC 7638 thumbprint.
    public init(privateKey: P256.PrivateKey, keyID: String? = nil) {
        self.privateKey = privateKey
        self.keyID = keyID ?? JWK.thumbprint(of: privateKey.publicKey)
        encodedHeader = Self.encodedHeader(keyID: self.keyID)
    }

    /// `base64url({"alg":"ES256","typ":"JWT","kid":"<kid>"})`, the header of
    /// every token the key signs (`TokenVerifier` recognises it by these bytes).
    static func encodedHeader(keyID: String) -> [UInt8] {
        var header = JSONWriter(capacity: 96)
        header.raw(#"{"alg":"ES256","typ":"JWT","kid":"#)
        header.string(keyID)
        header.raw("}")
        return Array(Base64URL.encode(header.bytes).utf8)
    }

    /// Loads the private key from a PEM file (PKCS#8 or traditional EC).
    /// - Throws: `KeyFileError` or `OpenSSLError`.
    public init(pemFile path: String, keyID: String? = nil) throws {
        self.init(privateKey: try P256.PrivateKey(pemFile: path), keyID: keyID)
    }

    /// The public half, as published in the JWKS.
    public var verificationKey: VerificationKey {
        VerificationKey(publicKey: privateKey.publicKey, keyID: keyID)
    }
}
