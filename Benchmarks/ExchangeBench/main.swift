// consent-exchangebench: what an ExchangeCode call costs beyond its ES256
// signature, against DESIGN §10 (code exchange at 60 % or more of the raw
// signing rate, 80 % in batches).
//
//   consent-exchangebench [--seconds S] [--batch N] [--memory] [--dir PARENT]
//
// The call goes through the real server path minus the network: the Router
// (principal, method, role check, libprotobuf-c request decode), TokenService
// (code check and hash, ConsentLedger.execute: decide, event encode, append to
// the log's pending buffer, apply), the claims, the signature, the grant and
// the response's serialization. The ledger runs on a real event log in a
// temporary directory (its writer thread syncs on the other core, as in
// consentd); `--memory` uses the in-memory ledger instead (no event encoding,
// no append).
//
// The reference, measured in the same run: raw ES256 signing
// (`P256.PrivateKey.sign`) of a message the size of a token's signing input,
// with the same key. Slices of 100 ms alternate (exchange, raw, exchange, …)
// and rates are per CPU second of the calling thread, so the shared machine's
// other load changes the run's length more than its figures. Reported: both
// rates, their ratio (overall and the median of slice pairs), and the
// non-signature cost per exchange: 1/exchange rate − 1/raw rate.
//
// `--profile` makes only the calls (for a profiler), no figures.
//
// `--batch N` (N > 1) measures ExchangeCodes with N codes per call instead
// (the rate is per code).
#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentStore
import ConsentToken
import Foundation
import Synchronization

// MARK: Options

