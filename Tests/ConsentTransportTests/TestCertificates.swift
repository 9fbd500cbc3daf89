import ConsentTesting
import Foundation

/// Test PKI made with the `openssl` command-line tool, once per test process:
///
/// - CA "Test CA": the server certificate (localhost, 127.0.0.1) and client
///   certificates: `bank` (serialNumber=123456789, CN=Test Bank), `cnOnly`
///   (CN=CN Only Org), `anonymous` (O=Nameless, neither serialNumber nor CN).
/// - CA "Other CA": `stranger` (serialNumber=987654321, CN=Stranger).
///
/// All keys are P-256. The lead will switch this to the Swift generator of
/// ConsentOpenSSL/Certificates; keep everything about certificates in this file.
enum TestCertificates {
    struct Identity: Sendable {
        let certificate: String
        let key: String
    }

    struct Set: Sendable {
        let directory: String
        let caFile: String
        let otherCAFile: String
        let server: Identity
        let bank: Identity
        let cnOnly: Identity
        let anonymous: Identity
        let stranger: Identity
    }

    static let shared: Set = {
        do {
            return try make()
        } catch {
            fatalError("cannot create test certificates: \(error)")
        }
    }()

    private static func run(_ arguments: [String]) throws {
        try ChildProcess.run(["/usr/bin/openssl"] + arguments)
    }

    private static func key(_ name: String, in dir: String) throws {
        try run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(dir)/\(name).key"])
    }

    private static func ca(_ name: String, subject: String, in dir: String) throws {
        try key(name, in: dir)
        try run([
            "req", "-x509", "-new", "-key", "\(dir)/\(name).key", "-subj", subject, "-days", "3", "-out", "\(dir)/\(name).pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    private static func leaf(_ name: String, subject: String, ca: String, extensions: String, in dir: String) throws {
        try key(name, in: dir)
        try run(["req", "-new", "-key", "\(dir)/\(name).key", "-subj", subject, "-out", "\(dir)/\(name).csr"])
        try extensions.write(toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
        try run([
            "x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/\(ca).pem", "-CAkey", "\(dir)/\(ca).key", "-CAcreateserial",
            "-days", "2", "-out", "\(dir)/\(name).pem", "-extfile", "\(dir)/\(name).ext",
        ])
    }

    private static func make() throws -> Set {
        let dir = NSTemporaryDirectory() + "consent-transport-certs-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ca("ca", subject: "/CN=Test CA", in: dir)
        try ca("other-ca", subject: "/CN=Other CA", in: dir)
        let serverExt = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
        let clientExt = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
        try leaf("server", subject: "/CN=localhost", ca: "ca", extensions: serverExt, in: dir)
        try leaf("bank", subject: "/serialNumber=123456789/CN=Test Bank", ca: "ca", extensions: clientExt, in: dir)
        try leaf("cn-only", subject: "/CN=CN Only Org", ca: "ca", extensions: clientExt, in: dir)
        try leaf("anonymous", subject: "/O=Nameless", ca: "ca", extensions: clientExt, in: dir)
        try leaf("stranger", subject: "/serialNumber=987654321/CN=Stranger", ca: "other-ca", extensions: clientExt, in: dir)
        func identity(_ name: String) -> Identity { Identity(certificate: "\(dir)/\(name).pem", key: "\(dir)/\(name).key") }
        return Set(
            directory: dir, caFile: "\(dir)/ca.pem", otherCAFile: "\(dir)/other-ca.pem", server: identity("server"),
            bank: identity("bank"), cnOnly: identity("cn-only"), anonymous: identity("anonymous"), stranger: identity("stranger"))
    }
}
