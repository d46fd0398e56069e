import Foundation
#if canImport(Glibc)
import Glibc
#endif

// The safetensors format (https://github.com/huggingface/safetensors):
//
//     [u64 little-endian N] [N bytes of JSON header, padded with spaces] [data buffer]
//
// The header maps each tensor name to `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}`
// (offsets relative to the data buffer) plus an optional `"__metadata__"` object of strings. A valid
// file's tensors tile the data buffer exactly: sorted by offset, each begins where the previous one
// ends, and the last one ends at the end of the file.

/// A dtype as the safetensors format spells it, with its size and the ``DType`` dsh gives it.
struct SafeTensorsDType {
    /// The format's name, e.g. `"F16"`.
    let name: String
    /// Bits per element.
    let bits: Int
    /// The tag the loaded tensor carries.
    let dtype: DType

    static let all: [String: SafeTensorsDType] = {
        let list: [(String, Int, DType)] = [
            ("BOOL", 8, .bool), ("U8", 8, .uint8), ("I8", 8, .int32), ("I16", 16, .int32), ("U16", 16, .int32),
            ("I32", 32, .int32), ("U32", 32, .int64), ("I64", 64, .int64), ("U64", 64, .int64),
            ("F16", 16, .float16), ("BF16", 16, .bfloat16), ("F32", 32, .float32), ("F64", 64, .float64),
            ("F8_E4M3", 8, .float32), ("F8_E5M2", 8, .float32),
        ]
        var d: [String: SafeTensorsDType] = [:]
        for (n, b, t) in list { d[n] = SafeTensorsDType(name: n, bits: b, dtype: t) }
        return d
    }()

    /// The format name dsh writes for a tensor of `dtype`.
    static func name(for dtype: DType) -> String {
        switch dtype {
        case .bool: return "BOOL"
        case .uint8: return "U8"
        case .int32: return "I32"
        case .int64: return "I64"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .float32: return "F32"
        case .float64: return "F64"
        }
    }

    /// The order the Python library writes tensors in: larger alignment first (its Rust `Dtype`
    /// enum order, descending), then by name.
    static func writeRank(_ name: String) -> Int {
        switch name {
        case "BOOL": return 0
        case "U8": return 4
        case "I8": return 5
        case "F8_E5M2": return 6
        case "F8_E4M3": return 7
        case "I16": return 9
        case "U16": return 10
        case "F16": return 11
        case "BF16": return 12
        case "I32": return 13
        case "U32": return 14
        case "F32": return 15
        case "F64": return 17
        case "I64": return 18
        case "U64": return 19
        default: return -1
        }
    }
}

/// The memory-mapped bytes of a file; unmapped when the last tensor borrowing them goes away.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeMutableRawPointer?
    let size: Int
    private let mapped: Bool

    /// A copy of `bytes` in ordinary memory, read like a mapped file (for tests).
    init(copying bytes: [UInt8]) {
        size = bytes.count
        mapped = false
        if bytes.isEmpty { base = nil; return }
        let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 4096)
        bytes.withUnsafeBytes { src in
            if let from = src.baseAddress { p.copyMemory(from: from, byteCount: bytes.count) }
        }
        base = p
    }

    /// Maps `path` copy-on-write: tensors borrowing the bytes may be written in place without
    /// touching the file.
    init(path: String, describe: (String) -> TensorError) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw describe("cannot open the file (\(reason))")
        }
        defer { close(fd) }
        mapped = true
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw describe("cannot stat the file") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw describe("not a regular file") }
        size = Int(st.st_size)
        if size == 0 { base = nil; return }
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            let reason = String(cString: strerror(errno))
            throw describe("cannot map the file (\(reason))")
        }
        base = p
    }

    deinit {
        guard let base else { return }
        if mapped { munmap(base, size) } else { base.deallocate() }
    }
}

/// A `.safetensors` file opened for reading (memory-mapped).
///
/// Opening parses and validates the whole header (dtypes, shapes, offsets tiling the data exactly),
/// so a file that opens can be read in full. float32 data at a 4-byte-aligned position is not
/// copied: the tensor borrows the mapped bytes (copy-on-write, so in-place writes stay private).
/// Other dtypes are converted to float32 storage and keep their own ``DType`` tag: `F16` loads as
/// a `.float16` tensor, `BF16` as `.bfloat16`, `F64` as `.float64`, `I64`/`U64`/`U32` as `.int64`,
/// `I32`/`I16`/`U16`/`I8` as `.int32`, `U8` as `.uint8`, `BOOL` as `.bool`; `F8_E4M3`/`F8_E5M2` load
/// as `.float32`. Integers beyond 2^24 lose precision (see ``DType``).
public final class SafeTensorsFile: @unchecked Sendable {
    /// Tensor names in header order.
    public let names: [String]
    /// The `__metadata__` strings.
    public let metadata: [String: String]
    /// The path the file was opened from (errors name it).
    public let path: String

