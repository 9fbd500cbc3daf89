/// The fuzzing seam of the token parsers: how `ConsentFuzzing` (and through
/// it the libFuzzer targets in `FuzzTesting/`) reaches the JSON parser and
/// the claims reader without a signature in the way. `package`, so nothing
/// outside ConsentHub's own modules sees it; nothing but ConsentFuzzing uses it.
package enum TokenFuzzingSeam {
    /// `JSONParser` on `bytes`: the value pretty-printed (as `consentctl
    /// decode` shows it), or nil when the parser refuses the bytes.
    package static func parseJSON(_ bytes: [UInt8]) -> String? {
        (try? JSONParser.parse(bytes))?.prettyPrinted()
    }

    /// The claims of a payload's JSON, read as `TokenVerifier` reads them once
    /// the signature has verified.
    package static func claims(fromPayloadJSON bytes: [UInt8]) throws(TokenError) -> ConsentTokenClaims {
        let payload: JSONValue
        do {
            payload = try JSONParser.parse(bytes)
        } catch {
            throw .malformed("the payload is not JSON: \(error.message) at byte \(error.offset)")
        }
        return try ConsentTokenClaims(payload: payload)
    }

    /// `CanonicalClaimsReader` on a payload's JSON: the claims, or nil when
    /// it leaves the payload to the general path.
    package static func canonicalClaims(fromPayloadJSON bytes: [UInt8]) -> ConsentTokenClaims? {
        bytes.withUnsafeBytes { CanonicalClaimsReader.read($0) }
    }
}
