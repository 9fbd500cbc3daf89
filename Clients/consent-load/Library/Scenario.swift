import ConsentCLI
import ConsentClient
import ConsentRPC

/// One kind of load: what a single measured call is, and what must exist
/// before the first one (not measured).
///
/// Adding a scenario is one file and one line in `ScenarioCatalog.all`. For
/// `exchange`, say: `prepare` creates and accepts `context.plannedCalls`
/// consent requests through the portal and keeps their codes; `makeCall`
/// exchanges code number `index`; `capacity` is the number of codes. A
/// `--batch N` variant sends N codes per call and sets `itemsPerCall`. A
/// `flow` scenario chains the RPCs of one simulated user (create, accept,
/// exchange, verify, log use) inside one `makeCall` and completes after the
/// last with the first failure's status: its latency is the whole flow's.
public protocol Scenario: Sendable {
    /// The RPC method measured, for the report (`/consent.v1.Health/Check`, or `Ping`).
    var method: String { get }
    /// Items one call carries: 1, or N for a `--batch N` call. The report
    /// gives items/s beside calls/s.
    var itemsPerCall: Int { get }
    /// How many calls the prepared data can serve (each code exchanges once);
    /// nil: any number. The run stops there and says so.
    var capacity: Int? { get }

    /// Runs before anything is measured, as fast as it can.
    /// - Throws: `CLIError` (a refusal names its status code).
    mutating func prepare(_ context: ScenarioContext) throws(CLIError)

    /// Starts call number `index` (0, 1, 2… across the whole run, each once,
    /// warm-up included) on `client`.
    /// - Parameters:
    ///   - options: the deadline and metadata from the connection settings.
    ///   - completion: exactly once, with the call's final status, on the
    ///     client's event loop (possibly before `makeCall` returns, when the
    ///     call fails at once). Decode nothing you do not need: the decoding
    ///     cost is the generator's, not the server's.
    func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void)
}

extension Scenario {
    public var itemsPerCall: Int { 1 }
    public var capacity: Int? { nil }
    public mutating func prepare(_ context: ScenarioContext) throws(CLIError) {}
}

/// What `prepare` may use.
public struct ScenarioContext {
    /// The run's connection settings (flags > environment > profile).
    public var settings: ConnectionSettings
    /// The first of the run's connections, as the measured principal.
    public var client: ConsentClient
    /// The calls the run will make at most, warm-up included, when that is
    /// known in advance (`--count`, or `--rate` × time); nil for a closed
    /// loop that runs for a duration (a scenario that consumes data should
    /// then ask for a `--pool N` option).
    public var plannedCalls: Int?
    /// Progress lines for the person waiting (standard error).
    public var log: @Sendable (String) -> Void

    /// The settings of another principal of the same profile file (the
    /// portal to accept requests, a data source to register resources): its
    /// certificate, key and portal metadata, with this run's server, CA and timeout.
    public func settings(profile name: String) throws(CLIError) -> ConnectionSettings {
        var arguments = ParsedArguments()
        arguments.values["profile"] = [name]
        if let file = settings.profile?.file { arguments.values["profile-file"] = [file] }
        var other = try ConnectionSettings.resolve(arguments, environment: [:])
        other.server = settings.server
        other.ca = settings.ca
        other.timeout = settings.timeout
        return other
    }

    /// A connection as another principal (see `settings(profile:)`); its
    /// calls should use that settings' `callOptions`.
    /// - Important: the caller closes it.
    public func connect(profile name: String) throws(CLIError) -> ConsentClient {
        try settings(profile: name).connect()
    }

    public init(settings: ConnectionSettings, client: ConsentClient, plannedCalls: Int?, log: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.client = client
        self.plannedCalls = plannedCalls
        self.log = log
    }
}

/// A scenario as the command line offers it.
public struct ScenarioDescriptor: Sendable {
    public var name: String
    public var summary: String
    /// Options only this scenario takes (`--batch N`, `--service NAME`).
    public var options: [OptionSpec]
    /// Builds the scenario from the parsed command line.
    public var make: @Sendable (ParsedArguments) throws(CLIError) -> any Scenario

    public init(name: String, summary: String, options: [OptionSpec] = [], make: @escaping @Sendable (ParsedArguments) throws(CLIError) -> any Scenario) {
        self.name = name
        self.summary = summary
        self.options = options
        self.make = make
    }
}

/// Every scenario `consent-load` knows, in the order `--help` lists them.
public enum ScenarioCatalog {
    public static let all: [ScenarioDescriptor] = [PingScenario.descriptor, HealthScenario.descriptor]

    public static func named(_ name: String) -> ScenarioDescriptor? {
        all.first { $0.name == name }
    }
}
