#if canImport(Glibc)
import Glibc
#endif
@testable import ConsentStore

/// A fresh directory under /tmp, removed (with its files) by `remove()`.
struct TestDirectory {
    let path: String

    init() {
        var template = Array("/tmp/consentstore-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // The log lives in a subdirectory so open() also exercises mkdir.
    }

    /// The data directory the tests open (created by `open`).
    var data: String { path + "/data" }

    func file(_ name: String) -> String { data + "/" + name }

    func remove() {
        let fs = POSIXFileSystem()
        for dir in [data, path] {
            for name in (try? fs.listDirectory(dir)) ?? [] {
                _ = unlink(dir + "/" + name)
            }
            _ = rmdir(dir)
        }
    }

    /// The names in the data directory, sorted.
    func names() -> [String] {
        ((try? POSIXFileSystem().listDirectory(data)) ?? []).sorted()
    }

    func segments() -> [String] { names().filter { $0.hasSuffix(".seg") } }
    func snapshots() -> [String] { names().filter { $0.hasSuffix(".snap") } }

    func read(_ name: String) -> [UInt8] {
        (try? POSIXFileSystem().readFile(file(name))) ?? []
    }

    func write(_ name: String, _ bytes: [UInt8]) {
        let fs = POSIXFileSystem()
        let f = try! fs.open(file(name), mode: .readWrite(create: true))
        try! fs.ftruncate(f, to: 0)
        try! fs.writeAll(f, bytes, at: 0)
        try! fs.close(f)
    }

    func size(_ name: String) -> Int { read(name).count }
}

/// Log options for tests: no automatic snapshots, log lines collected.
func testOptions(_ lines: LogLines = LogLines()) -> LogOptions {
    var options = LogOptions()
    options.snapshotEveryRecords = nil
    options.snapshotEveryBytes = nil
    options.log = { lines.append($0) }
    return options
}