var seconds = 6.0
var batch = 1
var inMemory = false
var parent = "/tmp"
var profileOnly = false
var argumentIndex = 1
let argv = CommandLine.arguments
while argumentIndex < argv.count {
    let name = argv[argumentIndex]
    func value() -> String {
        guard argumentIndex + 1 < argv.count else {
            FileHandle.standardError.write(Data("consent-exchangebench: \(name) needs a value\n".utf8))
            exit(2)
        }
        argumentIndex += 1
        return argv[argumentIndex]
    }
    switch name {
    case "--seconds": seconds = Double(value()) ?? seconds
    case "--batch": batch = max(1, min(1000, Int(value()) ?? 1))
    case "--memory": inMemory = true
    case "--dir": parent = value()
    case "--profile": profileOnly = true
    case "--help", "-h":
        print("usage: consent-exchangebench [--seconds S] [--batch N] [--memory] [--dir PARENT] [--profile]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("consent-exchangebench: unknown option \(name); try --help\n".utf8))
        exit(2)
    }
    argumentIndex += 1
}

// MARK: The sink: counts answers (they arrive on the log's writer thread once durable)

final class CountingSink: CallSink {
    let ok = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let lastPayload = Mutex<[UInt8]>([])
    let lastError = Mutex<String>("")

    func finish(call: CallToken, result: CallResult) {
        if result.code == .ok {
            ok.add(1, ordering: .relaxed)
            if call.callID == 1 { lastPayload.withLock { $0 = result.payload } }
        } else {
            failed.add(1, ordering: .relaxed)
            lastError.withLock { $0 = "\(result.code): \(result.message)" }
        }
    }
    func send(call: CallToken, message: [UInt8]) -> Bool { true }
    func onTermination(call: CallToken, _ handler: @escaping @Sendable (StatusCode) -> Void) {}
    func onWritable(call: CallToken, _ handler: @escaping @Sendable () -> Void) {}
}

func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

func run(seconds: Double, batch: Int, inMemory: Bool, parent: String, profileOnly: Bool) {
    // MARK: Setup

    var root: String?
    let ledger: ConsentLedger
    if inMemory {
        ledger = ConsentLedger()
    } else {
        var template = Array((parent + "/exchangebench-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { fatalError("mkdtemp under \(parent) failed") }
        root = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var options = LogOptions()
        options.snapshotEveryRecords = nil
        options.snapshotEveryBytes = nil
        options.log = { _ in }
        do { ledger = try ConsentLedger(directory: root! + "/data", options: options) } catch { fatalError("cannot open the log: \(error)") }
    }
    defer {
        ledger.close()
        if let root { try? FileManager.default.removeItem(atPath: root) }
    }

    var configuration = ServerConfiguration()
    configuration.issuer = "https://consenthub.example"
    let keys: TokenKeys
    do { keys = try TokenKeys(configuration: configuration) } catch { fatalError("\(error)") }
    var builder = RouterBuilder(commits: ledger.commits)
    TokenService.register(into: &builder, ledger: ledger, keys: keys)
    let bank = DemoRegistry.bankenAS
    let router = Router(builder, principals: ReloadableValue(PrincipalDirectory([Principal(id: String(bank.value), name: "BANKEN AS", roles: [.consumer])])))
    let peer = PeerIdentity(principalID: String(bank.value))

    let started = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
    for seed in DemoRegistry.commands { _ = ledger.execute(seed.command, by: seed.actor, at: started) }

    // Enough accepted consents for every call the run can make (a code works once):
    // the common loan case, one resource with a period (as TokenBenchmark's token).
    let signRate = 40_000.0
    let needed = Int(seconds / 2 * signRate * 1.3) + 2_000
    print("setting up \(needed) accepted consents with codes …")
    var codes: [String] = []
    codes.reserveCapacity(needed)
    var personCandidate: UInt64 = 0
    func nextPerson() -> NationalIdentityNumber {
        while true {
            let n = personCandidate
            personCandidate += 1
            let nine = [UInt8(n / 500 % 28 + 1) / 10, UInt8(n / 500 % 28 + 1) % 10, UInt8(n / 14_000 % 12 + 1) / 10, UInt8(n / 14_000 % 12 + 1) % 10,
                        UInt8(n / 168_000 % 60 + 40) / 10, UInt8(n / 168_000 % 60 + 40) % 10, UInt8(n % 500 / 100), UInt8(n % 500 / 10 % 10), UInt8(n % 10)]
            guard let (k1, k2) = NationalIdentityNumber.checkDigits(forFirstNine: nine) else { continue }
            if let id = try? NationalIdentityNumber(validating: String(decoding: (nine + [k1, k2]).map { $0 + 0x30 }, as: UTF8.self)) { return id }
        }
    }
    for _ in 0..<needed {
        let request = NewConsentRequest(
            resources: [ResourceRequest(DemoRegistry.disabilityBenefits, metadata: [MetadataValue("fraOgMed", "01.01.2024"), MetadataValue("tilOgMed", "31.12.2024")])],
            redirectURL: "https://banken.example/samtykke/svar", validTo: started + .seconds(90 * 86_400), language: .bokmal, purpose: "Lånesøknad")
        guard case .success(.request(let view)) = ledger.execute(.createRequest(request), by: .consumer(bank), at: started).result else { fatalError("create refused") }
        let (code, hash) = AuthorizationCode.generate()
        let grant = CodeGrant(codeHash: hash, expiresAt: started + .seconds(3_600))
        guard case .success = ledger.execute(.acceptRequest(view.id, code: grant), by: .endUser(EndUser(nationalId: nextPerson(), assuranceLevel: .high)), at: started).result else {
            fatalError("accept refused")
        }
        codes.append(code)
    }
    while ledger.durableSequence < ledger.lastSequence { usleep(1000) }

    // The request payloads, serialized before the clock starts (the client's work).
    var payloads: [[UInt8]] = []
    if batch == 1 {
        payloads = codes.map { Consent_V1_ExchangeCodeRequest(code: $0).serializedBytes() }
    } else {
        var start = 0
        while start + batch <= codes.count {
            payloads.append(Consent_V1_ExchangeCodesRequest(codes: Array(codes[start..<start + batch])).serializedBytes())
            start += batch
        }
    }
    let method = batch == 1 ? Consent_V1_TokenService.exchangeCode.fullName : Consent_V1_TokenService.exchangeCodes.fullName
    let sink = CountingSink()

    // A sample exchange: the token's signing input is the raw reference's message.
    var next = 0
    func exchange(_ id: UInt32) {
        let call = IncomingCall(method: method, metadata: [:], deadline: nil, payload: payloads[next], peer: peer)
        next += 1
        router.dispatch(call, responder: CallResponder(sink: sink, token: CallToken(callID: id, sequence: UInt64(next))))
    }
    exchange(1)
    while sink.ok.load(ordering: .relaxed) + sink.failed.load(ordering: .relaxed) < 1 { usleep(100) }
    guard sink.failed.load(ordering: .relaxed) == 0 else { fatalError("the sample exchange failed: \(sink.lastError.withLock { $0 })") }
    let sampleToken: String
    let responseBytes = sink.lastPayload.withLock { $0 }
    if batch == 1 {
        guard let response = try? Consent_V1_ExchangeCodeResponse(serializedBytes: responseBytes) else { fatalError("cannot decode the sample answer") }
        sampleToken = response.grant?.token ?? ""
    } else {
        guard let response = try? Consent_V1_ExchangeCodesResponse(serializedBytes: responseBytes), let first = response.results.first else { fatalError("cannot decode the sample answer") }
        sampleToken = first.grant?.token ?? ""
    }
    let signingInput = Array(sampleToken.utf8.prefix(sampleToken.utf8.count - 87))
    let key = keys.signer.keySet.active.privateKey

    // MARK: Measure

    if profileOnly {
        // Exchanges only, for a profiler (`perf record`, callgrind): no raw slices, no figures.
        print("profiling: \(payloads.count - next) calls")
        let mark = ContinuousClock().now
        while next < payloads.count {
            exchange(UInt32(truncatingIfNeeded: next + 2))
        }
        print("done in \(ContinuousClock().now - mark)")
        while sink.ok.load(ordering: .relaxed) + sink.failed.load(ordering: .relaxed) < payloads.count { usleep(1000) }
        return
    }

    print("measuring \(batch == 1 ? "ExchangeCode" : "ExchangeCodes × \(batch)") for about \(Int(seconds)) s (\(inMemory ? "in-memory ledger" : "ledger on an event log in \(parent)")); token \(sampleToken.utf8.count) bytes, response \(responseBytes.count) bytes")
    print("load average before: \(String((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"))")
    let clock = ContinuousClock()
    let slice = Duration.milliseconds(100)
    let pairs = max(3, Int(seconds / 0.2))
    var exchanged = 0, exchangeTime = 0.0, rawSigned = 0, rawTime = 0.0
    var ratios: [Double] = []
    var callID: UInt32 = 2
    outer: for _ in 0..<pairs {
        var start = clock.now
        var cpu = threadCPUTime()
        var count = 0
        while clock.now - start < slice {
            for _ in 0..<4 {
                guard next < payloads.count else { break outer }
                exchange(callID)
                callID &+= 1
                count += batch
            }
        }
        let exchangeCPU = threadCPUTime() - cpu
        exchanged += count
        exchangeTime += exchangeCPU

        start = clock.now
        cpu = threadCPUTime()
        var raw = 0
        signingInput.withUnsafeBytes { message in
            while clock.now - start < slice {
                for _ in 0..<4 { _ = try! key.sign(message) }
                raw += 4
            }
        }
        let rawCPU = threadCPUTime() - cpu
        rawSigned += raw
        rawTime += rawCPU
        ratios.append((Double(count) / exchangeCPU) / (Double(raw) / rawCPU))
    }
    let expected = 1 + exchanged / batch
    while sink.ok.load(ordering: .relaxed) + sink.failed.load(ordering: .relaxed) < expected { usleep(1000) }
    guard sink.failed.load(ordering: .relaxed) == 0 else { fatalError("\(sink.failed.load(ordering: .relaxed)) exchanges failed: \(sink.lastError.withLock { $0 })") }

    ratios.sort()
    let exchangeRate = Double(exchanged) / exchangeTime
    let rawRate = Double(rawSigned) / rawTime
    print("load average after: \(String((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"))")
    print("exchanges/s \(Int(exchangeRate)) (\(exchanged) codes), raw ES256 signs/s \(Int(rawRate)) (\(rawSigned)), per CPU second of this thread")
    print("ratio \(format(exchangeRate / rawRate, 3)) (median of \(ratios.count) slice pairs \(format(ratios[ratios.count / 2], 3)))")
    print("per exchange: \(format(1e6 / exchangeRate, 2)) µs, raw signature \(format(1e6 / rawRate, 2)) µs, beyond the signature \(format(1e6 / exchangeRate - 1e6 / rawRate, 2)) µs")
}

run(seconds: seconds, batch: batch, inMemory: inMemory, parent: parent, profileOnly: profileOnly)
