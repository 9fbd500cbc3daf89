import ConsentCore
import ConsentOpenSSL
import ConsentRPC
import ConsentServer
import Foundation
import Synchronization

/// The hub's services without the network, for tests of what the services
/// decide: the same `ConsentHub` (router, roles, handlers, ledger, token
/// keys) as consentd, called through `InProcessClient`s, on an in-memory
/// ledger and a `TestClock`. Starting one takes milliseconds; nothing in it
/// waits for a timer, a socket or a disk, so the tests on it are
/// deterministic: time moves only when the test calls `advance(by:)`.
///
/// Tests of the transport, TLS, durability and crashes use `TestHub` (a real
/// server on a port) or `ConsentdProcess` instead.
public final class InProcessHub: Sendable {
    public let hub: ConsentHub
    public let clock: TestClock
    private let clients = Mutex<[InProcessClient]>([])
    /// The data directory of a hub with a `storage` (its log or, with
    /// PostgreSQL, its snapshots), removed by `stop()`.
    public let dataDirectory: String?

    /// The development principals (`consumer`, `datasource`,
    /// `datasource-skatt`, `portal`, `admin`, as in `principals.json`) and a
    /// second bank, `consumer-2` (FINANSIERING AS, `secondConsumerID`), by the names
    /// `client(_:)` takes.
    public static let defaultPrincipals: [String: Principal] = {
        var byName: [String: Principal] = [:]
        for dev in DevPrincipal.all {
            byName[dev.fileName] = Principal(
                id: dev.organisationNumber, name: dev.name, roles: Set(dev.roles.compactMap(Role.init(rawValue:))))
        }
        byName["consumer-2"] = Principal(id: secondConsumerID, name: "FINANSIERING AS", roles: [.consumer])
        return byName
    }()

    /// FINANSIERING AS, the second bank: 91122334 and its check digit.
    public static let secondConsumerID = "91122334" + String(OrganisationNumber.checkDigit(forFirstEightDigits: 91122334)!)

    /// The names `client(_:)` knows (by default `defaultPrincipals`).
    public let principalsByName: [String: Principal]

    /// Starts the services.
    /// - Parameters:
    ///   - demoRegistry: load NAV's and Skatteetaten's demo resources and BANKEN AS.
    ///   - principals: the principals by name; `defaultPrincipals` unless given.
    ///   - ledger: a ledger to serve instead of a fresh in-memory one.
    ///   - storage: a durable store instead of memory: the embedded log in a
    ///     temporary data directory, or a fresh PostgreSQL database (this hub
    ///     then is its one node, active before the init returns). For tests of
    ///     what must be durable before the answer (the router then waits for
    ///     the store's commit, as in consentd) and flows run on both stores.
    ///   - clock: the hub's time (a fresh `TestClock` at the real time now).
    ///   - configure: changes to the configuration (token lifetime, request TTL…).
    ///   - additionalServices: test-only methods beside the hub's own.
    public init(
        demoRegistry: Bool = true, principals: [String: Principal] = InProcessHub.defaultPrincipals,
        ledger: ConsentLedger? = nil, storage: TestStorage? = nil, clock: TestClock = TestClock(),
        configure: (inout ServerConfiguration) -> Void = { _ in },
        additionalServices: (inout RouterBuilder, ConsentLedger) -> Void = { _, _ in }
    ) throws {
        var configuration = ServerConfiguration()
        configuration.demoRegistry = demoRegistry
        configuration.signingKeyPath = try Self.sharedSigningKey.get()
        configure(&configuration)
        self.clock = clock
        self.principalsByName = principals
        let served: ConsentLedger
        if let ledger {
            served = ledger
            dataDirectory = nil
        } else if let storage {
            let directory = TestHub.temporaryDirectory("consenthub-inprocess-data")
            dataDirectory = directory
            configuration.dataDirectory = directory + "/data"
            if let conninfo = try storage.makeDatabase() {
                configuration.postgres = conninfo
                served = try ConsentLedger(
                    postgres: configuration.postgresOptions { _ in }, configuration: configuration.consentConfiguration)
                served.startReplication(advertising: "in-process")
                try TestHub.waitUntilActive(served)
            } else {
                served = try ConsentLedger(
                    directory: configuration.dataDirectory, options: configuration.logOptions { _ in },
                    configuration: configuration.consentConfiguration)
            }
        } else {
            served = ConsentLedger(configuration: configuration.consentConfiguration)
            dataDirectory = nil
        }
        hub = try ConsentHub(
            configuration: configuration, principals: PrincipalDirectory(Array(principals.values)),
            tokenKeys: try TokenKeys(configuration: configuration), ledger: served,
            clock: clock, additionalServices: additionalServices)
    }

    /// One signing key file per test process (a key per hub would cost a file each).
    static let sharedSigningKey: Result<String, any Error> = Result {
        let path = TestHub.temporaryDirectory("consenthub-inprocess-key") + "/token-signing.key"
        try KeyFile.write(try P256.PrivateKey().pemRepresentation(), to: path, mode: 0o600)
        return path
    }

    /// A client calling as the principal named `name` (see `defaultPrincipals`).
    public func client(_ name: String) throws(RPCError) -> InProcessClient {
        guard let principal = principalsByName[name] else {
            throw RPCError(.invalidArgument, "no principal named '\(name)' in this in-process hub")
        }
        return client(principalID: principal.id)
    }

    /// A client whose certificate would carry `principalID` (known to the
    /// hub or not: an unknown one is refused like a stranger from the right CA).
    public func client(principalID: String) -> InProcessClient {
        let client = InProcessClient(
            dispatcher: hub.router, peer: PeerIdentity(principalID: principalID, remoteAddress: "in-process"), clock: clock)
        clients.withLock { $0.append(client) }
        return client
    }

    /// Moves the hub's time forward and ends the calls whose deadline passed.
    /// Expiries are recorded in the feed only by a sweep (`sweepExpiries()`),
    /// as consentd's timer would; statuses are computed on read and change at once.
    public func advance(by duration: Duration) {
        clock.advance(by: duration)
        for client in clients.withLock({ $0 }) { client.expireDeadlines() }
    }

    /// Records the expiries due at the hub's time now.
    @discardableResult
    public func sweepExpiries() -> Int { hub.sweepExpiries() }

    public var ledger: ConsentLedger { hub.ledger }
    public var configuration: ServerConfiguration { hub.configuration }
    public var tokenKeys: TokenKeys { hub.tokenKeys }

    /// Ends the WatchEvents streams and every client's open calls, then
    /// closes the ledger (and removes a durable hub's data directory).
    public func stop() async {
        hub.beginShutdown()
        for client in clients.withLock({ $0 }) { client.close() }
        hub.ledger.close()
        if let dataDirectory { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }
}
