import ConsentOpenSSL

/// A published token key: a key id and a P-256 public key. The verifier
/// picks the key whose id is in the token's header.
public struct VerificationKey: Hashable, Sendable {
    /// The JWK `kid`.
    public let keyID: String
    /// The public key.
    public let publicKey: P256.PublicKey

    /// - Parameters:
    ///   - keyID: the id to publish; by default the RFC 7638 thumbprint.
    public init(publicKey: P256.PublicKey, keyID: String? = nil) {
        self.publicKey = publicKey
        self.keyID = keyID ?? JWK.thumbprint(of: publicKey)
    }

    /// Loads a key to publish from a PEM file holding either a public key or
    /// a private key (whose public half is used). A retired signing key can
    /// stay published from its public half alone.
    /// - Throws: `KeyFileError` or `OpenSSLError`.
    public init(pemFile path: String, keyID: String? = nil) throws {
        let pem = try KeyFile.read(path)
        let publicKey = KeyFile.holdsPrivateKey(pem)
            ? try P256.PrivateKey(pemRepresentation: pem).publicKey
            : try P256.PublicKey(pemRepresentation: pem)
        self.init(publicKey: publicKey, keyID: keyID)
    }
}
