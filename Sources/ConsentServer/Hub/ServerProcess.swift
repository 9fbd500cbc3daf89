#if canImport(Glibc)
import Glibc
#endif
import ConsentPostgres
import ConsentStore
import Foundation

/// The version `consentd --version` prints.
public enum ConsentHubVersion {
    public static let current = "0.1.0"
}

/// The life of a `consentd` process: start, announce, wait for signals, drain.
public enum ServerProcess {
    /// How long past `shutdown-timeout` the drain may take before the process
    /// gives up on it. The transport bounds every connection by the shutdown
    /// timeout plus twice its 2 s linger timeout (the last output, then the
    /// linger), so this is only reached through a bug.
    public static let hardExitMarginSeconds = 10.0

    /// The exit code when the drain did not finish by the hard deadline.
    public static let drainTimedOutExitCode: Int32 = 3

    /// Runs the server until SIGTERM or SIGINT and returns the exit code:
    /// 0 after a graceful drain, 1 when it could not start, 3
    /// (`drainTimedOutExitCode`) when the drain had not finished
    /// `hardExitMarginSeconds` after `shutdown-timeout`: the process then
    /// exits without closing the ledger, which loses nothing acknowledged
    /// (answers wait for durability) and whose torn tail, if any, is
    /// truncated at the next start.
    /// - Parameters:
    ///   - reread: reads the configuration again (the command line and its
    ///     `--config` file) on SIGHUP, so that changed token key options take
    ///     effect; nil reloads the key files named at start.
    public static func run(
        _ configuration: ServerConfiguration,
        reread: (() throws(ConfigurationError) -> ServerConfiguration)? = nil
    ) -> Int32 {
        ServerLog.configure(minimum: configuration.logLevel, format: configuration.logFormat)
        MemoryTrimmer.configureAllocator()
        // Block the signals in every thread (the loops inherit the mask) and
        // take them synchronously on this one, so no handler runs at an
        // arbitrary point of an event loop.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let server: ConsentHubServer
        let address: String
        do {
            server = try ConsentHubServer(configuration: configuration)
            address = "\(try server.start())"
        } catch {
            ServerLog.error("consentd cannot start: \(error.message)")
            return 1
        }
        ServerLog.info("consentd \(ConsentHubVersion.current) serving on \(address) with \(server.eventLoopCount) event loops; storage: \(server.ledger.storageDescription)")
        // The line scripts and tests wait for, on stdout, flushed at once.
        let line = "listening on \(address)\n"
        _ = line.withCString { write(1, $0, strlen($0)) }

        while true {
            var received: Int32 = 0
            guard sigwait(&signals, &received) == 0 else { continue }
            if received == SIGUSR1 {
                // The store's counters on stdout, for benchmarks (records per
                // sync without the per-call cost of --metrics-listen).
                let line = server.ledger.storeCountersLine() + "\n"
                _ = line.withCString { write(1, $0, strlen($0)) }
                continue
            }
            if received == SIGHUP {
                do {
                    try server.reloadPrincipals()
                    ServerLog.info("SIGHUP: principals reloaded from \(configuration.principalsPath)")
                } catch {
                    ServerLog.error("SIGHUP: principals not reloaded, keeping the old ones: \(error.message)")
                }
                do {
                    let fresh = try reread?() ?? configuration
                    let done = try server.reloadTokenKeys(from: fresh)
                    ServerLog.info("SIGHUP: \(done)")
                } catch {
                    ServerLog.error("SIGHUP: token keys not reloaded, keeping the old ones: \(error.message)")
                }
                continue
            }
            ServerLog.info("signal \(received == SIGTERM ? "SIGTERM" : "SIGINT"): draining (GoAway to every connection, in-flight calls finish)")
            let done = DispatchSemaphore(value: 0)
            server.shutdownGracefully { done.signal() }
            let limit = configuration.shutdownTimeoutSeconds + hardExitMarginSeconds
            if done.wait(timeout: .now() + limit) == .timedOut {
                ServerLog.error("the drain did not finish within \(Int(limit)) s (shutdown-timeout + \(Int(hardExitMarginSeconds)) s); exiting with status \(drainTimedOutExitCode) without closing the ledger")
                return drainTimedOutExitCode
            }
            ServerLog.info("consentd stopped")
            return 0
        }
    }
}

/// `consentd --verify-data`: checks a data directory without starting, with
/// the rules the start-up recovery applies (docs/STORAGE.md), read-only and
/// without the directory's lock.
///
/// Exit codes: 0 healthy (a torn tail is not damage: it is a write that was
/// never acknowledged, and the next start cuts it); 1 damaged (anything that
/// stops the start, or a snapshot that the start would skip); 2 unusable (no
/// such directory, not a directory, cannot be listed).
public enum DataVerification {
    public enum Verdict: Int32, Sendable {
        case healthy = 0
        case damaged = 1
        case unusable = 2
    }

