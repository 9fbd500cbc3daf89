import Synchronization
import ConsentRPC

/// The transport's log lines (handshake failures, protocol errors, refusals),
/// at most `linesPerWindow` of each kind per window; the rest are counted and
/// summarised in one line when the window ends. A client that never gets
/// through the handshake, or breaks the protocol on purpose, can cost the
/// server a few lines per window, not one per attempt (review: 17,562 lines
/// in one fuzz run, and a line every 100 ms while descriptors ran out). The
/// counters in `TransportServer.Stats` keep the full numbers.
final class ConnectionEventLog: Sendable {
    enum Kind: Int, CaseIterable, Sendable {
        case handshake, protocolError, refused, io, listener

        var label: String {
            switch self {
            case .handshake: "TLS handshake failure"
            case .protocolError: "protocol error"
            case .refused: "connection over a limit"
            case .io: "connection I/O failure"
            case .listener: "listener pause or error"
            }
        }
    }

    private struct State {
        var windowStart: UInt64 = 0
        var written = [Int](repeating: 0, count: Kind.allCases.count)
        var leftOut = [Int](repeating: 0, count: Kind.allCases.count)
        var summaryScheduled = false

        /// The summary of the window just ended (nil if nothing was left
        /// out), and a fresh window from `now`.
        mutating func endWindow(at now: UInt64, length: UInt64) -> String? {
            defer {
                windowStart = now
                written = written.map { _ in 0 }
                leftOut = leftOut.map { _ in 0 }
                summaryScheduled = false
            }
            let parts = Kind.allCases.filter { leftOut[$0.rawValue] > 0 }.map { "\(leftOut[$0.rawValue]) × \($0.label)" }
            guard !parts.isEmpty else { return nil }
            let seconds = Double(length) / 1e9
            let window = seconds >= 1 ? "\(Int(seconds)) s" : "\(Int(seconds * 1000)) ms"
            return "connection log: left out \(parts.joined(separator: ", ")) in a window of \(window) (over \(linesPerWindowText) lines of a kind); the counters in Health.Stats are complete"
        }

        var linesPerWindowText = ""
    }

    private let sink: (@Sendable (String) -> Void)?
    private let linesPerWindow: Int
    private let window: UInt64
    private let state: Mutex<State>

    init(sink: (@Sendable (String) -> Void)?, linesPerWindow: Int, window: Duration) {
        self.sink = sink
        self.linesPerWindow = max(1, linesPerWindow)
        self.window = max(1, window.nanosecondsClamped)
        var initial = State()
        initial.linesPerWindowText = String(self.linesPerWindow)
        initial.windowStart = MonotonicInstant.now().nanoseconds
        state = Mutex(initial)
    }

    /// Writes `line` unless its kind has used up this window; `loop` runs the
    /// summary at the window's end when something was left out.
    func write(_ kind: Kind, _ line: @autoclosure () -> String, loop: EventLoop) {
        guard let sink else { return }
        let now = MonotonicInstant.now().nanoseconds
        let (summary, emit, scheduleAfter) = state.withLock { s -> (String?, Bool, UInt64?) in
            var summary: String? = nil
            if now &- s.windowStart >= window { summary = s.endWindow(at: now, length: window) }
            if s.written[kind.rawValue] < linesPerWindow {
                s.written[kind.rawValue] += 1
                return (summary, true, nil)
            }
            s.leftOut[kind.rawValue] += 1
            guard !s.summaryScheduled else { return (summary, false, nil) }
            s.summaryScheduled = true
            return (summary, false, (s.windowStart &+ window) &- min(now, s.windowStart &+ window))
        }
        if let summary { sink(summary) }
        if emit { sink(line()) }
        if let scheduleAfter {
            loop.schedule(after: .nanoseconds(Int64(clamping: scheduleAfter))) { [self] in self.endWindowIfDue() }
        }
    }

    /// Ends the window now, writing its summary (tests, and a server that stops).
    func endWindow() {
        let now = MonotonicInstant.now().nanoseconds
        let summary = state.withLock { $0.endWindow(at: now, length: window) }
        if let summary { sink?(summary) }
    }

    /// The scheduled end of a window in which lines were left out.
    private func endWindowIfDue() {
        let now = MonotonicInstant.now().nanoseconds
        let summary = state.withLock { s -> String? in
            guard s.summaryScheduled, now &- s.windowStart >= window else { return nil }
            return s.endWindow(at: now, length: window)
        }
        if let summary { sink?(summary) }
    }
}
