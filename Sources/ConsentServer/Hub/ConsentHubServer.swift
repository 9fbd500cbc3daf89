#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentStore
import ConsentTransport
import Dispatch
import Synchronization

/// A running ConsentHub: the hub's services (`ConsentHub`) behind the TLS
/// transport and its event loops. `consentd` is a thin shell around this;
/// tests start one in process (ConsentTesting's `TestHub`).
public final class ConsentHubServer: Sendable {
    /// The services, the ledger and the keys, without the network.
    public let hub: ConsentHub
    private let transport: TransportServer
    /// Returns memory freed by connection churn to the system.
    private let memoryTrimmer: MemoryTrimmer
    /// The counters of `--metrics-listen` (nil without it: nothing is counted).
    let metrics: HubMetrics?
    /// The metrics endpoint, once started.
    let metricsEndpoint = Mutex<MetricsEndpoint?>(nil)
    let startedAt = MonotonicInstant.now()

    public var configuration: ServerConfiguration { hub.configuration }
    /// The consent state and its durable log.
    public var ledger: ConsentLedger { hub.ledger }
    /// The token keys in force (`reloadTokenKeys` swaps them).
    public var tokenKeys: TokenKeys { hub.tokenKeys }

    /// Loads the principals and the TLS material, recovers the state from the
    /// data directory (or takes `ledger`, for tests), and builds the services.
    /// Nothing listens until `start()`.
    /// - Parameters:
    ///   - ledger: an open ledger to serve instead of opening `--data-dir`
    ///     (tests: one on a fault-injecting file system). The server closes it
    ///     when it shuts down.
    ///   - additionalServices: registers extra methods beside the hub's own
    ///     (see `ConsentHub.init`); the product registers nothing here.
    /// - Throws: `ConfigurationError` naming the file or option that is wrong,
    ///   or why the data directory cannot be used.
    public init(
        configuration: ServerConfiguration, ledger: ConsentLedger? = nil,
        additionalServices: (inout RouterBuilder, ConsentLedger) -> Void = { _, _ in }
    ) throws(ConfigurationError) {
        let configuration = try configuration.validated()
        let principals = try PrincipalDirectory.load(path: configuration.principalsPath)
        // Before the data directory: a bad key file stops the start without touching it.
        let tokenKeys = try TokenKeys(configuration: configuration)
        try PrivateKeyPermissions.check(configuration.privateKeyPath, option: "--key")
        let tls: TLSContext
        do {
            tls = try TLSContext(configuration: .server(
                certificateChainFile: configuration.certificatePath,
                privateKeyFile: configuration.privateKeyPath,
                clientCAFile: configuration.clientCAPath))
        } catch {
            throw ConfigurationError("cannot set up TLS with --cert \(configuration.certificatePath), --key \(configuration.privateKeyPath), --client-ca \(configuration.clientCAPath): \(error)")
        }
        let metrics = configuration.metricsListen.isEmpty ? nil : HubMetrics()
        self.metrics = metrics
        let openLedger: ConsentLedger
        if let ledger {
            openLedger = ledger
        } else {
            let residentBefore = HubStatus.residentBytes()
            if configuration.usesPostgres {
                do {
                    var options = configuration.postgresOptions { ServerLog.info("store: \($0)") }
                    options.syncObserver = metrics.map { $0.recordSync }
                    openLedger = try ConsentLedger(postgres: options, configuration: configuration.consentConfiguration)
                } catch {
                    throw ConfigurationError("cannot use PostgreSQL (--postgres) with snapshots in \(configuration.dataDirectory): \(error)")
                }
            } else {
                do {
                    var options = configuration.logOptions { ServerLog.info("store: \($0)") }
                    options.syncObserver = metrics.map { $0.recordSync }
                    openLedger = try ConsentLedger(
                        directory: configuration.dataDirectory, options: options, configuration: configuration.consentConfiguration)
                } catch {
                    throw ConfigurationError("cannot use data directory \(configuration.dataDirectory): \(error)")
                }
            }
            ServerLog.info(openLedger.startupSummary(residentBefore: residentBefore, residentAfter: HubStatus.residentBytes()))
        }
        var onSweep: (@Sendable (Int) -> Void)?
        if let metrics { onSweep = { metrics.recordSweep(expired: $0) } }
        let hub = try ConsentHub(
            configuration: configuration, principals: principals, tokenKeys: tokenKeys, ledger: openLedger,
            onSweep: onSweep, additionalServices: additionalServices)
        self.hub = hub
        if hub.demoRegistrationsAdded > 0 { ServerLog.info("demo registry: \(hub.demoRegistrationsAdded) registrations added") }
        // A standby of a shared store answers UNAVAILABLE naming the active node.
        let gate = ActiveNodeGate(next: hub.router, ledger: openLedger)
        let dispatcher: any CallDispatcher
        if let metrics {
            metrics.register(methods: hub.router.methodNames)
            dispatcher = MetricsDispatcher(next: gate, metrics: metrics)
        } else {
            dispatcher = gate
        }

        let transportConfiguration = TransportServer.Configuration(
            host: configuration.listenHost,
            port: Int(configuration.listenPort),
            tls: tls,
            eventLoopCount: configuration.threads == 0 ? nil : configuration.threads,
            maxFrameSize: configuration.maxFrameSize,
            maxConcurrentCallsPerConnection: configuration.maxConcurrentCallsPerConnection,
            handshakeTimeout: .milliseconds(Int64(configuration.handshakeTimeoutSeconds * 1000)),
            idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)),
            frameTimeout: .milliseconds(Int64(configuration.frameTimeoutSeconds * 1000)),
            maxConnections: configuration.maxConnections,
            maxPendingHandshakes: configuration.maxPendingHandshakes,
            maxPendingHandshakesPerAddress: configuration.maxPendingHandshakesPerAddress,
            maxConnectionsPerAddress: configuration.maxConnectionsPerAddress,
            maxConnectionsPerPrincipal: configuration.maxConnectionsPerPrincipal,
            handshakesPerSecond: configuration.handshakesPerSecond,
            maxCallsPerSecondPerPrincipal: configuration.maxCallsPerSecondPerPrincipal,
            maxConcurrentCallsPerPrincipal: configuration.maxConcurrentCallsPerPrincipal,
            log: { ServerLog.info($0) },
            // A loop with nothing more to do has appended all it will for
            // now: the log's writer need not hold its batch back for it.
            whenIdle: { [openLedger] in openLedger.commitNow() }
        )
        let transport: TransportServer
        do {
            transport = try TransportServer(configuration: transportConfiguration, dispatcher: dispatcher)
        } catch {
            throw ConfigurationError("cannot create the server: \(error)")
        }
        self.transport = transport
        self.memoryTrimmer = MemoryTrimmer(transport: transport)
        hub.status.transport.withLock { $0 = transport }
    }

    /// Binds and starts accepting.
    /// - Returns: the address it listens on (the real port when 0 was asked).
    /// - Throws: `ConfigurationError` when the address cannot be bound.
    @discardableResult
    public func start() throws(ConfigurationError) -> SocketAddress {
        // The metrics endpoint first: a port taken stops the start before
        // this node listens, competes for a lease or sweeps.
        try startMetricsEndpoint()
        let address: SocketAddress
        do {
            address = try transport.start()
        } catch {
            metricsEndpoint.withLock { $0 }?.stop()
            throw ConfigurationError("cannot listen on \(configuration.listenAddress): \(error)")
        }
        // Follow the shared store and compete for its lease only now,
        // when the address standbys will name to clients is known.
        let advertised = advertisedAddress(bound: address)
        hub.status.address.withLock { $0 = advertised }
        ledger.startReplication(advertising: advertised)
        hub.startBackgroundWork()
        memoryTrimmer.start()
        return address
    }

    public var eventLoopCount: Int { transport.eventLoopCount }

    /// The transport's counters, summed over the loops.
    var transportStats: TransportServer.Stats { transport.stats }

    /// `--advertise`, else the address bound (a wildcard listen address
    /// becomes the host name: clients cannot connect to 0.0.0.0).
    func advertisedAddress(bound: SocketAddress) -> String {
        if !configuration.advertiseAddress.isEmpty { return configuration.advertiseAddress }
        var host = configuration.listenHost
        if host == "0.0.0.0" || host == "::" || host.isEmpty {
            var buffer = [CChar](repeating: 0, count: 256)
            gethostname(&buffer, buffer.count - 1)
            host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return host.contains(":") ? "[\(host)]:\(bound.port)" : "\(host):\(bound.port)"
    }

    /// Re-reads the principals file (SIGHUP). The old directory stays in use if the new one is broken.
    /// - Throws: `ConfigurationError` describing what is wrong with the file.
    public func reloadPrincipals() throws(ConfigurationError) {
        hub.replacePrincipals(with: try PrincipalDirectory.load(path: configuration.principalsPath))
    }

    /// Re-reads the token key files (SIGHUP) named by `configuration` (by
    /// default the one the server started with). The old keys stay in use if
    /// a new file is broken.
    /// - Returns: a line for the log naming the active key.
    /// - Throws: `ConfigurationError` naming the file that cannot be used.
    @discardableResult
    public func reloadTokenKeys(from configuration: ServerConfiguration? = nil) throws(ConfigurationError) -> String {
        try hub.reloadTokenKeys(from: configuration)
    }

    /// Stops taking calls (GoAway to every connection), lets in-flight calls
    /// finish for up to `configuration.shutdownTimeoutSeconds`, then closes and
    /// runs `completion` on another thread.
    public func shutdownGracefully(completion: @escaping @Sendable () -> Void) {
        hub.beginShutdown()
        memoryTrimmer.stop()
        metricsEndpoint.withLock { $0 }?.stop()
        transport.shutdownGracefully(timeout: .milliseconds(Int64(configuration.shutdownTimeoutSeconds * 1000))) { [ledger, status = hub.status] in
            ledger.close()
            // The transport's dispatcher reaches the router, whose Health
            // handlers hold `status`, which holds the transport: let go, or a
            // stopped hub keeps its state in memory.
            status.router.withLock { $0.value = nil }
            status.transport.withLock { $0 = nil }
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
    // Set once during ConsentHub.init, before the hub takes a call; weak,
    // because the router's Health handlers hold this status: a hub that is
    // never started or never shut down (a start that fails, an InProcessHub)
    // would otherwise keep itself and its ledger alive (LeakSanitizer).
    let router = Mutex(WeakRouter())
    struct WeakRouter { weak var value: Router? }
    let transport = Mutex<TransportServer?>(nil)

    init(storage: String, ledger: ConsentLedger) {
        self.storage = storage
        self.ledger = ledger
    }

    var isServing: Bool { !draining.load(ordering: .acquiring) && ledger.isWritable }

    func serves(service: String) -> Bool {
        router.withLock { $0.value }?.serves(service: service) ?? false
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
            response.connectionBufferBytes = UInt64(stats.connectionBufferBytes)
            response.connectionsRetained = UInt64(stats.connectionsRetained)
            response.handshakesPending = UInt64(stats.handshakesPending)
            response.connectionsRefused = UInt64(stats.connectionsRefused)
            response.acceptPauses = UInt64(stats.acceptPauses)
            response.callsRefused = UInt64(stats.callsRefused)
        }
        if let router = router.withLock({ $0.value }) {
            response.methods = router.methodStats.map { .init(method: $0.method, calls: $0.calls, errors: $0.errors) }
        }
        response.storage = storage
        response.eventsCommitted = ledger.durableSequence
        response.residentBytes = Self.residentBytes()
        (response.role, response.leader) = role
        if let replica = ledger.replicaStatistics {
            response.recordsBehind = replica.recordsBehind
            response.secondsBehind = replica.secondsBehind
        }
        return response
    }

    /// The advertised address of this node, once it is known (for `leader` on the active node).
    let address = Mutex<String>("")

    var role: (role: Consent_V1_HealthCheckResponse.Role, leader: String) {
        switch ledger.role {
        case .active: (.active, ledger.shared == nil ? "" : address.withLock { $0 })
        case .standby(let leader): (.standby, leader ?? "")
        case .starting, .promoting: (.standby, "")
        case .fenced, .stopped: (.recovering, "")
        }
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
