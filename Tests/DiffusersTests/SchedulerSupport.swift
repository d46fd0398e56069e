import Foundation
import Testing
import Tensor
@testable import Diffusers

/// A `sched_*` fixture file (written by tools/fixtures_schedulers.py).
func schedFixturePath(_ file: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/\(file)").path
}

/// The parsed JSON of a `sched_*` fixture.
func schedFixture(_ file: String) throws -> JSONValue {
    let data = try Data(contentsOf: URL(fileURLWithPath: schedFixturePath(file)))
    return try JSONValue.parse(bytes: [UInt8](data))
}

/// The fixture's synthetic model, in float32 as PyTorch computes it:
/// f(x, t) = 0.6 x cos(t / 300) + 0.3 sin(x + t / 100), with an optional 0.5 + 0.4 tanh(x) variance block.
func schedModel(_ x: Tensor, _ t: Double, learned: Bool) throws -> Tensor {
    let c = Float(0.6 * Foundation.cos(t / 300)), shift = Float(t / 100)
    let xs = x.scalars
    let out = xs.map { v in v * c + Float(0.3) * Foundation.sin(v + shift) }
    let main = try Tensor(shape: x.shape, scalars: out)
    guard learned else { return main }
    let variance = try Tensor(shape: x.shape, scalars: xs.map { Float(0.5) + Float(0.4) * Foundation.tanh($0) })
    return try Tensor.cat([main, variance], dim: 1)
}

/// The largest |a − b| divided by max(1, max |b|): the error relative to the values' scale.
/// NaN matches NaN (diffusers itself produces NaN in a few corner cases, e.g. UniPC-ε at σ = 0).
func schedRelativeError(_ a: [Float], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    let scale = max(1, b.filter { !$0.isNaN }.map(Swift.abs).max() ?? 0)
    var worst = 0.0
    for (x, y) in zip(a, b) {
        if x.isNaN && y.isNaN { continue }
        let d = Swift.abs(Double(x) - y)
        if d.isNaN { return .infinity }
        worst = max(worst, d)
    }
    return worst / scale
}

extension JSONValue {
    /// The numbers of an array.
    var doublesArray: [Double] { arrayValue?.compactMap(\.doubleValue) ?? [] }
}
