import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds the built `dsh` executable next to the test bundle.
enum DSH {
    static var executable: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // `swift test` runs <build>/<config>/dshPackageTests.xctest
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        let candidate = dir.appendingPathComponent("dsh").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        // Fall back to the package's own build folders.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for sub in [".build-test/release", ".build/release", ".build/debug"] {
            let p = root.appendingPathComponent(sub).appendingPathComponent("dsh").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return candidate
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs dsh with `arguments`, feeding `stdin`, in `directory`; returns its status and output.
    static func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:],
                    directory: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env["DSH_HISTFILE"] = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-test-history-\(UUID().uuidString)").path
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let directory { p.currentDirectoryURL = directory }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        p.standardError = errPipe
        try p.run()
        inPipe.fileHandleForWriting.write(stdin.data(using: .utf8) ?? Data())
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a full pipe never blocks the child.
        // The reader thread fills `errBox`; the caller reads it only after the thread has finished.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let errThread = Thread { errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile() }
        errThread.start()
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while errThread.isExecuting || !errThread.isFinished { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errBox.data, as: UTF8.self))
    }
}

/// A child process on a pseudo-terminal, driven like a person at a keyboard.
final class PTYSession {
    let pid: pid_t
    let master: Int32
    private(set) var transcript = ""

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        var masterFD: Int32 = -1, slaveFD: Int32 = -1
        var ws = winsize(ws_row: 40, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&masterFD, &slaveFD, nil, nil, &ws) == 0 else { throw POSIXError(.EIO) }
        master = masterFD
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        let argv = ([DSH.executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0)=\($1)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, slaveFD, 0)
        posix_spawn_file_actions_adddup2(&actions, slaveFD, 1)
        posix_spawn_file_actions_adddup2(&actions, slaveFD, 2)
        posix_spawn_file_actions_addclose(&actions, masterFD)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        posix_spawnattr_setflags(&attr, 0x80) // POSIX_SPAWN_SETSID (glibc; not imported into Swift)
        var child: pid_t = 0
        let rc = posix_spawn(&child, DSH.executable, &actions, &attr, argv, envp)
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attr)
        close(slaveFD)
        guard rc == 0 else { close(masterFD); throw POSIXError(.ENOENT) }
        pid = child
    }

    /// Where the transcript ended when input was last sent: ``waitForPrompt(timeout:)`` waits for a prompt
    /// printed after that input's line was submitted, not the prompt that was already showing.
    private var sentAt = 0

    func send(_ text: String) {
        sentAt = transcript.utf8.count
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count) }
    }

    /// Reads until `needle` appears in the output after `from`, or `timeout` seconds pass.
    @discardableResult
    func expect(_ needle: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if transcript.contains(needle) { return true }
            var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 1, 100) > 0 {
                var buf = [UInt8](repeating: 0, count: 4096)
                let n = read(master, &buf, buf.count)
                if n <= 0 { break }
                transcript += String(decoding: buf[0..<n], as: UTF8.self)
            }
        }
        return transcript.contains(needle)
    }

    /// Output received since the marker text's last occurrence.
    func after(_ marker: String) -> String {
        guard let r = transcript.range(of: marker, options: .backwards) else { return "" }
        return String(transcript[r.upperBound...])
    }

    /// Waits until the program shows a fresh prompt (`>>> ` or `... `) and is ready for a key, as
    /// a person waits before typing (keys sent while no line editor runs can be lost).
    @discardableResult
    func waitForPrompt(timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let since = transcript.utf8.dropFirst(sentAt)
            if since.contains(UInt8(ascii: "\n")), transcript.hasSuffix(">>> ") || transcript.hasSuffix("... ") { return true }
            _ = expect("\u{0}", timeout: 0.05)
        }
        return false
    }

    func interrupt() { kill(pid, SIGINT) }

    /// Waits for exit; returns the status, or nil if it had to be killed.
    func wait(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            _ = expect("\u{0}", timeout: 0.05)
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xFF }
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }

    deinit {
        close(master)
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == 0 { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
    }
}
