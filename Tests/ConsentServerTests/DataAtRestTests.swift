#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentTesting
import Foundation
import Testing

/// What an insider with the disk finds (docs/SECURITY.md): the data
/// directory and its files are for consentd's user only, and neither an
/// authorization code nor a token is ever written there (a code is kept as
/// its SHA-256, a token is signed when asked for and never stored).
@Suite(.serialized) struct DataAtRestTests {
    @Test func theDataDirectoryIsPrivateAndHoldsNoCodeOrToken() async throws {
        let certificates = TestHub.certificates
        let parent = TestHub.makeTemporaryDirectory("at-rest")
        let data = parent + "/data"  // consentd creates it
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let server = try ConsentdProcess(certificates: certificates, dataDirectory: data,
                                         extraArguments: ["--demo-registry", "--snapshot-every-records", "5"])
        func client(_ name: String) throws -> ConsentClient {
            try ConsentClient(configuration: .init(
                host: "127.0.0.1", port: server.port, caFile: certificates.path("ca.pem"),
                certificateFile: certificates.path("\(name).pem"), keyFile: certificates.path("\(name).key")))
        }
        let bank = try client("consumer")
        let portal = try client("portal")
        var secrets: [String] = []
        for _ in 0..<3 {
            let id = try await bank.unary(Consent_V1_ConsentService.createRequest, Flow.navRequest()).request!.id
            let answer = try await portal.unary(Consent_V1_ConsentService.acceptRequest, .init(requestId: id), options: Flow.user())
            let code = try #require(Flow.parameter("AuthorizationCode", in: answer.redirectUrl))
            let token = try await bank.exchange(code).token
            secrets += [code, token, String(token.split(separator: ".")[2])]
        }
        bank.close()
        portal.close()
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)

        var status = stat()
        #expect(stat(data, &status) == 0 && status.st_mode & 0o777 == 0o700, "the data directory is its owner's only")
        let files = try FileManager.default.subpathsOfDirectory(atPath: data)
        #expect(files.contains { $0.hasSuffix(".seg") }, "the log is there: \(files)")
        for file in files {
            let path = data + "/" + file
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            #expect(status.st_mode & 0o077 == 0, "\(file) has mode \(String(status.st_mode & 0o777, radix: 8))")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            for secret in secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a code or a token")
            }
        }
    }
}
