#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A throwaway PostgreSQL server for tests: `initdb` into a temporary
/// directory, run as an unprivileged user, listening on a free port on
/// 127.0.0.1 only, stopped (and its directory removed) when the test
/// process exits, even if it crashes.
///
/// - Runs as the invoking user, or, when that is root (CI), as the
///   `postgres` system user that Debian's `postgresql` package creates
///   (`runuser`): PostgreSQL refuses to run as root.
/// - The binaries come from `CONSENTHUB_PG_BIN`, else `pg_config --bindir`,
///   else the newest `/usr/lib/postgresql/*/bin` (`make test` installs
///   Debian's `postgresql`).
/// - Each test takes a database of its own (``createDatabase()``), owned by
///   the unprivileged role `consentd` that the nodes connect as; the tests'
///   own statements (`pg_terminate_backend`, counting rows) run as the
///   superuser through `psql`.
///
/// ``shared`` serves every test that only needs a database; a test that
/// stops or restarts the server starts one of its own (``start()``).
public final class TestPostgres: Sendable {
    public let port: Int
    /// The data directory (also the socket directory).
    public let directory: String
    private let binaries: String
    private let runAs: String?
    private let stopped = Atomic<Bool>(false)

    /// The role the nodes connect as: it owns the test databases, nothing more.
    public static let nodeRole = "consentd"
    static let superuser = "consenthub_admin"

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// One server for the whole test process, started on first use.
    public static var shared: TestPostgres {
        get throws {
            try sharedServer.withLock { server in
                if let server { return server }
                let fresh = try TestPostgres.start()
                server = fresh
                return fresh
            }
        }
    }

    private static let sharedServer = Mutex<TestPostgres?>(nil)

    /// Starts a server of its own (for tests that stop or restart it).
    /// - Important: call ``stop()`` when done (it is also stopped when the process exits).
    public static func start() throws -> TestPostgres {
        let binaries = try findBinaries()
        let runAs = getuid() == 0 ? "postgres" : nil
        let directory = NSTemporaryDirectory() + "consenthub-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let runAs {
            guard let user = getpwnam(runAs) else {
                throw SetupError(description: "the tests run as root and need the '\(runAs)' system user to run PostgreSQL as; install Debian's postgresql package (make test does)")
            }
            chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        chmod(directory, 0o700)
        let server = TestPostgres(port: 0, directory: directory, binaries: binaries, runAs: runAs)
        try server.command("initdb", ["-D", directory + "/data", "-U", superuser, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        // Probe for a free port, then start; another process may take the
        // port in between, so try a few.
        var lastError: Error?
        for _ in 0..<5 {
            let port = try freePort()
            let candidate = TestPostgres(port: port, directory: directory, binaries: binaries, runAs: runAs)
            do {
                try candidate.startServer()
                candidate.startWatchdog()
                try candidate.psql("CREATE ROLE \(nodeRole) LOGIN")
                return candidate
            } catch {
                lastError = error
            }
        }
        throw lastError ?? SetupError(description: "PostgreSQL did not start")
    }

    private init(port: Int, directory: String, binaries: String, runAs: String?) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.runAs = runAs
    }

    /// A connection string for `database` as the node role.
    public func conninfo(database: String, user: String = TestPostgres.nodeRole) -> String {
        "host=127.0.0.1 port=\(port) dbname=\(database) user=\(user)"
    }

    /// Creates an empty database owned by the node role; returns its connection string.
    public func createDatabase() throws -> String {
        let name = "consent_\(UInt64.random(in: 0...UInt64.max))"
        try psql("CREATE DATABASE \(name) OWNER \(Self.nodeRole)")
        return conninfo(database: name)
    }

    /// Runs SQL as the superuser in `database`; returns the rows, one per
    /// line, columns separated by `|`.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let output = try ChildProcess.run(
            [binaries + "/psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port),
             "-U", Self.superuser, "-d", database],
            input: sql)
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The database name in a connection string made by ``conninfo(database:user:)``.
    public static func databaseName(of conninfo: String) -> String {
        conninfo.split(separator: " ").first { $0.hasPrefix("dbname=") }.map { String($0.dropFirst("dbname=".count)) } ?? ""
    }

    /// Ends every session of `database` whose application name contains
    /// `applicationName` (`pg_terminate_backend`); returns how many.
    @discardableResult
    public func terminateSessions(database: String, applicationName: String) throws -> Int {
        let ended = try psql("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = '\(database)' AND application_name LIKE '%\(applicationName)%'
            """)
        return Int(ended) ?? 0
    }

    /// Stops the server (`pg_ctl stop -m fast`: sessions are ended, the
    /// data stays); ``restart()`` brings it back on the same port.
    public func stopServer() throws {
        try command("pg_ctl", ["-D", directory + "/data", "stop", "-m", "fast", "-w", "-t", "60"])
    }

    /// Starts the server again after ``stopServer()``.
    public func restart() throws {
        try startServer()
    }

    /// Stops the server for good and removes its directory.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = try? command("pg_ctl", ["-D", directory + "/data", "stop", "-m", "immediate", "-w", "-t", "30"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Internals

    private func startServer() throws {
        let settings = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=32MB"
        try command("pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60", "-o", settings, "start"])
    }

    /// Runs one of PostgreSQL's programs as the unprivileged user.
    @discardableResult
    private func command(_ program: String, _ arguments: [String]) throws -> String {
        let path = binaries + "/" + program
        if let runAs {
            return try ChildProcess.run(["/usr/sbin/runuser", "-u", runAs, "--", path] + arguments)
        }
        return try ChildProcess.run([path] + arguments)
    }

    /// A process of its own that stops the server once this test process is
    /// gone, however it ended (a crash skips every cleanup in the process).
    private func startWatchdog() {
        let stop = (runAs.map { "/usr/sbin/runuser -u \($0) -- " } ?? "") + "\(binaries)/pg_ctl -D \(directory)/data stop -m immediate -w -t 30"
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stop) >/dev/null 2>&1; rm -rf \(directory)"
        _ = try? ChildProcess.run(["/bin/sh", "-c", script], detached: true)
    }

    private static func findBinaries() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["CONSENTHUB_PG_BIN"], !explicit.isEmpty { return explicit }
        if let bindir = try? ChildProcess.run(["/usr/bin/pg_config", "--bindir"]).trimmingCharacters(in: .whitespacesAndNewlines),
           FileManager.default.isExecutableFile(atPath: bindir + "/initdb") {
            return bindir
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.compactMap(Int.init).sorted(by: >) {
            let bindir = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bindir + "/initdb") { return bindir }
        }
        throw SetupError(description: "PostgreSQL's server programs (initdb, pg_ctl) are not installed; `make test` installs Debian's postgresql package, or set CONSENTHUB_PG_BIN")
    }

    /// A port nothing listens on now (bind to port 0 and read what the kernel gave).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SetupError(description: "bind failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
