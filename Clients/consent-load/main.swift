// consent-load: the load generator. Everything but this line is in the
// ConsentLoad library (Clients/consent-load/Library), where tests reach it.
#if canImport(Glibc)
import Glibc
#endif
import ConsentLoad
import Foundation

exit(LoadCommand.main(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
