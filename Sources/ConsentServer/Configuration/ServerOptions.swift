import Foundation
import ConsentCore

/// One command-line option / config-file key.
public struct ServerOption: Sendable {
    public let name: String
    /// Shown in `--help` after the flag, e.g. `HOST:PORT`; nil for switches.
    public let valueName: String?
    public let help: String
    let apply: @Sendable (inout ServerConfiguration, String) throws(ConfigurationError) -> Void
    let current: @Sendable (ServerConfiguration) -> String

    public var isSwitch: Bool { valueName == nil }
}

/// What `consentd` was asked to do.
public enum ServerCommand: Sendable, Equatable {
    case serve(ServerConfiguration)
    case help
    case version
    /// `--verify-data`: check the data directory (or, with `--postgres`, the database) and exit.
    case verifyData(ServerConfiguration)
    /// `migrate --from-data-dir DIR --to-postgres CONNINFO`: copy an embedded log into PostgreSQL.
    case migrate(from: String, to: String)
}

public enum ServerOptions {
    public static let all: [ServerOption] = [
        option("listen", "HOST:PORT", "address to listen on; port 0 picks a free port", { "\($0.listenHost):\($0.listenPort)" }) { c, v throws(ConfigurationError) in
            (c.listenHost, c.listenPort) = try parseHostPort(v)
        },
        option("data-dir", "DIR", "directory holding the event log and snapshots", { $0.dataDirectory }) { c, v in c.dataDirectory = v },
        option("segment-size", "BYTES", "start a new log segment once the current one reaches this size (suffix K, M or G)", { formatBytes($0.segmentSize) }) { c, v throws(ConfigurationError) in
            c.segmentSize = try bytes(v, "segment-size", 4096...(1 << 40))
        },
        option("pre-zero", "BYTES", "zeros the log writer keeps written ahead of its records, so a sync flushes data and no file-size change (suffix K, M or G; 0: off)", { formatBytes($0.preZeroBytes) }) { c, v throws(ConfigurationError) in
            c.preZeroBytes = try bytes(v, "pre-zero", 0...(1 << 30))
        },
        option("commit-delay-us", "MICROSECONDS", "longest the log writer holds a batch back for more records once several callers append at once, so one fdatasync carries more of them (an idle event loop ends it at once; 0: off)", { String($0.commitDelayMicroseconds) }) { c, v throws(ConfigurationError) in
            c.commitDelayMicroseconds = try int(v, "commit-delay-us", 0...1_000_000)
        },
        option("snapshot-every-records", "N", "snapshot in the background after N new records; 0 = not by count", { String($0.snapshotEveryRecords) }) { c, v throws(ConfigurationError) in
            c.snapshotEveryRecords = UInt64(try int(v, "snapshot-every-records", 0...1_000_000_000_000))
        },
        option("snapshot-every-bytes", "BYTES", "snapshot in the background after this many new log bytes (suffix K, M or G); 0 = not by size", { formatBytes(Int($0.snapshotEveryBytes)) }) { c, v throws(ConfigurationError) in
            c.snapshotEveryBytes = UInt64(try bytes(v, "snapshot-every-bytes", 0...(1 << 50)))
        },
        option("snapshots-to-keep", "N", "snapshots kept; older ones are removed after each new one", { String($0.snapshotsToKeep) }) { c, v throws(ConfigurationError) in
            c.snapshotsToKeep = try int(v, "snapshots-to-keep", 1...1000)
        },
        switchOption("remove-covered-segments", "remove log segments whose every record is in the oldest kept snapshot (default: keep the whole history, which is audit data)", { $0.removeCoveredSegments ? "true" : "false" }) { c, v throws(ConfigurationError) in
            c.removeCoveredSegments = try bool(v, "remove-covered-segments")
        },
        option("snapshot-keeps-state", "BOOL", "true: the snapshot thread keeps its copy of the state between snapshots (quick snapshots, twice the memory); false: it reloads the last snapshot each time", { $0.snapshotKeepsState ? "true" : "false" }) { c, v throws(ConfigurationError) in
            c.snapshotKeepsState = try bool(v, "snapshot-keeps-state")
        },
        option("snapshot-at-start", "BOOL", "true: when recovery replayed a long tail (a snapshot's worth, or more log bytes than the snapshot it started from), write a snapshot before serving, so the next start need not replay it again", { $0.snapshotAtStart ? "true" : "false" }) { c, v throws(ConfigurationError) in
            c.snapshotAtStart = try bool(v, "snapshot-at-start")
        },
        switchOption("cut-torn-final-batch", "at start, cut a last write batch that a power loss tore (damage followed only by records of the same batch) instead of refusing to start", { $0.cutTornFinalBatch ? "true" : "false" }) { c, v throws(ConfigurationError) in
            c.cutTornFinalBatch = try bool(v, "cut-torn-final-batch")
        },
        option("postgres", "CONNINFO", "keep the events in PostgreSQL (a libpq connection string or URI) instead of the embedded log; --data-dir then holds this node's snapshots", { $0.postgres }) { c, v in c.postgres = v },
        option("lease", "SECONDS", "with --postgres: how long the active node's lease holds without renewal", { format($0.leaseSeconds) }) { c, v throws(ConfigurationError) in
            let n = try seconds(v, "lease")
            guard n >= 0.5, n <= 60 else { throw ConfigurationError("lease must be from 0.5 to 60 seconds, not '\(v)'") }
            c.leaseSeconds = n
        },
        option("advertise", "HOST:PORT", "with --postgres: the address clients reach this node at, named to them by standbys (default: --listen)", { $0.advertiseAddress }) { c, v throws(ConfigurationError) in
            _ = try parseHostPort(v)
            c.advertiseAddress = v
        },
        option("cert", "FILE", "server certificate chain (PEM)", { $0.certificatePath }) { c, v in c.certificatePath = v },
        option("key", "FILE", "server private key (PEM)", { $0.privateKeyPath }) { c, v in c.privateKeyPath = v },
        option("client-ca", "FILE", "CA certificates that sign client certificates (PEM); a client certificate is mandatory", { $0.clientCAPath }) { c, v in c.clientCAPath = v },
        option("principals", "FILE", "principals file mapping certificate serialNumber/CN to roles (JSON)", { $0.principalsPath }) { c, v in c.principalsPath = v },
        option("threads", "N", "event loops; 0 = one per core", { String($0.threads) }) { c, v throws(ConfigurationError) in
            c.threads = try int(v, "threads", 0...1024)
        },
        option("max-frame-size", "BYTES", "largest frame accepted or sent", { String($0.maxFrameSize) }) { c, v throws(ConfigurationError) in
            c.maxFrameSize = try int(v, "max-frame-size", 1024...(64 << 20))
        },
        option("max-concurrent-calls", "N", "open calls allowed per connection", { String($0.maxConcurrentCallsPerConnection) }) { c, v throws(ConfigurationError) in
            c.maxConcurrentCallsPerConnection = try int(v, "max-concurrent-calls", 1...1_000_000)
        },
        option("max-connections", "N", "connections of every kind together (lowered to leave 128 of the process's descriptors free); at the limit new clients wait", { String($0.maxConnections) }) { c, v throws(ConfigurationError) in
            c.maxConnections = try int(v, "max-connections", 1...10_000_000)
        },
        option("max-pending-handshakes", "N", "accepted sockets whose TLS handshake has not finished; more are closed at once", { String($0.maxPendingHandshakes) }) { c, v throws(ConfigurationError) in
            c.maxPendingHandshakes = try int(v, "max-pending-handshakes", 1...1_000_000)
        },
        option("max-pending-handshakes-per-address", "N", "the same, from one source address", { String($0.maxPendingHandshakesPerAddress) }) { c, v throws(ConfigurationError) in
            c.maxPendingHandshakesPerAddress = try int(v, "max-pending-handshakes-per-address", 1...1_000_000)
        },
        option("max-connections-per-address", "N", "established connections from one source address; one more answers RESOURCE_EXHAUSTED (connections_per_address) and is closed", { String($0.maxConnectionsPerAddress) }) { c, v throws(ConfigurationError) in
            c.maxConnectionsPerAddress = try int(v, "max-connections-per-address", 1...10_000_000)
        },
        option("max-connections-per-principal", "N", "established connections of one client certificate principal (connections_per_principal)", { String($0.maxConnectionsPerPrincipal) }) { c, v throws(ConfigurationError) in
            c.maxConnectionsPerPrincipal = try int(v, "max-connections-per-principal", 1...10_000_000)
        },
        option("max-calls-per-second-per-principal", "N", "calls begun per second by one principal over all its connections (bursts of as many); beyond it RESOURCE_EXHAUSTED (call_rate) with the wait", { String($0.maxCallsPerSecondPerPrincipal) }) { c, v throws(ConfigurationError) in
            c.maxCallsPerSecondPerPrincipal = try int(v, "max-calls-per-second-per-principal", 1...1_000_000_000)
        },
        option("max-concurrent-calls-per-principal", "N", "calls one principal has open over all its connections; beyond it RESOURCE_EXHAUSTED (concurrent_calls)", { String($0.maxConcurrentCallsPerPrincipal) }) { c, v throws(ConfigurationError) in
            c.maxConcurrentCallsPerPrincipal = try int(v, "max-concurrent-calls-per-principal", 1...100_000_000)
        },
        option("handshakes-per-second", "N", "TLS handshakes begun per second (bursts of as many); beyond it new sockets wait in the backlog", { String($0.handshakesPerSecond) }) { c, v throws(ConfigurationError) in
            c.handshakesPerSecond = try int(v, "handshakes-per-second", 1...10_000_000)
        },
        option("handshake-timeout", "SECONDS", "time a client gets to complete the TLS handshake", { format($0.handshakeTimeoutSeconds) }) { c, v throws(ConfigurationError) in
            c.handshakeTimeoutSeconds = try seconds(v, "handshake-timeout")
        },
        option("idle-timeout", "SECONDS", "a connection with no open call and no frame for this long is closed", { format($0.idleTimeoutSeconds) }) { c, v throws(ConfigurationError) in
            c.idleTimeoutSeconds = try seconds(v, "idle-timeout")
        },
        option("frame-timeout", "SECONDS", "the longest a frame may take to arrive, from its first byte to its last (a client trickling bytes is cut off)", { format($0.frameTimeoutSeconds) }) { c, v throws(ConfigurationError) in
            c.frameTimeoutSeconds = try seconds(v, "frame-timeout")
        },
        option("shutdown-timeout", "SECONDS", "after SIGTERM, time in-flight calls get to finish", { format($0.shutdownTimeoutSeconds) }) { c, v throws(ConfigurationError) in
            c.shutdownTimeoutSeconds = try seconds(v, "shutdown-timeout")
        },
        option("log-level", "LEVEL", "debug, info, warning or error", { $0.logLevel.rawValue }) { c, v throws(ConfigurationError) in
            guard let level = ServerLog.Level(rawValue: v) else { throw ConfigurationError("log-level must be debug, info, warning or error, not '\(v)'") }
            c.logLevel = level
        },
        option("log-format", "FORMAT", "text (one line per event) or json (one JSON object per line: time, level, message)", { $0.logFormat.rawValue }) { c, v throws(ConfigurationError) in
            guard let format = ServerLog.Format(rawValue: v) else { throw ConfigurationError("log-format must be text or json, not '\(v)'") }
            c.logFormat = format
        },
        option("metrics-listen", "HOST:PORT", "serve Prometheus metrics at http://HOST:PORT/metrics (a bare PORT listens on 127.0.0.1; default: off)", { $0.metricsListen }) { c, v throws(ConfigurationError) in
            if let port = UInt16(v) {
                c.metricsListen = "127.0.0.1:\(port)"
            } else {
                _ = try parseHostPort(v)
                c.metricsListen = v
            }
        },
        option("request-ttl", "SECONDS", "how long a consent request waits for the user's answer before it expires", { format($0.requestTTLSeconds) }) { c, v throws(ConfigurationError) in
            c.requestTTLSeconds = try seconds(v, "request-ttl")
        },
        option("code-lifetime", "SECONDS", "how long an authorization code works after the user accepts (at most \(format(ConsentConfiguration().maximumCodeLifetime.inSeconds)))", { format($0.codeLifetimeSeconds) }) { c, v throws(ConfigurationError) in
            let n = try seconds(v, "code-lifetime")
            let limit = ConsentConfiguration().maximumCodeLifetime.inSeconds
            guard n <= limit else { throw ConfigurationError("code-lifetime is at most \(format(limit)) seconds (one hour), not '\(v)'") }
            c.codeLifetimeSeconds = n
        },
        option("expiry-interval", "SECONDS", "time between sweeps that record expired requests and consents in the events feed", { format($0.expiryIntervalSeconds) }) { c, v throws(ConfigurationError) in
            c.expiryIntervalSeconds = try seconds(v, "expiry-interval")
        },
        option("max-open-requests-per-consumer", "N", "unanswered consent requests one consumer may have; beyond it CreateRequest answers RESOURCE_EXHAUSTED (open_requests_quota) with a retry hint of one expiry interval", { String($0.maxOpenRequestsPerConsumer) }) { c, v throws(ConfigurationError) in
            c.maxOpenRequestsPerConsumer = try int(v, "max-open-requests-per-consumer", 1...100_000_000)
        },
        option("token-lifetime", "SECONDS", "lifetime of a consent token (never beyond the consent's end; at most 3600)", { String($0.tokenLifetimeSeconds) }) { c, v throws(ConfigurationError) in
            c.tokenLifetimeSeconds = try int(v, "token-lifetime", 1...3600)
        },
        option("issued-token-table", "N", "tokens this process signed that VerifyToken and LogUse recognise without an ECDSA check (100-200 bytes each; at the bound the oldest are dropped first and then verified in full); 0 = off", { String($0.issuedTokenTableSize) }) { c, v throws(ConfigurationError) in
            c.issuedTokenTableSize = try int(v, "issued-token-table", 0...1 << 28)
        },
        option("issuer", "URL", "the iss claim of every consent token", { $0.issuer }) { c, v throws(ConfigurationError) in
            guard !v.isEmpty, !v.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\\" }) else {
                throw ConfigurationError("issuer must be a non-empty URL without spaces, quotes or backslashes, not '\(v)'")
            }
            c.issuer = v
        },
        option("signing-key", "FILE", "P-256 private key (PEM) that signs consent tokens; without one a temporary key is generated (development only)", { $0.signingKeyPath }) { c, v in c.signingKeyPath = v },
        option("publish-keys", "FILE[,FILE...]", "more token keys to publish for verification (PEM, public or private): a key being introduced or retired", { $0.publishKeyPaths.joined(separator: ",") }) { c, v in
            c.publishKeyPaths = v.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        },
        option("portal-url-template", "URL", "where a person answers a request, with {id} for the request id (e.g. https://portal.example/consent/{id}): each request's view_url; empty: none", { $0.portalURLTemplate?.description ?? "" }) { c, v throws(ConfigurationError) in
            c.portalURLTemplate = v.isEmpty ? nil : try ViewURLTemplate(validating: v)
        },
        switchOption("demo-registry", "load the demo registry (NAV, Skatteetaten, one demo consumer) at start", { $0.demoRegistry ? "true" : "false" }) { c, v throws(ConfigurationError) in
            c.demoRegistry = try bool(v, "demo-registry")
        },
    ]

    /// Parses `consentd`'s arguments (without the program name).
    /// - Throws: `ConfigurationError` saying which argument is wrong and why.
    public static func parse(_ arguments: [String]) throws(ConfigurationError) -> ServerCommand {
        if arguments.first == "migrate" { return try parseMigrate(Array(arguments.dropFirst())) }
        var configPath: String?
        var verify = false
        var pairs: [(ServerOption, String, origin: String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "-h", "--help": return .help
            case "--version": return .version
            case "--verify-data":
                verify = true
                continue
            default: break
            }
            guard argument.hasPrefix("--") else {
                throw ConfigurationError("unexpected argument \(Self.quoted(argument)) (see consentd --help)")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if name == "config" {
                guard let value = inlineValue ?? (index < arguments.count ? arguments[index] : nil) else {
                    throw ConfigurationError("--config needs a FILE")
                }
                if inlineValue == nil { index += 1 }
                configPath = value
                continue
            }
            guard let option = all.first(where: { $0.name == name }) else {
                throw ConfigurationError("unknown option --\(name) (see consentd --help)")
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if option.isSwitch {
                value = "true"
            } else {
                guard index < arguments.count else { throw ConfigurationError("--\(name) needs a \(option.valueName!)") }
                value = arguments[index]
                index += 1
            }
            pairs.append((option, value, "--\(name)"))
        }
        var configuration = ServerConfiguration()
        if let configPath {
            for (option, value, origin) in try readConfigFile(configPath) {
                try applyOption(option, value, origin, to: &configuration)
            }
        }
        for (option, value, origin) in pairs {
            try applyOption(option, value, origin, to: &configuration)
        }
        return verify ? .verifyData(configuration) : .serve(configuration)
    }

    /// `migrate --from-data-dir DIR --to-postgres CONNINFO`.
    static func parseMigrate(_ arguments: [String]) throws(ConfigurationError) -> ServerCommand {
        var from: String?
        var to: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-h" || argument == "--help" { return .help }
            var name = argument
            var value: String?
            if let eq = argument.firstIndex(of: "=") {
                name = String(argument[..<eq])
                value = String(argument[argument.index(after: eq)...])
            }
            guard name == "--from-data-dir" || name == "--to-postgres" else {
                throw ConfigurationError("migrate: unexpected argument \(Self.quoted(argument)) (usage: consentd migrate --from-data-dir DIR --to-postgres CONNINFO)")
            }
            if value == nil {
                guard index < arguments.count else { throw ConfigurationError("migrate: \(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            if name == "--from-data-dir" { from = value } else { to = value }
        }
        guard let from, !from.isEmpty, let to, !to.isEmpty else {
            throw ConfigurationError("migrate needs --from-data-dir DIR and --to-postgres CONNINFO (usage: consentd migrate --from-data-dir DIR --to-postgres CONNINFO)")
        }
        return .migrate(from: from, to: to)
    }

    /// Sets one option, naming `origin` (the flag or `path:line`) in the error.
    /// `package` for the fuzzing seam, as `parseConfigFile`.
    package static func applyOption(_ option: ServerOption, _ value: String, _ origin: String, to configuration: inout ServerConfiguration) throws(ConfigurationError) {
        do {
            try option.apply(&configuration, value)
        } catch {
            throw ConfigurationError("\(origin): \(error.message)")
        }
    }

    /// An argument as an error may quote it: not at all when it may be a
    /// piece of a connection string that the shell split at a space
    /// (`--postgres host=db1 password=…` unquoted), which could hold a password.
    static func quoted(_ argument: String) -> String {
        let lowered = argument.lowercased()
        if argument.contains("=") || argument.contains("@") || lowered.contains("password") || lowered.contains("://") {
            return "(not shown: it looks like a piece of a connection string; quote the whole CONNINFO as one argument, and keep a password in ~/.pgpass or PGPASSFILE)"
        }
        return "'\(argument)'"
    }

    /// Reads `key = value` lines; `#` starts a comment; keys are the option names.
    static func readConfigFile(_ path: String) throws(ConfigurationError) -> [(ServerOption, String, String)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("cannot read config file \(path)")
        }
        return try parseConfigFile(text, path: path)
    }

    /// The options of a config file's text, each with its value and origin
    /// (`path:line`). `package` for the fuzzing seam (ConsentFuzzing's config
    /// target parses text without a file).
    package static func parseConfigFile(_ text: String, path: String) throws(ConfigurationError) -> [(ServerOption, String, String)] {
        var result: [(ServerOption, String, String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let origin = "\(path):\(number + 1)"
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ConfigurationError("\(origin): expected 'key = value', found '\(trimmed)'")
            }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard let option = all.first(where: { $0.name == key }) else {
                throw ConfigurationError("\(origin): unknown key '\(key)'")
            }
            result.append((option, value, origin))
        }
        return result
    }

    /// The text of `consentd --help`, generated from the option table.
    public static func helpText() -> String {
        let defaults = ServerConfiguration()
        var lines = [
            "consentd — the ConsentHub server",
            "",
            "usage: consentd --cert FILE --key FILE --client-ca FILE --principals FILE [options]",
            "       consentd --verify-data --data-dir DIR | --postgres CONNINFO [--data-dir DIR]",
            "       consentd migrate --from-data-dir DIR --to-postgres CONNINFO",
            "",
            "options (each may also be set in a config file as 'name = value'):",
        ]
        var rows: [(String, String)] = all.map { option in
            let flag = "--\(option.name)" + (option.valueName.map { " \($0)" } ?? "")
            let def = option.current(defaults)
            let shown = def.isEmpty || option.isSwitch ? "" : " (default: \(def))"
            return (flag, option.help + shown)
        }
        rows.append(("--config FILE", "read options from FILE; flags given on the command line win"))
        rows.append(("--verify-data", "check the data directory (records, checksums, snapshots), or with --postgres the database's events and this node's snapshots, without starting; exit 0 healthy, 1 damaged, 2 unusable"))
        rows.append(("--version", "print the version and exit"))
        rows.append(("-h, --help", "print this text and exit"))
        let width = rows.map(\.0.count).max() ?? 0
        for (flag, help) in rows {
            lines.append("  " + flag.padding(toLength: width + 2, withPad: " ", startingAt: 0) + help)
        }
        lines.append("")
        lines.append("migrate --from-data-dir DIR --to-postgres CONNINFO: copy an embedded log into an empty PostgreSQL database and check that the")
        lines.append("  state rebuilt from both is identical; exit 0 migrated, 1 failed or different, 2 unusable (see docs/OPERATIONS.md)")
        lines.append("")
        lines.append("signals: SIGTERM/SIGINT drain (GoAway, in-flight calls finish) and exit 0; SIGHUP reloads the principals file and the token keys\n(re-reading --config for signing-key and publish-keys); SIGUSR1 prints the store's counters on stdout\n(`store: syncs N batches N records N bytes N delayed N`).")
        return lines.joined(separator: "\n")
    }

    // MARK: value parsing

    private static func option(
        _ name: String, _ valueName: String, _ help: String,
        _ current: @escaping @Sendable (ServerConfiguration) -> String,
        _ apply: @escaping @Sendable (inout ServerConfiguration, String) throws(ConfigurationError) -> Void
    ) -> ServerOption {
        ServerOption(name: name, valueName: valueName, help: help, apply: apply, current: current)
    }

    private static func switchOption(
        _ name: String, _ help: String,
        _ current: @escaping @Sendable (ServerConfiguration) -> String,
        _ apply: @escaping @Sendable (inout ServerConfiguration, String) throws(ConfigurationError) -> Void
    ) -> ServerOption {
        ServerOption(name: name, valueName: nil, help: help, apply: apply, current: current)
    }

    static func parseHostPort(_ value: String) throws(ConfigurationError) -> (String, UInt16) {
        guard let colon = value.lastIndex(of: ":") else {
            throw ConfigurationError("listen address must be HOST:PORT, not '\(value)'")
        }
        var host = String(value[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = UInt16(value[value.index(after: colon)...]) else {
            throw ConfigurationError("listen address must be HOST:PORT with a port from 0 to 65535, not '\(value)'")
        }
        return (host, port)
    }

    private static func int(_ value: String, _ name: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let n = Int(value), range.contains(n) else {
            throw ConfigurationError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(value)'")
        }
        return n
    }

    /// The longest time any seconds option takes: 30 days. The transport turns
    /// these into whole milliseconds (`Int64(seconds * 1000)`), which traps
    /// far above this (`--idle-timeout 1e20`).
    static let maximumSeconds = 30.0 * 86_400

    /// A byte count, optionally with a binary suffix: `4096`, `64K`, `64M`, `1G` (also `KiB`, `MiB`, `GiB`).
    static func bytes(_ value: String, _ name: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let text = value.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)]
        var digits = Substring(text)
        var multiplier = 1
        for (suffix, factor) in units where text.uppercased().hasSuffix(suffix.uppercased()) {
            digits = text.dropLast(suffix.count)
            multiplier = factor
            break
        }
        guard let n = Int(digits), n >= 0, n <= range.upperBound / multiplier, range.contains(n * multiplier) else {
            throw ConfigurationError("\(name) must be a number of bytes from \(formatBytes(range.lowerBound)) to \(formatBytes(range.upperBound)) (suffix K, M or G allowed), not '\(value)'")
        }
        return n * multiplier
    }

    /// `67108864` → `64M`; sizes that are not whole K, M or G stay as bytes.
    static func formatBytes(_ value: Int) -> String {
        for (suffix, shift) in [("G", 30), ("M", 20), ("K", 10)] where value > 0 && value % (1 << shift) == 0 {
            return "\(value >> shift)\(suffix)"
        }
        return String(value)
    }

    private static func seconds(_ value: String, _ name: String) throws(ConfigurationError) -> Double {
        guard let n = Double(value), n > 0, n.isFinite else {
            throw ConfigurationError("\(name) must be a positive number of seconds, not '\(value)'")
        }
        guard n <= maximumSeconds else {
            throw ConfigurationError("\(name) must be at most \(Int(maximumSeconds)) seconds (30 days), not '\(value)'")
        }
        return n
    }

    private static func bool(_ value: String, _ name: String) throws(ConfigurationError) -> Bool {
        switch value.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, not '\(value)'")
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
