/// When a new certificate is valid, relative to the moment it is issued.
public struct CertificateValidity: Sendable, Hashable {
    /// Seconds from now to `notBefore`; negative backdates the certificate so
    /// that peers whose clocks run a little behind accept it at once.
    public var startOffset: Int64
    /// Seconds from `notBefore` to `notAfter`.
    public var lifetime: Int64

    public init(startOffset: Int64 = -3_600, lifetime: Int64) {
        self.startOffset = startOffset
        self.lifetime = lifetime
    }

    /// Valid from an hour ago for `count` days.
    public static func days(_ count: Int) -> CertificateValidity {
        CertificateValidity(lifetime: Int64(count) * 86_400)
    }

    /// The development default: two years.
    public static let development = CertificateValidity.days(730)
}
