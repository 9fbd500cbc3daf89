import ConsentOpenSSL

/// A JWK Set that cannot be used.
public struct JWKSError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "invalid JWKS: \(message)" }
}

/// JWK Sets (RFC 7517 §5): what `GetSigningKeys` returns and what a data
/// source caches to verify tokens offline.
public enum JWKS {
    /// `{"keys":[{"kty":"EC","crv":"P-256","x":"…","y":"…","kid":"…","use":"sig","alg":"ES256"}, …]}`.
    public static func encode(_ keys: [VerificationKey]) -> String {
        var writer = JSONWriter(capacity: 64 + keys.count * 200)
        writer.raw(#"{"keys":["#)
        for (index, key) in keys.enumerated() {
            if index > 0 { writer.raw(",") }
            JWK.write(key, into: &writer)
        }
        writer.raw("]}")
        return writer.string()
    }

    /// Reads the ES256 keys of a JWK Set.
    ///
    /// Keys of other types, curves or algorithms, and keys marked for
    /// encryption (`use` other than `sig`), are skipped: a shared JWKS may
    /// hold them. A key without `kid` gets its RFC 7638 thumbprint.
    /// - Throws: `JWKSError` if the text is not a JWK Set, an EC P-256 key
    ///   has bad coordinates, or two keys share a `kid`.
    public static func decode(_ json: String) throws(JWKSError) -> [VerificationKey] {
        let root: JSONValue
        do {
            root = try JSONParser.parse(Array(json.utf8))
        } catch {
            throw JWKSError("\(error.message) at byte \(error.offset)")
        }
        guard let entries = root["keys"]?.arrayValue else { throw JWKSError("no \"keys\" array") }
        var keys: [VerificationKey] = []
        var keyIDs = Set<String>()
        for entry in entries {
            guard entry.objectValue != nil else { throw JWKSError("a key is not an object") }
            guard entry["kty"]?.stringValue == "EC", entry["crv"]?.stringValue == "P-256" else { continue }
            if let use = entry["use"], use.stringValue != "sig" { continue }
            if let algorithm = entry["alg"], algorithm.stringValue != "ES256" { continue }
            guard let x = entry["x"]?.stringValue.flatMap(Base64URL.decode), x.count == 32,
                  let y = entry["y"]?.stringValue.flatMap(Base64URL.decode), y.count == 32 else {
                throw JWKSError("an EC key's x or y is not 32 bytes of base64url")
            }
            let publicKey: P256.PublicKey
            do {
                publicKey = try P256.PublicKey(x: x, y: y)
            } catch {
                throw JWKSError("an EC key is not a point on P-256")
            }
            if let keyID = entry["kid"], keyID.stringValue == nil { throw JWKSError("a kid is not a string") }
            let key = VerificationKey(publicKey: publicKey, keyID: entry["kid"]?.stringValue)
            guard keyIDs.insert(key.keyID).inserted else { throw JWKSError("kid \"\(key.keyID)\" appears twice") }
            keys.append(key)
        }
        return keys
    }
}
