// Mirrors diffusers/configuration_utils.py: `FrozenDict`, `ConfigMixin.config`, `to_json_string`,
// `save_config` and `__repr__`.

import Foundation
import Tensor

/// An error reading or using a config: a missing or malformed file, or a value of the wrong type.
/// The message names the file or the config's class and the key.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A diffusers config (`config.json`, `scheduler_config.json`): ordered, frozen.
///
/// Entries keep the order diffusers keeps in `_internal_dict`: the constructor's parameters in
/// signature order, then `_use_default_values` (the parameters that were not passed), then the
/// hidden entries carried over from a loaded file (`_class_name`, `_diffusers_version`, keys meant
/// for compatible classes). A value is replaced with ``setting(_:to:)``, which returns a new config.
public struct Config: CustomStringConvertible, @unchecked Sendable {
    /// Key–value pairs in order, including private keys such as `_class_name`.
    public private(set) var entries: [(String, JSONValue)]

    /// The diffusers version written by ``jsonString(className:)``, as `_diffusers_version`.
    public static let diffusersVersion = "0.42.1"

    /// A config holding `entries` (a later duplicate key replaces the earlier value in place).
    public init(entries: [(String, JSONValue)]) {
        var out: [(String, JSONValue)] = []
        for (k, v) in entries {
            if let i = out.firstIndex(where: { $0.0 == k }) { out[i].1 = v } else { out.append((k, v)) }
        }
        self.entries = out
    }

    /// Reads a JSON config file. Errors name the file: missing, invalid JSON (with the byte offset),
    /// or a document that is not a JSON object.
    public static func load(path: String) throws -> Config {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ConfigError("config file not found: \(path)")
        }
        guard !isDir.boolValue else { throw ConfigError("\(path) is a directory, not a config file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("could not read config file \(path)")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes: [UInt8](data))
        } catch let e as JSONError {
            throw ConfigError("It looks like the config file at '\(path)' is not a valid JSON file: \(e.message) at byte \(e.offset)")
        }
        guard let pairs = value.objectValue else {
            throw ConfigError("config file \(path) must hold a JSON object, got \(value.pythonTypeName)")
        }
        return Config(entries: pairs)
    }

    /// The value stored under `key`, or `nil` when the key is absent (a stored JSON `null` is `.null`).
    public subscript(key: String) -> JSONValue? {
        entries.first(where: { $0.0 == key })?.1
    }

    /// The keys in order.
    public var keys: [String] { entries.map(\.0) }

    /// `_class_name`, the class that wrote the config.
    public var className: String? { self["_class_name"]?.stringValue }

    /// The name used in error messages: `_class_name`, or `config`.
    var errorName: String { className ?? "config" }

    private func typeError(_ key: String, _ want: String, _ got: JSONValue) -> ConfigError {
        ConfigError("\(errorName): `\(key)` must be \(want), got \(got.pythonRepr) (\(got.pythonTypeName))")
    }

    /// The integer under `key`, or `default` when absent. Throws when the value is not a whole number.
    public func int(_ key: String, default def: Int) throws -> Int {
        guard let v = self[key] else { return def }
        if case .bool = v { throw typeError(key, "an int", v) }
        guard let i = v.intValue else { throw typeError(key, "an int", v) }
        return i
    }

    /// The integer under `key`, `nil` for JSON `null`, or `default` when absent.
    public func optionalInt(_ key: String, default def: Int?) throws -> Int? {
        guard let v = self[key] else { return def }
        if v.isNull { return nil }
        return try int(key, default: 0)
    }

    /// The number under `key` (ints are accepted, as Python accepts them for floats), or `default`.
    public func double(_ key: String, default def: Double) throws -> Double {
        guard let v = self[key] else { return def }
        guard let d = v.doubleValue else { throw typeError(key, "a float", v) }
        return d
    }

    /// The number under `key`, `nil` for JSON `null`, or `default` when absent.
    public func optionalDouble(_ key: String, default def: Double?) throws -> Double? {
        guard let v = self[key] else { return def }
        if v.isNull { return nil }
        return try double(key, default: 0)
    }

    /// The boolean under `key`, or `default` when absent.
    public func bool(_ key: String, default def: Bool) throws -> Bool {
        guard let v = self[key] else { return def }
        guard let b = v.boolValue else { throw typeError(key, "a bool", v) }
        return b
    }

    /// The string under `key`, `nil` for JSON `null`, or `default` when absent.
    public func string(_ key: String, default def: String?) throws -> String? {
        guard let v = self[key] else { return def }
        if v.isNull { return nil }
        guard let s = v.stringValue else { throw typeError(key, "a str", v) }
        return s
    }

    /// The list of integers under `key`, or `default` when absent or `null`.
    public func ints(_ key: String, default def: [Int]) throws -> [Int] {
        guard let v = self[key], !v.isNull else { return def }
        guard let a = v.arrayValue else { throw typeError(key, "a list of ints", v) }
        return try a.map { e in
            if case .bool = e { throw typeError(key, "a list of ints", v) }
            guard let i = e.intValue else { throw typeError(key, "a list of ints", v) }
            return i
        }
    }

