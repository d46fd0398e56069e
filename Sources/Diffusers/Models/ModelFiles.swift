import Foundation
import Tensor

/// The weight files of a diffusers model folder, found as diffusers' `_get_model_file` finds them:
/// `diffusion_pytorch_model[.<variant>].safetensors`, or the shards listed by
/// `diffusion_pytorch_model.safetensors.index[.<variant>].json`.
public enum ModelFiles {
    /// The file name diffusers gives weights, with the variant inserted before the extension
    /// (`_add_variant`): `diffusion_pytorch_model.fp16.safetensors`.
    public static func weightsName(variant: String?, base: String = "diffusion_pytorch_model.safetensors") -> String {
        guard let variant else { return base }
        var parts = base.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts.insert(variant, at: parts.count - 1)
        return parts.joined(separator: ".")
    }

    /// The safetensors files holding the model's weights, opened (memory-mapped).
    public static func openWeights(folder: String, variant: String? = nil, modelName: String) throws -> [SafeTensorsFile] {
        let fm = FileManager.default
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

        let single = path(weightsName(variant: variant))
        if fm.fileExists(atPath: single) { return [try SafeTensorsFile(path: single)] }

        let index = path(weightsName(variant: variant, base: "diffusion_pytorch_model.safetensors.index.json"))
        if fm.fileExists(atPath: index) {
            guard let data = fm.contents(atPath: index) else { throw ModelFileError("cannot read \(index)") }
            let json: JSONValue
            do { json = try JSONValue.parse(bytes: [UInt8](data)) } catch {
                throw ModelFileError("\(index) is not valid JSON: \(error)")
            }
            guard let map = json["weight_map"]?.objectValue else {
                throw ModelFileError("\(index) has no \"weight_map\" object")
            }
            var shards: [String] = []
            for (_, file) in map {
                guard let f = file.stringValue else { throw ModelFileError("\(index): weight_map values must be file names") }
                if !shards.contains(f) { shards.append(f) }
            }
            return try shards.map { name in
                let p = path(name)
                guard fm.fileExists(atPath: p) else {
                    throw ModelFileError("\(index) lists the shard \(name), which is not in \(folder) (the download may be incomplete)")
                }
                return try SafeTensorsFile(path: p)
            }
        }

        // No safetensors: say why, and how to convert a pickle.
        let bin = path(weightsName(variant: variant, base: "diffusion_pytorch_model.bin"))
        if fm.fileExists(atPath: bin) {
            let out = path(weightsName(variant: variant))
            throw ModelFileError("""
                \(modelName): \(bin) is a PyTorch pickle; dsh reads only safetensors weights. Convert it once with:
                  python -c "import torch; from safetensors.torch import save_file; sd = torch.load('\(bin)', map_location='cpu'); save_file({k: v.contiguous() for k, v in sd.items()}, '\(out)', metadata={'format': 'pt'})"
                """)
        }
        let present = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        var message = "\(modelName): no weights in \(folder): expected \(weightsName(variant: variant))"
            + " or \(weightsName(variant: variant, base: "diffusion_pytorch_model.safetensors.index.json"))"
        if variant != nil, fm.fileExists(atPath: path(weightsName(variant: nil))) {
            message += " (the folder has weights without the variant '\(variant ?? "")'; leave out variant=)"
        }
        message += ". The folder holds: " + (present.isEmpty ? "nothing" : present.joined(separator: ", "))
        throw ModelFileError(message)
    }
}

/// A model folder whose files cannot be used.
public struct ModelFileError: Error, CustomStringConvertible {
    public let message: String
    /// Creates the value.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
