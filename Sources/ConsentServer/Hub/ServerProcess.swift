#if canImport(Glibc)
import Glibc
#endif
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
        ServerLog.configure(minimum: configuration.logLevel)
        // Block the signals in every thread (the loops inherit the mask) and
        // take them synchronously on this one, so no handler runs at an
        // arbitrary point of an event loop.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
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

/// `consentd --verify-data`: checks a data directory without starting.
public enum DataVerification {
    /// Prints what was found; returns 0 when healthy, 1 when damaged.
    public static func run(directory: String) -> Int32 {
        let report = LogVerifier.verify(directory: directory)
        print(report)
        return report.isHealthy ? 0 : 1
    }
}
