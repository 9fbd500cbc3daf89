import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentToken
import Foundation
import Testing

/// VerifyToken and LogUse by token answer a token the hub issued (found in
/// its issued-token table, no ECDSA check) exactly as they answer it through
/// the full path: two hubs serve one ledger with the same keys, one with the
/// table and one without (`--issued-token-table 0`), and are asked about the
/// same tokens, before and after the key that signed some of them is withdrawn.
@Suite struct TokenIssuedTableTests {
    /// What a call answered: the response's bytes, or its refusal.
    enum Answer: Equatable, CustomStringConvertible {
        case ok([UInt8])
        case refused(Refusal)

        var description: String {
            switch self {
            case .ok(let bytes): "OK (\(bytes.count) bytes)"
            case .refused(let refusal): "refused \(refusal)"
            }
        }
    }

    static func verify(_ client: InProcessClient, _ token: String, resource: String, metadata: [String: String]) async -> Answer {
        do {
            return .ok(try await client.verify(token, resource: resource, metadata: metadata).serializedBytes())
        } catch {
            return .refused(Refusal(error))
        }
    }

    /// LogUse by token: OK or the refusal (receipts differ by sequence, so only the outcome is compared).
    static func logUse(_ client: InProcessClient, _ token: String) async -> Answer {
        do {
            _ = try await client.unary(Consent_V1_TokenService.logUse, .init(resource: "5252_1", usedAtMs: 0, consent: .token(token)))
            return .ok([])
        } catch {
            return .refused(Refusal(error))
        }
    }

    @Test func theTableAnswersExactlyAsTheFullPathOnTheSameTokensAndAfterAKeyIsWithdrawn() async throws {
        let keys = TestHub.makeTemporaryDirectory("issued-table-keys")
        let a = try writeTokenKey(in: keys, name: "a.key")
        let b = try writeTokenKey(in: keys, name: "b.key")
        let ledger = ConsentLedger()
        let clock = TestClock()
        let fast = try InProcessHub(ledger: ledger, clock: clock) { $0.signingKeyPath = a.path; $0.publishKeyPaths = [b.path] }
        let full = try InProcessHub(ledger: ledger, clock: clock) {
            $0.signingKeyPath = a.path; $0.publishKeyPaths = [b.path]; $0.issuedTokenTableSize = 0
        }
        let table = try #require(fast.tokenKeys.issued)
        #expect(full.tokenKeys.issued == nil)

        // Tokens issued by the hub with the table: live, revoked, ended (a one-time consent used), one per key.
        let bank = try fast.client("consumer")
        let live = try fast.giveNAVConsent()
        let revoked = try fast.giveNAVConsent()
        let tax = try fast.giveTaxConsent()
        var tokens = [
            try await bank.exchange(live.code).token,
            try await bank.issueToken(live.id).token,
            try await bank.exchange(revoked.code).token,
            try await bank.exchange(tax.code).token,
        ]
        try fast.revoke(revoked.id)
        let skatt = try fast.client("datasource-skatt")
        _ = try await skatt.unary(Consent_V1_TokenService.logUse, .init(resource: "4629_2", usedAtMs: 0, consent: .consentId(tax.id.description)))
        skatt.close()
        // Altered copies: not found in the table, refused by the full path.
        tokens += [TokenText.changingOneCharacter(of: tokens[0], part: 1), TokenText.changingOneCharacter(of: tokens[1], part: 2)]
        #expect(table.count >= 4)

        let askers = [("datasource", "5252_1", ["fraOgMed": "01.03.2023"]), ("datasource", "5252_1", ["fraOgMed": "01.01.2019"]),
                      ("datasource", "9999_1", [:]), ("datasource-skatt", "4629_2", ["inntektsaar": "2024"]), ("admin", "", [:])]
        func compareAll(_ tokens: [String], _ stage: String) async throws -> [Answer] {
            var answers: [Answer] = []
            for (principal, resource, metadata) in askers {
                let viaTable = try fast.client(principal)
                let viaFull = try full.client(principal)
                for (index, token) in tokens.enumerated() {
                    let answer = await Self.verify(viaTable, token, resource: resource, metadata: metadata)
                    let expected = await Self.verify(viaFull, token, resource: resource, metadata: metadata)
                    #expect(answer == expected, "\(stage): token \(index) asked by \(principal) for \(resource): \(answer) vs \(expected)")
                    answers.append(answer)
                }
                viaTable.close()
                viaFull.close()
            }
            return answers
        }

        let hitsBefore = table.hits
        let answers = try await compareAll(tokens, "both keys published")
        #expect(answers.contains { if case .ok = $0 { true } else { false } }, "some token was valid")
        #expect(answers.contains(.refused(Refusal(.unauthenticated, "token_signature_invalid"))))
        #expect(table.hits > hitsBefore, "the hub with the table took its fast path")

        // LogUse by token takes the same path.
        let navFast = try fast.client("datasource")
        let navFull = try full.client("datasource")
        for token in [tokens[0], tokens[4], tokens[5]] {
            #expect(await Self.logUse(navFast, token) == (await Self.logUse(navFull, token)))
        }

        // Withdraw key A on both hubs: B signs, A is no longer published.
        for hub in [fast, full] {
            var rotated = hub.hub.configuration
            rotated.signingKeyPath = b.path
            rotated.publishKeyPaths = []
            try hub.hub.reloadTokenKeys(from: rotated)
        }
        let fresh = try await bank.issueToken(live.id).token
        #expect(TokenText.keyID(of: fresh) == b.keyID)
        let withdrawn = try await compareAll(tokens + [fresh], "key A withdrawn")
        #expect(await Self.verify(navFast, tokens[0], resource: "", metadata: [:]) == .refused(Refusal(.unauthenticated, "token_key_unknown")))
        #expect(withdrawn.contains { if case .ok = $0 { true } else { false } }, "the token of key B is valid")
        #expect(await Self.logUse(navFast, tokens[0]) == (await Self.logUse(navFull, tokens[0])))

        navFast.close()
        navFull.close()
        bank.close()
        await full.stop()
        await fast.stop()
    }

