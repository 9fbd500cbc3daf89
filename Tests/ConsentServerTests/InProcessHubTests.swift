import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Dispatch
import Synchronization
import Testing

/// The in-process transport keeps a connection's promises to the services:
/// deadlines (on the test clock, never before it passes them), cancellation
/// and closing end a call once, and the handler learns of it.
@Suite struct InProcessHubTests {
    typealias Service = Consent_V1_ConsentService

    /// Reads a stream until it has caught up.
    static func catchUp(_ iterator: inout AsyncThrowingStream<Consent_V1_WatchEventsResponse, any Error>.Iterator) async throws {
        while let message = try await iterator.next(), !message.caughtUp {}
    }

    @Test func aDeadlineEndsTheCallWhenTheClockPassesItAndNotBefore() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        var streams: [AsyncThrowingStream<Consent_V1_WatchEventsResponse, any Error>.Iterator] = []
        for _ in 0..<16 {
            var stream = bank.serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(10))).makeAsyncIterator()
            try await Self.catchUp(&stream)
            streams.append(stream)
        }
        hub.advance(by: .milliseconds(9_999))
        #expect(bank.openCallCount == 16, "no deadline has passed")

        hub.advance(by: .milliseconds(1))
        #expect(bank.openCallCount == 0)
        var ending: RPCError? = nil
        do {
            while try await streams[0].next() != nil {}
        } catch let error as RPCError {
            ending = error
        }
        #expect(ending?.code == .deadlineExceeded)
        #expect(ending?.message == "deadline of 10000 ms exceeded")
        // The feed heard of it: the organisation's sixteen places are free again.
        var fresh = bank.serverStream(Service.watchEvents, .init(after: 0)).makeAsyncIterator()
        try await Self.catchUp(&fresh)
        bank.close()
        await hub.stop()
    }

    @Test func cancellingAndClosingEndCallsOnceAndTellTheHandler() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let ends = Mutex<[StatusCode]>([])
        // The feed sends from its own queue, which may be the thread that
        // delivers an answer: wait for each (a bound, not a measurement).
        let caughtUp = DispatchSemaphore(value: 0)
        let ended = DispatchSemaphore(value: 0)
        let record: @Sendable (Result<Void, RPCError>) -> Void = { result in
            ends.withLock { $0.append(result.code) }
            ended.signal()
        }
        let handle = bank.serverStream(Service.watchEvents, Consent_V1_WatchEventsRequest(after: 0),
                                       onMessage: { message in if message.caughtUp { caughtUp.signal() } }, completion: record)
        #expect(caughtUp.wait(timeout: .now() + 60) == .success, "the backlog arrived")
        handle.cancel()
        handle.cancel()
        #expect(ended.wait(timeout: .now() + 60) == .success)

        _ = bank.serverStream(Service.watchEvents, Consent_V1_WatchEventsRequest(after: 0), onMessage: { _ in }, completion: record)
        bank.close()
        #expect(ended.wait(timeout: .now() + 60) == .success)
        #expect(ends.withLock { $0 } == [.cancelled, .unavailable], "each call ended once")
        let late = await Flow.refusal { _ = try await bank.unary(Consent_V1_Health.check, .init()) }
        #expect(late?.code == .unavailable)
        await hub.stop()
    }

    @Test func aCallerTheHubDoesNotKnowIsUnauthenticated() async throws {
        let hub = try InProcessHub()
        let stranger = hub.client(principalID: "912345688")
        let refused = await Flow.refusal { _ = try await stranger.unary(Consent_V1_Health.check, .init()) }
        #expect(refused?.code == .unauthenticated)
        await hub.stop()
    }
}

extension Result where Success == Void, Failure == RPCError {
    /// OK, or the refusal's status.
    var code: StatusCode {
        switch self {
        case .success: .ok
        case .failure(let error): error.code
        }
    }
}
