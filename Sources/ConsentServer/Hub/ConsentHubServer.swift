#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentStore
import ConsentTransport
import Synchronization

/// A running ConsentHub: TLS, the event loops, the router with every service,
/// and the principals it knows. `consentd` is a thin shell around this; tests
/// start one in process (ConsentTesting).
public final class ConsentHubServer: Sendable {
    public let configuration: ServerConfiguration
    private let principals: ReloadableValue<PrincipalDirectory>
    private let router: Router
    private let transport: TransportServer
    private let status: HubStatus
    /// The consent state and its durable log.
    public let ledger: ConsentLedger
    /// Records expiries in the log every `--expiry-interval`.
    private let expirySweeper: ConsentExpirySweeper
    /// Serves WatchEvents; closed first at shutdown.
    private let eventFeed: ConsentEventFeed
    /// The token keys in force (`reloadTokenKeys` swaps them).
    public let tokenKeys: TokenKeys

    /// Loads the principals and the TLS material, recovers the state from the
    /// data directory (or takes `ledger`, for tests), and builds the services.
    /// Nothing listens until `start()`.
    /// - Parameters:
    ///   - ledger: an open ledger to serve instead of opening `--data-dir`
    ///     (tests: one on a fault-injecting file system). The server closes it
    ///     when it shuts down.
    ///   - additionalServices: registers extra methods beside the hub's own.
    ///     For tests and test helpers only (a write path over the wire before
    ///     the real services exist, the crash test's child); the product
    ///     registers nothing here.
    /// - Throws: `ConfigurationError` naming the file or option that is wrong,
    ///   or why the data directory cannot be used.
    public init(
        configuration: ServerConfiguration, ledger: ConsentLedger? = nil,
        additionalServices: (inout RouterBuilder, ConsentLedger) -> Void = { _, _ in }
    ) throws(ConfigurationError) {
        self.configuration = try configuration.validated()
        let principals = ReloadableValue(try PrincipalDirectory.load(path: configuration.principalsPath))
        self.principals = principals
        // Before the data directory: a bad key file stops the start without touching it.
        self.tokenKeys = try TokenKeys(configuration: self.configuration)
        let tls: TLSContext
        do {
            tls = try TLSContext(configuration: .server(
                certificateChainFile: configuration.certificatePath,
                privateKeyFile: configuration.privateKeyPath,
                clientCAFile: configuration.clientCAPath))
        } catch {
            throw ConfigurationError("cannot set up TLS with --cert \(configuration.certificatePath), --key \(configuration.privateKeyPath), --client-ca \(configuration.clientCAPath): \(error)")
        }
        if let ledger {
            self.ledger = ledger
        } else {
            let residentBefore = HubStatus.residentBytes()
            do {
                let options = configuration.logOptions { ServerLog.info("store: \($0)") }
                self.ledger = try ConsentLedger(
                    directory: configuration.dataDirectory, options: options, configuration: configuration.consentConfiguration)
            } catch {
                throw ConfigurationError("cannot use data directory \(configuration.dataDirectory): \(error)")
            }
            ServerLog.info(self.ledger.startupSummary(residentBefore: residentBefore, residentAfter: HubStatus.residentBytes()))
        }
        if configuration.demoRegistry {
            try Self.loadDemoRegistry(into: self.ledger)
        }
        let status = HubStatus(storage: self.ledger.storageDescription, ledger: self.ledger)
        self.status = status

        var builder = RouterBuilder(commits: self.ledger.commits)
        HealthService.register(into: &builder, reporter: status)
        RegistryService.register(into: &builder, ledger: self.ledger, clock: SystemClock())
        eventFeed = ConsentService.register(into: &builder, ledger: self.ledger, clock: SystemClock(),
                                            viewURL: configuration.portalURLTemplate)
        expirySweeper = ConsentExpirySweeper(ledger: self.ledger, interval: .milliseconds(Int64(configuration.expiryIntervalSeconds * 1000)))
        TokenService.register(into: &builder, ledger: self.ledger, keys: tokenKeys)
        additionalServices(&builder, self.ledger)
        let router = Router(builder, principals: principals)
        self.router = router
        status.router.withLock { $0 = router }

        let transportConfiguration = TransportServer.Configuration(
            host: configuration.listenHost,
            port: Int(configuration.listenPort),
            tls: tls,
            eventLoopCount: configuration.threads == 0 ? nil : configuration.threads,
            maxFrameSize: configuration.maxFrameSize,
            maxConcurrentCallsPerConnection: configuration.maxConcurrentCallsPerConnection,
            handshakeTimeout: .milliseconds(Int64(configuration.handshakeTimeoutSeconds * 1000)),
            idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)),
            log: { ServerLog.info($0) }
        )
        let transport: TransportServer
        do {
            transport = try TransportServer(configuration: transportConfiguration, dispatcher: router)
        } catch {
            throw ConfigurationError("cannot create the server: \(error)")
        }
        self.transport = transport
        status.transport.withLock { $0 = transport }
    }

    /// Registers the demo resources and consumer that are not already there
    /// (so a restart with `--demo-registry` changes nothing).
    static func loadDemoRegistry(into ledger: ConsentLedger) throws(ConfigurationError) {
        let missing: [DemoRegistry.SeedCommand]
        do {
            missing = try ledger.read { DemoRegistry.missing(in: $0) }.value
        } catch {
            throw ConfigurationError("cannot read the registry: \(error)")
        }
        for seed in missing {
            if case .failure(let error) = ledger.execute(seed.command, by: seed.actor, at: SystemClock().now()).result {
                throw ConfigurationError("cannot load the demo registry: \(error)")
            }
        }
        if !missing.isEmpty { ServerLog.info("demo registry: \(missing.count) registrations added") }
    }

    /// Binds and starts accepting.
    /// - Returns: the address it listens on (the real port when 0 was asked).
    /// - Throws: `ConfigurationError` when the address cannot be bound.
    @discardableResult
    public func start() throws(ConfigurationError) -> SocketAddress {
        do {
            let address = try transport.start()
            expirySweeper.start()
            return address
        } catch {
            throw ConfigurationError("cannot listen on \(configuration.listenAddress): \(error)")
        }
    }

    public var eventLoopCount: Int { transport.eventLoopCount }

    /// Re-reads the principals file (SIGHUP). The old directory stays in use if the new one is broken.
    /// - Throws: `ConfigurationError` describing what is wrong with the file.
    public func reloadPrincipals() throws(ConfigurationError) {
        let fresh = try PrincipalDirectory.load(path: configuration.principalsPath)
        principals.replace(with: fresh)
        eventFeed.endStreams(notAllowedBy: fresh)
    }

    /// Re-reads the token key files (SIGHUP) named by `configuration` (by
    /// default the one the server started with). The old keys stay in use if
    /// a new file is broken.
    /// - Returns: a line for the log naming the active key.
    /// - Throws: `ConfigurationError` naming the file that cannot be used.
    @discardableResult
    public func reloadTokenKeys(from configuration: ServerConfiguration? = nil) throws(ConfigurationError) -> String {
        try tokenKeys.reload(from: configuration ?? self.configuration)
    }

    /// Stops taking calls (GoAway to every connection), lets in-flight calls
    /// finish for up to `configuration.shutdownTimeoutSeconds`, then closes and
    /// runs `completion` on another thread.
    public func shutdownGracefully(completion: @escaping @Sendable () -> Void) {
        status.draining.store(true, ordering: .releasing)
        expirySweeper.stop()
        // Watch streams never end by themselves: end them (with the cursor to resume from).
        eventFeed.close()
        transport.shutdownGracefully(timeout: .milliseconds(Int64(configuration.shutdownTimeoutSeconds * 1000))) { [ledger] in
            ledger.close()
            completion()
        }
    }

    /// `shutdownGracefully` for async callers.
    public func shutdownGracefully() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            shutdownGracefully { continuation.resume() }
        }
    }
}