    struct Entry {
        let format: SafeTensorsDType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    private let entries: [String: Entry]
    private let file: MappedFile
    /// Position of the data buffer in the file.
    private let dataStart: Int
    /// Storages over the mapping handed out so far (see `tensor(_:)`).
    private var borrowed: [String: Storage] = [:]
    private let lock = NSLock()

    /// The largest header the Python library accepts.
    static let maxHeaderSize = 100_000_000

    /// Opens and validates the file; errors name the file and the problem.
    public convenience init(path: String) throws {
        let fail = { (problem: String) in TensorError(.format, "safetensors: \(path): \(problem)") }
        try self.init(path: path, file: try MappedFile(path: path, describe: fail))
    }

    /// Reads the format from bytes in memory (`path` only names them in errors).
    convenience init(bytes: [UInt8], path: String = "<memory>") throws {
        try self.init(path: path, file: MappedFile(copying: bytes))
    }

    private init(path: String, file: MappedFile) throws {
        self.path = path
        self.file = file
        let fail = { (problem: String) in TensorError(.format, "safetensors: \(path): \(problem)") }
        guard file.size >= 8, let base = file.base else {
            throw fail("file is too short (\(file.size) bytes) to hold the 8-byte header length")
        }
        let n64 = base.loadUnaligned(as: UInt64.self).littleEndian
        guard n64 <= UInt64(SafeTensorsFile.maxHeaderSize) else {
            throw fail("header length \(n64) is larger than the format allows (\(SafeTensorsFile.maxHeaderSize))")
        }
        let n = Int(n64)
        guard 8 + n <= file.size else {
            throw fail("header length \(n) runs past the end of the file (\(file.size) bytes); the file may be truncated")
        }
        guard n >= 2, base.load(fromByteOffset: 8, as: UInt8.self) == UInt8(ascii: "{") else {
            throw fail("header does not start with '{'")
        }
        dataStart = 8 + n
        let headerBytes = Array(UnsafeRawBufferPointer(start: base + 8, count: n))
        let header: JSONValue
        do { header = try JSONValue.parse(bytes: headerBytes) } catch {
            throw fail("header is not valid JSON (\(error))")
        }
        guard let members = header.objectValue else { throw fail("header is not a JSON object") }

        var names: [String] = []
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var sawMetadata = false
        for (name, value) in members {
            if name == "__metadata__" {
                guard !sawMetadata else { throw fail("header has two __metadata__ entries") }
                sawMetadata = true
                if value.isNull { continue }
                guard let pairs = value.objectValue else { throw fail("__metadata__ is not an object of strings") }
                for (k, v) in pairs {
                    guard let s = v.stringValue else { throw fail("__metadata__ entry '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard entries[name] == nil else { throw fail("tensor '\(name)' appears twice in the header") }
            entries[name] = try SafeTensorsFile.parseEntry(name, value, fail: fail)
            names.append(name)
        }

        // The tensors must tile the data buffer exactly.
        let dataSize = file.size - dataStart
        let byOffset = entries.sorted { a, b in (a.value.begin, a.value.end, a.key) < (b.value.begin, b.value.end, b.key) }
        var cursor = 0
        for (name, e) in byOffset {
            guard e.begin == cursor else {
                if e.begin < cursor {
                    throw fail("tensor '\(name)' data_offsets [\(e.begin), \(e.end)] overlap the previous tensor (which ends at \(cursor))")
                }
                throw fail("tensor '\(name)' data_offsets [\(e.begin), \(e.end)] leave a gap after byte \(cursor) of the data")
            }
            guard e.end <= dataSize else {
                throw fail("tensor '\(name)' data_offsets [\(e.begin), \(e.end)] run past the end of the data (\(dataSize) bytes); the file may be truncated")
            }
            cursor = e.end
        }
        guard cursor == dataSize else {
            throw fail("the tensors cover \(cursor) bytes of data but the file holds \(dataSize)")
        }
        self.names = names
        self.entries = entries
        self.metadata = metadata
    }

    private static func parseEntry(_ name: String, _ value: JSONValue, fail: (String) -> TensorError) throws -> Entry {
        guard value.objectValue != nil else { throw fail("header entry for tensor '\(name)' is not an object") }
        guard let dt = value["dtype"]?.stringValue else { throw fail("tensor '\(name)' has no dtype") }
        guard let format = SafeTensorsDType.all[dt] else { throw fail("tensor '\(name)' has unknown dtype '\(dt)'") }
        guard let dims = value["shape"]?.arrayValue else { throw fail("tensor '\(name)' has no shape") }
        var shape: [Int] = []
        var elements = 1
        for d in dims {
            guard case .int(let v) = d else { throw fail("tensor '\(name)' has a shape entry that is not an integer: \(d)") }
            guard v >= 0 else { throw fail("tensor '\(name)' has a negative dimension in shape \(shapeString(shape + [v]))") }
            let (p, overflow) = elements.multipliedReportingOverflow(by: v)
            guard !overflow, p <= Int(Int32.max) * 64 else {
                throw fail("tensor '\(name)' has an impossibly large shape \(dims.map { $0.description })")
            }
            elements = p
            shape.append(v)
        }
        guard let offs = value["data_offsets"]?.arrayValue, offs.count == 2,
              case .int(let begin) = offs[0], case .int(let end) = offs[1] else {
            throw fail("tensor '\(name)' has no valid data_offsets (two integers)")
        }
        guard begin >= 0, end >= begin else {
            throw fail("tensor '\(name)' has invalid data_offsets [\(begin), \(end)]")
        }
        let bytes = elements * format.bits / 8
        guard end - begin == bytes else {
            throw fail("tensor '\(name)' of shape \(shapeString(shape)) and dtype \(dt) needs \(bytes) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return Entry(format: format, shape: shape, begin: begin, end: end)
    }

    private func entry(_ name: String) throws -> Entry {
        guard let e = entries[name] else {
            throw TensorError(.index, "safetensors: \(path): no tensor named '\(name)'")
        }
        return e
    }

    /// True when the file holds a tensor named `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The stored shape and dtype of a tensor, without reading it. The dtype is the tag the loaded
    /// tensor will carry (see the type's documentation).
    public func info(_ name: String) throws -> (shape: [Int], dtype: DType) {
        let e = try entry(name)
        return (e.shape, e.format.dtype)
    }

    /// The dtype as the file spells it, e.g. `"BF16"`.
    public func storedDType(_ name: String) throws -> String { try entry(name).format.name }

    /// A tensor with the file's values, as float32 storage tagged with the file's dtype
    /// (float32 data at an aligned position is borrowed from the mapping, not copied).
    public func tensor(_ name: String) throws -> Tensor {
        let e = try entry(name)
        let count = e.shape.reduce(1, *)
        guard count > 0, let base = file.base else {
            return Tensor.zeros(e.shape, dtype: e.format.dtype)
        }
        let src = UnsafeRawPointer(base + dataStart + e.begin)
        if e.format.name == "F32" && Int(bitPattern: src) % 4 == 0 {
            // The file keeps a reference to each borrowed storage, so a tensor never holds it
            // uniquely and `withUnsafeMutableBufferPointer` copies before writing.
            lock.lock(); defer { lock.unlock() }
            if let s = borrowed[name] { return Tensor(storage: s, shape: e.shape, dtype: .float32) }
            let p = UnsafeMutableRawPointer(mutating: src).bindMemory(to: Float.self, capacity: count)
            let s = Storage(borrowing: p, count: count, owner: file)
            borrowed[name] = s
            return Tensor(storage: s, shape: e.shape, dtype: .float32)
        }
        let storage = Storage(uninitializedCount: count)
        SafeTensorsFile.convert(src, format: e.format.name, count: count, into: storage.pointer)
        return Tensor(storage: storage, shape: e.shape, dtype: e.format.dtype)
    }

    /// Every tensor, in header order.
    public func tensors() throws -> [(String, Tensor)] {
        try names.map { ($0, try tensor($0)) }
    }

    /// float32 values of all 65536 float16 bit patterns (a table lookup is several times faster
    /// than converting one value at a time where the CPU has no conversion instruction).
    private static let halfTable: [Float] = (0...0xFFFF).map { Float(Float16(bitPattern: UInt16($0))) }

    private static func convert(_ src: UnsafeRawPointer, format: String, count n: Int, into dst: UnsafeMutablePointer<Float>) {
        func each<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Float) {
            let size = MemoryLayout<T>.size
            Parallel.forRange(n, costPerItem: 2) { range in
                for i in range { dst[i] = f(T(littleEndian: src.loadUnaligned(fromByteOffset: i * size, as: T.self))) }
            }
        }
        switch format {
        case "F32": each(UInt32.self) { Float(bitPattern: $0) }
        case "F64": each(UInt64.self) { Float(Double(bitPattern: $0)) }
        case "F16":
            halfTable.withUnsafeBufferPointer { table in
                each(UInt16.self) { table[Int($0)] }
            }
        case "BF16": each(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
        case "F8_E4M3": each(UInt8.self) { float8E4M3($0) }
        case "F8_E5M2": each(UInt8.self) { Float(Float16(bitPattern: UInt16($0) << 8)) }
        case "BOOL": each(UInt8.self) { $0 != 0 ? 1 : 0 }
        case "U8": each(UInt8.self) { Float($0) }
        case "I8": each(Int8.self) { Float($0) }
        case "I16": each(Int16.self) { Float($0) }
        case "U16": each(UInt16.self) { Float($0) }
        case "I32": each(Int32.self) { Float($0) }
        case "U32": each(UInt32.self) { Float($0) }
        case "I64": each(Int64.self) { Float($0) }
        case "U64": each(UInt64.self) { Float($0) }
        default: dst.initialize(repeating: 0, count: n)  // unreachable: dtypes are checked on open
        }
    }

    /// float8 e4m3fn (no infinities; S.1111.111 is NaN).
    private static func float8E4M3(_ b: UInt8) -> Float {
        let sign: Float = b & 0x80 != 0 ? -1 : 1
        let e = Int((b >> 3) & 0xF), m = Float(b & 0x7)
        if e == 0xF && b & 0x7 == 0x7 { return .nan }
        if e == 0 { return sign * m / 8 * 0x1p-6 }
        return sign * (1 + m / 8) * Float(sign: .plus, exponent: e - 7, significand: 1)
    }
}

/// Writing `.safetensors` files.
public enum SafeTensors {
    /// Writes tensors and metadata to `path`, laid out as the Python library lays them out
    /// (tensors sorted by dtype alignment, then name; header padded with spaces to 8 bytes), so
    /// the file is byte-identical to `safetensors.torch.save_file` for the same input when
    /// `metadata` has at most one key. Each tensor is written in its own dtype (float16 tensors as
    /// `F16`, int64 as `I64`, …). Throws on duplicate or empty names and on a `__metadata__` name.
    public static func save(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        let data = try serialize(tensors, metadata: metadata, path: path)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TensorError(.format, "safetensors: \(path): cannot write the file (\(error.localizedDescription))")
        }
    }

    /// The bytes `save` writes.
    public static func serialize(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], path: String = "<memory>") throws -> Data {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard !name.isEmpty else { throw TensorError(.value, "safetensors: \(path): a tensor name is empty") }
            guard name != "__metadata__" else { throw TensorError(.value, "safetensors: \(path): '__metadata__' cannot name a tensor") }
            guard seen.insert(name).inserted else { throw TensorError(.value, "safetensors: \(path): tensor '\(name)' given twice") }
        }
        let ordered = tensors.map { ($0.0, $0.1, SafeTensorsDType.name(for: $0.1.dtype)) }.sorted { a, b in
            let ra = SafeTensorsDType.writeRank(a.2), rb = SafeTensorsDType.writeRank(b.2)
            return ra != rb ? ra > rb : a.0 < b.0
        }
        var header = "{"
        var first = true
        if !metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += metadata.keys.sorted().map { headerQuote($0) + ":" + headerQuote(metadata[$0] ?? "") }.joined(separator: ",")
            header += "}"
            first = false
        }
        var offset = 0
        for (name, t, format) in ordered {
            let bytes = t.count * t.dtype.itemSize
            if !first { header += "," }
            first = false
            header += headerQuote(name) + ":{\"dtype\":\"\(format)\",\"shape\":[" + t.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var out = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for (_, t, _) in ordered {
            appendElements(t, to: &out)
        }
        return out
    }

    private static func appendElements(_ t: Tensor, to out: inout Data) {
        t.withUnsafeBufferPointer { src in
            func put<T: FixedWidthInteger>(_ f: (Float) -> T) {
                var buf = [T](repeating: 0, count: src.count)
                for i in 0..<src.count { buf[i] = f(src[i]).littleEndian }
                buf.withUnsafeBytes { out.append(contentsOf: $0) }
            }
            switch t.dtype {
            case .float32: put { $0.bitPattern }
            case .float64: put { Double($0).bitPattern }
            case .float16: put { Float16($0).bitPattern }
            case .bfloat16: put { UInt16(truncatingIfNeeded: bfloat16Round($0).bitPattern >> 16) }
            case .bool: put { $0 != 0 ? UInt8(1) : UInt8(0) }
            case .uint8: put { $0.isFinite ? UInt8(truncatingIfNeeded: Int64(max(min($0, 255), -256))) : UInt8(0) }
            case .int32: put { $0.isFinite ? Int32(max(min($0, 2147483520), -2147483648)) : Int32(0) }
            case .int64: put { $0.isFinite ? Int64(max(min($0, 9.2233715e18), -9.223372e18)) : Int64(0) }
            }
        }
    }

    /// A JSON string as serde_json writes it (non-ASCII left as UTF-8).
    static func headerQuote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
