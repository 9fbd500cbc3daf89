/// One resource the consent covers, with the metadata the user agreed to
/// (a `consentRights` entry: `action` is `["consent"]`, followed by the
/// actions beyond reading the resource grants, issue 12).
public struct ConsentRight: Hashable, Sendable {
    /// The resource id, e.g. `5252_1` or `ttd_inntektsopplysninger`.
    public var resource: String
    /// The resource's metadata as consented, e.g. `fraOgMed: "01.01.2024"`.
    /// Written to the token sorted by key, so equal values give equal bytes.
    public var metadata: [String: String]
    /// What the consumer may do beyond reading, e.g. `submit-application`:
    /// written after `consent` in `action`.
    public var actions: [String]

    public init(resource: String, metadata: [String: String] = [:], actions: [String] = []) {
        self.resource = resource
        self.metadata = metadata
        self.actions = actions
    }
}
