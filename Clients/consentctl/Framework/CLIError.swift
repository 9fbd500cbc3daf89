import ConsentRPC

/// Why consentctl stopped, and the exit code that tells scripts which kind of
/// failure it was.
struct CLIError: Error {
    enum Kind {
        /// The command line is wrong. Exit 2.
        case usage
        /// The server answered with a status other than OK. Exit 1.
        case refused(StatusCode)
        /// No answer: cannot connect, TLS handshake failed, connection lost. Exit 3.
        case connection
        /// Something on this machine: a file that cannot be read or written. Exit 4.
        case local
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
    static func local(_ message: String) -> CLIError { CLIError(.local, message) }

    /// Exit codes, documented in `consentctl --help` and the README.
    var exitCode: Int32 {
        switch kind {
        case .usage: 2
        case .refused: 1
        case .connection: 3
        case .local: 4
        }
    }

    /// A server refusal or a transport failure, with a hint about what to do.
    init(_ error: RPCError, server: String) {
        let hint: String
        switch error.code {
        case .unavailable where error.message.contains("connect") || error.message.contains("handshake") || error.message.contains("connection"):
            self.init(.connection, "\(error.message)\n  hint: is consentd running at \(server)? (`make run` starts one); check --server, --ca, --cert, --key")
            return
        case .unauthenticated: hint = "the server does not know this client certificate: check --cert/--key and the server's principals file"
        case .permissionDenied: hint = "this certificate's principal lacks the role for this call: use --profile (or --cert/--key) of a principal that has it"
        case .invalidArgument: hint = "check the arguments (consentctl <command> --help)"
        case .notFound: hint = "check the id; a consumer sees only its own requests, a data source only its own resources"
        case .deadlineExceeded: hint = "the server did not answer in time: raise --timeout or check the server's load"
        case .failedPrecondition: hint = "the object is not in a state that allows this (see its status)"
        case .unavailable: hint = "the server cannot do this now (shutting down, or its storage failed): retry later or check its log"
        case .unimplemented: hint = "the server does not have this method: is it an older consentd?"
        case .alreadyExists: hint = "it exists already; an idempotent retry must send the same content"
        default: hint = ""
        }
        self.init(.refused(error.code), "\(error.code.name): \(error.message)" + (hint.isEmpty ? "" : "\n  hint: \(hint)"))
    }
}
