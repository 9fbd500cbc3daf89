import ConsentOpenSSL

/// consentd's private keys (the TLS key, the token signing key, a private
/// key among the published ones) must be readable by their owner only: a
/// key that its group or other users can read is a key anyone on the
/// machine may already have copied, so consentd refuses to start (or to
/// reload) with it rather than serve with a secret that may not be secret.
enum PrivateKeyPermissions {
    /// - Parameter option: the option that named the file (`--key`, `--signing-key`, …).
    /// - Throws: `ConfigurationError` naming the option, the file and its mode.
    ///   A file that cannot be examined is left to the loader, which says why.
    static func check(_ path: String, option: String) throws(ConfigurationError) {
        do {
            try KeyFile.checkOwnerOnly(path)
        } catch let error as KeyFilePermissionError {
            throw ConfigurationError("\(option): \(error)")
        } catch {
            return
        }
    }

    /// `check` for a file that may hold a public key (then anyone may read it).
    static func checkIfPrivate(_ path: String, option: String) throws(ConfigurationError) {
        guard let pem = try? KeyFile.read(path), KeyFile.holdsPrivateKey(pem) else { return }
        try check(path, option: option)
    }
}