    /// The list of numbers under `key`, `nil` for JSON `null`, or `default` when absent.
    public func doubles(_ key: String, default def: [Double]?) throws -> [Double]? {
        guard let v = self[key] else { return def }
        if v.isNull { return nil }
        guard let a = v.arrayValue else { throw typeError(key, "a list of floats", v) }
        return try a.map { e in
            guard let d = e.doubleValue else { throw typeError(key, "a list of floats", v) }
            return d
        }
    }

    /// The list of strings under `key`, or `default` when absent or `null`.
    public func strings(_ key: String, default def: [String]) throws -> [String] {
        guard let v = self[key], !v.isNull else { return def }
        guard let a = v.arrayValue else { throw typeError(key, "a list of str", v) }
        return try a.map { e in
            guard let s = e.stringValue else { throw typeError(key, "a list of str", v) }
            return s
        }
    }

    /// A copy with `key` set to `value` (in place if present, else appended), as `register_to_config` does.
    public func setting(_ key: String, to value: JSONValue) -> Config {
        var c = self
        if let i = c.entries.firstIndex(where: { $0.0 == key }) { c.entries[i].1 = value } else { c.entries.append((key, value)) }
        return c
    }

    /// A copy without `key`.
    public func removing(_ key: String) -> Config {
        var c = self
        c.entries.removeAll { $0.0 == key }
        return c
    }

    /// How Python prints `scheduler.config` (diffusers' `FrozenDict`, an `OrderedDict`), in the
    /// notation of the reference interpreter (Python 3.11): `FrozenDict([('num_train_timesteps', 1000), …])`.
    public var description: String { frozenDictDescription() }

    /// `repr(scheduler.config)`. Python 3.11 prints an `OrderedDict` subclass as a list of pairs;
    /// Python ≥ 3.12 prints it as a dict (`FrozenDict({'num_train_timesteps': 1000, …})`), which
    /// `dictStyle: true` gives.
    public func frozenDictDescription(dictStyle: Bool = false) -> String {
        if entries.isEmpty { return dictStyle ? "FrozenDict()" : "FrozenDict()" }
        if dictStyle {
            return "FrozenDict({" + entries.map { JSONValue.string($0.0).pythonRepr + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "})"
        }
        return "FrozenDict([" + entries.map { "(" + JSONValue.string($0.0).pythonRepr + ", " + $0.1.pythonRepr + ")" }.joined(separator: ", ") + "])"
    }

    /// `repr(scheduler)`: the class name, a space, then ``jsonString(className:)``
    /// (`DDPMScheduler {\n  "_class_name": "DDPMScheduler", …\n}\n`).
    public func classDescription(className: String) -> String {
        className + " " + jsonString(className: className)
    }

    /// The JSON `save_config` writes (`to_json_string`): `_class_name` set to `className` (or the
    /// stored one), `_diffusers_version` set, `_use_default_values` and `_ignore_files` dropped,
    /// keys sorted, indent 2, and a final newline.
    public func jsonString(className: String? = nil) -> String {
        var c = self
        c = c.setting("_class_name", to: .string(className ?? self.className ?? "Config"))
        c = c.setting("_diffusers_version", to: .string(Config.diffusersVersion))
        for k in ["_ignore_files", "_use_default_values", "_pre_quantization_dtype"] { c = c.removing(k) }
        return JSONValue.object(c.entries).serialized(indent: 2, sortKeys: true) + "\n"
    }

    /// What `save_config` writes: ``jsonString(className:)``.
    public func jsonString() -> String { jsonString(className: nil) }

    /// Writes ``jsonString(className:)`` to `directory/fileName`, creating the directory (`save_config`).
    /// Throws when `directory` is an existing file.
    public func save(directory: String, fileName: String, className: String? = nil) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), !isDir.boolValue {
            throw ConfigError("Provided path (\(directory)) should be a directory, not a file")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let url = URL(fileURLWithPath: directory).appendingPathComponent(fileName)
            try Data(jsonString(className: className).utf8).write(to: url)
        } catch {
            throw ConfigError("could not write \(fileName) to \(directory): \(error.localizedDescription)")
        }
    }
}

extension JSONValue {
    /// The value as Python's `repr` writes the object `json.loads` gives
    /// (`None`, `True`, `1.0`, `'linear'`, `[1, 2]`, `{'a': 1}`).
    public var pythonRepr: String {
        switch self {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return pythonFloatRepr(d)
        case .string(let s): return JSONValue.pythonStringRepr(s)
        case .array(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.map { JSONValue.pythonStringRepr($0.0) + ": " + $0.1.pythonRepr }.joined(separator: ", ") + "}"
        }
    }

    /// Python's type name for the value (`int`, `float`, `str`, `list`, `dict`, `bool`, `NoneType`).
    public var pythonTypeName: String {
        switch self {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }

    /// Python's `repr(str)`: single quotes unless the text holds `'` and no `"`.
    public static func pythonStringRepr(_ s: String) -> String {
        let q: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String(q)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == q { out += "\\" + String(q) }
                else if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02x", u.value) }
                else { out.unicodeScalars.append(u) }
            }
        }
        out.append(q)
        return out
    }
}
