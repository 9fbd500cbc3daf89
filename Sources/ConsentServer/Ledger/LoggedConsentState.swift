import ConsentCore
import ConsentStore

/// The domain state as the durable log sees it: one log record per domain
/// event, the record's payload being `EventCodec`'s bytes. The log's sequence
/// numbers and the domain's therefore coincide, and replay checks that they do.
struct LoggedConsentState: ReplayableState {
    /// The record type of a ConsentCore event (EventCodec format, its own version inside).
    static let eventRecordType: UInt8 = 1

    var state: ConsentState

    init() {
        state = ConsentState()
    }

    init(snapshot: [UInt8]) throws {
        state = try ConsentState(snapshot: snapshot)
    }

    init(snapshotBytes: UnsafeRawBufferPointer) throws {
        state = try ConsentState(snapshotBytes: snapshotBytes, helper: .ownThread)
    }

    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws {
        guard recordType == Self.eventRecordType else {
            throw LedgerReplayError("record \(sequence) has type \(recordType); this consentd knows only type \(Self.eventRecordType) (domain events)")
        }
        let assigned: UInt64
        do {
            assigned = try state.apply(encoded: Array(payload))
        } catch {
            throw LedgerReplayError("record \(sequence) is not a domain event this consentd can read: \(error)")
        }
        guard assigned == sequence else {
            throw LedgerReplayError("record \(sequence) became domain event \(assigned): the log and the state disagree")
        }
    }

    func encodeSnapshot() -> [UInt8] {
        state.encodeSnapshot()
    }
}

struct LedgerReplayError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

package extension ConsentState.SnapshotDecodeHelper {
    /// A thread of its own for the snapshot's second section (the events)
    /// while the caller's decodes the requests: a restart's decode on two cores.
    static let ownThread = ConsentState.SnapshotDecodeHelper { work in
        let thread = PosixThread.spawn(work)
        return { thread.join() }
    }
}
