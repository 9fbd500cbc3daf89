import Testing
@testable import ConsentOpenSSL

/// Cases from Project Wycheproof's `ecdsa_secp256r1_sha256_p1363_test.json`
/// (C2SP/wycheproof, `testvectors/`), copied by hand: P1363 is the JWS
/// signature form, so these exercise exactly what a token verifier sees.
@Suite("Wycheproof ECDSA P-256 SHA-256 P1363")
struct WycheproofP256Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        var tcId: Int
        var comment: String
        var key: String // uncompressed point, hex
        var message: String // hex
        var signature: String // hex
        var valid: Bool
        var testDescription: String { "tcId \(tcId): \(comment)" }
    }

    static let key1 = "042927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e"

    static let cases: [Case] = [
        Case(tcId: 1, comment: "signature malleability", key: key1, message: "313233343030",
             signature: "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76",
             valid: true),
        Case(tcId: 2, comment: "modified r (r + n): 65 bytes", key: key1, message: "313233343030",
             signature: "012ba3a8bd6b94d5ed80a6d9d1190a436ebccc0833490686deac8635bcb9bf536900b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db",
             valid: false),
        Case(tcId: 8, comment: "modified s", key: key1, message: "313233343030",
             signature: "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b865d442f5a3c7b11eb6c4e0ae79578ec6353a20bf783ecb4b6ea97b825",
             valid: false),
        Case(tcId: 9, comment: "r = 0, s = 0", key: key1, message: "313233343030",
             signature: String(repeating: "0", count: 128), valid: false),
        Case(tcId: 16, comment: "r = 1, s = 0", key: key1, message: "313233343030",
             signature: String(repeating: "0", count: 63) + "1" + String(repeating: "0", count: 64), valid: false),
        Case(tcId: 23, comment: "r = n, s = 0", key: key1, message: "313233343030",
             signature: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551" + String(repeating: "0", count: 64),
             valid: false),
        Case(tcId: 24, comment: "r = n, s = 1", key: key1, message: "313233343030",
             signature: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551" + String(repeating: "0", count: 63) + "1",
             valid: false),
        Case(tcId: 25, comment: "r = n, s = n", key: key1, message: "313233343030",
             signature: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
             valid: false),
        Case(tcId: 169, comment: "point duplication during verification",
             key: "045b812fd521aafa69835a849cce6fbdeb6983b442d2444fe70e134c027fc46963838a40f2a36092e9004e92d8d940cf5638550ce672ce8b8d4e15eba5499249e9",
             message: "313233343030",
             signature: "6f2347cab7dd76858fe0555ac3bc99048c4aacafdfb6bcbe05ea6c42c4934569bb726660235793aa9957a61e76e00c2c435109cf9a15dd624d53f4301047856b",
             valid: true),
        Case(tcId: 170, comment: "duplication bug",
             key: "045b812fd521aafa69835a849cce6fbdeb6983b442d2444fe70e134c027fc469637c75bf0c5c9f6d17ffb16d2726bf30a9c7aaf31a8d317472b1ea145ab66db616",
             message: "313233343030",
             signature: "6f2347cab7dd76858fe0555ac3bc99048c4aacafdfb6bcbe05ea6c42c4934569bb726660235793aa9957a61e76e00c2c435109cf9a15dd624d53f4301047856b",
             valid: false),
        Case(tcId: 174, comment: "extreme value for k and edge case s",
             key: "044fea55b32cb32aca0c12c4cd0abfb4e64b0f5a516e578c016591a93f5a0fbcc5d7d3fd10b2be668c547b212f6bb14c88f0fecd38a8a4b2c785ed3be62ce4b280",
             message: "313233343030",
             signature: "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978555555550000000055555555555555553ef7a8e48d07df81a693439654210c70",
             valid: true),
    ]

    @Test("verification result matches the vector", arguments: cases)
    func vector(_ vector: Case) throws {
        let point = try #require(Hex.decode(vector.key))
        let key = try P256.PublicKey(x: Array(point[1..<33]), y: Array(point[33..<65]))
        let message = try #require(Hex.decode(vector.message))
        let signature = try #require(Hex.decode(vector.signature))
        #expect(key.isValidSignature(signature, for: message) == vector.valid)
    }
}
