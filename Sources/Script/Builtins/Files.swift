import Foundation

/// A text file opened with `open()`: read/write whole text, line iteration, `with` support.
final class PyFile: PyObject {
    let path: String
    let mode: String
    private var content: [Unicode.Scalar] = []
    private var position = 0
    private var buffer = ""
    private(set) var closed = false

    init(path: String, mode: String) throws {
        self.path = path
        self.mode = mode
        var isDir: ObjCBool = false
        if mode.hasPrefix("r") {
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw PyException.fileNotFound(path) }
            if isDir.boolValue { throw isADirectory(path) }
            guard let data = FileManager.default.contents(atPath: path) else { throw PyException.osError("cannot read '\(path)'") }
            content = Array(String(decoding: data, as: UTF8.self).unicodeScalars)
        } else {
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { throw isADirectory(path) }
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) { throw PyException.fileNotFound(path) }
            if mode.hasPrefix("a"), let data = FileManager.default.contents(atPath: path) {
                buffer = String(decoding: data, as: UTF8.self)
            }
            guard FileManager.default.createFile(atPath: path, contents: buffer.data(using: .utf8)) else {
                throw PyException.osError("cannot open '\(path)' for writing")
            }
        }
    }

    private func isADirectory(_ p: String) -> PyException {
        let e = PyException(PyException.isADirectoryErrorType, [.int(21), .str("Is a directory")])
        e.fileNameForMessage = p
        return e
    }

    var typeName: String { "TextIOWrapper" }
    func repr() throws -> String { "<_io.TextIOWrapper name=\(quoteString(path)) mode=\(quoteString(mode)) encoding='UTF-8'>" }
    var attributeNames: [String] { ["close", "closed", "mode", "name", "read", "readline", "readlines", "write", "writelines", "flush"] }

    func checkOpen() throws { if closed { throw PyException.valueError("I/O operation on closed file.") } }

    func readLine() -> String? {
        guard position < content.count else { return nil }
        var out = String.UnicodeScalarView()
        while position < content.count {
            let c = content[position]
            position += 1
            out.append(c)
            if c == "\n" { break }
        }
        return String(out)
    }

    func flushToDisk() throws {
        guard !mode.hasPrefix("r") else { return }
        guard FileManager.default.createFile(atPath: path, contents: buffer.data(using: .utf8)) else {
            throw PyException.osError("cannot write '\(path)'")
        }
    }

    func getAttribute(_ name: String) throws -> Value? {
        func m(_ body: @escaping (Arguments) throws -> Value) -> Value { .builtin(BuiltinFunction(name, owner: typeName, body)) }
        switch name {
        case "name": return .str(path)
        case "mode": return .str(mode)
        case "closed": return .bool(closed)
        case "read":
            return m { [self] a in
                try checkOpen()
                guard mode.hasPrefix("r") else { throw PyException.osError("not readable") }
                let n = try a.int(0, "size", default: -1)
                let end = n < 0 ? content.count : min(content.count, position + n)
                let s = String(String.UnicodeScalarView(content[position..<end]))
                position = end
                return .str(s)
            }
        case "readline": return m { [self] _ in try checkOpen(); return .str(readLine() ?? "") }
        case "readlines":
            return m { [self] _ in
                try checkOpen()
                var out: [Value] = []
                while let l = readLine() { out.append(.str(l)) }
                return .list(PyList(out))
            }
        case "write":
            return m { [self] a in
                try checkOpen()
                guard !mode.hasPrefix("r") else { throw PyException.osError("not writable") }
                let s = try a.string(0, "s")
                buffer += s
                return .int(s.unicodeScalars.count)
            }
        case "writelines":
            return m { [self] a in
                try checkOpen()
                for v in try iterateToArray(try a.value(0, "lines")) { buffer += try stringArg(v, "line") }
                return .none
            }
        case "flush": return m { [self] _ in try flushToDisk(); return .none }
        case "close": return m { [self] _ in try close(); return .none }
        default: return nil
        }
    }

    func close() throws {
        if closed { return }
        try flushToDisk()
        closed = true
    }

    func makeIterator() throws -> PyIterator? {
        try checkOpen()
        return PyIterator("TextIOWrapper") { [self] in readLine().map { .str($0) } }
    }

    var isContextManager: Bool { true }
    func enter() throws -> Value { .object(self) }
    func exit(_ error: PyException?) throws -> Bool { try close(); return false }
}

func openFile(_ a: Arguments) throws -> Value {
    try a.check(maxPositional: 3, keywords: ["file", "mode", "encoding", "newline", "errors"])
    let path = try a.string(0, "file")
    let mode = try a.string(1, "mode", default: "r")
    if mode.contains("b") { throw PyException.valueError("binary file modes are not supported by dsh (mode '\(mode)')") }
    guard let f = mode.first, "rwax".contains(f) else { throw PyException.valueError("invalid mode: '\(mode)'") }
    if f == "x" && FileManager.default.fileExists(atPath: path) {
        let e = PyException(PyException.fileExistsErrorType, [.int(17), .str("File exists")])
        e.fileNameForMessage = path
        throw e
    }
    return .object(try PyFile(path: path, mode: f == "x" ? "w" : mode))
}
