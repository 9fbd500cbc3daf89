import ConsentCore
import ConsentOpenSSL
import ConsentToken

/// The one-time authorization code a consumer gets in the redirect after the
/// end user accepts (DESIGN §2 step 3), exchanged once for a token.
///
/// 256 bits from the OS random source, written as 43 base64url characters.
/// Only its SHA-256 (of those characters, as UTF-8) is kept: the hub's event
/// log never holds a usable code.
public enum AuthorizationCode {
    /// A fresh code and the hash the hub stores.
    public static func generate() -> (code: String, hash: [UInt8]) {
        let code = Base64URL.encode(SecureRandom.bytes(count: 32))
        return (code, hash(of: code))
    }

    /// The stored form of a code as presented by a consumer.
    public static func hash(of code: String) -> [UInt8] {
        SHA256.hash(code)
    }

    /// Whether a presented string can be a code at all (43 base64url characters),
    /// so that garbage is refused without a lookup.
    public static func isWellFormed(_ code: String) -> Bool {
        code.utf8.count == 43 && Base64URL.decode(code)?.count == 32
    }
}
