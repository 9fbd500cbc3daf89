import Dispatch
import Synchronization
@testable import ConsentStore

/// Collects the log sink's lines.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// A small state for the tests: a count, an order-sensitive hash of every
/// record, and a dictionary of the last payload per type.
struct ToyState: ReplayableState, Equatable {
    var count: UInt64 = 0
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    var lastSequence: UInt64 = 0
    var lastPayloadByType: [UInt8: [UInt8]] = [:]

    init() {}

    struct Rejected: Error {}

    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws {
        guard sequence == lastSequence + 1 else { throw Rejected() }
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        mix(recordType)
        for byte in payload { mix(byte) }
        withUnsafeBytes(of: sequence) { for byte in $0 { mix(byte) } }
        count += 1
        lastSequence = sequence
        lastPayloadByType[recordType] = Array(payload)
    }

    func encodeSnapshot() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(count)
        bytes.appendLittleEndian(hash)
        bytes.appendLittleEndian(lastSequence)
        for (type, payload) in lastPayloadByType.sorted(by: { $0.key < $1.key }) {
            bytes.append(type)
            bytes.appendLittleEndian(UInt32(payload.count))
            bytes.append(contentsOf: payload)
        }
        return bytes
    }

    init(snapshot: [UInt8]) throws {
        guard snapshot.count >= 24 else { throw Rejected() }
        try snapshot.withUnsafeBytes { raw in
            count = raw.loadLittleEndian(UInt64.self, at: 0)
            hash = raw.loadLittleEndian(UInt64.self, at: 8)
            lastSequence = raw.loadLittleEndian(UInt64.self, at: 16)
            var offset = 24
            while offset < raw.count {
                guard offset + 5 <= raw.count else { throw Rejected() }
                let type = raw[offset]
                let length = Int(raw.loadLittleEndian(UInt32.self, at: offset + 1))
                guard offset + 5 + length <= raw.count else { throw Rejected() }
                lastPayloadByType[type] = Array(raw[(offset + 5)..<(offset + 5 + length)])
                offset += 5 + length
            }
        }
    }
}

typealias ToyLog = EventLog<ToyState>

/// A payload that names its record, so tests can check contents after reopen.
func payload(_ n: Int, size: Int = 40) -> [UInt8] {
    var bytes = Array("record-\(n)-".utf8)
    while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: n &* 31 &+ bytes.count)) }
    return bytes
}

/// Waits for one callback result.
final class Waiter<T: Sendable>: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let value = Mutex<T?>(nil)
    func set(_ result: T) { value.withLock { $0 = result }; semaphore.signal() }
    func wait() -> T { semaphore.wait(); return value.withLock { $0! } }
}

extension EventLog {
    /// Appends and blocks until the completion runs.
    func appendAndWait(_ records: [(UInt8, [UInt8])]) -> Result<UInt64, StoreError> {
        let waiter = Waiter<Result<UInt64, StoreError>>()
        append(records) { waiter.set($0) }
        return waiter.wait()
    }

    func appendAndWait(_ n: Int, size: Int = 40) -> Result<UInt64, StoreError> {
        appendAndWait([(UInt8(n % 7), payload(n, size: size))])
    }

    func waitDurable(_ sequence: UInt64) -> Result<Void, StoreError> {
        let waiter = Waiter<Result<Void, StoreError>>()
        whenDurable(sequence) { waiter.set($0) }
        return waiter.wait()
    }
}

/// The state after applying records 1...n made by `payload(_:)` with types `n % 7`.
func expectedState(_ n: Int, size: Int = 40) -> ToyState {
    var state = ToyState()
    for i in stride(from: 1, through: n, by: 1) {
        let bytes = payload(i, size: size)
        bytes.withUnsafeBytes { try! state.apply(recordType: UInt8(i % 7), payload: $0, sequence: UInt64(i)) }
    }
    return state
}

extension StoreError {
    var corruptedFile: String? {
        if case .corrupted(let file, _, _) = self { return file }
        return nil
    }
    var corruptedOffset: Int64? {
        if case .corrupted(_, let offset, _) = self { return offset }
        return nil
    }
    var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}

/// Opens, expecting success.
func openToy(_ dir: TestDirectory, _ options: LogOptions = testOptions(), fileSystem: any FileSystem = POSIXFileSystem()) throws -> (log: ToyLog, state: ToyState, report: RecoveryReport) {
    try ToyLog.open(directory: dir.data, options: options, fileSystem: fileSystem)
}

/// Opens, expecting a StoreError.
func openToyFailure(_ dir: TestDirectory, _ options: LogOptions = testOptions()) -> StoreError? {
    do {
        let (log, _, _) = try ToyLog.open(directory: dir.data, options: options)
        log.close()
        return nil
    } catch {
        return error
    }
}
