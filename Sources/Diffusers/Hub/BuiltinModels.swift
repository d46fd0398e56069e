import Foundation

/// The models that ship with dsh, so the quicktour runs with no download.
///
/// The folders are SwiftPM resources of the Diffusers target (`Resources/`). They are found next to
/// the running program (`dsh_Diffusers.resources/`, where SwiftPM puts them), in
/// `<prefix>/share/dsh/models/` for an installed dsh, or in the source tree the program was built from.
enum BuiltinModels {
    /// Short id → folder name under `Resources/`.
    static let shipped: [(id: String, folder: String)] = [("dsh/tiny-cats-32", "tiny-cats-32")]

    /// The ids that were found, with their folders.
    static func locate() -> [String: String] {
        let fm = FileManager.default
        var roots: [URL] = []
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            let dir = exe.deletingLastPathComponent()
            roots.append(dir.appendingPathComponent("dsh_Diffusers.resources"))
            roots.append(dir.deletingLastPathComponent().appendingPathComponent("share/dsh/models"))
        }
        // Sources/Diffusers/Hub/BuiltinModels.swift → Sources/Diffusers/Resources
        roots.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources"))
        var found: [String: String] = [:]
        for (id, folder) in shipped {
            for root in roots {
                let path = root.appendingPathComponent(folder).path
                if fm.fileExists(atPath: (path as NSString).appendingPathComponent("model_index.json")) {
                    found[id] = path
                    break
                }
            }
        }
        return found
    }
}
