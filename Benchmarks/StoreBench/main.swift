// consent-storebench: durable appends per second against the disk's raw
// fdatasync rate, and a "write forever" mode for the crash test.
//
//   consent-storebench [--dir PATH] [--seconds N]
//   consent-storebench write-forever DIR     (prints "ack <sequence>" per durable append)
#if canImport(Glibc)
import Glibc
#endif
import ConsentStore
import Dispatch
import Synchronization

/// The benchmark's state: it only counts; the bench measures the log.
struct Counter: ReplayableState {
    var count: UInt64 = 0
    init() {}
    init(snapshot: [UInt8]) throws {
        count = snapshot.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws { count += 1 }
    func encodeSnapshot() -> [UInt8] { withUnsafeBytes(of: count) { Array($0) } }
}

/// Closed-loop writers: each appends, waits for its completion, appends again.
/// Completions post the next append to a driver queue, as the server's writer
/// completions post to its event loops.
final class Writers: Sendable {
    let log: EventLog<Counter>
    let queues: [DispatchQueue]
    let deadline: ContinuousClock.Instant
    let makeRecords: @Sendable (Int, UInt64) -> [(UInt8, [UInt8])]
    let onDurable: @Sendable (Int, UInt64) -> Void
    let records = Atomic<Int>(0)
    let writerCount: Int
    let rounds: Mutex<[UInt64]>
    let group = DispatchGroup()

    init(log: EventLog<Counter>, writers: Int, until deadline: ContinuousClock.Instant,
         makeRecords: @escaping @Sendable (Int, UInt64) -> [(UInt8, [UInt8])],
         onDurable: @escaping @Sendable (Int, UInt64) -> Void = { _, _ in }) {
        self.log = log
        self.queues = (0..<min(writers, 2)).map { DispatchQueue(label: "driver-\($0)") }
        self.deadline = deadline
        self.makeRecords = makeRecords
        self.onDurable = onDurable
        self.writerCount = writers
        self.rounds = Mutex([UInt64](repeating: 0, count: writers))
    }

    func run() {
        for id in 0..<writerCount {
            group.enter()
            queues[id % queues.count].async { self.step(id) }
        }
        group.wait()
    }

