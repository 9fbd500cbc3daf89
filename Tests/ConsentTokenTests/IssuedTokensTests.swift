import ConsentOpenSSL
import Testing
@testable import ConsentToken

/// The issued-token table (`IssuedTokens`): a verifier given it skips the
/// ECDSA check of a token the hub signed and nothing else, and answers every
/// token exactly as the same verifier without the table does.
@Suite("The issued-token table")
struct IssuedTokensTests {
    /// The verdict on a token: its claims, or the error.
    enum Verdict: Equatable {
        case valid(ConsentTokenClaims, keyID: String)
        case refused(TokenError)
    }

    static func verdict(_ verifier: TokenVerifier, _ token: String, now: Int64 = Fixtures.now, issuer: String = Fixtures.issuer) -> Verdict {
        do {
            let verified = try verifier.verifiedToken(token, now: now, expectedIssuer: issuer)
            return .valid(verified.claims, keyID: verified.keyID)
        } catch {
            return .refused(error)
        }
    }

    static func signer(_ key: SigningKey, alsoPublished: [VerificationKey] = [], issued: IssuedTokens?, lifetime: Int64 = 120) throws -> TokenSigner {
        TokenSigner(keySet: try TokenKeySet(active: key, alsoPublished: alsoPublished), issuer: Fixtures.issuer, lifetime: lifetime, issued: issued)
    }

    @Test("a token the signer made is found and skips the signature check; the verdict is the full path's")
    func hit() throws {
        let table = IssuedTokens(capacity: 1000)
        let signer = try Self.signer(SigningKey(privateKey: P256.PrivateKey()), issued: table)
        let token = try signer.issue(for: Fixtures.consent, isOneTime: true, now: Fixtures.now)
        #expect(table.count == 1)
        let fast = signer.keySet.verifier(issued: table)
        let full = signer.keySet.verifier()
        let verdict = Self.verdict(fast, token)
        guard case .valid(let claims, _) = verdict else {
            Issue.record("refused: \(verdict)")
            return
        }
        #expect(claims.consent == Fixtures.consent && claims.isOneTime)
        #expect(table.hits == 1)
        #expect(verdict == Self.verdict(full, token))
    }

