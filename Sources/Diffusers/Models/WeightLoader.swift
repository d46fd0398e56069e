import Foundation
import Tensor

/// Hands each block of a model the tensors under its prefix, the way candle's `VarBuilder.pp` does:
///
/// ```swift
/// let conv = try Conv2d(loader.scope("conv_in"), in: 3, out: 128, kernel: 3, padding: 1)
/// // reads "conv_in.weight" [128, 3, 3, 3] and "conv_in.bias" [128]
/// ```
///
/// The loader never stops at the first problem: a missing or mis-shaped tensor is recorded and a
/// zero tensor of the expected shape stands in, so the whole model is built once and
/// ``finish()`` then throws one ``WeightLoadError`` listing every missing, unexpected and
/// mis-shaped tensor. Every tensor handed out is remembered in order (``parameters``), which is
/// what `num_parameters()` and `save_pretrained` use.
///
/// Checkpoint values are converted to float32 when read (float16/bfloat16 files included);
/// float32 data is borrowed from the memory-mapped file, not copied.
public struct WeightLoader {
    /// The dotted prefix of this scope, e.g. `down_blocks.0.resnets.1` (empty at the root).
    public let prefix: String
    /// True inside an attention block that diffusers marks `_from_deprecated_attn_block`, where
    /// the legacy names of ``LegacyNames`` are accepted.
    let deprecatedAttentionBlock: Bool
    let store: Store

    /// A loader over one or more safetensors files (the shards of one checkpoint).
    public init(files: [SafeTensorsFile], description: String? = nil) throws {
        var owner: [String: Int] = [:]
        for (i, f) in files.enumerated() {
            for name in f.names {
                if let j = owner[name] {
                    throw WeightLoadError(model: nil, source: description ?? files[i].path,
                                          message: "tensor '\(name)' is stored in both \(files[j].path) and \(f.path)")
                }
                owner[name] = i
            }
        }
        self.init(store: Store(source: .files(files, owner), description: description ?? files.map(\.path).joined(separator: ", ")))
    }

    /// A loader that makes up deterministic random weights (uniform in ±1/√fan_in, norms at
    /// weight 1 and bias 0), for benchmarks and tests that need no file.
    public static func random(seed: UInt64 = 0) -> WeightLoader {
        WeightLoader(store: Store(source: .random(SplitMix64(seed: seed)), description: "random weights (seed \(seed))"))
    }

    init(store: Store, prefix: String = "", deprecatedAttentionBlock: Bool = false) {
        self.store = store
        self.prefix = prefix
        self.deprecatedAttentionBlock = deprecatedAttentionBlock
    }

    /// The loader for the sub-module `name` (`"resnets"`, `"0"`, or a dotted path).
    public func scope(_ name: String) -> WeightLoader {
        WeightLoader(store: store, prefix: key(name), deprecatedAttentionBlock: deprecatedAttentionBlock)
    }

    /// The loader for the sub-module `name` of a list, e.g. `scope("resnets", 1)`.
    public func scope(_ name: String, _ index: Int) -> WeightLoader { scope("\(name).\(index)") }

    /// The scope of an attention block converted from diffusers' old `AttentionBlock`, where the
    /// legacy names (`query`, `key`, `value`, `proj_attn`) load too.
    func deprecatedAttentionScope(_ name: String) -> WeightLoader {
        WeightLoader(store: store, prefix: key(name), deprecatedAttentionBlock: true)
    }

