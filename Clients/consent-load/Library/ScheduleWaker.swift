#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// The open loop's alarm clock: a thread that sleeps until the next call of
/// the timetable is due and then wakes the event loop of its connection.
///
/// Why a thread of its own: event-loop timers have millisecond resolution
/// (epoll_wait), which would send calls up to 1 ms late and add that to every
/// latency. `clock_nanosleep` to an absolute time is accurate to tens of
/// microseconds, and whatever lateness remains is measured (`sendLag`) and
/// judged in the report. When calls are due faster than every
/// `minimumSleep`, one wake sends all that are due: the drivers compute what
/// is due from the clock, not from the wakes.
final class ScheduleWaker: Sendable {
    /// Below this, waking per call costs more than it gains in precision.
    static let minimumSleepNanos: UInt64 = 50_000

    private let schedule: OpenLoopSchedule
    /// The loop of each connection, by connection number.
    private let loopOfConnection: [Int]
    private let loopCount: Int
    /// Wakes loop `i` (the caller coalesces repeated wakes).
    private let wake: @Sendable (Int) -> Void
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(schedule: OpenLoopSchedule, loopOfConnection: [Int], loopCount: Int, wake: @escaping @Sendable (Int) -> Void) {
        self.schedule = schedule
        self.loopOfConnection = loopOfConnection
        self.loopCount = loopCount
        self.wake = wake
    }

    func start() {
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "consent-load-waker"
        thread.start()
    }

    /// Stops the thread early (the run was abandoned) and waits for it.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func run() {
        let connections = loopOfConnection.count
        var marked = [Bool](repeating: false, count: loopCount)
        var k = 0
        while k < schedule.end && !stopped.load(ordering: .relaxed) {
            let now = MonotonicClock.now()
            let last = min(schedule.end - 1, schedule.lastDue(at: now))
            if last >= k {
                if last - k + 1 >= connections {
                    for i in 0..<loopCount { marked[i] = true }
                } else {
                    for j in k...last { marked[loopOfConnection[j % connections]] = true }
                }
                for i in 0..<loopCount where marked[i] {
                    marked[i] = false
                    wake(i)
                }
                k = last + 1
                continue
            }
            MonotonicClock.sleep(until: max(schedule.due(k), now + Self.minimumSleepNanos))
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds, the clock `MonotonicInstant` reads.
enum MonotonicClock {
    @inline(__always)
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Sleeps until an absolute time on CLOCK_MONOTONIC (no drift from
    /// computing relative sleeps), resuming after signals.
    static func sleep(until nanos: UInt64) {
        var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}
