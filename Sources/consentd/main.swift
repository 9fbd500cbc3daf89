// consentd: parse the options, start the hub, wait for signals. Everything
// testable lives in ConsentServer; this file only wires the process.
#if canImport(Glibc)
import Glibc
#endif
import ConsentServer
import Foundation

let command: ServerCommand
do {
    command = try ServerOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("consentd: \(error.message)\n".utf8))
    exit(2)
}

switch command {
case .help:
    print(ServerOptions.helpText())
case .version:
    print("consentd \(ConsentHubVersion.current)")
case .verifyData(let configuration):
    exit(DataVerification.run(configuration))
case .migrate(let from, let to):
    exit(Migration.run(from: from, to: to).verdict.rawValue)
case .serve(let configuration):
    // SIGHUP parses the same arguments again, re-reading --config's file.
    exit(ServerProcess.run(configuration) { () throws(ConfigurationError) -> ServerConfiguration in
        guard case .serve(let fresh) = try ServerOptions.parse(Array(CommandLine.arguments.dropFirst())) else { return configuration }
        return fresh
    })
}
