import Foundation
import Testing
import Tensor
@testable import Diffusers

/// The folder of `unet_<name>` fixtures (written by tools/fixtures_unet.py).
func unetFixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/unet_\(name)").path
}

/// What tools/fixtures_unet.py recorded about a case, and its inputs and reference output.
struct UNetCase {
    let folder: String
    let meta: JSONValue
    let io: SafeTensorsFile

    init(_ name: String) throws {
        folder = unetFixture(name)
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/case.json"))
        meta = try JSONValue.parse(bytes: [UInt8](data))
        io = try SafeTensorsFile(path: folder + "/io.safetensors")
    }

    var variant: String? { meta["variant"]?.stringValue }

    var timestep: UNet2DModel.TimestepInput {
        get throws {
            switch meta["timestep_kind"]?.stringValue {
            case "int": return .int(meta["timestep"]?.intValue ?? 0)
            case "float": return .double(meta["timestep"]?.doubleValue ?? 0)
            default: return .tensor(try io.tensor("timestep"))
            }
        }
    }

    var classLabels: Tensor? {
        get throws { io.contains("class_labels") ? try io.tensor("class_labels") : nil }
    }

    func run(_ model: UNet2DModel) throws -> Tensor {
        try model(sample: io.tensor("sample"), timestep: timestep, classLabels: classLabels).sample
    }
}

/// max |a - b| ≤ tolerance · max(|b|), with the shapes equal.
func unetExpectClose(_ actual: Tensor, _ expected: Tensor, relative tolerance: Float = 1e-4,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let a = actual.scalars, b = expected.scalars
    var maxDiff: Float = 0, scale: Float = 0
    for i in 0..<a.count {
        maxDiff = max(maxDiff, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    #expect(maxDiff <= tolerance * max(scale, 1e-6), "max |Δ| = \(maxDiff), scale \(scale)", sourceLocation: sourceLocation)
}

@Suite("UNet2DModel parity with diffusers 0.42.1")
struct UNetParityTests {
    static let cases = [
        "ddpm_legacy", "fp16_batch", "scale_shift_bf16", "class_table_sharded", "class_timestep",
        "class_identity", "learned_time", "score_sde", "score_sde_attn_first",
    ]

    @Test("forward matches diffusers", arguments: cases)
    func forward(_ name: String) throws {
        let c = try UNetCase(name)
        let model = try UNet2DModel.fromPretrained(c.folder, variant: c.variant)
        unetExpectClose(try c.run(model), try c.io.tensor("output"))
    }

    @Test("config, num_parameters, dtype and device match diffusers", arguments: cases)
    func introspection(_ name: String) throws {
        let c = try UNetCase(name)
        let model = try UNet2DModel.fromPretrained(c.folder, variant: c.variant)
        #expect(model.numParameters() == c.meta["num_parameters"]?.intValue)
        let repr = c.meta["config_repr"]?.stringValue?.replacingOccurrences(of: "<folder>", with: c.folder)
        #expect(model.config.description == repr)
        #expect(model.dtype == .float32)
        #expect(model.device == "cpu")
    }
}
