// consent-crashtarget: a TEST HELPER for the kill -9 test
// (Tests/ConsentServerTests/CrashKillNineTests.swift), not a product and never
// installed. It is consentd's server, with consentd's options, plus
// ConsentTesting.LedgerTestService: a write that goes over the wire, through
// the router and ConsentLedger into the log, and is answered only once it is
// durable, exactly like the product's writes. The product's write RPCs live in
// other services; this keeps test code out of consentd while the crash test
// still kills a real process at a random moment and restarts it.
//
//   consent-crashtarget --listen 127.0.0.1:0 --data-dir DIR --cert … (consentd's options)
//
// Prints "listening on HOST:PORT" like consentd; has no graceful shutdown
// (the test kills it).
#if canImport(Glibc)
import Glibc
#endif
import ConsentServer
import ConsentTesting

func fail(_ message: String) -> Never {
    let line = "consent-crashtarget: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

let configuration: ServerConfiguration
do {
    guard case .serve(let parsed) = try ServerOptions.parse(Array(CommandLine.arguments.dropFirst())) else {
        fail("takes consentd's server options only")
    }
    configuration = parsed
} catch {
    fail(error.message)
}
ServerLog.configure(minimum: configuration.logLevel)

let server: ConsentHubServer
let address: String
do {
    server = try ConsentHubServer(configuration: configuration, additionalServices: LedgerTestService.register)
    address = "\(try server.start())"
} catch {
    fail("cannot start: \(error.message)")
}
let line = "listening on \(address)\n"
_ = line.withCString { write(1, $0, strlen($0)) }
while true { pause() }
