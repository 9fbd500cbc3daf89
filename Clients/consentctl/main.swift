// consentctl: the commands are in ConsentctlCommands (Clients/consentctl/Commands).
#if canImport(Glibc)
import Glibc
#endif
import ConsentctlCommands
import Foundation

exit(Consentctl.run(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
