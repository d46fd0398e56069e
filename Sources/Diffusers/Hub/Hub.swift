import Foundation

/// Finds model folders on disk, offline, the way `from_pretrained` does in Python.
///
/// `resolve` accepts, in this order:
/// 1. a local folder (`~` is expanded);
/// 2. a built-in model registered with ``registerBuiltin(id:folder:)`` (dsh ships `dsh/tiny-cats-32`);
/// 3. `$DSH_MODELS/<org>/<name>` when `DSH_MODELS` names a folder;
/// 4. a repo id found in the Hugging Face cache exactly as `huggingface_hub` lays it out:
///    `<cache>/models--<org>--<name>/refs/<revision>` holds a commit hash, and the files lie in
///    `snapshots/<hash>/`. The cache is `HF_HUB_CACHE` (or the older `HUGGINGFACE_HUB_CACHE`), else
///    `HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
///
/// Nothing is downloaded: when the model is nowhere, ``HubError`` lists the places searched and
/// the `hf download …` command that fetches it.
public enum Hub {
    /// The folder holding the model's files (with `subfolder` appended when given).
    ///
    /// - Parameters:
    ///   - pathOrRepoID: a folder path or a repo id such as `google/ddpm-cat-256`.
    ///   - subfolder: a folder inside the model, e.g. `unet` or `scheduler`.
    ///   - revision: a branch or tag name (looked up in `refs/`) or a commit hash (a snapshot
    ///     folder name, or a unique prefix of at least 7 characters); `main` when nil.
    ///   - environment: the variables that choose the cache folders (the process's by default).
    public static func resolve(_ pathOrRepoID: String, subfolder: String? = nil, revision: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        var searched: [String] = []
        let fm = FileManager.default

        func withSubfolder(_ folder: String, origin: String) throws -> String {
            guard let sub = subfolder, !sub.isEmpty else { return folder }
            let path = (folder as NSString).appendingPathComponent(sub)
            guard isDirectory(path) else {
                throw HubError.missingSubfolder(model: pathOrRepoID, subfolder: sub, folder: folder, origin: origin)
            }
            return path
        }

        // 1. A local folder.
        let expanded = expandTilde(pathOrRepoID, environment: environment)
        if isDirectory(expanded) {
            return try withSubfolder(expanded, origin: "local folder")
        }
        searched.append("local folder \(expanded)")
        if fm.fileExists(atPath: expanded) {
            throw HubError.notAFolder(path: expanded)
        }

        // 2. Built-in models.
        if let folder = builtin(id: pathOrRepoID) {
            return try withSubfolder(folder, origin: "built-in model")
        }
        searched.append("dsh's built-in models (\(builtinIDs().joined(separator: ", ")))")

        // 3. DSH_MODELS.
        if let root = environment["DSH_MODELS"], !root.isEmpty {
            let folder = (expandTilde(root, environment: environment) as NSString).appendingPathComponent(pathOrRepoID)
            if isDirectory(folder) {
                return try withSubfolder(folder, origin: "DSH_MODELS")
            }
            searched.append("DSH_MODELS folder \(folder)")
        }

        // 4. The Hugging Face cache.
        if isRepoID(pathOrRepoID) {
            let cache = cacheDirectory(environment: environment)
            let repoFolder = (cache as NSString).appendingPathComponent("models--" + pathOrRepoID.replacingOccurrences(of: "/", with: "--"))
            let rev = revision ?? "main"
            if let snapshot = try snapshotFolder(repoFolder: repoFolder, revision: rev) {
                return try withSubfolder(snapshot, origin: "Hugging Face cache")
            }
            searched.append("Hugging Face cache \(repoFolder) (revision \(rev))")
        }
        throw HubError.notFound(model: pathOrRepoID, revision: revision, searched: searched,
                                isRepoID: isRepoID(pathOrRepoID))
    }

