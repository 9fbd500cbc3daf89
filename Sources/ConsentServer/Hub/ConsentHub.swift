import ConsentCore
import ConsentProto
import ConsentRPC
import Synchronization

/// The hub without its network: the principals, the router with every
/// service, the ledger, the token keys, the events feed and the expiry sweep.
///
/// `ConsentHubServer` puts the TLS transport in front of it; tests call its
/// `router` in process (ConsentTesting's `InProcessHub`), so both run the same
/// methods, roles and handlers. Everything that reads the time reads `clock`.
public final class ConsentHub: Sendable {
    public let configuration: ServerConfiguration
    /// The calls' way in: a `CallDispatcher` for any transport.
    public let router: Router
    /// The consent state and its durable log.
    public let ledger: ConsentLedger
    /// The token keys in force (`reloadTokenKeys` swaps them).
    public let tokenKeys: TokenKeys
    /// The time every command is decided at, every status computed at and
    /// every token signed and checked at.
    public let clock: any WallClock & Sendable
    private let principals: ReloadableValue<PrincipalDirectory>
    /// Records expiries in the log every `--expiry-interval` once started.
    private let expirySweeper: ConsentExpirySweeper
    /// Serves WatchEvents; closed first at shutdown.
    private let eventFeed: ConsentEventFeed
    let status: HubStatus
    /// How many demo registrations the start added (0 when they were all
    /// there already, or the demo registry is off).
    public let demoRegistrationsAdded: Int

    /// Builds the services on `ledger` (loading the demo registry if the
    /// configuration asks for it). Nothing runs in the background until
    /// `startBackgroundWork()`.
    /// - Parameters:
    ///   - onSweep: told how many requests and consents each expiry sweep
    ///     marked expired (the metrics).
    ///   - additionalServices: registers extra methods beside the hub's own.
    ///     For tests and test helpers only (a write path for the durability
    ///     tests, the crash test's child); the product registers nothing here.
    /// - Throws: `ConfigurationError` when the demo registry cannot be loaded.
    public init(
        configuration: ServerConfiguration, principals: PrincipalDirectory, tokenKeys: TokenKeys, ledger: ConsentLedger,
        clock: any WallClock & Sendable = SystemClock(), onSweep: (@Sendable (Int) -> Void)? = nil,
        additionalServices: (inout RouterBuilder, ConsentLedger) -> Void = { _, _ in }
    ) throws(ConfigurationError) {
        self.configuration = configuration
        self.principals = ReloadableValue(principals)
        self.tokenKeys = tokenKeys
        self.ledger = ledger
        self.clock = clock
        if !configuration.demoRegistry {
            demoRegistrationsAdded = 0
        } else if ledger.shared == nil || ledger.role.isActive {
            demoRegistrationsAdded = try Self.loadDemoRegistry(into: ledger, at: clock.now())
        } else {
            // A node of a shared store that is not (yet) active: only the
            // active node writes, so the registry is loaded by whichever node
            // becomes active (a no-op once it is there), on the store's node
            // thread before it commits anything else (the commands only
            // append; the node commits them next).
            demoRegistrationsAdded = 0
            ledger.addRoleObserver { [clock] role in
                guard role.isActive else { return }
                do throws(ConfigurationError) {
                    let added = try Self.loadDemoRegistry(into: ledger, at: clock.now())
                    if added > 0 { ServerLog.info("demo registry: \(added) registrations added") }
                } catch {
                    ServerLog.warning("demo registry: \(error.message)")
                }
            }
        }
        let status = HubStatus(storage: ledger.storageDescription, ledger: ledger)
        self.status = status

        var builder = RouterBuilder(commits: ledger.commits)
        builder.maximumElementsPerField = configuration.consentConfiguration.maximumBatchSize
        HealthService.register(into: &builder, reporter: status)
        RegistryService.register(into: &builder, ledger: ledger, clock: clock)
        eventFeed = ConsentService.register(into: &builder, ledger: ledger, clock: clock,
                                            viewURL: configuration.portalURLTemplate)
        TokenService.register(into: &builder, ledger: ledger, keys: tokenKeys, clock: clock)
        additionalServices(&builder, ledger)
        expirySweeper = ConsentExpirySweeper(
            ledger: ledger, interval: .milliseconds(Int64(configuration.expiryIntervalSeconds * 1000)), clock: clock,
            onSweep: onSweep)
        let router = Router(builder, principals: self.principals)
        self.router = router
        status.router.withLock { $0.value = router }
    }

    /// Registers the demo resources and consumer that are not already there
    /// (so a restart with `--demo-registry` changes nothing).
    /// - Returns: how many registrations it added.
    static func loadDemoRegistry(into ledger: ConsentLedger, at now: Timestamp) throws(ConfigurationError) -> Int {
        let missing: [DemoRegistry.SeedCommand]
        do {
            missing = try ledger.read { DemoRegistry.missing(in: $0) }.value
        } catch {
            throw ConfigurationError("cannot read the registry: \(error)")
        }
        for seed in missing {
            if case .failure(let error) = ledger.execute(seed.command, by: seed.actor, at: now).result {
                throw ConfigurationError("cannot load the demo registry: \(error)")
            }
        }
        return missing.count
    }

    /// Starts the expiry sweep (every `--expiry-interval`).
    public func startBackgroundWork() {
        expirySweeper.start()
    }

    /// One expiry sweep now, at `clock`'s time (what the timer does).
    /// - Returns: how many requests and consents were marked expired.
    @discardableResult
    public func sweepExpiries() -> Int {
        expirySweeper.sweep()
    }

    /// The principals in force.
    public var principalDirectory: PrincipalDirectory { principals.value }

    /// Swaps in a new principals directory and ends the WatchEvents streams
    /// of the principals it no longer allows.
    public func replacePrincipals(with fresh: PrincipalDirectory) {
        principals.replace(with: fresh)
        eventFeed.endStreams(notAllowedBy: fresh)
    }

    /// Re-reads the token key files named by `configuration` (by default the
    /// ones the hub started with). The old keys stay in use if a file is broken.
    /// - Returns: a line for the log naming the active key.
    @discardableResult
    public func reloadTokenKeys(from configuration: ServerConfiguration? = nil) throws(ConfigurationError) -> String {
        try tokenKeys.reload(from: configuration ?? self.configuration)
    }

    /// Health says NOT_SERVING, the sweep stops, and every WatchEvents stream
    /// ends with the cursor to resume from (they never end on their own, and
    /// a drain would wait for them). Calls in flight go on.
    public func beginShutdown() {
        status.draining.store(true, ordering: .releasing)
        expirySweeper.stop()
        eventFeed.close()
    }
}
