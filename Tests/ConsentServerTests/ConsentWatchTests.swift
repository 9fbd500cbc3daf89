import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// WatchEvents: the backlog in pages, then live events, each caller seeing
/// only its own, and resuming after a cursor.
@Suite(.serialized) struct ConsentWatchTests {
    typealias Service = Consent_V1_ConsentService

    /// Reads a stream until `stop` says so; returns every message read.
    static func read(_ iterator: inout AsyncThrowingStream<Consent_V1_WatchEventsResponse, any Error>.Iterator,
                     until stop: ([Consent_V1_WatchEventsResponse]) -> Bool) async throws -> [Consent_V1_WatchEventsResponse] {
        var messages: [Consent_V1_WatchEventsResponse] = []
        while !stop(messages), let message = try await iterator.next() { messages.append(message) }
        return messages
    }

    @Test(arguments: TestStorage.allCases)
    func aDataSourceWatchesOnlyItsOwnResourcesAndResumesAfterItsCursor(_ storage: TestStorage) async throws {
        let hub = try InProcessHub(storage: storage)
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")

        let stream = nav.serverStream(Service.watchEvents, .init(after: 0, types: [.requestCreated]), options: CallOptions(timeout: .seconds(120)))
        var iterator = stream.makeAsyncIterator()
        let backlog = try await Self.read(&iterator) { $0.last?.caughtUp == true }
        #expect(backlog.flatMap(\.events).isEmpty, "the demo registry's events are not of the type asked for")

        let tax = try await bank.unary(Service.createRequest, Flow.taxRequest()).request!.id
        let navID = try await bank.unary(Service.createRequest, Flow.navRequest()).request!.id
        let live = try await Self.read(&iterator) { $0.flatMap(\.events).contains { $0.requestId == navID } }
        #expect(live.flatMap(\.events).map(\.requestId) == [navID], "Skatteetaten's request \(tax) is not NAV's business")
        #expect(live.allSatisfy { $0.caughtUp })
        let cursor = try #require(live.last?.nextCursor)

        // A new call after the cursor starts with nothing to catch up on.
        let resumed = nav.serverStream(Service.watchEvents, .init(after: cursor, types: [.requestCreated]), options: CallOptions(timeout: .seconds(120)))
        var again = resumed.makeAsyncIterator()
        let first = try #require(try await again.next())
        #expect(first.caughtUp && first.events.isEmpty && first.nextCursor >= cursor)

        bank.close()
        nav.close()
        await hub.stop()
    }

