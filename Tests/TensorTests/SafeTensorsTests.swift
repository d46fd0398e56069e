import Foundation
import Testing
@testable import Tensor

/// Builds a safetensors file from a header string and data bytes (no validation).
private func rawFile(_ header: String, _ data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: (headerLength ?? UInt64(h.count)).littleEndian) { out += $0 }
    return out + h + data
}

private func write(_ bytes: [UInt8]) throws -> String {
    let path = temporaryPath()
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Reads the bytes as a safetensors file (in memory) and every tensor in it; returns the error if any.
private func openError(_ bytes: [UInt8]) throws -> TensorError? {
    do {
        let f = try SafeTensorsFile(bytes: bytes, path: "fuzz.safetensors")
        for n in f.names { _ = try f.tensor(n).scalars }
        return nil
    } catch let e as TensorError {
        return e
    }
}

/// A deterministic 64-bit generator for the fuzz test (SplitMix64).
private struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

@Suite("safetensors")
struct SafeTensorsTests {
    @Test("files written by Python load with the same values, dtypes and metadata")
    func pythonFiles() throws {
        let f = try Fixtures.load("st_dtypes.safetensors")
        let expected = try Fixtures.load("st_dtypes_expected.safetensors")
        #expect(f.metadata == ["note": "dsh fixture ✓"])
        #expect(Set(f.names) == Set(expected.names))
        #expect(f.names.count == 16)
        let tags: [String: DType] = [
            "f32": .float32, "f16": .float16, "bf16": .bfloat16, "f64": .float64, "i64": .int64, "i32": .int32,
            "i16": .int32, "i8": .int32, "u8": .uint8, "bool": .bool, "scalar": .float32, "empty": .float32,
            "f8e4m3": .float32, "f8e5m2": .float32, "odd": .float16, "f16_special": .float16,
        ]
        for name in f.names {
            let t = try f.tensor(name)
            let e = try expected.tensor(name)
            #expect(t.shape == e.shape, "\(name)")
            #expect(t.dtype == tags[name], "\(name)")
            #expect(bitEqual(t, e), "\(name): \(t.scalars) vs \(e.scalars)")
            let info = try f.info(name)
            #expect(info.shape == e.shape && info.dtype == t.dtype, "\(name)")
        }
        #expect(try f.storedDType("bf16") == "BF16")
        #expect(try f.info("scalar").shape == [])
        #expect(try f.tensor("empty").shape == [0, 3])
        #expect(try Fixtures.load("st_nometa.safetensors").metadata.isEmpty)
    }

    @Test("a missing tensor name throws naming the file and the tensor")
    func missingName() throws {
        let f = try Fixtures.load("st_dtypes.safetensors")
        #expect(!f.contains("nope"))
        do {
            _ = try f.tensor("nope")
            Issue.record("expected an error")
        } catch let e as TensorError {
            #expect(e.message.contains("nope") && e.message.contains("st_dtypes.safetensors"))
        }
    }

    @Test("dsh writes the same bytes as Python's save_file")
    func byteIdenticalWrite() throws {
        let url = Fixtures.url("st_written.safetensors")
        let f = try SafeTensorsFile(path: url.path)
        let tensors = try f.tensors()
        let bytes = try SafeTensors.serialize(tensors, metadata: f.metadata)
        #expect(bytes == (try Data(contentsOf: url)))
        // Given order does not matter.
        #expect(try SafeTensors.serialize(tensors.reversed(), metadata: f.metadata) == bytes)
    }

    @Test("every writable dtype round-trips through a file")
    func roundTrip() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base = try Tensor(shape: [2, 3], scalars: [-2.5, -1, 0, 0.1, 3, 1000.75])
        var tensors: [(String, Tensor)] = []
        for dt in DType.allCases { tensors.append(("t_\(dt.rawValue)", base.to(dt))) }
        tensors.append(("strided", try base.transpose(0, 1)))
        tensors.append(("zero", Tensor.zeros([0])))
        tensors.append(("scalar", Tensor(7)))
        tensors.append(("ints", try Tensor(shape: [3], scalars: [-16777216, 255, 16777216], dtype: .int64)))
        try SafeTensors.save(tensors, metadata: ["format": "pt", "b": "2", "quote\"\n": "é"], to: path)
        let f = try SafeTensorsFile(path: path)
        #expect(f.metadata == ["format": "pt", "b": "2", "quote\"\n": "é"])
        for (name, t) in tensors {
            let r = try f.tensor(name)
            #expect(r.dtype == t.dtype, "\(name)")
            #expect(bitEqual(r, t), "\(name): \(r.scalars) vs \(t.scalars)")
        }
    }

    @Test("float32 data at an odd position is copied, and in-place writes never reach the file")
    func unalignedAndCopyOnWrite() throws {
        var data: [UInt8] = []
        for v: Float in [1.5, -2, 3.25] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        let header = #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#  // length 55: data at byte 63
        let path = try write(rawFile(header, data))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try SafeTensorsFile(path: path)
        #expect(try f.tensor("x").scalars == [1.5, -2, 3.25])

        let aligned = try Fixtures.load("st_nometa.safetensors")
        var t = try aligned.tensor("x")
        t.withUnsafeMutableBufferPointer { $0[0] = 42 }
        #expect(t.scalars == [42, 1])
        #expect(try aligned.tensor("x").scalars == [1, 1])
        #expect(try Fixtures.load("st_nometa.safetensors").tensor("x").scalars == [1, 1])
    }

    @Test("bad files throw an error naming the file and the problem", arguments: [
        ("missing", "cannot open"),
        ("empty", "too short"),
        ("short", "too short"),
        ("headerPastEnd", "past the end"),
        ("headerHuge", "larger than"),
        ("notBrace", "start with"),
        ("badJSON", "not valid JSON"),
        ("notObject", "not valid JSON"),
        ("unknownDType", "unknown dtype"),
        ("noShape", "no shape"),
        ("negativeDim", "negative dimension"),
        ("floatDim", "not an integer"),
        ("hugeDim", "impossibly large"),
        ("sizeMismatch", "needs 12 bytes"),
        ("offsetsReversed", "invalid data_offsets"),
        ("offsetsPastEnd", "past the end of the data"),
        ("overlap", "overlap"),
        ("gap", "gap"),
        ("notCovering", "cover 4 bytes"),
        ("duplicate", "appears twice"),
        ("metadataNotString", "not a string"),
        ("entryNotObject", "not an object"),
        ("noOffsets", "data_offsets"),
    ])
    func badFiles(kind: String, expected: String) throws {
        let four: [UInt8] = [0, 0, 128, 63]
        let eight = four + four
        let bytes: [UInt8]
        switch kind {
        case "missing":
            let path = temporaryPath()
            do {
                _ = try SafeTensorsFile(path: path)
                Issue.record("expected an error")
            } catch let e as TensorError {
                #expect(e.message.contains(path) && e.message.contains(expected), "\(e.message)")
            }
            return
        case "empty": bytes = []
        case "short": bytes = [1, 0, 0]
        case "headerPastEnd": bytes = rawFile("{}", headerLength: 3)
        case "headerHuge": bytes = rawFile("{}", headerLength: UInt64.max)
        case "notBrace": bytes = rawFile("[]")
        case "badJSON": bytes = rawFile(#"{"x": "#)
        case "notObject": bytes = rawFile("{} 5")
        case "unknownDType": bytes = rawFile(#"{"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#, four)
        case "noShape": bytes = rawFile(#"{"x":{"dtype":"F32","data_offsets":[0,4]}}"#, four)
        case "negativeDim": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, four)
        case "floatDim": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, four)
        case "hugeDim": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,4]}}"#, four)
        case "sizeMismatch": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,4]}}"#, four)
        case "offsetsReversed": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, four)
        case "offsetsPastEnd": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, four)
        case "overlap":
            bytes = rawFile(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, four)
        case "gap": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, eight)
        case "notCovering": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, eight)
        case "duplicate":
            bytes = rawFile(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, eight)
        case "metadataNotString": bytes = rawFile(#"{"__metadata__":{"a":1}}"#)
        case "entryNotObject": bytes = rawFile(#"{"x":[1]}"#)
        case "noOffsets": bytes = rawFile(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, four)
        default: Issue.record("unknown case \(kind)"); return
        }
        let e = try openError(bytes)
        #expect(e != nil, "\(kind) should not load")
        if let e {
            #expect(e.kind == .format)
            #expect(e.message.contains("safetensors: ") && e.message.contains(expected), "\(kind): \(e.message)")
        }
    }

    @Test("a file on disk that is empty or truncated throws")
    func truncatedOnDisk() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.url("st_dtypes.safetensors")))
        for n in [0, 5, 100, bytes.count - 1] {
            let path = try write(Array(bytes[0..<n]))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: TensorError.self) { try SafeTensorsFile(path: path) }
        }
    }

    @Test("every truncation of a valid file throws")
    func truncations() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.url("st_dtypes.safetensors")))
        var failures = 0
        for n in 0..<bytes.count where try openError(Array(bytes[0..<n])) != nil {
            failures += 1
        }
        #expect(failures == bytes.count)
        #expect(try openError(bytes) == nil)
    }

    @Test("thousands of mutated files either load or throw")
    func fuzz() throws {
        let valid = [UInt8](try Data(contentsOf: Fixtures.url("st_dtypes.safetensors")))
        let headerLength = Int(valid[0]) | Int(valid[1]) << 8
        let header = String(decoding: valid[8..<(8 + headerLength)], as: UTF8.self)
        var rng = SplitMix(state: 2024)
        var loaded = 0, rejected = 0
        let tokens = ["0", "-1", "99999999999", "[", "]", "{", "}", ",", "\"", ":", "1e400", "null", "\"F64\"", "\"BOOL\"", "[]"]
        for _ in 0..<4000 {
            var b = valid
            switch rng.below(4) {
            case 0:  // byte flips anywhere
                for _ in 0...rng.below(4) { b[rng.below(b.count)] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            case 1:  // flips in the header length and header
                for _ in 0...rng.below(3) { b[rng.below(8 + headerLength)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2:  // truncation or extension
                let n = rng.below(b.count + 16)
                b = n <= b.count ? Array(b[0..<n]) : b + [UInt8](repeating: 0, count: n - b.count)
            default:  // header edits: replace a digit run or punctuation with another token
                var h = Array(header.utf8)
                let at = rng.below(h.count)
                let len = rng.below(6)
                h.replaceSubrange(at..<min(h.count, at + len), with: Array(tokens[rng.below(tokens.count)].utf8))
                b = rawFile(String(decoding: h, as: UTF8.self), Array(valid[(8 + headerLength)...]))
            }
            if try openError(b) == nil { loaded += 1 } else { rejected += 1 }
        }
        #expect(loaded + rejected == 4000)
        #expect(rejected > 1500 && loaded > 10)
    }

    @Test("saving rejects duplicate, empty and reserved names")
    func saveErrors() throws {
        let t = Tensor.ones([1])
        #expect(throws: TensorError.self) { try SafeTensors.serialize([("a", t), ("a", t)]) }
        #expect(throws: TensorError.self) { try SafeTensors.serialize([("", t)]) }
        #expect(throws: TensorError.self) { try SafeTensors.serialize([("__metadata__", t)]) }
        #expect(throws: TensorError.self) { try SafeTensors.save([("a", t)], to: "/nonexistent-dir/x.safetensors") }
    }
}
