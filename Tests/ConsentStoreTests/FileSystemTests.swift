#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

@Suite("File system layer")
struct FileSystemTests {
    @Test("errors name the call, the path and the errno symbol")
    func errorsAreDescriptive() {
        let fs = POSIXFileSystem()
        do {
            _ = try fs.open("/nonexistent-consentstore/x", mode: .readOnly)
            Issue.record("open succeeded")
        } catch {
            #expect(error == FileSystemError(call: "open", path: "/nonexistent-consentstore/x", errno: ENOENT))
            #expect(error.description == "open(/nonexistent-consentstore/x): No such file or directory (ENOENT)")
        }
    }

    @Test("open refuses a directory whose parent is missing, with the mkdir error")
    func missingParent() {
        do {
            _ = try ToyLog.open(directory: "/nonexistent-consentstore/data", options: testOptions())
            Issue.record("open succeeded")
        } catch {
            #expect(error == .io(FileSystemError(call: "mkdir", path: "/nonexistent-consentstore/data", errno: ENOENT)))
        }
    }

    @Test("a planned fault fires on the Nth matching call only, and the calls are counted")
    func faultPlanning() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fs = FaultInjectingFileSystem()
        fs.inject(.init(.fdatasync, errno: EIO, after: 2))
        let file = try fs.open(dir.path + "/f", mode: .createNew)
        defer { try? fs.close(file) }
        try fs.fdatasync(file)
        try fs.fdatasync(file)
        #expect(throws: FileSystemError(call: "fdatasync", path: dir.path + "/f", errno: EIO)) { try fs.fdatasync(file) }
        try fs.fdatasync(file)
        #expect(fs.counts.fdatasync == 4)
    }
}