    @Test("an altered token, another token's jti and a token never recorded take the full path")
    func misses() throws {
        let table = IssuedTokens(capacity: 1000)
        let key = SigningKey(privateKey: try P256.PrivateKey())
        let signer = try Self.signer(key, issued: table)
        let token = try signer.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        let fast = signer.keySet.verifier(issued: table)
        let full = signer.keySet.verifier()

        // Every one-character change of the signature part: a different string, so no hit.
        let bytes = Array(token.utf8)
        let lastDot = bytes.lastIndex(of: UInt8(ascii: "."))!
        for index in stride(from: lastDot + 1, to: bytes.count, by: 7) {
            var changed = bytes
            changed[index] = changed[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let altered = String(decoding: changed, as: UTF8.self)
            #expect(Self.verdict(fast, altered) == Self.verdict(full, altered))
            #expect(Self.verdict(fast, altered) != Self.verdict(full, token))
        }
        // A valid token of the same key that the table never saw (signed without it).
        let outsider = try TokenSigner(keySet: signer.keySet, issuer: Fixtures.issuer).issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        #expect(Self.verdict(fast, outsider) == Self.verdict(full, outsider))
        guard case .valid = Self.verdict(fast, outsider) else {
            Issue.record("a valid token the table does not hold was refused")
            return
        }
        #expect(table.hits == 0)
        #expect(table.count == 1)
    }

    @Test("the same tokens get the same answers with and without the table, across expiry, issuer and key changes")
    func sameAnswers() throws {
        let table = IssuedTokens(capacity: 1000)
        let old = SigningKey(privateKey: try P256.PrivateKey())
        let new = SigningKey(privateKey: try P256.PrivateKey())
        let oldSigner = try Self.signer(old, issued: table)
        let newSigner = try Self.signer(new, alsoPublished: [old.verificationKey], issued: table)
        let tokens = [
            try oldSigner.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now),
            try oldSigner.issue(for: Fixtures.consent, isOneTime: true, now: Fixtures.now - 100),
            try newSigner.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now),
            try newSigner.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now + 50),
        ]
        // Key sets in force at different times: both keys; the old one withdrawn; only the old one.
        let keySets = [
            try TokenKeySet(active: new, alsoPublished: [old.verificationKey]),
            try TokenKeySet(active: new),
            try TokenKeySet(active: old),
        ]
        var hits: UInt64 = 0
        for keySet in keySets {
            for leeway in [0, 30, 1 << 40] as [Int64] {
                let fast = keySet.verifier(leeway: leeway, issued: table)
                let full = keySet.verifier(leeway: leeway)
                for token in tokens {
                    for now in [Fixtures.now - 200, Fixtures.now, Fixtures.now + 119, Fixtures.now + 121, Fixtures.now + 10_000] {
                        for issuer in [Fixtures.issuer, "https://elsewhere.example"] {
                            let before = table.hits
                            let answer = Self.verdict(fast, token, now: now, issuer: issuer)
                            #expect(answer == Self.verdict(full, token, now: now, issuer: issuer))
                            hits += table.hits - before
                        }
                    }
                }
            }
        }
        // The fast path was taken (the test would otherwise only compare the full path with itself).
        #expect(hits > 0)
    }

    @Test("a token whose signing key was withdrawn is refused on both paths, found in the table or not")
    func withdrawnKey() throws {
        let table = IssuedTokens(capacity: 1000)
        let old = SigningKey(privateKey: try P256.PrivateKey())
        let new = SigningKey(privateKey: try P256.PrivateKey())
        let token = try Self.signer(old, issued: table).issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)
        let withdrawn = try TokenKeySet(active: new)
        #expect(Self.verdict(withdrawn.verifier(issued: table), token) == .refused(.unknownKeyID(old.keyID)))
        #expect(Self.verdict(withdrawn.verifier(), token) == .refused(.unknownKeyID(old.keyID)))
        // Another key published under the same kid: a bad signature on both paths.
        let impostor = SigningKey(privateKey: try P256.PrivateKey(), keyID: old.keyID)
        let renamed = try TokenKeySet(active: impostor)
        #expect(Self.verdict(renamed.verifier(issued: table), token) == .refused(.badSignature))
        #expect(Self.verdict(renamed.verifier(), token) == .refused(.badSignature))
        #expect(table.hits == 0)
    }

    @Test("at the bound the oldest tokens leave first, and expired ones leave as new ones come")
    func bound() throws {
        let table = IssuedTokens(capacity: 16)  // one entry per shard
        let signer = try Self.signer(SigningKey(privateKey: P256.PrivateKey()), issued: table, lifetime: 3600)
        let verifier = signer.keySet.verifier(issued: table)
        var tokens: [String] = []
        for _ in 0..<200 { tokens.append(try signer.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now)) }
        #expect(table.count <= table.capacity)
        #expect(table.evictions >= 200 - 16)
        // Every token still verifies (dropped ones in full); only the ones kept hit.
        for token in tokens {
            guard case .valid = Self.verdict(verifier, token) else {
                Issue.record("a dropped token was refused")
                return
            }
        }
        #expect(table.hits > 0 && table.hits <= 16)
        // The newest token of each shard is the one kept.
        let newest = tokens.suffix(1)
        let before = table.hits
        _ = Self.verdict(verifier, newest.first!)
        #expect(table.hits == before + 1)

        // Expired entries leave when a later token is recorded.
        let expiring = IssuedTokens(capacity: 1024)
        let short = try Self.signer(SigningKey(privateKey: P256.PrivateKey()), issued: expiring, lifetime: 60)
        for _ in 0..<100 { _ = try short.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now) }
        #expect(expiring.count == 100)
        for _ in 0..<64 { _ = try short.issue(for: Fixtures.consent, isOneTime: false, now: Fixtures.now + 61) }
        #expect(expiring.count < 164)
        #expect(expiring.evictions == 0)
    }

    @Test("a jti not of the hub's form is never looked up")
    func foreignTokenIDs() {
        #expect(IssuedTokens.parse("AAAAAAAAAAAAAAAAAAAAAA") != nil)
        #expect(IssuedTokens.parse("short") == nil)
        #expect(IssuedTokens.parse("AAAAAAAAAAAAAAAAAAAAA+") == nil)
        #expect(IssuedTokens.parse(String(repeating: "A", count: 23)) == nil)
    }
}
