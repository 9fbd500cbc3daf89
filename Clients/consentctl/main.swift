#if canImport(Glibc)
import Glibc
#endif
import Foundation

exit(Consentctl.run(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
