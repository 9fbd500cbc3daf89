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
    /// How long in-flight calls get to finish after SIGTERM before they are cancelled.
    public var shutdownTimeoutSeconds = 30.0
    /// Load the demo registry (NAV's and Skatteetaten's resources, one demo consumer) at start.
    public var demoRegistry = false
    public var logLevel: ServerLog.Level = .info

    // MARK: Storage (the event log, docs/STORAGE.md); defaults are the store's.
    /// A segment is closed and the next one started once it reaches this size.
    public var segmentSize = LogOptions().segmentSize
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
    /// Cut a final write batch torn by power loss at start instead of refusing.
    public var cutTornFinalBatch = LogOptions().cutTornFinalBatch

    public init() {}

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
