import Foundation
import Testing
import Tensor
@testable import Diffusers

@Suite("UNet2DModel loading, saving and forward options")
struct UNetLoadingTests {
    /// A copy of the ddpm_legacy fixture's config in `tmp/model` with `tensors` as its weights.
    func folder(_ tmp: HubTemporaryFolder, tensors: [(String, Tensor)]) throws -> String {
        let dir = tmp.path + "/model"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: unetFixture("ddpm_legacy") + "/config.json", toPath: dir + "/config.json")
        try SafeTensors.save(tensors, to: dir + "/diffusion_pytorch_model.safetensors")
        return dir
    }

    @Test("legacy attention names are loaded as diffusers loads them")
    func legacyNames() throws {
        let file = try SafeTensorsFile(path: unetFixture("ddpm_legacy") + "/diffusion_pytorch_model.safetensors")
        #expect(file.contains("mid_block.attentions.0.query.weight"))
        #expect(file.contains("down_blocks.1.attentions.0.proj_attn.bias"))
        #expect(LegacyNames.deprecatedAttentionAliases(of: "a.attentions.0.to_out.0.weight") == ["a.attentions.0.proj_attn.weight"])
        #expect(LegacyNames.deprecatedAttentionAliases(of: "a.attentions.0.group_norm.weight").isEmpty)
        let model = try UNet2DModel.fromPretrained(unetFixture("ddpm_legacy"))
        #expect(model.parameters.contains { $0.0 == "mid_block.attentions.0.to_q.weight" })
    }

    @Test("missing, unexpected and mis-shaped tensors are reported together, with counts")
    func loadErrors() throws {
        let tmp = try HubTemporaryFolder()
        let file = try SafeTensorsFile(path: unetFixture("ddpm_legacy") + "/diffusion_pytorch_model.safetensors")
        var tensors = try file.tensors().filter { !$0.0.hasPrefix("conv_out.") && !$0.0.hasPrefix("up_blocks.1.resnets.0.") }
        tensors.append(("extra.weight", Tensor.zeros([2])))
        if let i = tensors.firstIndex(where: { $0.0 == "conv_in.bias" }) { tensors[i].1 = Tensor.zeros([7]) }
        let dir = try folder(tmp, tensors: tensors)
        do {
            _ = try UNet2DModel.fromPretrained(dir)
            Issue.record("expected an error")
        } catch let e as WeightLoadError {
            let text = e.description
            #expect(text.contains("missing from the checkpoint (14): up_blocks.1.resnets.0.norm1.weight, "), "\(text)")
            #expect(text.contains("… and 9 more"))
            #expect(text.contains("unexpected in the checkpoint (1): extra.weight"))
            #expect(text.contains("conv_in.bias: checkpoint [7], model [8]"))
        }
    }

    @Test("a .bin pickle gets a message with the conversion command")
    func pickle() throws {
        let tmp = try HubTemporaryFolder()
        let dir = tmp.path + "/model"
        try tmp.write("model/config.json", "{\"_class_name\": \"UNet2DModel\"}")
        try tmp.write("model/diffusion_pytorch_model.bin", "not really")
        do {
            _ = try UNet2DModel.fromPretrained(dir)
            Issue.record("expected an error")
        } catch let e as ModelFileError {
            #expect(e.description.contains("only safetensors"))
            #expect(e.description.contains("save_file"))
            #expect(e.description.contains(dir + "/diffusion_pytorch_model.safetensors"))
        }
    }

    @Test("a folder without weights or config says what it holds")
    func noWeights() throws {
        let tmp = try HubTemporaryFolder()
        try tmp.write("model/config.json")
        #expect(throws: ModelFileError.self) { try UNet2DModel.fromPretrained(tmp.path + "/model") }
        #expect(throws: ModelFileError.self) { try UNet2DModel.fromPretrained(tmp.path) }
        #expect(throws: ModelFileError.self) { try UNet2DModel.fromPretrained(unetFixture("fp16_batch"), variant: "bf16") }
    }

    @Test("save_pretrained writes a folder that loads back to the same model")
    func saveRoundTrip() throws {
        let tmp = try HubTemporaryFolder()
        let c = try UNetCase("fp16_batch")
        let model = try UNet2DModel.fromPretrained(c.folder, variant: "fp16")
        try model.savePretrained(tmp.path + "/saved")
        let again = try UNet2DModel.fromPretrained(tmp.path + "/saved")
        #expect(try c.run(again).scalars == c.run(model).scalars)
        let config = try Config.load(path: tmp.path + "/saved/config.json")
        #expect(config.className == "UNet2DModel")
        #expect(config["_use_default_values"] == nil)
        #expect(try config.ints("block_out_channels", default: []) == [8, 16])
        #expect(config["sample_size"] == .array([.int(8), .int(12)]))
        #expect(model.sampleSize?.height == 8 && model.sampleSize?.width == 12)
    }

    @Test("the output unpacks like return_dict=False; shouldStop interrupts between blocks")
    func outputAndInterrupt() throws {
        let c = try UNetCase("ddpm_legacy")
        let model = try UNet2DModel.fromPretrained(c.folder)
        let out = try model(sample: c.io.tensor("sample"), timestep: .int(2))
        #expect(out.tuple.count == 1 && out.tuple[0].scalars == out.sample.scalars)
        var calls = 0
        #expect(throws: UNet2DModel.Cancelled.self) {
            _ = try model(sample: c.io.tensor("sample"), timestep: .int(2), shouldStop: { calls += 1; return calls > 2 })
        }
        #expect(calls == 3)
    }

    @Test("class labels are required exactly when the model has a class embedding")
    func classLabelChecks() throws {
        let plain = try UNetCase("ddpm_legacy")
        let model = try UNet2DModel.fromPretrained(plain.folder)
        #expect(throws: ModelConfigError.self) {
            _ = try model(sample: plain.io.tensor("sample"), timestep: .int(1), classLabels: Tensor([1], dtype: .int64))
        }
        let table = try UNetCase("class_table_sharded")
        let conditional = try UNet2DModel.fromPretrained(table.folder)
        #expect(throws: ModelConfigError.self) {
            _ = try conditional(sample: table.io.tensor("sample"), timestep: .int(1))
        }
    }

    @Test("the ddpm-cat-256 configuration has diffusers' 113.7M parameters")
    func ddpmCat256Size() throws {
        let model = try UNet2DModel.randomlyInitialized(UNet2DModel.ddpmCat256Arguments.map {
            // The same architecture at 1/4 width keeps the test fast; the full count is checked below.
            $0.0 == "block_out_channels" ? ($0.0, .array([32, 32, 64, 64, 128, 128].map { .int($0) })) : $0
        })
        #expect(model.numParameters() > 0)
        #expect(model.config["_class_name"] == .string("UNet2DModel"))
        let full = try UNet2DModel.ddpmCat256RandomWeights()
        #expect(full.numParameters() == 113_673_219)
    }
}
