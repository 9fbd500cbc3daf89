import ConsentOpenSSL
@testable import ConsentToken

/// Shared values for the token tests.
enum Fixtures {
    static let issuer = "https://consenthub.example"
    /// 2025-01-15T10:00:00Z.
    static let now: Int64 = 1_736_935_200

    static let consent = ConsentAuthorizationDetail(
        consentID: "0b4c2a1e-7d0f-4a55-9f7e-3c1d2b6a9e01",
        from: .person(identifier: "01017012345"),
        consumerOrganisationNumber: "910203045",
        consentedAt: now - 3600,
        validTo: now + 90 * 86_400,
        rights: [
            ConsentRight(resource: "5252_1", metadata: ["tilOgMed": "31.12.2024", "fraOgMed": "01.01.2024"]),
        ])

    static func signer(lifetime: Int64 = 120) throws -> TokenSigner {
        TokenSigner(keySet: try TokenKeySet(active: SigningKey(privateKey: P256.PrivateKey())), issuer: issuer, lifetime: lifetime)
    }
}

extension TokenError {
    /// The case without its payload, for comparing kinds in tests.
    var kind: String {
        switch self {
        case .malformed: "malformed"
        case .unsupportedAlgorithm: "unsupportedAlgorithm"
        case .unknownKeyID: "unknownKeyID"
        case .badSignature: "badSignature"
        case .expired: "expired"
        case .notYetValid: "notYetValid"
        case .wrongIssuer: "wrongIssuer"
        }
    }
}

/// Runs `body`, returning the `TokenError` it throws (nil if it returns).
func tokenError(_ body: () throws(TokenError) -> ConsentTokenClaims) -> TokenError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
