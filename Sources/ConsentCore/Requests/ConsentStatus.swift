/// The state of a request, and of the consent it becomes (Altinn 3's statuses,
/// plus ``usedUp`` for a one-time consent after its use).
///
/// ```
/// created ──accept──▶ accepted ──revoke (user, admin, consumer)──▶ revoked
///    │                   │  └──first use (one-time)──▶ usedUp
///    │                   └──valid-to passes──▶ expired
///    ├──reject──▶ rejected
///    ├──delete (consumer)──▶ deleted
///    └──answer deadline passes──▶ expired
/// ```
/// "Expired" is computed on read from the stored deadlines (Altinn 3 style), so
/// it holds at the right instant even if no expiry event has been written yet.
public enum ConsentStatus: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Waiting for the user's answer (samtykkeforespørsel opprettet).
    case created = 1
    /// Accepted: a live consent (samtykke gitt).
    case accepted = 2
    /// The user said no.
    case rejected = 3
    /// The user withdrew the consent (samtykke trukket).
    case revoked = 4
    /// The answer deadline or the consent's validity passed (utløpt).
    case expired = 5
    /// A one-time consent after its first use (engangssamtykke opphørt).
    case usedUp = 6
    /// The consumer deleted the request before anyone answered it (Altinn 3's
    /// `deleted`): it can never be accepted, and it leaves the person's list.
    case deleted = 7

    /// Whether the consent may be used now.
    public var isLive: Bool { self == .accepted }

    public var description: String {
        switch self {
        case .created: return "created"
        case .accepted: return "accepted"
        case .rejected: return "rejected"
        case .revoked: return "revoked"
        case .expired: return "expired"
        case .usedUp: return "usedUp"
        case .deleted: return "deleted"
        }
    }
}
