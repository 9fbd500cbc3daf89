/// The security level of the end user's login (sikkerhetsnivå), 1 to 4.
///
/// ID-porten's level 3 is "substantial" (e.g. MinID), level 4 "high" (BankID).
/// Each resource sets the level needed to consent; NAV requires 4 (seed 003:
/// "Brukeren blir bedt om å logge seg på ID-porten (på nivå 4)").
public struct AssuranceLevel: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 1...4.
    public let value: UInt8

    /// Creates a level.
    /// - Throws: `invalidArgument` with reason `assurance_level_invalid` outside 1...4.
    public init(validating value: Int) throws(DomainError) {
        guard (1...4).contains(value) else { throw .assuranceLevelInvalid(value) }
        self.value = UInt8(value)
    }

    init(unchecked value: UInt8) {
        self.value = value
    }

    /// Level 3, "substantial".
    public static let substantial = AssuranceLevel(unchecked: 3)
    /// Level 4, "high".
    public static let high = AssuranceLevel(unchecked: 4)

    public static func < (lhs: AssuranceLevel, rhs: AssuranceLevel) -> Bool { lhs.value < rhs.value }

    public var description: String { "level \(value)" }
}
