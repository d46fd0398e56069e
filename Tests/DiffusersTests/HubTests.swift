import Foundation
import Testing
@testable import Diffusers

/// A temporary folder removed when the value goes away.
final class HubTemporaryFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "dsh-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `relative` (creating folders) and returns the full path.
    @discardableResult
    func write(_ relative: String, _ text: String = "{}") throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }
}

/// A Hugging Face cache holding google/ddpm-cat-256 at two commits: `main` → abc123…, and a
/// branch `v2` → def456…, laid out as huggingface_hub lays it out.
func hubFakeCache(_ tmp: HubTemporaryFolder, root: String = "hub") throws -> String {
    let repo = "\(root)/models--google--ddpm-cat-256"
    try tmp.write("\(repo)/refs/main", "abc1234567890abc1234567890abc1234567890a")
    try tmp.write("\(repo)/refs/v2", "def4567890def4567890def4567890def4567890\n")
    try tmp.write("\(repo)/snapshots/abc1234567890abc1234567890abc1234567890a/config.json")
    try tmp.write("\(repo)/snapshots/abc1234567890abc1234567890abc1234567890a/unet/config.json")
    try tmp.write("\(repo)/snapshots/def4567890def4567890def4567890def4567890/config.json")
    return tmp.path + "/" + root
}

@Suite("Hub.resolve")
struct HubTests {
    @Test("a local folder resolves to itself, with subfolder")
    func localFolder() throws {
        let tmp = try HubTemporaryFolder()
        try tmp.write("model/unet/config.json")
        #expect(try Hub.resolve(tmp.path + "/model", environment: [:]) == tmp.path + "/model")
        #expect(try Hub.resolve(tmp.path + "/model", subfolder: "unet", environment: [:]) == tmp.path + "/model/unet")
        #expect(throws: HubError.self) { try Hub.resolve(tmp.path + "/model", subfolder: "vae", environment: [:]) }
    }

    @Test("refs/main leads to the snapshot; HF_HUB_CACHE wins")
    func cacheMain() throws {
        let tmp = try HubTemporaryFolder()
        let cache = try hubFakeCache(tmp)
        let snap = cache + "/models--google--ddpm-cat-256/snapshots/abc1234567890abc1234567890abc1234567890a"
        #expect(try Hub.resolve("google/ddpm-cat-256", environment: ["HF_HUB_CACHE": cache, "HF_HOME": "/nonexistent"]) == snap)
        #expect(try Hub.resolve("google/ddpm-cat-256", subfolder: "unet", environment: ["HF_HUB_CACHE": cache]) == snap + "/unet")
    }

    @Test("HF_HOME/hub, then XDG_CACHE_HOME/huggingface/hub, then ~/.cache/huggingface/hub")
    func cacheLocations() throws {
        let tmp = try HubTemporaryFolder()
        _ = try hubFakeCache(tmp, root: "home/hub")
        _ = try hubFakeCache(tmp, root: "xdg/huggingface/hub")
        _ = try hubFakeCache(tmp, root: "user/.cache/huggingface/hub")
        let r1 = try Hub.resolve("google/ddpm-cat-256", environment: ["HF_HOME": tmp.path + "/home", "XDG_CACHE_HOME": tmp.path + "/xdg"])
        #expect(r1.hasPrefix(tmp.path + "/home/hub/"))
        let r2 = try Hub.resolve("google/ddpm-cat-256", environment: ["XDG_CACHE_HOME": tmp.path + "/xdg", "HOME": tmp.path + "/user"])
        #expect(r2.hasPrefix(tmp.path + "/xdg/huggingface/hub/"))
        let r3 = try Hub.resolve("google/ddpm-cat-256", environment: ["HOME": tmp.path + "/user"])
        #expect(r3.hasPrefix(tmp.path + "/user/.cache/huggingface/hub/"))
        #expect(Hub.cacheDirectory(environment: ["HOME": "/h"]) == "/h/.cache/huggingface/hub")
    }

