#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes with Python-style error messages naming the path, e.g.
/// `[Errno 2] No such file or directory: 'out/x.png'`.
enum FileIO {
    static func osError(_ path: String, _ code: Int32) -> ImagingError {
        let reason = String(cString: strerror(code))
        return ImagingError(.io, "[Errno \(code)] \(reason): '\(path)'", errno: code)
    }

    static func readAll(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw osError(path, errno) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { throw osError(path, EISDIR) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw osError(path, errno)
            }
            if n == 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    static func writeAll(_ bytes: [UInt8], path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw osError(path, errno) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + done }, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                throw osError(path, e)
            }
            done += n
        }
        guard close(fd) == 0 else { throw osError(path, errno) }
    }
}
