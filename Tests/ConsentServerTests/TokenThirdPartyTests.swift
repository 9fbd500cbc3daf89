import ConsentClient
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// A data source's own JOSE stack, not ours: Python's `joserfc` verifies a
/// token the running hub issued, using only the JWKS from GetSigningKeys, as
/// docs/TOKENS.md tells data sources to (DESIGN §7: "any standard JWT library
/// must verify the tokens").
@Suite struct TokenThirdPartyTests {
    static let script = #"""
        import json, sys
        from joserfc import jwt
        from joserfc.jwk import KeySet
        from joserfc.errors import JoseError

        directory = sys.argv[1]
        def read(name):
            with open(directory + "/" + name) as f:
                return f.read().strip()

        keys = KeySet.import_key_set(json.loads(read("jwks.json")))
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": read("issuer.txt")},
            exp={"essential": True}, iat={"essential": True}, jti={"essential": True},
        )

        def check(token):
            decoded = jwt.decode(token, keys, algorithms=["ES256"])
            registry.validate(decoded.claims)
            consent = decoded.claims["authorization_details"][0]
            assert consent["type"] == "urn:altinn:consent"
            assert consent["to"]["ID"] == "0192:" + read("caller.txt")
            return decoded, consent

        decoded, consent = check(read("token.txt"))
        print("kid", decoded.header["kid"])
        print("consent", consent["id"])
        print("resource", consent["consentRights"][0]["resource"][0]["value"])
        try:
            check(read("tampered.txt"))
            print("ACCEPTED tampered")
            sys.exit(3)
        except (JoseError, ValueError) as error:
            print("refused tampered", type(error).__name__)
        """#

    /// Whether python3 with joserfc is installed (`make test` installs it).
    static let joserfcAvailable: Bool = {
        (try? run(["python3", "-c", "import joserfc"]))?.status == 0
    }()

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let outcome = try ChildProcess.outcome(["/usr/bin/env"] + arguments)
        return (outcome.status, outcome.output)
    }

    @Test(
        "joserfc verifies a hub-issued token with GetSigningKeys' JWKS alone and refuses a one-character change",
        .enabled(if: joserfcAvailable, "SKIPPED: python3 with joserfc is not installed (make test installs it)")
    )
    func joserfcVerifiesAHubIssuedToken() async throws {
        let hub = try InProcessHub()
        let consent = try hub.giveNAVConsent()
        let bank = try hub.client("consumer")
        let grant = try await bank.exchange(consent.code)
        let jwks = try await hub.jwks()

        let directory = TestHub.makeTemporaryDirectory("joserfc")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = [
            "verify.py": Self.script,
            "jwks.json": jwks,
            "issuer.txt": hub.configuration.issuer,
            "caller.txt": "910203045",
            "token.txt": grant.token,
            "tampered.txt": TokenText.changingOneCharacter(of: grant.token, part: 2),
        ]
        for (name, contents) in files {
            try KeyFile.write(contents, to: directory + "/" + name, mode: 0o600)
        }
        let (status, output) = try Self.run(["python3", directory + "/verify.py", directory])
        #expect(status == 0, "\(output)")
        #expect(output.contains("kid \(grant.keyId)"), "\(output)")
        #expect(output.contains("consent \(consent.id)"), "\(output)")
        #expect(output.contains("resource 5252_1"), "\(output)")
        #expect(output.contains("refused tampered"), "\(output)")
        bank.close()
        await hub.stop()
    }
}
