#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs a command to completion and collects its output: the helper behind
/// `TestPostgres` (initdb, pg_ctl, psql) and every test that runs `openssl`,
/// `python3` or `consentd` to its end.
///
/// Not Foundation's `Process`: its `waitUntilExit` spins a run loop that on
/// this toolchain sometimes never wakes although the child has exited (5 of
/// 43 runs of two transport suites hung under load, the stack in
/// `Process.waitUntilExit` → `CFRunLoopRun` → `ppoll`); `waitpid` cannot.
///
/// posix_spawn with an empty signal mask and default handlers, as
/// `ConsentdProcess` does: the spawning thread (a Swift concurrency worker)
/// may block signals, and a server started through `pg_ctl` must answer
/// `pg_ctl stop`.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var command: [String]
        public var status: Int32
        public var output: String
        public var description: String {
            "\(command.joined(separator: " ")) exited with \(status): \(output)"
        }
    }

    /// How a command ended: its exit status (128 + the signal when a signal
    /// ended it) and its standard output and standard error, interleaved.
    public struct Outcome: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs `arguments` (the first is the executable's path) and waits.
    /// - Parameters:
    ///   - input: written to its standard input, which is then closed.
    ///   - detached: start it in a session of its own and do not wait (a watchdog).
    /// - Returns: its standard output and standard error, interleaved.
    /// - Throws: `Failure` when it exits with a status other than 0.
    @discardableResult
    public static func run(_ arguments: [String], input: String? = nil, detached: Bool = false) throws -> String {
        let outcome = try spawn(arguments, input: input, detached: detached)
        guard outcome.status == 0 else { throw Failure(command: arguments, status: outcome.status, output: outcome.output) }
        return outcome.output
    }

    /// Runs `arguments` (the first is the executable's path) to its end,
    /// whatever its status: for a test that expects a command to fail.
    /// - Throws: `Failure` only when it could not be started.
    public static func outcome(_ arguments: [String], input: String? = nil) throws -> Outcome {
        try spawn(arguments, input: input, detached: false)
    }

    private static func spawn(_ arguments: [String], input: String?, detached: Bool) throws -> Outcome {
        let outputPath = NSTemporaryDirectory() + "consenthub-child-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        defer { unlink(outputPath) }
        var inputPipe: [Int32] = [-1, -1]
        if input != nil {
            guard pipe(&inputPipe) == 0 else { throw Failure(command: arguments, status: -1, output: "pipe failed: errno \(errno)") }
            _ = fcntl(inputPipe[1], F_SETFD, FD_CLOEXEC)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input != nil {
            posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
            posix_spawn_file_actions_addclose(&actions, inputPipe[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        let target = detached ? "/dev/null" : outputPath
        posix_spawn_file_actions_addopen(&actions, 1, target, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        // POSIX_SPAWN_SETSID (glibc 2.26; Swift's Glibc module does not export it): a
        // watchdog in a session of its own outlives a Ctrl-C of the test run.
        if detached { flags |= 0x80 }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        if input != nil { close(inputPipe[0]) }
        guard rc == 0 else {
            if input != nil { close(inputPipe[1]) }
            throw Failure(command: arguments, status: -1, output: "posix_spawn failed: \(rc)")
        }
        if let input {
            var bytes = Array(input.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { write(inputPipe[1], $0.baseAddress, $0.count) }
                if written < 0 { if errno == EINTR { continue } else { break } }
                bytes = bytes.dropFirst(written)
            }
            close(inputPipe[1])
        }
        if detached { return Outcome(status: 0, output: "") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Decoded leniently: a child's output need not be UTF-8 (openssl s_client).
        let output = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(status: code, output: output)
    }
}
