import ConsentOpenSSL
import ConsentToken

/// The hub's token keys: loaded from the PEM files the configuration names,
/// swapped whole on reload (SIGHUP), read without a shared lock on every call.
///
/// Rotation (docs/TOKENS.md): publish the new key (`--publish-keys`), reload;
/// make it the `--signing-key` and publish the old one, reload; later drop
/// the old one, reload. A call already signing finishes with the keys it
/// read; every later call uses the new ones. Tokens signed by a key that is
/// still published keep verifying.
public final class TokenKeys: Sendable {
    /// `iss` of every token (fixed for the life of the process: changing it
    /// would invalidate every token in circulation).
    public let issuer: String
    /// Seconds from `iat` to `exp`.
    public let lifetimeSeconds: Int64
    private let material: ReloadableValue<TokenMaterial>
    /// The tokens this process signed and that are still live (nil when
    /// `--issued-token-table 0`): kept across reloads; each reload's
    /// verifiers look a token up with the keys in force then.
    public let issued: IssuedTokens?
    /// The key generated at start when none is configured; kept across
    /// reloads, so tokens stay verifiable for the life of the process.
    private let ephemeralKey: SigningKey?

    /// Loads the keys named by `configuration`, or generates an ephemeral key
    /// (with a warning) when `--signing-key` is not given.
    /// - Throws: `ConfigurationError` naming the key file that cannot be used.
    public init(configuration: ServerConfiguration) throws(ConfigurationError) {
        issuer = configuration.issuer
        lifetimeSeconds = Int64(configuration.tokenLifetimeSeconds)
        if configuration.signingKeyPath.isEmpty {
            let key: SigningKey
            do {
                key = SigningKey(privateKey: try P256.PrivateKey())
            } catch {
                throw ConfigurationError("cannot generate a token signing key: \(error)")
            }
            ephemeralKey = key
            ServerLog.warning(
                "no --signing-key: consent tokens are signed with a temporary key (kid \(key.keyID)) generated now; "
                    + "they will not verify after a restart. Development only: configure --signing-key FILE "
                    + "(consentctl dev-certs writes token-signing.key)")
        } else {
            ephemeralKey = nil
        }
        issued = configuration.issuedTokenTableSize > 0 ? IssuedTokens(capacity: configuration.issuedTokenTableSize) : nil
        let keySet = try Self.keySet(configuration, ephemeralKey: ephemeralKey)
        material = ReloadableValue(TokenMaterial(
            keySet: keySet, issuer: issuer, lifetime: lifetimeSeconds, isEphemeral: ephemeralKey != nil, issued: issued))
    }

    /// The keys and the signer, verifiers and JWKS derived from them.
    var current: TokenMaterial { material.value }

    /// The key set in force: the active key and every published key.
    public var keySet: TokenKeySet { material.value.signer.keySet }

    /// The signer in force (tests use it to make tokens with chosen times).
    public var signer: TokenSigner { material.value.signer }

    /// Re-reads the key files named by `configuration` (`signingKeyPath`,
    /// `publishKeyPaths`) and swaps them in. Issuer and lifetime stay.
    /// With no signing key configured the key generated at start keeps signing.
    /// - Returns: a line for the log: the active key id and how many keys are published.
    /// - Throws: `ConfigurationError`; the keys in force then stay in force.
    @discardableResult
    public func reload(from configuration: ServerConfiguration) throws(ConfigurationError) -> String {
        let useEphemeral = configuration.signingKeyPath.isEmpty
        // A hub started with a key file must keep one: generating a key now
        // would silently break every token in circulation.
        if useEphemeral && ephemeralKey == nil {
            throw ConfigurationError("signing-key is no longer set; keeping the current token keys")
        }
        let keySet = try Self.keySet(configuration, ephemeralKey: useEphemeral ? ephemeralKey : nil)
        material.replace(with: TokenMaterial(
            keySet: keySet, issuer: issuer, lifetime: lifetimeSeconds, isEphemeral: useEphemeral, issued: issued))
        return "token keys: active \(keySet.active.keyID), \(keySet.published.count) published"
    }

    private static func keySet(_ configuration: ServerConfiguration, ephemeralKey: SigningKey?) throws(ConfigurationError) -> TokenKeySet {
        var published: [VerificationKey] = []
        for path in configuration.publishKeyPaths {
            try PrivateKeyPermissions.checkIfPrivate(path, option: "--publish-keys")
            do {
                published.append(try VerificationKey(pemFile: path))
            } catch {
                throw ConfigurationError("cannot use --publish-keys file \(path): \(error)")
            }
        }
        let active: SigningKey
        if let ephemeralKey {
            active = ephemeralKey
        } else {
            try PrivateKeyPermissions.check(configuration.signingKeyPath, option: "--signing-key")
            do {
                active = try SigningKey(pemFile: configuration.signingKeyPath)
            } catch {
                throw ConfigurationError("cannot use --signing-key file \(configuration.signingKeyPath): \(error)")
            }
        }
        do {
            return try TokenKeySet(active: active, alsoPublished: published)
        } catch {
            throw ConfigurationError("token keys: \(error)")
        }
    }
}