    /// The full key of `name` in this scope.
    public func key(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    /// The tensor `name` of this scope, which must have `shape`. Kind says how random weights
    /// are made up (ignored when reading files).
    public func tensor(_ name: String, shape: [Int], kind: ParameterKind = .weight(fanIn: 1)) -> Tensor {
        let full = key(name)
        let t = store.load(full, shape: shape, kind: kind,
                           aliases: deprecatedAttentionBlock ? LegacyNames.deprecatedAttentionAliases(of: full) : [])
        store.parameters.append((full, t))
        return t
    }

    /// Throws the collected problems, if any, and any checkpoint tensors nothing asked for.
    public func finish(model: String) throws {
        try store.finish(model: model)
    }

    /// Every tensor handed out, with its full name, in the order the model asked for them.
    public var parameters: [(String, Tensor)] { store.parameters }

    /// How a parameter is initialised when weights are made up.
    public enum ParameterKind {
        /// Uniform in ±1/√fanIn (PyTorch's default bound for conv and linear layers).
        case weight(fanIn: Int)
        /// All ones (norm scales).
        case ones
        /// All zeros (norm shifts).
        case zeros
        /// Standard normal times `scale` (Gaussian Fourier features, embeddings).
        case normal(scale: Float)
    }

    final class Store {
        enum Source {
            case files([SafeTensorsFile], [String: Int])
            case random(SplitMix64)
        }
        var source: Source
        let description: String
        var consumed = Set<String>()
        var parameters: [(String, Tensor)] = []
        var missing: [String] = []
        var misShaped: [String] = []
        var unreadable: [String] = []

        init(source: Source, description: String) {
            self.source = source
            self.description = description
        }

        func load(_ key: String, shape: [Int], kind: ParameterKind, aliases: [String]) -> Tensor {
            switch source {
            case .random(var rng):
                let t = Store.makeUp(shape: shape, kind: kind, rng: &rng)
                source = .random(rng)
                return t
            case .files(let files, let owner):
                // As in diffusers' `_fix_state_dict_keys_on_load`, a legacy name present in the
                // file replaces the modern one.
                guard let (name, i) = (aliases + [key]).lazy.compactMap({ n in owner[n].map { (n, $0) } }).first else {
                    missing.append(key)
                    return Tensor.zeros(shape)
                }
                consumed.insert(name)
                consumed.insert(key)
                let file = files[i]
                do {
                    let info = try file.info(name)
                    guard info.shape == shape else {
                        misShaped.append("\(name): checkpoint \(info.shape), model \(shape)")
                        return Tensor.zeros(shape)
                    }
                    return try file.tensor(name).to(.float32)
                } catch {
                    unreadable.append("\(name): \(error)")
                    return Tensor.zeros(shape)
                }
            }
        }

        func finish(model: String) throws {
            guard case .files(_, let owner) = source else { return }
            let unexpected = owner.keys.filter { !consumed.contains($0) }.sorted()
            if missing.isEmpty && misShaped.isEmpty && unreadable.isEmpty && unexpected.isEmpty { return }
            var lines: [String] = []
            func group(_ title: String, _ items: [String]) {
                guard !items.isEmpty else { return }
                let shown = 5
                lines.append("  \(title) (\(items.count)): " + items.prefix(shown).joined(separator: ", ")
                             + (items.count > shown ? ", … and \(items.count - shown) more" : ""))
            }
            group("missing from the checkpoint", missing)
            group("unexpected in the checkpoint", unexpected)
            group("shapes differ", misShaped)
            group("unreadable", unreadable)
            throw WeightLoadError(model: model, source: description, message: lines.joined(separator: "\n"))
        }

        static func makeUp(shape: [Int], kind: ParameterKind, rng: inout SplitMix64) -> Tensor {
            let n = shape.reduce(1, *)
            switch kind {
            case .ones: return Tensor.ones(shape)
            case .zeros: return Tensor.zeros(shape)
            case .weight(let fanIn):
                let bound = 1 / Float(max(fanIn, 1)).squareRoot()
                let storage = Storage(uninitializedCount: n)
                for i in 0..<n { storage.pointer[i] = (rng.nextUnitFloat() * 2 - 1) * bound }
                return Tensor(storage: storage, shape: shape)
            case .normal(let scale):
                let storage = Storage(uninitializedCount: n)
                for i in 0..<n { storage.pointer[i] = rng.nextNormal() * scale }
                return Tensor(storage: storage, shape: shape)
            }
        }
    }
}

/// A checkpoint that does not fit the model: everything missing, unexpected or mis-shaped, at once.
public struct WeightLoadError: Error, CustomStringConvertible {
    /// The model class, e.g. `UNet2DModel`.
    public let model: String?
    /// The files read.
    public let source: String
    /// The problems, one group per line.
    public let message: String

    public var description: String {
        "Error(s) in loading weights\(model.map { " for \($0)" } ?? "") from \(source):\n\(message)"
    }
}

/// A small deterministic generator for made-up weights (not PyTorch's stream).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Standard normal (Box–Muller).
    mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300), u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
