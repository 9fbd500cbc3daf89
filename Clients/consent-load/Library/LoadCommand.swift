import ConsentCLI
import Foundation

/// `consent-load SCENARIO [options]`: the command line.
public enum LoadCommand {
    /// Exit codes, in `--help` and the README.
    public static let exitCodes = """
        exit codes: 0 every measured call succeeded, 1 some calls failed (the report counts them by status),
                    2 usage error, 3 no answer (cannot connect, TLS failure), 4 local error (cannot write --json),
                    5 consent-load itself was the bottleneck: the figures are not the server's (a warning says why)
        """

    /// Exit code of a run whose generator was the bottleneck.
    public static let generatorBottleneck: Int32 = 5

    public static let loadOptions: [OptionSpec] = [
        .value("connections", "N", "TLS connections (default 1)"),
        .value("in-flight", "N", "calls open at once per connection (default 32)"),
        .value("threads", "N", "client event-loop threads; connections are dealt to them in turn (default 1)"),
        .value("duration", "SECONDS", "measure for this long (default 10)"),
        .value("count", "N", "measure exactly N calls instead of a duration"),
        .value("rate", "CALLS_PER_S", "open loop: start calls at this total rate whatever the server does; latency counts from when each call was due"),
        .value("warmup", "SECONDS", "load before measuring, not counted (default 1; 0 with --count)"),
        .value("server-pid", "PID", "report this process's CPU time (a consentd on this machine)"),
        .value("server-cores", "LIST", "the cores the server is pinned to (taskset -c), e.g. 0 or 0,1: report how they spent the run (busy, idle, stolen, the server's share)"),
        .value("start-file", "FILE", "after preparing, wait until FILE exists before the warm-up (a profiler attached to the server starts there)"),
        .value("json", "FILE", "also write the report as JSON to FILE ('-': JSON on standard output instead of text)"),
        .flag("quiet", "no progress lines"),
        .flag("help", "show help"),
    ]

    /// Runs one command line; returns the exit code.
    public static func main(
        _ arguments: [String], environment: [String: String],
        standardOutput: @escaping @Sendable (String) -> Void = { print($0) },
        standardError: @escaping @Sendable (String) -> Void = CommandLineTool.printError
    ) -> Int32 {
        do {
            return try run(arguments, environment: environment, standardOutput: standardOutput, standardError: standardError)
        } catch {
            standardError("consent-load: \(error.message)")
            return error.exitCode
        }
    }

    private static func run(
        _ arguments: [String], environment: [String: String],
        standardOutput: @escaping @Sendable (String) -> Void, standardError: @escaping @Sendable (String) -> Void
    ) throws(CLIError) -> Int32 {
        guard let name = scenarioName(in: arguments) else {
            standardOutput(mainHelp())
            if arguments.contains("--help") || arguments.contains("-h") { return 0 }
            throw .usage("no scenario given")
        }
        if name == "help" {
            let topic = arguments.drop { $0 != "help" }.dropFirst().first.flatMap(ScenarioCatalog.named)
            standardOutput(topic.map(help(for:)) ?? mainHelp())
            return 0
        }
        guard let descriptor = ScenarioCatalog.named(name) else {
            throw .usage("unknown scenario '\(name)'; scenarios: \(ScenarioCatalog.all.map(\.name).joined(separator: ", ")) (consent-load --help)")
        }
        var rest = arguments
        rest.remove(at: rest.firstIndex(of: name)!)
        let parsed: ParsedArguments
        do {
            parsed = try ArgumentParser.parse(rest[...], specs: ConnectionSettings.optionSpecs + loadOptions + descriptor.options)
        } catch {
            throw .usage("\(error.message)\n  usage: consent-load \(descriptor.name) [options] (consent-load \(descriptor.name) --help)")
        }
        if parsed.has("help") {
            standardOutput(help(for: descriptor))
            return 0
        }
        if let extra = parsed.positionals.first { throw .usage("unexpected argument '\(extra)'") }
        let plan = try makePlan(parsed)
        let settings = try ConnectionSettings.resolve(parsed, environment: environment)
        let serverPID = try parsed["server-pid"].map { text throws(CLIError) -> Int32 in
            guard let pid = Int32(text), pid > 0 else { throw .usage("--server-pid must be a process id, not '\(text)'") }
            return pid
        }
        let serverCores = try parsed["server-cores"].map { text throws(CLIError) -> [Int] in
            let cores = text.split(separator: ",").compactMap { Int($0) }
            guard !cores.isEmpty, cores.count == text.split(separator: ",").count, cores.allSatisfy({ $0 >= 0 }) else {
                throw .usage("--server-cores must list core numbers like 0 or 0,1, not '\(text)'")
            }
            return cores
        }
        let scenario = try descriptor.make(parsed)
        // Second principals (the portal, the data source) come from the same profile file as the run's own.
        let defaultProfileFile = ProfileFile.defaultPath(environment: environment)
        let profileFile = parsed["profile-file"] ?? environment["CONSENT_PROFILE_FILE"]
            ?? (FileManager.default.fileExists(atPath: defaultProfileFile) ? defaultProfileFile : nil)
        var runner = LoadRunner(
            scenarioName: descriptor.name, scenario: scenario, plan: plan, settings: settings, serverPID: serverPID,
            profileFile: profileFile, progress: parsed.has("quiet") ? nil : standardError)
        runner.serverCores = serverCores
        runner.startFile = parsed["start-file"]
        let report = try runner.run()

        let jsonPath = parsed["json"]
        if jsonPath == "-" {
            standardOutput(report.jsonText())
        } else {
            standardOutput(LoadReportText.render(report))
            if let jsonPath {
                do {
                    try (report.jsonText() + "\n").write(toFile: jsonPath, atomically: true, encoding: .utf8)
                } catch {
                    throw .local("cannot write the JSON report to \(jsonPath): \(error.localizedDescription)")
                }
            }
        }
        if report.generator.bottleneck {
            // Also on standard error, so it survives `> report.txt` and `--json -`.
            for line in LoadReportText.warning(report.generator) { standardError(line) }
            return generatorBottleneck
        }
        return report.failed + report.notSent > 0 ? 1 : 0
    }