    @Test func anExpiredTokenIsRefusedTheSameWayWithAndWithoutTheTable() async throws {
        let keys = TestHub.makeTemporaryDirectory("issued-table-expiry")
        let a = try writeTokenKey(in: keys, name: "a.key")
        let ledger = ConsentLedger()
        // Tokens of one second, and one test clock for both hubs, moved past their end.
        let clock = TestClock()
        let fast = try InProcessHub(ledger: ledger, clock: clock) { $0.signingKeyPath = a.path; $0.tokenLifetimeSeconds = 1 }
        let full = try InProcessHub(ledger: ledger, clock: clock) {
            $0.signingKeyPath = a.path; $0.tokenLifetimeSeconds = 1; $0.issuedTokenTableSize = 0
        }
        let table = try #require(fast.tokenKeys.issued)
        let bank = try fast.client("consumer")
        let consent = try fast.giveNAVConsent()
        let token = try await bank.exchange(consent.code).token
        #expect(table.count == 1)
        clock.advance(by: .milliseconds(2100))

        let viaTable = try fast.client("datasource")
        let viaFull = try full.client("datasource")
        let hits = table.hits
        let answer = await Self.verify(viaTable, token, resource: "5252_1", metadata: [:])
        #expect(answer == .refused(Refusal(.unauthenticated, "token_expired")))
        #expect(answer == (await Self.verify(viaFull, token, resource: "5252_1", metadata: [:])))
        #expect(table.hits == hits + 1, "the expired token was found in the table and still refused")
        // LogUse by token checks no expiry: a use may be logged after the token ran out, on both paths.
        #expect(await Self.logUse(viaTable, token) == .ok([]))
        #expect(await Self.logUse(viaFull, token) == .ok([]))

        viaTable.close()
        viaFull.close()
        bank.close()
        await full.stop()
        await fast.stop()
    }
}
