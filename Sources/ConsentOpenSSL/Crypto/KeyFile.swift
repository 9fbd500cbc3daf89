#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation on a key or certificate that failed.
public struct KeyFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What was attempted: "open", "write", "read", "create directory".
    public var operation: String
    /// The `errno` value.
    public var code: Int32

    public init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}

/// A private key file that someone besides its owner may read or change.
public struct KeyFilePermissionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// Its permission bits, e.g. `0o644`.
    public var mode: UInt32

    public init(path: String, mode: UInt32) {
        self.path = path
        self.mode = mode
    }

    /// `0644`
    public var octalMode: String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public var description: String {
        let who = [(mode & 0o070 != 0, "its group"), (mode & 0o007 != 0, "other users")].filter(\.0).map(\.1).joined(separator: " and ")
        return "private key file \(path) has mode \(octalMode): \(who) may read or change it; "
            + "a private key must be for its owner only (chmod 600 \(path))"
    }
}

/// Reading and writing PEM files with the permissions keys need.
public enum KeyFile {
    /// The permission bits a private key file may not have: any for the
    /// group or others (as OpenSSH refuses such keys).
    public static let forbiddenPrivateKeyBits: UInt32 = 0o077

    /// Checks that only its owner may read or change the private key at `path`.
    /// - Throws: `KeyFilePermissionError` naming the file and its mode;
    ///   `KeyFileError` if the file cannot be examined.
    public static func checkOwnerOnly(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { throw KeyFileError(path: path, operation: "stat", code: errno) }
        let mode = UInt32(status.st_mode) & 0o7777
        if mode & forbiddenPrivateKeyBits != 0 { throw KeyFilePermissionError(path: path, mode: mode) }
    }

    /// Whether the PEM text holds a private key (of any kind, encrypted or not).
    public static func holdsPrivateKey(_ pem: String) -> Bool {
        pem.contains("PRIVATE KEY-----")
    }

    /// Reads a whole file as UTF-8 text.
    /// - Throws: `KeyFileError` if it cannot be opened or read.
    public static func read(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw KeyFileError(path: path, operation: "open", code: errno) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw KeyFileError(path: path, operation: "read", code: errno)
            }
            if count == 0 { break }
            contents.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: contents, as: UTF8.self)
    }

    /// Writes `text` to `path`, replacing the file, with permission bits `mode`.
    ///
    /// The mode is applied when the file is created and again with `fchmod`,
    /// so an existing file with wider permissions is narrowed before any
    /// secret byte is written into it.
    /// - Parameters:
    ///   - mode: `0o600` for private keys, `0o644` for certificates.
    /// - Throws: `KeyFileError` if it cannot be opened or written.
    public static func write(_ text: String, to path: String, mode: UInt32) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard descriptor >= 0 else { throw KeyFileError(path: path, operation: "open", code: errno) }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode_t(mode)) == 0 else {
            throw KeyFileError(path: path, operation: "chmod", code: errno)
        }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw KeyFileError(path: path, operation: "write", code: errno)
            }
            written += count
        }
    }

    /// Creates `path` as a directory (mode 0700) unless it already is one.
    /// - Throws: `KeyFileError` if it cannot be created.
    public static func createDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw KeyFileError(path: path, operation: "create directory", code: errno)
        }
    }
}
