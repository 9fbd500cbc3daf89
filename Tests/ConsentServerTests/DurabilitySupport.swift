#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentStore
import ConsentTesting
import Foundation
import Synchronization
import Testing
@testable import ConsentServer

/// Collects the store's and the ledger's log lines.
final class StorageLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// A data directory with a ledger on ConsentStore's fault-injecting file system.
struct FaultyStorage {
    let directory: String
    let fileSystem = FaultInjectingFileSystem()
    let lines = StorageLines()
    let ledger: ConsentLedger

    /// - Parameters:
    ///   - snapshotEveryRecords: small values give the rebuild after a failure
    ///     a snapshot (or the snapshot thread's kept state) to start from.
    ///   - keepState: whether that state is kept between snapshots (consentd: no).
    init(snapshotEveryRecords: UInt64? = nil, keepState: Bool = false) throws {
        directory = TestHub.makeTemporaryDirectory("durability") + "/data"
        var options = LogOptions()
        options.snapshotEveryRecords = snapshotEveryRecords
        options.keepSnapshotStateInMemory = keepState
        options.log = { [lines] in lines.append($0) }
        ledger = try ConsentLedger(directory: directory, options: options, fileSystem: fileSystem)
    }

    /// A ledger on the same directory with the real file system (a restart);
    /// the faulty one must be closed first.
    func reopen() throws -> ConsentLedger {
        var options = LogOptions()
        options.log = { _ in }
        return try ConsentLedger(directory: directory, options: options)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: String(directory.dropLast("/data".count)))
    }
}

/// Calls a router directly, as a connection would, and waits for answers.
final class RouterDriver: Sendable {
    let router: Router
    let sink = RecordingSink()
    private let nextID = Atomic<UInt32>(1)

    static let principals = ReloadableValue(PrincipalDirectory([
        Principal(id: "889640782", name: "NAV", roles: [.datasource, .admin]),
    ]))

    /// A router with Health (reporting on `ledger`) and the test write/read methods.
    init(ledger: ConsentLedger) {
        var builder = RouterBuilder(commits: ledger.commits)
        HealthService.register(into: &builder, reporter: HubStatus(storage: ledger.storageDescription, ledger: ledger))
        LedgerTestService.register(into: &builder, ledger: ledger)
        router = Router(builder, principals: Self.principals)
    }

    /// Starts a call; returns its id.
    func start(_ method: String, _ payload: [UInt8]) -> UInt32 {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let call = IncomingCall(method: method, metadata: [:], deadline: nil, payload: payload, peer: PeerIdentity(principalID: "889640782"))
        router.dispatch(call, responder: CallResponder(sink: sink, token: CallToken(callID: id, sequence: UInt64(id))))
        return id
    }

    /// Waits (up to 30 s: a loaded disk can take seconds per sync) for call `id`'s answer.
    func result(_ id: UInt32) throws -> CallResult {
        for _ in 0..<3000 {
            if let result = sink.result(id) { return result }
            usleep(10_000)
        }
        throw DurabilityTestError("call \(id) was not answered within 30 s")
    }

    func register(_ number: UInt32) throws -> CallResult {
        try result(start(LedgerTestService.register.fullName, Consent_V1_HealthCheckRequest(service: String(number)).serializedBytes()))
    }

    func list() throws -> (CallResult, [UInt32]) {
        let result = try result(start(LedgerTestService.list.fullName, Consent_V1_HealthCheckRequest().serializedBytes()))
        guard result.code == .ok else { return (result, []) }
        return (result, LedgerTestService.numbers(in: try Consent_V1_HealthStatsResponse(serializedBytes: result.payload)))
    }

    func healthStatus() throws -> Consent_V1_HealthCheckResponse.ServingStatus {
        let result = try result(start(Consent_V1_Health.check.fullName, Consent_V1_HealthCheckRequest().serializedBytes()))
        return try Consent_V1_HealthCheckResponse(serializedBytes: result.payload).status
    }

    func stats() throws -> Consent_V1_HealthStatsResponse {
        let result = try result(start(Consent_V1_Health.stats.fullName, Consent_V1_HealthStatsRequest().serializedBytes()))
        return try Consent_V1_HealthStatsResponse(serializedBytes: result.payload)
    }
}

struct DurabilityTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Waits (up to `seconds`) until `condition` holds; the rebuild after a
/// failure runs on a thread of its own.
func waitUntil(seconds: Int = 30, _ condition: () -> Bool) throws {
    for _ in 0..<(seconds * 100) {
        if condition() { return }
        usleep(10_000)
    }
    throw DurabilityTestError("condition not reached within \(seconds) s")
}

/// The test resources a ledger holds, read directly.
func registeredNumbers(_ ledger: ConsentLedger) throws -> [UInt32] {
    try ledger.read { state in
        state.resources(visibleTo: .admin(LedgerTestService.owner)).filter { $0.ownerName == LedgerTestService.ownerName }.map(\.id.serviceCode).sorted()
    }.value
}

/// The faults a log can meet, with the text the affected calls must carry.
enum StorageFault: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case writeEIO, diskFull, syncEIO, tornWrite

    var fault: FaultInjectingFileSystem.Fault {
        switch self {
        case .writeEIO: .init(.pwrite, errno: EIO, pathContains: ".seg")
        case .diskFull: .init(.pwrite, errno: ENOSPC, pathContains: ".seg", persistent: true)
        case .syncEIO: .init(.fdatasync, errno: EIO, pathContains: ".seg")
        case .tornWrite: .init(.pwrite, errno: EIO, pathContains: ".seg", partialBytes: 30)
        }
    }

    /// What the failed call's message must say.
    var message: String {
        switch self {
        case .writeEIO, .tornWrite: "Input/output error (EIO) writing log-"
        case .diskFull: "No space left on device (ENOSPC) writing log-"
        case .syncEIO: "Input/output error (EIO) syncing log-"
        }
    }

    /// Whether the failed record may still be in the file after a restart
    /// (written but not synced: its outcome is unknown, like a timeout's).
    var failedRecordMayRemain: Bool { self == .syncEIO }

    var testDescription: String { rawValue }
}