/// What `Health` reports, from the transport's and the router's counters.
final class HubStatus: HealthReporting {
    let started = MonotonicInstant.now()
    let draining = Atomic<Bool>(false)
    let storage: String
    let ledger: ConsentLedger
    // Set once during ConsentHubServer.init, before the server accepts a call.
    let router = Mutex<Router?>(nil)
    let transport = Mutex<TransportServer?>(nil)

    init(storage: String, ledger: ConsentLedger) {
        self.storage = storage
        self.ledger = ledger
    }

    var isServing: Bool { !draining.load(ordering: .acquiring) && ledger.isWritable }

    func serves(service: String) -> Bool {
        router.withLock { $0 }?.serves(service: service) ?? false
    }

    func statistics() -> Consent_V1_HealthStatsResponse {
        var response = Consent_V1_HealthStatsResponse()
        response.uptimeMs = started.nanoseconds(until: .now()) / 1_000_000
        if let transport = transport.withLock({ $0 }) {
            let stats = transport.stats
            response.eventLoops = UInt32(transport.eventLoopCount)
            response.connectionsOpen = UInt64(stats.connectionsOpen)
            response.connectionsAccepted = UInt64(stats.connectionsAccepted)
            response.callsInFlight = UInt64(stats.callsInFlight)
            response.callsCompleted = UInt64(stats.callsCompleted)
            response.protocolErrors = UInt64(stats.protocolErrors)
        }
        if let router = router.withLock({ $0 }) {
            response.methods = router.methodStats.map { .init(method: $0.method, calls: $0.calls, errors: $0.errors) }
        }
        response.storage = storage
        response.eventsCommitted = ledger.durableSequence
        response.residentBytes = Self.residentBytes()
        return response
    }

    /// Resident set size from /proc/self/statm (pages × page size).
    static func residentBytes() -> UInt64 {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return 0 }
        let fields = String(decoding: buffer[..<n], as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
