import Dispatch
import Foundation
import Testing
@testable import ConsentCore

/// Version 5 of the snapshot: the requests' section and the events' section,
/// the second decoded on a thread the caller lends (a restart's decode on two
/// cores). Damage to either section refuses the whole snapshot.
@Suite("Snapshot sections (version 5)")
struct SnapshotSectionsTests {
    /// A real second thread, as the server lends one; counts what it ran.
    final class Helper: @unchecked Sendable {
        private let lock = NSLock()
        private var ran = 0
        var runs: Int { lock.withLock { ran } }

        var helper: ConsentState.SnapshotDecodeHelper {
            ConsentState.SnapshotDecodeHelper { work in
                let done = DispatchSemaphore(value: 0)
                let thread = Thread {
                    work()
                    self.lock.withLock { self.ran += 1 }
                    done.signal()
                }
                thread.start()
                return { done.wait() }
            }
        }
    }

    /// A state with requests in every condition, a code exchanged, uses logged,
    /// an idempotency key and a pending user token.
    static func state() throws -> ConsentState {
        var hub = TestHub()
        for _ in 0..<20 {
            let (a, code) = hub.givenConsent()
            try hub.exchange(code)
            try hub.use(a, Fixture.nav5252)
        }
        let (b, _) = hub.givenConsent()
        try hub.revoke(b)
        var keyed = TestHub.navRequest(key: "idem")
        keyed.userToken = Fixture.haakon.userToken
        _ = try hub.create(keyed)
        return hub.state
    }

    /// Where the requests section's 8-byte length sits: after the magic, the
    /// version, the last sequence, the registry and interned values, and the
    /// record count.
    static func lengthOffset(_ bytes: [UInt8]) throws -> Int {
        try bytes.withUnsafeBufferPointer { buffer in
            var r = ByteReader(buffer)
            r.offset = 7
            _ = try r.varint("last sequence")
            var t = Tables()
            try Tables.decodeRegistryAndInterned(&r, &t, version: 5)
            _ = try r.count("record count")
            return r.offset
        }
    }

    static func readLength(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func writeLength(_ value: UInt64, into bytes: inout [UInt8], at offset: Int) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * i)) }
    }

    @Test("Decoded with a second thread, a version-5 snapshot equals the state and the one-thread decode")
    func twoThreads() throws {
        let state = try Self.state()
        let bytes = state.encodeSnapshot()
        #expect(bytes[6] == 5 && ConsentState.snapshotVersion == 5)
        let helper = Helper()
        let restored = try ConsentState(snapshot: bytes, helper: helper.helper)
        #expect(helper.runs == 1, "the events section ran on the lent thread")
        #expect(restored == state)
        #expect(try ConsentState(snapshot: bytes) == restored)
        // Hash tables write in their own order: the same length, not the same bytes.
        #expect(restored.encodeSnapshot().count == bytes.count)
        #expect(try ConsentState(snapshot: ConsentState().encodeSnapshot(), helper: helper.helper) == ConsentState())
    }

    @Test("The sections split the snapshot where the length says: requests first, then the events to the end")
    func layout() throws {
        let bytes = try Self.state().encodeSnapshot()
        let at = try Self.lengthOffset(bytes)
        let length = Self.readLength(bytes, at: at)
        let eventsStart = at + 8 + Int(length)
        #expect(eventsStart < bytes.count)
        // The events section starts with the event count: every logged event is there.
        let events = try bytes.withUnsafeBufferPointer { buffer in
            var r = ByteReader(buffer)
            r.offset = eventsStart
            return try r.varint("event count")
        }
        #expect(events == UInt64(try Self.state().tables.log.count))
    }

    @Test("A wrong section length, or damage inside either section, refuses the whole snapshot, with either decode")
    func damage() throws {
        let bytes = try Self.state().encodeSnapshot()
        let at = try Self.lengthOffset(bytes)
        let length = Self.readLength(bytes, at: at)
        let helper = Helper()
        func refused(_ damaged: [UInt8], _ text: String) {
            for decode in [{ try ConsentState(snapshot: damaged) }, { try ConsentState(snapshot: damaged, helper: helper.helper) }] {
                let error = #expect(throws: CodecError.self) { _ = try decode() }
                #expect(error?.message.contains(text) == true, "\(error?.message ?? "no error"); expected \(text)")
            }
        }
        var wrong = bytes
        Self.writeLength(UInt64(bytes.count), into: &wrong, at: at)
        refused(wrong, "requests section of \(bytes.count) bytes, only")
        // One byte too long: the requests section's last table ends before it does.
        Self.writeLength(length + 1, into: &wrong, at: at)
        refused(wrong, "unexpected bytes at the end of the requests section")
        // One byte too short: the requests section is cut inside its last table.
        Self.writeLength(length - 1, into: &wrong, at: at)
        refused(wrong, "truncated input")
        // Damage in the events section: an event pointing past the request records.
        let eventsStart = at + 8 + Int(length)
        wrong = bytes
        wrong.removeSubrange(eventsStart...)
        // One event (time 0, subject 16382, no previous, actor 0, requestCreated,
        // by a consumer), then empty feeds, deadlines, daily uses and statistics.
        wrong += [1, 0, 0xFF, 0x7F, 0, 0, 4, 0, 0] + [0, 0, 0, 0, 0]
        refused(wrong, "event subject")
        // The lent thread ran for each damaged section it was given (not for
        // a length beyond the input, refused before the sections are split),
        // and was joined before the error came back.
        #expect(helper.runs == 3)
    }

    @Test("The id index built at load finds every request, and a snapshot naming one request twice is refused")
    func idIndex() throws {
        let state = try Self.state()
        let restored = try ConsentState(snapshot: state.encodeSnapshot(), helper: Helper().helper)
        for (slot, record) in restored.tables.records.enumerated() {
            #expect(restored.tables.slotByID.slot(of: record.id, in: restored.tables.records) == UInt32(slot))
        }
        #expect(restored.tables.slotByID.slot(of: RequestID(high: 1, low: 2), in: restored.tables.records) == nil)

        var twice = state
        twice.tables.records[5].id = twice.tables.records[2].id
        let error = #expect(throws: CodecError.self) { try ConsentState(snapshot: twice.encodeSnapshot()) }
        #expect(error?.message.contains("request \(state.tables.records[2].id) appears twice") == true, "\(error?.message ?? "")")
    }

    @Test("Flipped bytes anywhere, decoded on two threads, either load or throw")
    func fuzz() throws {
        let bytes = try Self.state().encodeSnapshot()
        let helper = Helper()
        var random = SplitMix64(seed: 5)
        for _ in 0..<300 {
            var flipped = bytes
            flipped[7 + Int(random.next() % UInt64(bytes.count - 7))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            _ = try? ConsentState(snapshot: flipped, helper: helper.helper)
        }
    }
}
