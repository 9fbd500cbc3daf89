import ConsentCore
import ConsentStore

/// Everything `consentd` can be told, with its defaults. Each field has a flag
/// (`--listen`) and the same key in a config file (`listen = 127.0.0.1:7443`);
/// flags win over the file. `ServerOptions.all` is the single table of them.
public struct ServerConfiguration: Sendable, Equatable {
    public var listenHost = "127.0.0.1"
    public var listenPort: UInt16 = 7443
    public var dataDirectory = "./data"
    public var certificatePath = ""
    public var privateKeyPath = ""
    public var clientCAPath = ""
    public var principalsPath = ""
    /// Event loops; 0 means one per core.
    public var threads = 0
    public var maxFrameSize = 4 * 1024 * 1024
    public var maxConcurrentCallsPerConnection = 1024
    public var handshakeTimeoutSeconds = 10.0
    public var idleTimeoutSeconds = 300.0
    /// The longest one frame may take to arrive, first byte to last.
    public var frameTimeoutSeconds = 30.0
    // MARK: Connection limits (docs/PROTOCOL.md §9); the transport's defaults.
    /// All connections together (never more than the descriptor limit allows).
    public var maxConnections = 10_000
    /// Accepted sockets whose TLS handshake has not finished, in total and per source address.
    public var maxPendingHandshakes = 256
    public var maxPendingHandshakesPerAddress = 64
    /// Established connections per source address and per certificate principal.
    public var maxConnectionsPerAddress = 256
    public var maxConnectionsPerPrincipal = 256
    /// Sockets accepted (TLS handshakes begun) per second.
    public var handshakesPerSecond = 1000
    /// Calls begun per second by one principal, over all its connections: a
    /// ceiling by default (a bank at 100,000 calls/s is not throttled).
    public var maxCallsPerSecondPerPrincipal = 1_000_000
    /// Calls one principal has open at once, over all its connections.
    public var maxConcurrentCallsPerPrincipal = 4096
    /// How long in-flight calls get to finish after SIGTERM before they are cancelled.
    public var shutdownTimeoutSeconds = 30.0
    /// Load the demo registry (NAV's and Skatteetaten's resources, one demo consumer) at start.
    public var demoRegistry = false
    public var logLevel: ServerLog.Level = .info
    /// `text` (one line per event) or `json` (one JSON object per line).
    public var logFormat: ServerLog.Format = .text
    /// Where the Prometheus metrics endpoint listens (`HOST:PORT`; a bare
    /// port means 127.0.0.1); empty: no endpoint (docs/OPERATIONS.md).
    public var metricsListen = ""
    /// How long a consent request waits for the user's answer before it
    /// expires; the default is the domain's (ConsentConfiguration).
    public var requestTTLSeconds = ConsentConfiguration().requestLifetime.inSeconds
    /// How long an authorization code works after the user accepts; the
    /// default and the limit are the domain's (ConsentConfiguration).
    public var codeLifetimeSeconds = ConsentConfiguration().codeLifetime.inSeconds
    /// Time between sweeps that record the expiry of unanswered requests and ended consents.
    public var expiryIntervalSeconds = 60.0
    /// Open (unanswered) requests one consumer may have.
    public var maxOpenRequestsPerConsumer = ConsentConfiguration().maximumOpenRequestsPerConsumer
    /// Seconds from a token's `iat` to its `exp` (`--token-lifetime`, 120 like
    /// Altinn 3); a token never outlives its consent's `validTo`.
    public var tokenLifetimeSeconds = 120
    /// Tokens this process signed that VerifyToken and LogUse recognise
    /// without an ECDSA check (`--issued-token-table`, `IssuedTokens`): at
    /// most this many, the oldest dropped first (they are then verified in
    /// full); 0 turns the table off. 262,144 holds every token of the last
    /// 120 s (the default lifetime) at 2,000 tokens a second, in 25–50 MiB.
    public var issuedTokenTableSize = 1 << 18
    /// `iss` of every consent token (`--issuer`); data sources compare it.
    public var issuer = "https://consenthub.example"
    /// Where a person answers a request (`--portal-url-template`, `{id}` for
    /// the request id): each request's `view_url`. Nil: no view URLs.
    public var portalURLTemplate: ViewURLTemplate? = nil
    /// PEM file of the P-256 key that signs tokens (`--signing-key`); empty: a
    /// key generated at start and lost at exit, for development only.
    public var signingKeyPath = ""
    /// PEM files (public or private keys) published beside the signing key
    /// (`--publish-keys`): a key being introduced, or a retired key whose
    /// tokens may still be in use.
    public var publishKeyPaths: [String] = []