    /// The first argument that is neither an option nor an option's value.
    static func scenarioName(in arguments: [String]) -> String? {
        let specs = ConnectionSettings.optionSpecs + loadOptions + ScenarioCatalog.all.flatMap(\.options)
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("-"), argument != "-" else { return argument }
            let name = String(argument.drop { $0 == "-" }.prefix { $0 != "=" })
            let takesValue = specs.first { $0.name == name }?.valueName != nil
            index += (takesValue && !argument.contains("=")) ? 2 : 1
        }
        return nil
    }

    /// The plan from the load options.
    /// - Throws: `CLIError.usage` for values out of range or options that exclude each other.
    public static func makePlan(_ parsed: ParsedArguments) throws(CLIError) -> LoadPlan {
        var plan = LoadPlan()
        plan.connections = try parsed.int("connections", default: 1, range: 1...100_000)
        plan.inFlight = try parsed.int("in-flight", default: 32, range: 1...1 << 16)
        plan.threads = try parsed.int("threads", default: 1, range: 1...1024)
        if parsed.has("duration") && parsed.has("count") { throw .usage("give --duration or --count, not both") }
        if parsed.has("count") {
            plan.end = .count(try parsed.int("count", default: 0, range: 1...Int(Int32.max)))
        } else {
            plan.end = .duration(seconds: try parsed.double("duration", default: 10, range: 0.001...86_400))
        }
        if parsed.has("rate") {
            plan.pacing = .openLoop(rate: try parsed.double("rate", default: 0, range: 0.001...100_000_000))
        }
        let defaultWarmup: Double = if case .count = plan.end { 0 } else { 1 }
        plan.warmup = try parsed.double("warmup", default: defaultWarmup, range: 0...3600)
        return plan
    }

    public static func mainHelp() -> String {
        let width = ScenarioCatalog.all.map(\.name.count).max() ?? 0
        var lines = [
            "consent-load — measure a ConsentHub server under load",
            "",
            "usage: consent-load SCENARIO [options]",
            "",
            "scenarios:",
        ]
        lines += ScenarioCatalog.all.map { "  " + $0.name + String(repeating: " ", count: width - $0.name.count + 2) + $0.summary }
        lines += ["", "load options:"] + ArgumentParser.describe(loadOptions)
        lines += ["", "connection options (as consentctl's; a profile works too):"] + ArgumentParser.describe(ConnectionSettings.optionSpecs)
        lines += [
            "",
            "examples:",
            "  consent-load health --connections 1 --in-flight 256 --duration 5        # capacity (closed loop)",
            "  consent-load health --rate 20000 --duration 10 --json out.json         # latency at a fixed rate (open loop)",
            "  consent-load ping --count 10000 --in-flight 1 --server-pid $(pidof consentd)",
            "  consent-load exchange --in-flight 256 --duration 5                        # codes prepared first (portal profile), then ExchangeCode",
            "  consent-load log-use --batch 1000 --in-flight 8 --duration 5             # LogUses as the data source (datasource profile)",
            "",
            "The token and use scenarios prepare consents first (not measured) through a second principal:",
            "the portal (--portal-profile NAME, default 'portal', or --portal-cert/--portal-key) and, for",
            "verify, log-use and flow, the data source (--datasource-profile, default 'datasource'). Their",
            "server and CA are the run's. consent-load SCENARIO --help says what each one prepares.",
            "",
            "A progress line goes to standard error each second; the report to standard output.",
            "",
            exitCodes,
        ]
        return lines.joined(separator: "\n")
    }

    public static func help(for descriptor: ScenarioDescriptor) -> String {
        var lines = ["usage: consent-load \(descriptor.name) [options]", "", descriptor.summary]
        if !descriptor.details.isEmpty { lines += [""] + descriptor.details.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        if !descriptor.options.isEmpty { lines += ["", "\(descriptor.name) options:"] + ArgumentParser.describe(descriptor.options) }
        lines += ["", "load options:"] + ArgumentParser.describe(loadOptions)
        lines += ["", "connection options: see consent-load --help", "", exitCodes]
        return lines.joined(separator: "\n")
    }
}
