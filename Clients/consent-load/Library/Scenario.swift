import ConsentCLI
import ConsentClient
import ConsentRPC
import Synchronization

/// One kind of load: what a single measured call is, and what must exist
/// before the first one (not measured).
///
/// Adding a scenario is one file in `Scenarios/` and one line in
/// `ScenarioCatalog.all`. `exchange`, for example, creates and accepts
/// consent requests in `prepare` (through a second principal, the portal)
/// and keeps their codes; `makeCall` exchanges code number `index`;
/// `capacity` is the number of codes. `flow` chains the RPCs of one simulated
/// user inside one `makeCall` and completes after the last with the first
/// failure's status: its latency is the whole flow's.
public protocol Scenario: Sendable {
    /// The RPC method measured, for the report (`/consent.v1.Health/Check`, or `Ping`).
    var method: String { get }
    /// Items one call carries: 1, or N for a `--batch N` call. The report
    /// gives items/s beside calls/s.
    var itemsPerCall: Int { get }
    /// How many calls the prepared data can serve (each code exchanges once);
    /// nil: any number. The run stops there and says so.
    var capacity: Int? { get }
    /// What one measured call is called in the report: "call", or "flow"
    /// for a scenario whose call is several RPCs.
    var unit: String { get }
    /// Who the measured connections are: nil for the run's own principal
    /// (`--profile`, `--cert`/`--key`: the bank in the demo setup), or another
    /// one, as `verify` measures the data source.
    var measuredPrincipal: Principal? { get }

    /// Runs before anything is measured, as fast as it can.
    /// - Throws: `CLIError` (a refusal names its status code).
    mutating func prepare(_ context: ScenarioContext) throws(CLIError)

    /// Starts call number `index` (0, 1, 2… across the whole run, each once,
    /// warm-up included) on `client`.
    /// - Parameters:
    ///   - options: the deadline and metadata from the measured principal's settings.
    ///   - completion: exactly once, with the call's final status, on the
    ///     client's event loop (possibly before `makeCall` returns, when the
    ///     call fails at once). Decode nothing you do not need: the decoding
    ///     cost is the generator's, not the server's.
    func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void)
}

extension Scenario {
    public var itemsPerCall: Int { 1 }
    public var capacity: Int? { nil }
    public var unit: String { "call" }
    public var measuredPrincipal: Principal? { nil }
    public mutating func prepare(_ context: ScenarioContext) throws(CLIError) {}
}

/// What `prepare` may use.
public struct ScenarioContext: Sendable {
    /// The run's own connection settings (flags > environment > profile):
    /// the bank in the demo setup, whoever the measured connections are.
    public var settings: ConnectionSettings
    /// The measured connections, in order (`--connections`), already open.
    public var clients: [ConsentClient]
    /// The first measured connection.
    public var client: ConsentClient { clients[0] }
    /// The run's plan (how it ends, its warm-up, open or closed loop).
    public var plan: LoadPlan
    /// The calls the run will make at most, warm-up included, when that is
    /// known in advance (`--count` without warm-up, or `--rate` × time); nil
    /// otherwise (see `Preparation.callsToPrepare`).
    public var plannedCalls: Int?
    /// Progress lines for the person waiting (standard error).
    public var log: @Sendable (String) -> Void
    /// The profile file second principals are read from, if any.
    public var profileFile: String?
    /// Connections opened through `connect`, closed by the runner after the run.
    let opened: OpenedConnections

    /// The settings of `principal` (nil: the run's own), with this run's server, CA and timeout.
    /// - Throws: `CLIError.usage` naming the options to use when the principal cannot be found.
    public func settings(for principal: Principal?) throws(CLIError) -> ConnectionSettings {
        guard let principal else { return settings }
        return try principal.settings(base: settings, profileFile: profileFile)
    }

    /// A connection as `principal` (nil: the run's own), on the event loop of
    /// `client` (so its answers arrive on the thread that drives `client`'s
    /// calls), or on a thread of its own when `client` is nil. Its calls
    /// should use `settings(for: principal).callOptions`.
    /// - Important: the runner closes it after the run; do not close it yourself.
    public func connect(_ principal: Principal?, beside client: ConsentClient? = nil) throws(CLIError) -> ConsentClient {
        let connection = try settings(for: principal).connect(eventLoop: client?.connection.loop)
        opened.add(connection)
        return connection
    }

    public init(
        settings: ConnectionSettings, clients: [ConsentClient], plan: LoadPlan, plannedCalls: Int?, profileFile: String? = nil,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.settings = settings
        self.clients = clients
        self.plan = plan
        self.plannedCalls = plannedCalls
        self.profileFile = profileFile
        self.log = log
        opened = OpenedConnections()
    }

    /// Closes every connection `connect` opened.
    func closeOpened() { opened.closeAll() }
}

/// The connections a scenario opened for itself.
final class OpenedConnections: Sendable {
    private let clients = Mutex<[ConsentClient]>([])
    func add(_ client: ConsentClient) { clients.withLock { $0.append(client) } }
    func closeAll() {
        for client in clients.withLock({ list in defer { list = [] }; return list }) { client.close() }
    }
}

/// A scenario as the command line offers it.
public struct ScenarioDescriptor: Sendable {
    public var name: String
    public var summary: String
    /// More for `consent-load NAME --help`: what is prepared, as whom, how much.
    public var details: String
    /// Options only this scenario takes (`--batch N`, `--service NAME`).
    public var options: [OptionSpec]
    /// Builds the scenario from the parsed command line.
    public var make: @Sendable (ParsedArguments) throws(CLIError) -> any Scenario

    public init(
        name: String, summary: String, details: String = "", options: [OptionSpec] = [],
        make: @escaping @Sendable (ParsedArguments) throws(CLIError) -> any Scenario
    ) {
        self.name = name
        self.summary = summary
        self.details = details
        self.options = options
        self.make = make
    }
}

/// Every scenario `consent-load` knows, in the order `--help` lists them.
public enum ScenarioCatalog {
    public static let all: [ScenarioDescriptor] = [
        PingScenario.descriptor,
        HealthScenario.descriptor,
        ExchangeScenario.descriptor,
        IssueTokenScenario.descriptor,
        VerifyScenario.descriptor,
        LogUseScenario.descriptor,
        FlowScenario.descriptor,
    ]

    public static func named(_ name: String) -> ScenarioDescriptor? {
        all.first { $0.name == name }
    }
}
