import ConsentToken
import Foundation
import Testing

/// The example in docs/TOKENS.md ("An example") is what integrators copy to
/// test their verifiers: it must follow the page's own rules. Its token must
/// have low S, verify against the JWKS shown beside it, and decode to the
/// header and claims shown.
struct TokensDocumentTests {
    static let document = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/TOKENS.md")

    /// The fenced blocks of the section "### An example", in order.
    static func exampleBlocks() throws -> [String] {
        let text = try String(contentsOf: document, encoding: .utf8)
        guard let start = text.range(of: "### An example") else { throw ExampleMissing("no section '### An example'") }
        let section = text[start.upperBound...].components(separatedBy: "\n## ").first ?? ""
        let parts = section.components(separatedBy: "```")
        // Odd parts are inside fences; a fence's first line may name a language.
        return stride(from: 1, to: parts.count, by: 2).map { index in
            var block = parts[index]
            if let newline = block.firstIndex(of: "\n") { block = String(block[block.index(after: newline)...]) }
            return block.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    struct ExampleMissing: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// n/2 for P-256's group order n, big-endian: S must not exceed it.
    static let halfOrder: [UInt8] = [
        0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8,
    ]

    @Test func theExampleTokenHasLowSAndVerifiesAgainstTheJWKSShown() throws {
        let blocks = try Self.exampleBlocks()
        guard let token = blocks.first(where: { $0.hasPrefix("eyJ") }) else { throw ExampleMissing("no token in the example") }
        guard let jwks = blocks.first(where: { $0.hasPrefix("{\"keys\"") }) else { throw ExampleMissing("no JWKS in the example") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3, "a compact JWS has three parts")

        let signature = try #require(Base64URL.decode(parts[2]))
        try #require(signature.count == 64, "an ES256 signature is r‖s, 64 bytes")
        let s = Array(signature[32...])
        #expect(s.lexicographicallyPrecedes(Self.halfOrder) || s == Self.halfOrder,
                "the example's S is above n/2 (high S), which the page itself forbids; sign it again and take n − s")

        // The project's own verifier: ES256, the kid of the JWKS, low S, the signature.
        let verifier = try TokenVerifier(jwks: jwks)
        let payload = try #require(Base64URL.decode(parts[1]))
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
        let issuedAt = try #require(claims["iat"] as? Int)
        let issuer = try #require(claims["iss"] as? String)
        let verified = try verifier.verifiedToken(token, now: Int64(issuedAt) + 1, expectedIssuer: issuer)
        #expect(verified.claims.issuer == "https://consenthub.example")
    }

    @Test func theExampleDecodesToTheHeaderAndClaimsShown() throws {
        let blocks = try Self.exampleBlocks()
        guard let token = blocks.first(where: { $0.hasPrefix("eyJ") }) else { throw ExampleMissing("no token in the example") }
        guard let decoded = blocks.first(where: { $0.hasPrefix("{\n  \"alg\"") }) else { throw ExampleMissing("no decoded header and claims") }
        // The shown block is two JSON objects, the header then the claims.
        guard let split = decoded.range(of: "\n}\n{") else { throw ExampleMissing("the decoded block is not two objects") }
        let shownHeader = String(decoded[..<split.lowerBound]) + "\n}"
        let shownClaims = "{" + String(decoded[split.upperBound...])
        let parts = token.split(separator: ".").map(String.init)
        func object(_ bytes: [UInt8]?) throws -> NSDictionary {
            let bytes = try #require(bytes)
            return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
        }
        #expect(try object(Base64URL.decode(parts[0])) == (try object(Array(shownHeader.utf8))), "the header shown is not the token's")
        #expect(try object(Base64URL.decode(parts[1])) == (try object(Array(shownClaims.utf8))), "the claims shown are not the token's")
    }
}
