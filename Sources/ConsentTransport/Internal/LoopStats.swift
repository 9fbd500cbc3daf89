import Synchronization

/// One event loop's share of the server counters. Each counter has a single
/// writer (the loop's thread), so an increment is a relaxed load and store, no
/// locked read-modify-write; readers on other threads sum the loops.
final class LoopStats: Sendable {
    let connectionsOpen = Atomic<Int>(0)
    let connectionsAccepted = Atomic<Int>(0)
    let handshakeFailures = Atomic<Int>(0)
    let callsInFlight = Atomic<Int>(0)
    let callsCompleted = Atomic<Int>(0)
    let protocolErrors = Atomic<Int>(0)
    let bytesRead = Atomic<Int>(0)
    let bytesWritten = Atomic<Int>(0)
    let readPauses = Atomic<Int>(0)
    /// Requests answered RESOURCE_EXHAUSTED by a call limit (per connection, per principal).
    let callsRefused = Atomic<Int>(0)
    /// Capacity of the input and output buffers of this loop's connection
    /// objects. Changed with atomic adds, not `bump`: a connection's last
    /// reference (a responder held by another thread) may go on any thread.
    let connectionBufferBytes = Atomic<Int>(0)
    /// Buffer bytes connections have given back since start (grown buffers
    /// shrunk, closed connections' buffers freed): what an allocator may hold
    /// on to unless asked to trim.
    let connectionBufferBytesReleased = Atomic<Int>(0)
    /// Connection objects not yet freed: the open ones, plus closed ones that
    /// something (a timer entry, a responder) still references.
    let connectionsRetained = Atomic<Int>(0)

    @inline(__always)
    static func bump(_ counter: borrowing Atomic<Int>, by delta: Int = 1) {
        counter.store(counter.load(ordering: .relaxed) &+ delta, ordering: .relaxed)
    }
}
