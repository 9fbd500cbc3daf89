import ConsentOpenSSL

/// A token key configuration that cannot be used.
public struct TokenKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Where a token key comes from: a PEM file and, optionally, a fixed key id.
public struct TokenKeyFile: Hashable, Sendable {
    /// The PEM file.
    public var path: String
    /// The `kid`; nil for the RFC 7638 thumbprint.
    public var keyID: String?

    public init(path: String, keyID: String? = nil) {
        self.path = path
        self.keyID = keyID
    }
}

/// The hub's token keys at one moment: the one that signs, and every key
/// that is published (the active one first, then keys being retired or
/// introduced).
///
/// Immutable: rotation builds a new set from the new configuration and
/// swaps it in whole (see `RotatingTokenSigner`), so a reader never sees
/// half a rotation.
public struct TokenKeySet: Sendable {
    /// The key new tokens are signed with.
    public let active: SigningKey
    /// Every key a verifier should accept, active first.
    public let published: [VerificationKey]

    /// - Parameters:
    ///   - active: the signing key; it is always published.
    ///   - alsoPublished: keys still (or already) accepted but not signing.
    /// - Throws: `TokenKeyError` if two different keys share a key id.
    public init(active: SigningKey, alsoPublished: [VerificationKey] = []) throws {
        var published = [active.verificationKey]
        for key in alsoPublished {
            if let existing = published.first(where: { $0.keyID == key.keyID }) {
                guard existing.publicKey == key.publicKey else {
                    throw TokenKeyError("two different token keys share the key id \"\(key.keyID)\"")
                }
                continue // the same key listed twice
            }
            published.append(key)
        }
        self.active = active
        self.published = published
    }

    /// Loads the keys named by the server configuration.
    /// - Parameters:
    ///   - active: the signing key's PEM file (PKCS#8 or traditional EC).
    ///   - alsoPublished: PEM files of public or private keys to publish too.
    /// - Throws: `KeyFileError`, `OpenSSLError` or `TokenKeyError`.
    public static func load(active: TokenKeyFile, alsoPublished: [TokenKeyFile] = []) throws -> TokenKeySet {
        let signingKey = try SigningKey(pemFile: active.path, keyID: active.keyID)
        let others = try alsoPublished.map { try VerificationKey(pemFile: $0.path, keyID: $0.keyID) }
        return try TokenKeySet(active: signingKey, alsoPublished: others)
    }

    /// The JWK Set of the published keys (what `GetSigningKeys` returns).
    public var jwks: String { JWKS.encode(published) }

    /// A verifier that accepts tokens signed by any published key.
    /// - Parameter issued: the table the hub's signer records its tokens in:
    ///   a token found there unaltered skips the signature check (see `IssuedTokens`).
    public func verifier(leeway: Int64 = TokenVerifier.defaultLeeway, issued: IssuedTokens? = nil) -> TokenVerifier {
        TokenVerifier(keys: published, leeway: leeway, issued: issued)
    }
}
