import Foundation
import Testing
@testable import ConsentCore

/// Review of snapshot version 5 (branch restart2): the version-4 snapshots
/// every running installation has on disk still decode to the same state, and
/// damage at any byte, or a cut at any length, of a version-5 snapshot
/// decoded on two threads is refused or loads as on one thread, never traps
/// (a restart now decodes before the checksum is known good).
@Suite("Snapshot sections, review")
struct SnapshotSectionsReviewTests {
    static let corpus = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "FuzzTesting/Corpus/FuzzSnapshot")

    static func input(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: corpus.appending(path: name)))
    }

    @Test("Version-4 snapshots (main's encoder, the fuzz corpus) decode to the states their version-5 counterparts hold, on one and two threads")
    func versionFourEqualsVersionFive() throws {
        let helper = SnapshotSectionsTests.Helper()
        for n in 1...5 {
            let four = try Self.input("snapshot-\(n)"), five = try Self.input("snapshot-v5-\(n)")
            #expect(four[6] == 4 && five[6] == 5)
            let fromFour = try ConsentState(snapshot: four)
            #expect(try ConsentState(snapshot: four, helper: helper.helper) == fromFour)
            #expect(try ConsentState(snapshot: five, helper: helper.helper) == fromFour, "snapshot-\(n)")
            // Written again it is version 5, of the same length as the version-5 input.
            let again = fromFour.encodeSnapshot()
            #expect(again[6] == 5 && again.count == five.count)
            #expect(try ConsentState(snapshot: again) == fromFour)
        }
        #expect(helper.runs == 5, "the version-5 inputs ran their events section on the lent thread, version 4 never")
    }

    @Test("Every byte of a version-5 snapshot damaged, and every cut, decoded on two threads: refused or equal to the one-thread decode")
    func everyByteAndEveryCut() throws {
        let bytes = try SnapshotSectionsTests.state().encodeSnapshot()
        let helper = SnapshotSectionsTests.Helper()
        @discardableResult
        func check(_ damaged: [UInt8]) -> Bool {
            let two = try? ConsentState(snapshot: damaged, helper: helper.helper)
            let one = try? ConsentState(snapshot: damaged)
            #expect(one == two)
            return two != nil
        }
        for at in 7..<bytes.count {
            // One bit, or the whole byte, alternately: every byte is damaged once.
            var damaged = bytes
            damaged[at] ^= at.isMultiple(of: 2) ? 0x01 : 0xFF
            check(damaged)
        }
        // (A flipped byte in a time, a digest or a text still decodes: the
        // file's CRC-32C refuses those.) A cut anywhere is always refused.
        let cutsLoaded = (0..<bytes.count).filter { check(Array(bytes[..<$0])) }
        #expect(cutsLoaded.isEmpty)
    }
}
