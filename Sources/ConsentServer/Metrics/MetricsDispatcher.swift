#if canImport(Glibc)
import Glibc
#endif
import ConsentRPC
import Synchronization

/// Counts every call by method and final status and times it, from
/// dispatch to the answer handed to the connection (which includes the wait
/// for durability). Installed only with `--metrics-listen`: without it the
/// call path has no extra work at all.
final class MetricsDispatcher: CallDispatcher {
    private let next: any CallDispatcher
    private let metrics: HubMetrics

    init(next: any CallDispatcher, metrics: HubMetrics) {
        self.next = next
        self.metrics = metrics
    }

    func dispatch(_ call: IncomingCall, responder: CallResponder) {
        let sink = TimedSink(inner: responder.sink, series: metrics.series(call.method), metrics: metrics)
        let timed = CallResponder(sink: sink, token: responder.token)
        // Calls that end without an answer from the handler (cancelled,
        // deadline passed, connection closed) are counted with that status.
        responder.onTermination { code in sink.ended(code) }
        next.dispatch(call, responder: timed)
    }
}

/// The sink of one call: records its status and latency once, passes everything on.
private final class TimedSink: CallSink, @unchecked Sendable {  // `done` is claimed atomically
    let inner: any CallSink
    let series: HubMetrics.MethodSeries
    let metrics: HubMetrics
    let started = TimedSink.now()
    private let done = AtomicFlag()

    init(inner: any CallSink, series: HubMetrics.MethodSeries, metrics: HubMetrics) {
        self.inner = inner
        self.series = series
        self.metrics = metrics
    }

    func ended(_ code: StatusCode) {
        guard done.claim() else { return }
        metrics.record(series, code: code, seconds: Double(Self.now() &- started) / 1e9)
    }

    func finish(call: CallToken, result: CallResult) {
        ended(result.code)
        inner.finish(call: call, result: result)
    }

    func send(call: CallToken, message: [UInt8]) -> Bool { inner.send(call: call, message: message) }
    func onTermination(call: CallToken, _ handler: @escaping @Sendable (StatusCode) -> Void) { inner.onTermination(call: call, handler) }
    func onWritable(call: CallToken, _ handler: @escaping @Sendable () -> Void) { inner.onWritable(call: call, handler) }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// True for the first caller of `claim()` only.
final class AtomicFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func claim() -> Bool { !value.exchange(true, ordering: .acquiringAndReleasing) }
}
