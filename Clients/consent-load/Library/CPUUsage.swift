#if canImport(Glibc)
import Glibc
#endif

/// CPU time, for telling whose CPU a result was limited by.
public enum CPUUsage {
    /// User and system CPU seconds this process has used (getrusage).
    public static func ownProcess() -> (user: Double, system: Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    /// User + system CPU seconds of another process, from `/proc/PID/stat`;
    /// nil when it cannot be read (no such process, not Linux).
    public static func process(_ pid: Int32) -> Double? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return parseProcStat(String(decoding: buffer[0..<n], as: UTF8.self), ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// utime + stime of a `/proc/PID/stat` line, in seconds. The command name
    /// (field 2) may hold spaces and parentheses, so fields are counted after
    /// its last ")": state is field 3, utime 14 and stime 15.
    static func parseProcStat(_ text: String, ticksPerSecond: Double) -> Double? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// The CPU clock of the calling thread, readable from any thread later.
    public static func currentThreadClock() -> clockid_t {
        var id = clockid_t()
        pthread_getcpuclockid(pthread_self(), &id)
        return id
    }

    /// Seconds of CPU a thread clock (from `currentThreadClock`) has counted.
    public static func seconds(of clock: clockid_t) -> Double {
        var ts = timespec()
        guard clock_gettime(clock, &ts) == 0 else { return 0 }
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Jiffies of one core from `/proc/stat`: busy (everything but idle,
    /// iowait and steal), idle (idle + iowait: nobody wanted the core) and
    /// steal (the hypervisor gave it to another machine).
    public struct CoreTicks: Sendable, Equatable {
        public var busy: UInt64 = 0
        public var idle: UInt64 = 0
        public var steal: UInt64 = 0

        public var total: UInt64 { busy + idle + steal }
    }

    /// The ticks of each of `cores` since boot; nil when `/proc/stat` cannot
    /// be read or lacks one of them.
    public static func cores(_ cores: [Int]) -> [CoreTicks]? {
        let fd = open("/proc/stat", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            text.append(contentsOf: buffer[0..<n])
        }
        return parseCoreTicks(String(decoding: text, as: UTF8.self), cores: cores)
    }

    /// The `cpuN` lines of a `/proc/stat` text: user nice system idle iowait
    /// irq softirq steal [guest guest_nice] (guest time is already in user).
    static func parseCoreTicks(_ text: String, cores: [Int]) -> [CoreTicks]? {
        var byCore: [Int: CoreTicks] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("cpu") {
            let fields = line.split(separator: " ")
            guard let core = Int(fields[0].dropFirst(3)), fields.count >= 9 else { continue }
            let values = fields[1...].prefix(8).compactMap { UInt64($0) }
            guard values.count == 8 else { continue }
            byCore[core] = CoreTicks(
                busy: values[0] + values[1] + values[2] + values[5] + values[6], idle: values[3] + values[4], steal: values[7])
        }
        let ticks = cores.compactMap { byCore[$0] }
        return ticks.count == cores.count ? ticks : nil
    }

    /// Cores this process may run on now.
    public static var onlineCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    private static func seconds(_ t: timeval) -> Double {
        Double(t.tv_sec) + Double(t.tv_usec) / 1e6
    }
}
