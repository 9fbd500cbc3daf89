#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentToken
import Foundation
import Testing

/// GetSigningKeys, key rotation, and the token options (DESIGN §7: "Keys
/// rotate: several may be published, one signs").
@Suite struct TokenKeyTests {
    @Test func everyRoleGetsTheSameKeysAsJWKSAndAsMessages() async throws {
        let hub = try InProcessHub()
        let keySet = hub.tokenKeys.keySet
        for principal in ["consumer", "datasource", "portal", "admin"] {
            let client = try hub.client(principal)
            let response = try await client.unary(Consent_V1_TokenService.getSigningKeys, .init())
            #expect(response.jwks == keySet.jwks)
            #expect(response.activeKeyId == keySet.active.keyID)
            #expect(response.keys.map(\.keyId) == keySet.published.map(\.keyID))
            let key = try #require(response.keys.first)
            #expect((key.keyType, key.curve, key.algorithm, key.status) == ("EC", "P-256", "ES256", .active))
            #expect(try JWKS.decode(response.jwks).map(\.keyID) == [key.keyId])
            client.close()
        }
        await hub.stop()
    }

    @Test func rotationKeepsOldTokensValidWhileTheirKeyIsPublished() async throws {
        let directory = TestHub.makeTemporaryDirectory("token-keys")
        let a = try writeTokenKey(in: directory, name: "a.key")
        let b = try writeTokenKey(in: directory, name: "b.key")
        let hub = try InProcessHub { $0.signingKeyPath = a.path }
        let consent = try hub.giveNAVConsent()
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")
        let old = try await bank.exchange(consent.code)
        #expect(old.keyId == a.keyID)

        // Switch: B signs, A stays published.
        var rotated = hub.configuration
        rotated.signingKeyPath = b.path
        rotated.publishKeyPaths = [a.path]
        try hub.hub.reloadTokenKeys(from: rotated)
        let keys = try await nav.unary(Consent_V1_TokenService.getSigningKeys, .init())
        #expect(keys.keys.map(\.keyId) == [b.keyID, a.keyID])
        #expect(keys.keys.map(\.status) == [.active, .published])
        #expect(try await nav.verify(old.token).claims?.keyId == a.keyID, "a token signed before the rotation still verifies online")
        let offline = try TokenVerifier(jwks: keys.jwks)
        _ = try offline.verify(old.token, now: hub.now.millisecondsSinceEpoch / 1000, expectedIssuer: hub.configuration.issuer)
        let fresh = try await bank.issueToken(consent.id)
        #expect(fresh.keyId == b.keyID)
        #expect(TokenText.keyID(of: fresh.token) == b.keyID)
        #expect(try await nav.verify(fresh.token).valid)

        // Retire A: its tokens stop verifying; a broken file changes nothing.
        rotated.publishKeyPaths = []
        try hub.hub.reloadTokenKeys(from: rotated)
        #expect(await refusal { try await nav.verify(old.token) } == Refusal(.unauthenticated, "token_key_unknown"))
        rotated.signingKeyPath = directory + "/missing.key"
        #expect(throws: ConfigurationError.self) { try hub.hub.reloadTokenKeys(from: rotated) }
        #expect(try await nav.verify(fresh.token).valid)
        bank.close()
        nav.close()
        await hub.stop()
    }

    @Test func sighupRereadsTheConfigFileAndSwapsKeysOnOpenConnections() async throws {
        let data = TestHub.makeTemporaryDirectory("token-sighup")
        let a = try writeTokenKey(in: data + ".keys", name: "a.key", creatingDirectory: true)
        let b = try writeTokenKey(in: data + ".keys", name: "b.key")
        let config = data + ".conf"
        try "signing-key = \(a.path)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: ["--config", config])
        let client = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: server.port, caFile: TestHub.certificates.path("ca.pem"),
            certificateFile: TestHub.certificates.path("datasource.pem"), keyFile: TestHub.certificates.path("datasource.key")))
        func keys() async throws -> [String] {
            try await client.unary(Consent_V1_TokenService.getSigningKeys, .init()).keys.map(\.keyId)
        }
        #expect(try await keys() == [a.keyID])
        #expect(!server.log.contains("WARNING"), "a configured key needs no warning: \(server.log)")

        try "signing-key = \(b.path)\npublish-keys = \(a.path)\n".write(toFile: config, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        var seen = try await keys()
        for _ in 0..<50 where seen != [b.keyID, a.keyID] {
            try await Task.sleep(for: .milliseconds(100))
            seen = try await keys()
        }
        #expect(seen == [b.keyID, a.keyID], "log: \(server.log)")

        try "signing-key = \(data).keys/missing.key\n".write(toFile: config, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        for _ in 0..<50 where !server.log.contains("token keys not reloaded") {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(server.log.contains("token keys not reloaded, keeping the old ones"), "log: \(server.log)")
        #expect(try await keys() == [b.keyID, a.keyID], "the same connection, the keys in force")
        client.close()
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
    }

    @Test func consentdWithoutASigningKeyWarnsAndStillServesTokens() async throws {
        let data = TestHub.makeTemporaryDirectory("token-ephemeral")
        let server = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data)
        let client = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: server.port, caFile: TestHub.certificates.path("ca.pem"),
            certificateFile: TestHub.certificates.path("consumer.pem"), keyFile: TestHub.certificates.path("consumer.key")))
        let keys = try await client.unary(Consent_V1_TokenService.getSigningKeys, .init())
        #expect(keys.keys.count == 1)
        #expect(server.log.contains("WARNING no --signing-key"), "log: \(server.log)")
        #expect(server.log.contains("kid \(keys.activeKeyId)"))
        client.close()
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
    }

    @Test func tokenOptionsParseAndTheCodeLifetimeReachesTheLedger() async throws {
        guard case .serve(let c) = try ServerOptions.parse([
            "--issuer", "https://samtykke.example", "--token-lifetime", "60", "--code-lifetime", "90",
            "--signing-key", "k.pem", "--publish-keys", "old.pem, new.pem",
        ]) else { Issue.record("not a serve command"); return }
        #expect(c.issuer == "https://samtykke.example")
        #expect(c.tokenLifetimeSeconds == 60)
        #expect(c.codeLifetimeSeconds == 90)
        #expect(c.signingKeyPath == "k.pem")
        #expect(c.publishKeyPaths == ["old.pem", "new.pem"])
        #expect(ServerConfiguration().codeLifetimeSeconds == 300)
        for bad in [["--token-lifetime", "0"], ["--code-lifetime", "3601"], ["--issuer", "a b"]] {
            #expect(throws: ConfigurationError.self) { try ServerOptions.parse(bad) }
        }
        #expect(ServerOptions.helpText().contains("--code-lifetime SECONDS"))

        let hub = try TestHub { $0.codeLifetimeSeconds = 90 }
        #expect(try hub.server.ledger.read { $0.configuration.codeLifetime }.value == .seconds(90))
        #expect(hub.server.configuration.codeLifetimeSeconds == 90)
        await hub.stop()
    }
}
