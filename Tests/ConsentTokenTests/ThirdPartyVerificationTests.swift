import ConsentOpenSSL
import ConsentTesting
import Foundation
import Testing
@testable import ConsentToken

/// A third-party check: Python's `joserfc` verifies a ConsentHub token using
/// only the published JWKS, as a data source's own stack would (DESIGN §7:
/// "any standard JWT library must verify the tokens").
@Suite("Third-party verification (Python joserfc)")
struct ThirdPartyVerificationTests {
    static let pythonScript = #"""
        import json, sys
        from joserfc import jwt
        from joserfc.jwk import KeySet, ECKey
        from joserfc.errors import JoseError

        directory = sys.argv[1]
        def read(name):
            with open(directory + "/" + name) as f:
                return f.read().strip()

        jwks = json.loads(read("jwks.json"))
        keys = KeySet.import_key_set(jwks)
        thumbprint = ECKey.import_key(jwks["keys"][0]).thumbprint()
        if thumbprint != read("kid.txt"):
            print("THUMBPRINT MISMATCH", thumbprint)
            sys.exit(2)

        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": read("issuer.txt")},
            exp={"essential": True},
            iat={"essential": True},
            jti={"essential": True},
        )

        def check(token):
            decoded = jwt.decode(token, keys, algorithms=["ES256"])
            registry.validate(decoded.claims)
            return decoded

        decoded = check(read("token.txt"))
        print("header", json.dumps(decoded.header, sort_keys=True))
        print("to", json.dumps(decoded.claims["authorization_details"][0]["to"], sort_keys=True))
        for name in ["tampered-signature.txt", "tampered-payload.txt"]:
            try:
                check(read(name))
                print("ACCEPTED", name)
                sys.exit(3)
            except (JoseError, ValueError) as error:
                print("refused", name, type(error).__name__)
        """#

    /// Whether `python3 -c "import joserfc"` succeeds here.
    static let joserfcAvailable: Bool = {
        let result = try? run(["python3", "-c", "import joserfc"])
        return result?.status == 0
    }()

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let outcome = try ChildProcess.outcome(["/usr/bin/env"] + arguments)
        return (outcome.status, outcome.output)
    }

    static func changeCharacter(in token: String, part: Int) -> String {
        var parts = token.split(separator: ".").map { Array($0.utf8) }
        let middle = parts[part].count / 2
        parts[part][middle] = parts[part][middle] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        return parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    @Test(
        "joserfc verifies a token with only the JWKS and refuses a one-character change",
        .enabled(if: joserfcAvailable, "skipped: python3 with joserfc is not installed")
    )
    func joserfcVerifies() throws {
        let signer = try Fixtures.signer()
        let now = Int64(Date().timeIntervalSince1970)
        var consent = Fixtures.consent
        consent.consentedAt = now - 60
        consent.validTo = now + 86_400
        consent.rights[0].metadata["formål"] = "Lån til \"Håkon Trana\" 🙂"
        let token = try signer.issue(for: consent, isOneTime: true, now: now)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("consenthub-joserfc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = [
            "verify.py": Self.pythonScript,
            "jwks.json": signer.keySet.jwks,
            "kid.txt": signer.keySet.active.keyID,
            "issuer.txt": Fixtures.issuer,
            "token.txt": token,
            "tampered-signature.txt": Self.changeCharacter(in: token, part: 2),
            "tampered-payload.txt": Self.changeCharacter(in: token, part: 1),
        ]
        for (name, contents) in files {
            try KeyFile.write(contents, to: directory + "/" + name, mode: 0o644)
        }

        let (status, output) = try Self.run(["python3", directory + "/verify.py", directory])
        #expect(status == 0, "\(output)")
        #expect(output.contains(#"to {"ID": "0192:910203045", "authority": "iso6523-actorid-upis"}"#), "\(output)")
        #expect(output.contains(#""alg": "ES256""#), "\(output)")
        #expect(output.contains("refused tampered-signature.txt"), "\(output)")
        #expect(output.contains("refused tampered-payload.txt"), "\(output)")
    }
}
