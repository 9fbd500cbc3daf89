import ConsentRPC

/// Why a command stopped, and the exit code that tells scripts which kind of
/// failure it was.
public struct CLIError: Error {
    public enum Kind: Sendable {
        /// The command line is wrong. Exit 2.
        case usage
        /// The server answered with a status other than OK. Exit 1.
        case refused(StatusCode)
        /// No answer: cannot connect, TLS handshake failed, connection lost. Exit 3.
        case connection
        /// Something on this machine: a file that cannot be read or written. Exit 4.
        case local
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
    public static func local(_ message: String) -> CLIError { CLIError(.local, message) }

    /// Exit codes, documented in `consentctl --help` and the README.
    public var exitCode: Int32 {
        switch kind {
        case .usage: 2
        case .refused: 1
        case .connection: 3
        case .local: 4
        }
    }

    /// The status code of a refusal, nil for the other kinds.
    public var statusCode: StatusCode? {
        if case .refused(let code) = kind { return code }
        return nil
    }

    /// A server refusal or a transport failure, with a hint about what to do.
    /// Refusals start with the status code's name (`PERMISSION_DENIED: …`).
    public init(_ error: RPCError, server: String) {
        if error.code == .unavailable, let hint = Self.connectionHint(error.message, server: server) {
            self.init(.connection, "\(error.message)\n  hint: \(hint)")
            return
        }
        let hint: String
        switch error.code {
        case .unauthenticated: hint = "the server does not know this client certificate: check --cert/--key and the server's principals file"
        case .permissionDenied where error.trailers["x-consent-reason"] != nil:
            // A rule of the hub (ownership, what the consent covers), not a missing role.
            hint = "the hub's rules do not let this caller do this to this object: the message says which rule"
        case .permissionDenied: hint = "this certificate's principal lacks the role for this call: use --profile (or --cert/--key) of a principal that has it"
        case .invalidArgument: hint = "check the arguments (consentctl <command> --help)"
        case .notFound: hint = "check the id; a consumer sees only its own requests, a data source only its own resources"
        case .deadlineExceeded: hint = "the server did not answer in time: raise --timeout or check the server's load"
        case .failedPrecondition: hint = "the object is not in a state that allows this (see its status)"
        case .unavailable: hint = "the server cannot do this now (shutting down, or its storage failed): retry later or check its log"
        case .unimplemented: hint = "the server does not have this method: is it an older consentd?"
        case .alreadyExists: hint = "it exists already; an idempotent retry must send the same content"
        case .resourceExhausted: hint = "a server limit was reached (calls per connection, frame size): send fewer calls at once or smaller batches"
        case .cancelled: hint = "the call was cancelled (the server shut down before answering, or the client gave up)"
        case .internalError: hint = "a server bug: the details are in consentd's log"
        default: hint = ""
        }
        self.init(.refused(error.code), "\(error.code.name): \(error.message)" + (hint.isEmpty ? "" : "\n  hint: \(hint)"))
    }

    /// What to do when no answer came, told apart by what the transport
    /// reported; nil when the UNAVAILABLE came from the server itself
    /// ("server is shutting down").
    static func connectionHint(_ message: String, server: String) -> String? {
        let text = message.lowercased()
        let checkFiles = "check --server, --ca, --cert, --key (or the profile: consentctl profile show)"
        if text.contains("certificate verify failed") || (text.contains("verify") && text.contains("mismatch")) {
            return "this client does not trust the server's certificate: --ca must be the CA that signed the server's certificate, and --server must name a host or IP address the certificate carries"
        }
        if text.contains("unknown ca") || text.contains("certificate required") || text.contains("bad certificate")
            || text.contains("certificate unknown") || text.contains("unsupported certificate") || text.contains("certificate expired")
        {
            return "the server refused this client certificate: --cert/--key must come from a CA in the server's --client-ca file (and be unexpired)"
        }
        if text.contains("no application protocol") || text.contains("alpn") {
            return "the server at \(server) does not speak consent-rpc/1: is this port a consentd?"
        }
        if text.contains("cannot resolve") { return "check the host name in --server (\(server))" }
        if text.contains("timed out") {
            return "nothing answered at \(server) in time: check --server and any firewall; raise --timeout on a slow network"
        }
        if text.contains("connect") || text.contains("handshake") || text.contains("connection") {
            return "is consentd running at \(server)? (`make run` starts one); \(checkFiles)"
        }
        return nil
    }
}