    /// Checks `configuration.dataDirectory`; `--cut-torn-final-batch` is honoured
    /// as at start-up.
    /// - Returns: the verdict (its raw value is the exit code) and the report to print.
    public static func check(_ configuration: ServerConfiguration) -> (verdict: Verdict, text: String) {
        if configuration.usesPostgres { return checkPostgres(configuration) }
        let directory = configuration.dataDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            return (.unusable, "data directory \(directory): no such directory\nresult: UNUSABLE (exit 2)")
        }
        guard isDirectory.boolValue else {
            return (.unusable, "data directory \(directory): not a directory\nresult: UNUSABLE (exit 2)")
        }
        do {
            _ = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return (.unusable, "data directory \(directory): cannot be listed (\(error.localizedDescription))\nresult: UNUSABLE (exit 2)")
        }
        let report = LogVerifier.verify(directory: directory, options: configuration.logOptions { _ in })
        return describe(report, directory: directory)
    }

    /// `--verify-data --postgres CONNINFO`: the events in the database (no
    /// gap, each one replayed into a fresh state), the lease, and the
    /// snapshots in `--data-dir` a start of this node would consider.
    static func checkPostgres(_ configuration: ServerConfiguration) -> (verdict: Verdict, text: String) {
        let report = PostgresVerifier.verify(LoggedConsentState.self, options: configuration.postgresOptions { _ in })
        var lines = ["database: PostgreSQL \(report.database)"]
        if let unusable = report.unusable {
            lines.append("result: UNUSABLE: \(unusable) (exit 2)")
            return (.unusable, lines.joined(separator: "\n"))
        }
        lines.append("identity: \(report.databaseID), format \(report.format)")
        lines.append(report.records == 0 ? "events: 0" : "events: \(report.records), sequence \(report.firstSequence)...\(report.lastSequence), \(report.bytes) payload bytes, each replayed")
        if let lease = report.lease {
            lines.append("lease: epoch \(lease.epoch)" + (lease.held ? ", held by \(lease.node) serving at \(lease.leader)" : ", free (no node is active)"))
        }
        lines.append("snapshots in \(configuration.dataDirectory): \(report.snapshots.count)")
        for snapshot in report.snapshots {
            lines.append("  \(snapshot.file): covers sequence \(snapshot.sequence), "
                + (snapshot.problem.map { (snapshot.damaged ? "DAMAGED: " : "not used: ") + $0 } ?? "ok"))
        }
        if report.problems.isEmpty {
            lines.append("problems: none")
        } else {
            lines.append("problems: \(report.problems.count)")
            lines.append(contentsOf: report.problems.map { "  \($0)" })
        }
        let skipped = report.snapshots.filter(\.damaged).count
        if !report.problems.isEmpty {
            lines.append("result: DAMAGED: a node would not start on this database (exit 1)")
            return (.damaged, lines.joined(separator: "\n"))
        }
        if skipped > 0 {
            lines.append("result: DAMAGED: \(skipped) damaged snapshot(s), which a start skips; the events are healthy (exit 1)")
            return (.damaged, lines.joined(separator: "\n"))
        }
        lines.append("result: healthy (exit 0)")
        return (.healthy, lines.joined(separator: "\n"))
    }

    /// Prints the report of `check` and returns the exit code.
    public static func run(_ configuration: ServerConfiguration) -> Int32 {
        let (verdict, text) = check(configuration)
        print(text)
        return verdict.rawValue
    }

    /// `run` for a directory with the default options.
    public static func run(directory: String) -> Int32 {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory
        return run(configuration)
    }

    static func describe(_ report: LogVerifier.Report, directory: String) -> (verdict: Verdict, text: String) {
        var lines = ["data directory: \(directory)", "segments: \(report.segments)"]
        for segment in report.segmentFiles {
            var line = "  \(segment.file): "
            if let problem = segment.problem {
                line += "DAMAGED: \(problem)"
            } else {
                line += segment.records == 0
                    ? "no records"
                    : "sequence \(segment.firstSequence)...\(segment.firstSequence + segment.records - 1) (\(segment.records) records)"
                line += ", \(segment.bytes) bytes"
                if let torn = segment.tornTail {
                    line += "; torn tail: \(torn.bytes) bytes at offset \(torn.offset)"
                }
                if segment.preZeroedBytes > 0 {
                    line += "; pre-zeroed space: \(segment.preZeroedBytes) bytes"
                }
            }
            lines.append(line)
        }
        lines.append(report.records == 0
            ? "records: 0"
            : "records: \(report.records), sequence \(report.firstSequence)...\(report.lastSequence), \(report.bytes) bytes")
        lines.append("snapshots: \(report.snapshots.count)")
        var damagedSnapshots = 0
        for snapshot in report.snapshots {
            if let problem = snapshot.problem {
                damagedSnapshots += 1
                lines.append("  \(snapshot.file): covers sequence \(snapshot.sequence), DAMAGED (start-up skips it and falls back to an older snapshot or a full replay): \(problem)")
            } else {
                lines.append("  \(snapshot.file): covers sequence \(snapshot.sequence), ok")
            }
        }
        if report.tornBytes > 0 {
            lines.append("torn bytes: \(report.tornBytes) (the end of a write that was never acknowledged; the next start cuts them; a consentd running on this directory shows its unsynced last write this way)")
        } else {
            lines.append("torn bytes: 0")
        }
        if report.problems.isEmpty {
            lines.append("problems: none")
        } else {
            lines.append("problems: \(report.problems.count)")
            lines.append(contentsOf: report.problems.map { "  \($0)" })
        }
        let verdict: Verdict
        if !report.problems.isEmpty {
            verdict = .damaged
            lines.append("result: DAMAGED: consentd would refuse to start on this directory (exit 1)")
        } else if damagedSnapshots > 0 {
            verdict = .damaged
            lines.append("result: DAMAGED: \(damagedSnapshots) damaged snapshot(s); consentd would start without them (exit 1)")
        } else {
            verdict = .healthy
            lines.append("result: healthy (exit 0)")
        }
        return (verdict, lines.joined(separator: "\n"))
    }
}
