/// The trailers a refusal carries beside its status, for programs: they need
/// not parse the message. One home for the keys: the transport's limits and
/// the domain's refusals use the same ones (docs/PROTOCOL.md §9, §11).
public enum ErrorTrailers {
    /// A stable, machine-readable reason, e.g. `connections_per_address`,
    /// `open_requests_quota`, `not_yours`.
    public static let reason = "x-consent-reason"
    /// With `RESOURCE_EXHAUSTED`: how long to wait before trying again, in
    /// milliseconds (a whole number, as text).
    public static let retryAfterMilliseconds = "x-consent-retry-after-ms"

    /// `RESOURCE_EXHAUSTED` with `reason` and a retry hint.
    public static func resourceExhausted(_ message: String, reason: String, retryAfterMilliseconds: Int) -> CallResult {
        CallResult(code: .resourceExhausted, message: message, trailers: [
            Self.reason: reason, Self.retryAfterMilliseconds: String(max(0, retryAfterMilliseconds)),
        ])
    }
}