    @Test("revision by branch name, by full hash and by hash prefix")
    func revisions() throws {
        let tmp = try HubTemporaryFolder()
        let cache = try hubFakeCache(tmp)
        let env = ["HF_HUB_CACHE": cache]
        let snaps = cache + "/models--google--ddpm-cat-256/snapshots/"
        #expect(try Hub.resolve("google/ddpm-cat-256", revision: "v2", environment: env) == snaps + "def4567890def4567890def4567890def4567890")
        #expect(try Hub.resolve("google/ddpm-cat-256", revision: "def4567890def4567890def4567890def4567890", environment: env)
                == snaps + "def4567890def4567890def4567890def4567890")
        #expect(try Hub.resolve("google/ddpm-cat-256", revision: "abc1234", environment: env)
                == snaps + "abc1234567890abc1234567890abc1234567890a")
        #expect(throws: HubError.self) { try Hub.resolve("google/ddpm-cat-256", revision: "nope", environment: env) }
    }

    @Test("a missing model: the error lists the places searched and the hf download command")
    func missing() throws {
        let tmp = try HubTemporaryFolder()
        let cache = try hubFakeCache(tmp)
        do {
            _ = try Hub.resolve("google/ddpm-church-256", environment: ["HF_HUB_CACHE": cache, "DSH_MODELS": tmp.path + "/models"])
            Issue.record("expected an error")
        } catch let e as HubError {
            let text = e.description
            #expect(text.contains("google/ddpm-church-256"))
            #expect(text.contains(cache + "/models--google--ddpm-church-256"))
            #expect(text.contains(tmp.path + "/models/google/ddpm-church-256"))
            #expect(text.contains("hf download google/ddpm-church-256"))
        }
        do {
            _ = try Hub.resolve("google/ddpm-cat-256", revision: "v9", environment: ["HF_HUB_CACHE": cache])
            Issue.record("expected an error")
        } catch let e as HubError {
            #expect(e.description.contains("hf download google/ddpm-cat-256 --revision v9"))
        }
    }

    @Test("built-in registry and DSH_MODELS come before the cache")
    func registryAndDSHModels() throws {
        let tmp = try HubTemporaryFolder()
        try tmp.write("builtin/config.json")
        try tmp.write("models/dsh/other/config.json")
        Hub.registerBuiltin(id: "dsh/test-builtin", folder: tmp.path + "/builtin")
        #expect(Hub.builtin(id: "dsh/test-builtin") == tmp.path + "/builtin")
        #expect(try Hub.resolve("dsh/test-builtin", environment: [:]) == tmp.path + "/builtin")
        #expect(try Hub.resolve("dsh/other", environment: ["DSH_MODELS": tmp.path + "/models"]) == tmp.path + "/models/dsh/other")
    }
}

@Suite("UNet2DModel.fromPretrained through the Hugging Face cache")
struct HubLoadingTests {
    @Test("a repo id with subfolder= and revision= loads from snapshot symlinks into blobs")
    func loadFromCache() throws {
        let tmp = try HubTemporaryFolder()
        let fm = FileManager.default
        let repo = tmp.path + "/hub/models--dsh-test--tiny-unet"
        let hash = "0123456789abcdef0123456789abcdef01234567"
        let snapshot = repo + "/snapshots/\(hash)/unet"
        try fm.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: repo + "/blobs", withIntermediateDirectories: true)
        try tmp.write("hub/models--dsh-test--tiny-unet/refs/main", hash)
        // huggingface_hub stores files once, as blobs named by their hash, and links them in.
        for (i, name) in ["config.json", "diffusion_pytorch_model.fp16.safetensors"].enumerated() {
            let blob = repo + "/blobs/blob\(i)"
            try fm.copyItem(atPath: unetFixture("fp16_batch") + "/" + name, toPath: blob)
            try fm.createSymbolicLink(atPath: snapshot + "/" + name, withDestinationPath: "../../../blobs/blob\(i)")
        }
        let env = ["HF_HUB_CACHE": tmp.path + "/hub"]
        let model = try UNet2DModel.fromPretrained("dsh-test/tiny-unet", subfolder: "unet", revision: hash,
                                                   variant: "fp16", torchDType: .float16, environment: env)
        let c = try UNetCase("fp16_batch")
        unetExpectClose(try c.run(model), try c.io.tensor("output"))
        #expect(model.config["_name_or_path"] == .string("dsh-test/tiny-unet"))
        #expect(throws: HubError.self) {
            try UNet2DModel.fromPretrained("dsh-test/tiny-unet", subfolder: "vae", environment: env)
        }
    }
}