    /// The Hugging Face hub cache folder for `environment`, as `huggingface_hub` computes it.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let c = environment["HF_HUB_CACHE"], !c.isEmpty { return expandTilde(c, environment: environment) }
        if let c = environment["HUGGINGFACE_HUB_CACHE"], !c.isEmpty { return expandTilde(c, environment: environment) }
        let home: String
        if let h = environment["HF_HOME"], !h.isEmpty {
            home = expandTilde(h, environment: environment)
        } else {
            let xdg = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.cache"
            home = (expandTilde(xdg, environment: environment) as NSString).appendingPathComponent("huggingface")
        }
        return (home as NSString).appendingPathComponent("hub")
    }

    // MARK: Built-in models

    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var folders: [String: String] = BuiltinModels.locate()
    }
    private static let registry = Registry()

    /// Makes `id` (e.g. `dsh/tiny-cats-32`) resolve to `folder`, ahead of the Hugging Face cache.
    public static func registerBuiltin(id: String, folder: String) {
        registry.lock.lock(); defer { registry.lock.unlock() }
        registry.folders[id] = folder
    }

    /// The folder registered for a built-in model id, if any.
    public static func builtin(id: String) -> String? {
        registry.lock.lock(); defer { registry.lock.unlock() }
        return registry.folders[id]
    }

    /// The ids of the registered built-in models, sorted.
    public static func builtinIDs() -> [String] {
        registry.lock.lock(); defer { registry.lock.unlock() }
        return registry.folders.keys.sorted()
    }

    // MARK: Helpers

    /// The snapshot folder for `revision` in a `models--org--name` cache folder, or nil.
    static func snapshotFolder(repoFolder: String, revision: String) throws -> String? {
        let snapshots = (repoFolder as NSString).appendingPathComponent("snapshots")
        guard isDirectory(snapshots) else { return nil }
        // A branch or tag name: refs/<revision> holds the commit hash.
        let ref = (repoFolder as NSString).appendingPathComponent("refs/" + revision)
        if let data = FileManager.default.contents(atPath: ref), let text = String(data: data, encoding: .utf8) {
            let hash = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let folder = (snapshots as NSString).appendingPathComponent(hash)
            if !hash.isEmpty && isDirectory(folder) { return folder }
            return nil
        }
        // A commit hash: the snapshot folder itself (or a unique prefix of it).
        let exact = (snapshots as NSString).appendingPathComponent(revision)
        if !revision.contains("/") && isDirectory(exact) { return exact }
        if revision.count >= 7, revision.allSatisfy({ $0.isHexDigit }) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []
            let matches = names.filter { $0.hasPrefix(revision) }
            if matches.count == 1 { return (snapshots as NSString).appendingPathComponent(matches[0]) }
        }
        return nil
    }

    /// True for `name` or `org/name` made of the characters the Hub allows.
    static func isRepoID(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        return parts.allSatisfy { p in
            !p.isEmpty && p != "." && p != ".." && p.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func expandTilde(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }
}

/// Why a model folder could not be found.
public enum HubError: Error, CustomStringConvertible, Equatable {
    /// The model is in none of the places searched.
    case notFound(model: String, revision: String?, searched: [String], isRepoID: Bool)
    /// The model was found but has no such subfolder.
    case missingSubfolder(model: String, subfolder: String, folder: String, origin: String)
    /// The path names a file, not a folder.
    case notAFolder(path: String)

    public var description: String {
        switch self {
        case let .notFound(model, revision, searched, isRepoID):
            var lines = ["cannot find the model '\(model)'\(revision.map { " at revision '\($0)'" } ?? ""). Looked in:"]
            lines += searched.map { "  - \($0)" }
            if isRepoID {
                let rev = revision.map { " --revision \($0)" } ?? ""
                lines.append("dsh reads models offline. Download it once with huggingface_hub's CLI:")
                lines.append("  hf download \(model)\(rev)")
                lines.append("(pip install -U huggingface_hub), or pass the path of a folder holding config.json.")
            } else {
                lines.append("Pass the path of a folder holding config.json, or a repo id such as google/ddpm-cat-256.")
            }
            return lines.joined(separator: "\n")
        case let .missingSubfolder(model, subfolder, folder, origin):
            return "the model '\(model)' (\(origin) \(folder)) has no subfolder '\(subfolder)'"
        case let .notAFolder(path):
            return "'\(path)' is a file; from_pretrained needs the folder that holds config.json and the weights"
        }
    }
}
