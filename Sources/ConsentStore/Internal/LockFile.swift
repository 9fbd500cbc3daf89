/// `<dir>/LOCK`, held with `flock(LOCK_EX | LOCK_NB)` for as long as a log is
/// open, so two servers can never append to the same directory. The file holds
/// the owner's pid, only to make the refusal message useful; the lock itself
/// is the kernel's and disappears with the process, even after kill -9.
///
/// flock locks belong to an open file description, so a second `open` of the
/// same directory in the same process is refused too.
package struct LockFile: Sendable {
    let file: OpenFile

    /// - Throws: ``StoreError/directoryInUse(directory:pid:)`` if someone holds
    ///   the lock, ``StoreError/io(_:)`` if the file cannot be opened or written.
    package static func acquire(directory: String, fileSystem: any FileSystem) throws(StoreError) -> LockFile {
        let path = directory + "/" + FileNames.lock
        let file: OpenFile
        do throws(FileSystemError) {
            file = try fileSystem.open(path, mode: .readWrite(create: true))
        } catch {
            throw .io(error)
        }
        let locked: Bool
        do throws(FileSystemError) {
            locked = try fileSystem.tryLockExclusive(file)
            if locked {
                try fileSystem.ftruncate(file, to: 0)
                try fileSystem.writeAll(file, Array("\(Process.id)\n".utf8), at: 0)
            }
        } catch {
            try? fileSystem.close(file)
            throw .io(error)
        }
        guard locked else {
            let owner = try? fileSystem.read(file, count: 32, at: 0)
            try? fileSystem.close(file)
            let pid = owner.flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingWhitespace) }
            throw .directoryInUse(directory: directory, pid: pid)
        }
        return LockFile(file: file)
    }

    /// Releases the lock, then closes the descriptor.
    ///
    /// Unlocking explicitly matters: a flock belongs to the open file
    /// description, and a child process forked by another thread holds a copy
    /// of every descriptor until its `exec` closes the close-on-exec ones. A
    /// close alone would leave the lock held for that moment, and a reopen of
    /// the directory right after would be refused as "in use".
    package func release(fileSystem: any FileSystem) {
        try? fileSystem.unlock(file)
        try? fileSystem.close(file)
    }
}

extension String {
    var trimmingWhitespace: String {
        String(self.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