    // MARK: Storage (the event log, docs/STORAGE.md); defaults are the store's.
    /// A segment is closed and the next one started once it reaches this size.
    public var segmentSize = LogOptions().segmentSize
    /// Zeros kept written ahead of the log's records (``LogOptions/preZeroBytes``).
    public var preZeroBytes = LogOptions().preZeroBytes
    /// The log writer's commit delay in microseconds (``LogOptions/commitDelay``;
    /// 0: off). The server's default is 1 ms, not the store's (off): its
    /// event loops end the delay whenever they go idle.
    public var commitDelayMicroseconds = 1000
    /// A background snapshot after this many new durable records; 0: not by count.
    public var snapshotEveryRecords: UInt64 = LogOptions().snapshotEveryRecords ?? 0
    /// A background snapshot after this many new durable log bytes; 0: not by size.
    public var snapshotEveryBytes: UInt64 = LogOptions().snapshotEveryBytes ?? 0
    /// Snapshots kept; older ones are removed after each new one.
    public var snapshotsToKeep = LogOptions().snapshotsToKeep
    /// Remove segments the oldest kept snapshot covers. Off by default: the
    /// log is the consents' history, audit data.
    public var removeCoveredSegments = LogOptions().removeCoveredSegments
    /// Whether the snapshot thread keeps its copy of the state between
    /// snapshots. Off for consentd (the store's default is on): the copy
    /// doubles the resident memory (measured: +330 bytes per consent, beside
    /// the state's ~360), which breaks DESIGN §10's 400 bytes per consent;
    /// the price is CPU on the snapshot thread (each snapshot reloads the last
    /// one) and a longer pause of reads after a storage failure (seconds
    /// rather than milliseconds at a million consents). See docs/STORAGE.md.
    public var snapshotKeepsState = false
    /// Write a snapshot at start, before serving, when recovery replayed a
    /// long tail (``LogOptions/snapshotAtOpen``, the same for PostgreSQL), so
    /// a hub killed more often than a background snapshot takes still starts
    /// quickly (issue 11).
    public var snapshotAtStart = LogOptions().snapshotAtOpen
    /// Cut a final write batch torn by power loss at start instead of refusing.
    public var cutTornFinalBatch = LogOptions().cutTornFinalBatch

    // MARK: PostgreSQL (docs/STORAGE.md, "The PostgreSQL store")
    /// A libpq connection string or URI; empty: the embedded log in
    /// `dataDirectory`. With it, the events live in PostgreSQL and
    /// `dataDirectory` holds this node's snapshots only.
    public var postgres = ""
    /// How long the lease holds without renewal (the active node renews it
    /// with every write and every quarter of this while idle).
    public var leaseSeconds = 4.0
    /// `HOST:PORT` clients reach this node at, for the lease (empty: the listen address).
    public var advertiseAddress = ""

    public init() {}

    /// The domain's settings that come from the server's options.
    public var consentConfiguration: ConsentConfiguration {
        var c = ConsentConfiguration()
        c.requestLifetime = .milliseconds(Int64(requestTTLSeconds * 1000))
        c.codeLifetime = .milliseconds(Int64(codeLifetimeSeconds * 1000))
        c.maximumOpenRequestsPerConsumer = maxOpenRequestsPerConsumer
        // Expiries free quota places only when the sweep records them.
        c.openRequestsRetryAfter = .milliseconds(Int64(expiryIntervalSeconds * 1000))
        return c
    }

    /// `host:port` as given to `--listen`.
    public var listenAddress: String { "\(listenHost):\(listenPort)" }

    /// Checks what cannot be known from one option alone.
    /// - Throws: `ConfigurationError` naming the first missing option.
    public func validated() throws(ConfigurationError) -> ServerConfiguration {
        for (value, flag) in [
            (certificatePath, "--cert"), (privateKeyPath, "--key"), (clientCAPath, "--client-ca"), (principalsPath, "--principals"),
        ] where value.isEmpty {
            throw ConfigurationError("\(flag) is required (see consentd --help)")
        }
        return self
    }
}

extension Duration {
    /// The duration in seconds, for the options that take seconds.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