    @Test func aLargeBacklogComesInOrderedPages() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let admin = try hub.client("admin")
        let count = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<count {
                group.addTask { _ = try await bank.unary(Service.createRequest, Flow.navRequest(idempotencyKey: "bulk-\(n)")) }
            }
            try await group.waitForAll()
        }

        let stream = admin.serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120)))
        var iterator = stream.makeAsyncIterator()
        let messages = try await Self.read(&iterator) { $0.last?.caughtUp == true }
        let events = messages.flatMap(\.events)
        #expect(events.filter { $0.type == .requestCreated }.count == count)
        #expect(events.map(\.sequence) == Array(1...UInt64(events.count)), "every event, once, in order: an admin sees all")
        #expect(messages.allSatisfy { $0.events.count <= 256 })
        #expect(messages.count > 2, "sent in pages")
        #expect(messages.last?.nextCursor == UInt64(events.count))

        bank.close()
        admin.close()
        await hub.stop()
    }

    /// Shutting down ends watch streams with UNAVAILABLE and the cursor to
    /// resume from, rather than leaving the drain to wait for them.
    @Test func shutdownEndsWatchStreamsWithTheCursorToResumeFrom() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let stream = bank.serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120)))
        var iterator = stream.makeAsyncIterator()
        let backlog = try await Self.read(&iterator) { $0.last?.caughtUp == true }
        let cursor = try #require(backlog.last?.nextCursor)

        await hub.stop()
        var ending: RPCError? = nil
        do {
            while try await iterator.next() != nil {}
        } catch let error as RPCError {
            ending = error
        }
        #expect(ending?.code == .unavailable)
        #expect(ending?.message == "the server is shutting down; resume WatchEvents with after = \(cursor)")
        bank.close()
    }

    /// One organisation holds at most 16 streams, over all its connections;
    /// the next is refused with RESOURCE_EXHAUSTED, others are unaffected, and
    /// closing one makes room.
    @Test func anOrganisationMayHoldSixteenWatchStreams() async throws {
        let hub = try InProcessHub()
        let banks = try (0..<2).map { _ in try hub.client("consumer") }
        let nav = try hub.client("datasource")
        var open: [AsyncThrowingStream<Consent_V1_WatchEventsResponse, any Error>.Iterator] = []
        for index in 0..<16 {
            var iterator = banks[index % 2].serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120))).makeAsyncIterator()
            _ = try await Self.read(&iterator) { $0.last?.caughtUp == true }
            open.append(iterator)
        }
        var refused: RPCError? = nil
        do {
            var extra = banks[0].serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120))).makeAsyncIterator()
            while try await extra.next() != nil {}
        } catch let error as RPCError {
            refused = error
        }
        #expect(refused?.code == .resourceExhausted)
        #expect(Flow.reason(refused) == "too_many_watch_streams")
        #expect(refused?.message.contains("16 WatchEvents streams") == true, "\(refused?.message ?? "")")

        // NAV is another organisation: its stream opens.
        var navStream = nav.serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120))).makeAsyncIterator()
        #expect(try await Self.read(&navStream) { $0.last?.caughtUp == true }.last?.caughtUp == true)

        // A bank connection closes: its eight streams end, and there is room again.
        banks[1].close()
        var retry = banks[0].serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120))).makeAsyncIterator()
        #expect(try await Self.read(&retry) { $0.last?.caughtUp == true }.last?.caughtUp == true)
        banks[0].close()
        nav.close()
        await hub.stop()
    }

    /// A reload that takes a principal's role away ends its open streams at
    /// once (every other call is checked as it arrives); others go on.
    @Test func reloadedPrincipalsEndTheStreamsOfTheRevoked() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer")
        let nav = try hub.client("datasource")
        var bankStream = bank.serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120))).makeAsyncIterator()
        var navStream = nav.serverStream(Service.watchEvents, .init(after: 0), options: CallOptions(timeout: .seconds(120))).makeAsyncIterator()
        _ = try await Self.read(&bankStream) { $0.last?.caughtUp == true }
        _ = try await Self.read(&navStream) { $0.last?.caughtUp == true }

        // The bank's certificate is taken out of the principals, as a SIGHUP reload does.
        hub.hub.replacePrincipals(with: PrincipalDirectory(hub.hub.principalDirectory.all.filter { $0.id != Flow.bank }))

        var ended: RPCError? = nil
        do {
            while try await bankStream.next() != nil {}
        } catch let error as RPCError {
            ended = error
        }
        #expect(ended?.code == .unauthenticated, "a certificate the hub no longer knows, as for a new call")
        #expect(Flow.reason(ended) == "principal_revoked", "\(String(describing: ended))")

        let refused = await Flow.refusal { _ = try await bank.unary(Service.createRequest, Flow.navRequest()) }
        #expect(refused?.code == .unauthenticated, "the bank's other calls are refused too")

        // NAV's stream still delivers: its own change to the registry arrives live.
        _ = try await nav.unary(Consent_V1_RegistryService.deauthoriseConsumer, .init(resourceId: "5252_1", consumerOrgNumber: Flow.bank))
        let live = try await Self.read(&navStream) { !($0.last?.events.isEmpty ?? true) }
        #expect(live.last?.events.last?.type == .consumerDeauthorised, "\(live)")
        bank.close()
        nav.close()
        await hub.stop()
    }
}
