/// Why a token was refused.
public enum TokenError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not a JWS compact token of the expected shape: not three parts, bad
    /// base64url, JSON that does not parse, or claims missing or mistyped.
    case malformed(String)
    /// The header's `alg` is not `ES256` (for example `none` or `HS256`).
    case unsupportedAlgorithm(String)
    /// The header's `kid` names no published key (nil: the header has none).
    case unknownKeyID(String?)
    /// The signature does not verify with the named key.
    case badSignature
    /// `exp` (plus leeway) has passed.
    case expired(expiresAt: Int64, now: Int64)
    /// `iat` or `nbf` is in the future (beyond the leeway).
    case notYetValid(validFrom: Int64, now: Int64)
    /// `iss` is not the expected issuer.
    case wrongIssuer(found: String, expected: String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed token: \(reason)"
        case .unsupportedAlgorithm(let algorithm): "unsupported algorithm \"\(algorithm)\": only ES256 is accepted"
        case .unknownKeyID(let keyID?): "unknown key id \"\(keyID)\": not among the published signing keys"
        case .unknownKeyID(nil): "the token header has no key id (kid)"
        case .badSignature: "the signature does not verify"
        case .expired(let expiresAt, let now): "token expired at \(expiresAt) (now \(now))"
        case .notYetValid(let validFrom, let now): "token not valid before \(validFrom) (now \(now))"
        case .wrongIssuer(let found, let expected): "issuer \"\(found)\" is not the expected \"\(expected)\""
        }
    }
}
