#if canImport(Glibc)
import Glibc
#endif
import ConsentOpenSSL
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// consentd refuses private keys that anyone besides their owner may read
/// or change (issue 11, point 7): its TLS key, its token signing key, and a
/// private key among the published ones, at start and at a reload, with an
/// error naming the option, the file and its mode.
@Suite struct PrivateKeyPermissionTests {
    /// A copy of the development server key and a fresh token key, with `mode`.
    static func keys(mode: mode_t) throws -> (directory: String, tls: String, signing: String) {
        let directory = TestHub.makeTemporaryDirectory("key-modes")
        let tls = directory + "/server.key"
        try KeyFile.write(try KeyFile.read(TestHub.certificates.path("server.key")), to: tls, mode: 0o600)
        let signing = try writeTokenKey(in: directory, name: "signing.key").path
        for path in [tls, signing] { chmod(path, mode) }
        return (directory, tls, signing)
    }

    static func configuration(tls: String, directory: String) -> ServerConfiguration {
        var c = ServerConfiguration()
        c.listenPort = 0
        c.dataDirectory = directory + "/data"
        c.certificatePath = TestHub.certificates.path("server.pem")
        c.privateKeyPath = tls
        c.clientCAPath = TestHub.certificates.path("ca.pem")
        c.principalsPath = TestHub.certificates.path("principals.json")
        return c
    }

    static func startError(_ configuration: ServerConfiguration) -> String? {
        do {
            _ = try ConsentHubServer(configuration: configuration)
            return nil
        } catch {
            return error.message
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o622] as [mode_t])
    func aTLSKeyOthersCanReachStopsTheStartNamingTheFileAndItsMode(mode: mode_t) throws {
        let keys = try Self.keys(mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: keys.directory) }
        chmod(keys.tls, mode)
        let message = try #require(Self.startError(Self.configuration(tls: keys.tls, directory: keys.directory)))
        let octal = "0" + String(mode, radix: 8)
        #expect(message.hasPrefix("--key: private key file \(keys.tls) has mode \(octal): "), "\(message)")
        #expect(message.hasSuffix("(chmod 600 \(keys.tls))"))
        #expect(!FileManager.default.fileExists(atPath: keys.directory + "/data"), "refused before the data directory is touched")
    }

    @Test func keysForTheOwnerAloneAreAccepted() async throws {
        for mode: mode_t in [0o600, 0o400] {
            let keys = try Self.keys(mode: mode)
            var configuration = Self.configuration(tls: keys.tls, directory: keys.directory)
            configuration.signingKeyPath = keys.signing
            let server = try ConsentHubServer(configuration: configuration)
            await server.shutdownGracefully()
            try? FileManager.default.removeItem(atPath: keys.directory)
        }
    }

    @Test func aSigningKeyOthersCanReadIsRefusedAtStartAndAtReload() async throws {
        let keys = try Self.keys(mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: keys.directory) }
        var configuration = Self.configuration(tls: keys.tls, directory: keys.directory)
        configuration.signingKeyPath = keys.signing
        chmod(keys.signing, 0o644)
        let message = try #require(Self.startError(configuration))
        #expect(message == "--signing-key: private key file \(keys.signing) has mode 0644: its group and other users may read or change it; a private key must be for its owner only (chmod 600 \(keys.signing))")

        // Started with good keys, a reload to a readable one keeps the old keys.
        chmod(keys.signing, 0o600)
        let server = try ConsentHubServer(configuration: configuration)
        let active = server.tokenKeys.keySet.active.keyID
        let other = try writeTokenKey(in: keys.directory, name: "next.key")
        chmod(other.path, 0o640)
        var next = configuration
        next.signingKeyPath = other.path
        #expect(throws: ConfigurationError.self) { try server.reloadTokenKeys(from: next) }
        #expect(server.tokenKeys.keySet.active.keyID == active)
        // A published private key is a private key too; a public one is for anyone.
        next.signingKeyPath = keys.signing
        next.publishKeyPaths = [other.path]
        #expect { try server.reloadTokenKeys(from: next) } throws: { error in
            (error as? ConfigurationError)?.message.hasPrefix("--publish-keys: private key file \(other.path) has mode 0640: its group may") == true
        }
        let publicHalf = keys.directory + "/next.pub"
        try KeyFile.write(try P256.PrivateKey(pemFile: other.path).publicKey.pemRepresentation(), to: publicHalf, mode: 0o644)
        next.publishKeyPaths = [publicHalf]
        try server.reloadTokenKeys(from: next)
        #expect(server.tokenKeys.keySet.published.map(\.keyID).contains(other.keyID))
        await server.shutdownGracefully()
    }

    /// The real start: consentd prints the reason and exits 1.
    @Test func consentdWithAReadableKeyExitsWithTheReason() throws {
        let keys = try Self.keys(mode: 0o644)
        defer { try? FileManager.default.removeItem(atPath: keys.directory) }
        let outcome = try ChildProcess.outcome([
            ConsentdProcess.binary,
            "--listen", "127.0.0.1:0", "--data-dir", keys.directory + "/data",
            "--cert", TestHub.certificates.path("server.pem"), "--key", keys.tls,
            "--client-ca", TestHub.certificates.path("ca.pem"), "--principals", TestHub.certificates.path("principals.json"),
        ])
        let log = outcome.output
        #expect(outcome.status == 1)
        #expect(log.contains("consentd cannot start: --key: private key file \(keys.tls) has mode 0644"), "\(log)")
    }
}
