#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import Foundation

/// A live ConsentHub for tests: development certificates in a fresh temporary
/// directory, an event log in another, the server on 127.0.0.1 port 0, and a
/// connected client per role.
///
/// - Important: call `stop()` (it drains the server, closes the clients and
///   removes the directories); a hub that is dropped leaks its threads.
public final class TestHub: Sendable {
    public let certificates: DevCertificateSet
    public let server: ConsentHubServer
    public let port: Int
    public let dataDirectory: String
    /// The connection string of the hub's database when it runs on PostgreSQL.
    public let postgres: String?

    /// Certificates are made once per test process: key generation is the slow part.
    static let sharedCertificates: DevCertificateSet = {
        let directory = TestHub.temporaryDirectory("consenthub-certs")
        return try! DevCertificates.write(to: directory)
    }()

    /// Starts a hub.
    /// - Parameters:
    ///   - demoRegistry: load NAV's and Skatteetaten's demo resources and BANKEN AS.
    ///   - ledger: a ledger to serve instead of one on a fresh data directory
    ///     (e.g. on ConsentStore's `FaultInjectingFileSystem`); the hub closes
    ///     it on `stop()` but leaves its directory to the caller.
    ///   - configure: changes to the server configuration (limits, timeouts).
    ///   - additionalServices: test-only methods to register beside the hub's
    ///     own (see `ConsentHubServer.init`).
    ///   - storage: the embedded log (default) or a fresh PostgreSQL database
    ///     (`postgres` names an existing one instead, e.g. for a restart or
    ///     a second node).
    ///   - waitUntilActive: with PostgreSQL, return only once this node is
    ///     the active one (false for a node that is to be a standby).
    public init(
        demoRegistry: Bool = true, ledger: ConsentLedger? = nil, storage: TestStorage = .embedded, postgres: String? = nil,
        waitUntilActive: Bool = true,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        additionalServices: (inout RouterBuilder, ConsentLedger) -> Void = { _, _ in }
    ) throws {
        certificates = Self.sharedCertificates
        dataDirectory = Self.temporaryDirectory("consenthub-data")
        self.postgres = try postgres ?? (ledger == nil ? storage.makeDatabase() : nil)
        var configuration = ServerConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.dataDirectory = dataDirectory
        configuration.certificatePath = certificates.path("server.pem")
        configuration.privateKeyPath = certificates.path("server.key")
        configuration.clientCAPath = certificates.path("ca.pem")
        configuration.principalsPath = certificates.path("principals.json")
        configuration.threads = 2
        configuration.demoRegistry = demoRegistry
        configuration.shutdownTimeoutSeconds = 5
        configuration.postgres = self.postgres ?? ""
        configure(&configuration)
        server = try ConsentHubServer(configuration: configuration, ledger: ledger, additionalServices: additionalServices)
        port = try server.start().port
        if self.postgres != nil && waitUntilActive {
            try Self.waitUntilActive(server.ledger)
        }
    }

    /// Waits (up to `seconds`) until a node of a shared store is the active one.
    public static func waitUntilActive(_ ledger: ConsentLedger, seconds: Int = 60) throws {
        for _ in 0..<(seconds * 100) {
            if ledger.role.isActive && ledger.servesCalls { return }
            usleep(10_000)
        }
        throw TestHubError(description: "the node did not become active within \(seconds) s (role: \(ledger.role))")
    }

    public struct TestHubError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// A client connected with the certificate of `principal` (`consumer`,
    /// `datasource`, `datasource-skatt`, `portal`, `admin`, `vendor`).
    /// - Important: the caller closes it.
    public func client(_ principal: String) throws(RPCError) -> ConsentClient {
        try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: port, caFile: certificates.path("ca.pem"),
            certificateFile: certificates.path("\(principal).pem"), keyFile: certificates.path("\(principal).key")))
    }

    /// Drains the server and removes its data directory.
    public func stop() async {
        await server.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// The demo end user's metadata as the portal states it (assurance level 4 by default).
    public static func portalUser(_ id: String = TestHub.demoUserID, level: Int = 4, name: String = "HÅKON TRANA") -> Metadata {
        [PortalMetadata.userID: id, PortalMetadata.assuranceLevel: String(level), PortalMetadata.userName: name]
    }

    /// The metadata by which the development vendor names the consumer it acts for (the demo bank by default).
    public static func actingFor(_ consumer: String = DevPrincipal.consumer.organisationNumber) -> Metadata {
        [VendorMetadata.actingFor: consumer]
    }

    /// A synthetic national id with valid check digits (not a real person).
    public static let demoUserID = "15038512363"

    static func temporaryDirectory(_ prefix: String) -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