    private func step(_ id: Int) {
        if ContinuousClock.now >= deadline {
            group.leave()
            return
        }
        let round = rounds.withLock { $0[id] += 1; return $0[id] }
        let batch = makeRecords(id, round)
        log.append(batch) { result in
            guard case .success(let sequence) = result else {
                fatalError("append failed: \(result)")
            }
            self.records.add(batch.count, ordering: .relaxed)
            self.onDurable(id, sequence)
            self.queues[id % self.queues.count].async { self.step(id) }
        }
    }
}

func makeTemporaryDirectory(under parent: String) -> String {
    var template = Array((parent + "/storebench-XXXXXX").utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        fatalError("mkdtemp under \(parent) failed")
    }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func removeTree(_ path: String) {
    let fs = POSIXFileSystem()
    for name in (try? fs.listDirectory(path)) ?? [] {
        let child = path + "/" + name
        if unlink(child) != 0 { removeTree(child) }
    }
    rmdir(path)
}

/// write 100 bytes + fdatasync in a loop: what one durable write costs on this
/// disk. The file grows with each write (each sync also commits its length),
/// or, with `preZeroed`, the writes go over 64 MiB of zeros written and synced
/// first (each sync flushes data only): the floor the log's pre-zeroed space
/// aims at.
func rawSyncRate(directory: String, name: String, seconds: Double, preZeroed: Bool = false) throws -> Double {
    let fs = POSIXFileSystem()
    let file = try fs.open(directory + "/" + name, mode: .createNew)
    defer { try? fs.close(file) }
    if preZeroed {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for index in 0..<64 { try fs.writeAll(file, zeros, at: Int64(index) << 20) }
        try fs.fsync(file)
    }
    let bytes = [UInt8](repeating: 0x5A, count: 100)
    let clock = ContinuousClock()
    let start = clock.now
    let end = start + .milliseconds(Int(seconds * 1000))
    var count = 0
    var offset: Int64 = 0
    while clock.now < end {
        _ = try bytes.withUnsafeBytes { try fs.pwrite(file, $0, at: offset) }
        try fs.fdatasync(file)
        offset += 100
        count += 1
    }
    return Double(count) / (clock.now - start).seconds
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

func format(_ value: Double) -> String {
    let rounded = Int(value.rounded())
    var digits = String(rounded)
    var out = ""
    while digits.count > 3 {
        out = "," + digits.suffix(3) + out
        digits = String(digits.dropLast(3))
    }
    return digits + out
}

func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let space = String(repeating: " ", count: max(0, width - text.count))
    return left ? text + space : space + text
}

func benchmark(parent: String, seconds: Double) throws {
    let root = makeTemporaryDirectory(under: parent)
    defer { removeTree(root) }
    // The disk is shared and noisy: each case is compared with the mean of raw
    // rates measured right before and right after it.
    print("raw = write(100 B) + fdatasync in a loop on a file in \(root), measured before and after each case (mean)")
    print("")
    print("pre-zero: the log's pre-zeroed space (LogOptions.preZeroBytes) of 1 MiB, or none (the default); each case runs both ways, one after the other")
    let rawPreZeroed = try rawSyncRate(directory: root, name: "raw-prezeroed", seconds: min(1, seconds), preZeroed: true)
    let rawGrowing = try rawSyncRate(directory: root, name: "raw-growing", seconds: min(1, seconds))
    print("raw write(100 B) + fdatasync over pre-zeroed space: \(format(rawPreZeroed))/s; growing the file: \(format(rawGrowing))/s (same minute)")
    print("")
    print(pad("case", 26, left: true) + pad("pre-zero", 9) + pad("records/s", 12) + pad("syncs/s", 10) + pad("rec/sync", 10) + pad("raw/s", 8) + pad("÷ raw", 9))
    let cases: [(String, Int, Int)] = [
        ("1 writer", 1, 1), ("16 writers", 16, 1), ("256 writers", 256, 1),
        ("1 writer × 1,000/append", 1, 1000), ("4 writers × 1,000/append", 4, 1000),
    ]
    let record = [UInt8](repeating: 0x5A, count: 100)
    for (index, (name, writers, batch)) in cases.enumerated() {
      for preZero in [1 << 20, 0] {
        var options = LogOptions()
        options.snapshotEveryRecords = nil
        options.snapshotEveryBytes = nil
        options.preZeroBytes = preZero
        options.log = { _ in }
        let index = preZero == 0 ? index : index + 100
        let rawBefore = try rawSyncRate(directory: root, name: "raw-\(index)-before", seconds: min(1, seconds))
        let (log, _, _) = try EventLog<Counter>.open(directory: root + "/case-\(index)", options: options)
        let records = (0..<batch).map { _ in (UInt8(1), record) }
        let clock = ContinuousClock()
        let start = clock.now
        let run = Writers(log: log, writers: writers, until: start + .milliseconds(Int(seconds * 1000)), makeRecords: { _, _ in records })
        run.run()
        let elapsed = (clock.now - start).seconds
        let stats = log.statistics
        log.close()
        let rawAfter = try rawSyncRate(directory: root, name: "raw-\(index)-after", seconds: min(1, seconds))
        let raw = (rawBefore + rawAfter) / 2
        let perSecond = Double(stats.recordsWritten) / elapsed
        let syncs = Double(stats.syncs) / elapsed
        print(pad(name, 26, left: true) + pad(preZero == 0 ? "off" : "\(preZero >> 20) MiB", 9) + pad(format(perSecond), 12) + pad(format(syncs), 10)
              + pad(String(format1: Double(stats.recordsWritten) / Double(max(1, stats.syncs))), 10)
              + pad(format(raw), 8) + pad(String(format1: perSecond / raw) + "×", 9))
      }
    }

    // Recovery: reopen the biggest log and replay it (the state only counts,
    // so this measures reading, checking and framing records).
    var options = LogOptions()
    options.log = { _ in }
    let (log, state, report) = try EventLog<Counter>.open(directory: root + "/case-3", options: options)
    log.close()
    print("")
    print("recovery: \(format(Double(state.count))) records, \(report.bytesRead >> 20) MiB from \(report.segmentsRead) segments in \(String(format1: report.duration.seconds * 1000)) ms"
          + " = \(format(Double(state.count) / report.duration.seconds)) records/s")

    // CRC-32C throughput over 16 MiB.
    let block = [UInt8](repeating: 0xA5, count: 16 << 20)
    let clock = ContinuousClock()
    let start = clock.now
    var crc: UInt32 = 0
    for _ in 0..<8 { crc ^= CRC32C.checksum(block) }
    let gigabytes = Double(8 * block.count) / 1e9
    print("CRC-32C (slicing-by-8): \(String(format1: gigabytes / (clock.now - start).seconds)) GB/s (\(crc & 1))")
}

extension String {
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// Appends until killed; prints "ack <sequence>" once each append is durable,
/// with one write(2) per line so a kill never leaves half a line claimed.
func writeForever(directory: String) throws -> Never {
    var options = LogOptions()
    options.segmentSize = 64 << 10
    // Pre-zeroed space (off by default), so kills land inside the zeros too.
    options.preZeroBytes = 16 << 10
    options.snapshotEveryRecords = 500
    options.snapshotEveryBytes = nil
    options.log = { _ in }
    let (log, _, _) = try EventLog<Counter>.open(directory: directory, options: options)
    let writers = 8
    // Payload: writer id and its round, so the parent can check that no
    // acknowledged record of any writer is missing.
    let run = Writers(log: log, writers: writers, until: .now + .seconds(3600), makeRecords: { id, round in
        var bytes = [UInt8](repeating: 0, count: 16 + (id * 37 + Int(round)) % 200)
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt64(id).littleEndian, as: UInt64.self)
            $0.storeBytes(of: round.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        return id == 0 && round % 10 == 0 ? (0..<50).map { _ in (UInt8(2), bytes) } : [(UInt8(1), bytes)]
    }, onDurable: { _, sequence in
        let line = Array("ack \(sequence)\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    })
    run.run()
    exit(0)
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    if arguments.first == "write-forever", arguments.count == 2 {
        try writeForever(directory: arguments[1])
    }
    var parent = "."
    var seconds = 2.0
    var iterator = arguments.makeIterator()
    while let argument = iterator.next() {
        switch argument {
        case "--dir": parent = iterator.next() ?? parent
        case "--seconds": seconds = iterator.next().flatMap(Double.init) ?? seconds
        default:
            print("usage: consent-storebench [--dir PATH] [--seconds N] | write-forever DIR")
            exit(2)
        }
    }
    try benchmark(parent: parent, seconds: seconds)
} catch {
    print("consent-storebench: \(error)")
    exit(1)
}
