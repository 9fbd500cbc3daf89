#if canImport(Glibc)
import Glibc
#endif
// consent-load. For now only the transport measurement (TransportEcho.swift):
//   consent-load transport-echo-server [--threads 1] [--port 0] [--certs DIR]
//   consent-load transport-echo --port P --server-pid PID [--inflight N] [--seconds S] [--certs DIR]
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "transport-echo-server": try transportEchoServer(arguments)
    case "transport-echo": try transportEchoClient(arguments)
    default: print("consent-load: usage: consent-load transport-echo-server | transport-echo --port P --server-pid PID [--inflight N]")
    }
} catch {
    print("consent-load: \(error)")
    exit(1)
}
