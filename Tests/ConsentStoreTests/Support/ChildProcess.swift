#if canImport(Glibc)
import Glibc
#endif

/// Starts and kills the benchmark binary for the crash test.
enum ChildProcess {
    /// `consent-storebench`, built beside the test bundle by `swift test`.
    static var benchmarkBinary: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let me = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = me.lastIndex(of: "/") else { return nil }
        var directory = String(me[..<slash])
        // The bundle may sit in ….xctest/ or in the bin directory itself.
        if directory.hasSuffix(".xctest") { directory = String(directory[..<directory.lastIndex(of: "/")!]) }
        let candidate = directory + "/consent-storebench"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    /// Spawns `binary` with `arguments`, standard output to `stdoutPath`.
    static func spawn(_ binary: String, _ arguments: [String], stdoutPath: String) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        precondition(rc == 0, "posix_spawn failed: \(rc)")
        return pid
    }

    /// SIGKILL, then reap.
    static func kill9(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}
