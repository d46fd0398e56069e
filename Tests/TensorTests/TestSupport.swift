import Foundation
import Tensor
import Testing

/// The committed fixtures in `Tests/TensorTests/Fixtures/` (written by `tools/fixtures_*.py`).
enum Fixtures {
    /// The fixtures folder, found next to this source file.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The URL of a fixture file, e.g. `url("random_randn.safetensors")`.
    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Opens a safetensors fixture.
    static func load(_ name: String) throws -> SafeTensorsFile { try SafeTensorsFile(path: url(name).path) }
}

/// Largest absolute difference between two tensors of the same shape (infinity when the shapes
/// differ; NaN positions must match, else also infinity).
func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    let x = a.scalars, y = b.scalars
    var m: Float = 0
    for i in 0..<x.count {
        if x[i].isNaN || y[i].isNaN {
            if x[i].isNaN != y[i].isNaN { return .infinity }
            continue
        }
        if x[i] == y[i] { continue }  // equal infinities
        m = max(m, abs(x[i] - y[i]))
    }
    return m
}

/// `torch.allclose`: same shape and `|a - b| <= atol + rtol * |b|` everywhere (NaNs equal).
func allClose(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6) -> Bool {
    guard a.shape == b.shape else { return false }
    let x = a.scalars, y = b.scalars
    for i in 0..<x.count {
        if x[i].isNaN || y[i].isNaN {
            if x[i].isNaN != y[i].isNaN { return false }
            continue
        }
        if x[i] == y[i] { continue }
        if !(abs(x[i] - y[i]) <= atol + rtol * abs(y[i])) { return false }
    }
    return true
}

/// True when both tensors have the same shape and bit-identical elements.
func bitEqual(_ a: Tensor, _ b: Tensor) -> Bool {
    guard a.shape == b.shape else { return false }
    let x = a.scalars, y = b.scalars
    for i in 0..<x.count where x[i].bitPattern != y[i].bitPattern {
        if x[i].isNaN && y[i].isNaN { continue }
        return false
    }
    return true
}

/// A scratch file path unique to this process and call.
func temporaryPath(_ suffix: String = ".safetensors") -> String {
    let name = "dsh-test-\(getpid())-\(UUID().uuidString)\(suffix)"
    return FileManager.default.temporaryDirectory.appendingPathComponent(name).path
}

/// A fixture file of named inputs (`in_*`) and expected results, as `tools/fixtures_tensor.py`
/// writes them.
struct FixtureFile {
    let file: SafeTensorsFile

    init(_ name: String) throws { file = try Fixtures.load(name) }

    /// A stored tensor (an input or an expected result).
    func callAsFunction(_ name: String) throws -> Tensor { try file.tensor(name) }

    /// Checks that `got` has the stored result's shape and dtype and values within tolerance
    /// (`exact`: bit-identical).
    func check(_ name: String, _ got: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6, exact: Bool = false,
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let want = try file.tensor(name)
        #expect(got.shape == want.shape, "\(name): shape \(got.shape), expected \(want.shape)", sourceLocation: sourceLocation)
        #expect(got.dtype == want.dtype, "\(name): dtype \(got.dtype), expected \(want.dtype)", sourceLocation: sourceLocation)
        guard got.shape == want.shape else { return }
        if exact {
            #expect(bitEqual(got, want), "\(name): not bit-identical, max diff \(maxAbsDiff(got, want))\n got \(got.scalars)\nwant \(want.scalars)",
                    sourceLocation: sourceLocation)
        } else {
            #expect(allClose(got, want, rtol: rtol, atol: atol), "\(name): max diff \(maxAbsDiff(got, want))\n got \(got.scalars)\nwant \(want.scalars)",
                    sourceLocation: sourceLocation)
        }
    }
}
