#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import Foundation

/// `consentd` as a child process, for tests that need a real process: signals,
/// `kill -9`, restarts on the same data directory.
public final class ConsentdProcess: @unchecked Sendable {  // used from one test at a time
    public let pid: pid_t
    public let port: Int
    /// Where the child's standard error (its log) goes.
    public let logPath: String
    private var exitStatus: Int32?

    public enum LaunchError: Error, CustomStringConvertible {
        case binaryNotFound(String)
        case spawnFailed(Int32)
        case noListeningLine(log: String)

        public var description: String {
            switch self {
            case .binaryNotFound(let path): "consentd not found at \(path); build it first (swift build)"
            case .spawnFailed(let rc): "posix_spawn failed: \(rc)"
            case .noListeningLine(let log): "consentd did not print 'listening on': \(log)"
            }
        }
    }

    /// `consentd` built beside the running test bundle.
    public static var binary: String { sibling("consentd") }

    /// An executable of this package built beside the running test bundle.
    public static func sibling(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let me = n > 0 ? String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        var directory = String(me[..<(me.lastIndex(of: "/") ?? me.startIndex)])
        if directory.hasSuffix(".xctest") { directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)]) }
        return directory + "/" + name
    }

    /// Starts consentd on 127.0.0.1 port 0 with `certificates` and `dataDirectory`,
    /// and waits (up to `timeout`) for its `listening on` line.
    /// - Parameter binary: the executable (default: `consentd` beside the
    ///   tests); any helper that takes consentd's options and prints the same
    ///   line works too.
    /// - Throws: `LaunchError` when it cannot be started or does not come up.
    public init(
        certificates: DevCertificateSet, dataDirectory: String, extraArguments: [String] = [], timeout: Duration = .seconds(30),
        binary: String = ConsentdProcess.binary
    ) throws {
        guard access(binary, X_OK) == 0 else { throw LaunchError.binaryNotFound(binary) }
        logPath = dataDirectory + ".consentd-\(UInt32.random(in: 0...UInt32.max)).log"
        let arguments = [
            "--listen", "127.0.0.1:0", "--data-dir", dataDirectory,
            "--cert", certificates.path("server.pem"), "--key", certificates.path("server.key"),
            "--client-ca", certificates.path("ca.pem"), "--principals", certificates.path("principals.json"),
            "--threads", "2",
        ] + extraArguments
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw LaunchError.spawnFailed(errno) }
        // Close-on-exec (Glibc's module has no pipe2): a child another test
        // spawns later must not inherit the write end and hold it open. The
        // dup2 below clears the flag on our child's fd 1.
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        // The child starts with no signal blocked and default handlers: the
        // spawning thread (a Swift concurrency worker) may block signals, and
        // a child inheriting that mask would ignore SIGTERM unless, like
        // consentd, it takes signals with sigwait.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let rc = posix_spawn(&pid, binary, &actions, &attributes, argv, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw LaunchError.spawnFailed(rc)
        }
        self.pid = pid
        // Read until the announcement (or EOF when the child dies, or the timeout).
        let deadline = ContinuousClock.now + timeout
        var output = ""
        var port: Int?
        while port == nil, ContinuousClock.now < deadline {
            var pfd = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 200) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 256)
            let got = read(pipeFDs[0], &chunk, chunk.count)
            if got <= 0 { break }
            output += String(decoding: chunk[..<got], as: UTF8.self)
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
               let colon = line.lastIndex(of: ":") {
                port = Int(line[line.index(after: colon)...])
            }
        }
        close(pipeFDs[0])
        guard let port else {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw LaunchError.noListeningLine(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? output)
        }
        self.port = port
    }

    /// Waits (up to `seconds`) until the child answers `Health.Check` with
    /// SERVING: a node of a shared store serves only once it is the active
    /// one, which can take a moment after `listening on`.
    public func waitUntilServing(seconds: Int = 60) throws {
        let certificates = TestHub.certificates
        for _ in 0..<(seconds * 10) {
            if let client = try? ConsentClient(configuration: .init(
                host: "127.0.0.1", port: port, caFile: certificates.path("ca.pem"),
                certificateFile: certificates.path("admin.pem"), keyFile: certificates.path("admin.key"))) {
                let status = try? client.unaryBlocking(Consent_V1_Health.check, .init(), options: CallOptions(timeout: .seconds(5))).status
                client.close()
                if status == .serving { return }
            }
            usleep(100_000)
        }
        throw LaunchError.noListeningLine(log: "did not become SERVING within \(seconds) s: \(log)")
    }

    /// Waits (up to `seconds`) until the child's log contains `text`.
    public func waitForLog(_ text: String, seconds: Int = 60) throws {
        for _ in 0..<(seconds * 20) {
            if log.contains(text) { return }
            usleep(50_000)
        }
        throw LaunchError.noListeningLine(log: "no '\(text)' within \(seconds) s: \(log)")
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the child to exit and returns its exit code (128 + n when killed by signal n).
    @discardableResult
    public func waitForExit() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        exitStatus = code
        return code
    }

    /// `kill -9` and reap.
    public func kill9() {
        signal(SIGKILL)
        waitForExit()
    }

    /// The child's log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if exitStatus == nil { kill9() }
    }
}

extension TestHub {
    /// The certificates every test hub uses, for tests that start their own `consentd`.
    public static var certificates: DevCertificateSet { sharedCertificates }

    /// A fresh temporary directory (for a child consentd's data).
    public static func makeTemporaryDirectory(_ prefix: String) -> String { temporaryDirectory(prefix) }
}
