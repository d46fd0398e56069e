// Mirrors diffusers/configuration_utils.py: `register_to_config` (the config a constructor
// records) and `ConfigMixin.extract_init_dict` / `from_config` (how a config saved by one class
// initialises another).

import Tensor

/// What a configurable class takes: its name, its constructor's parameters in signature order with
/// their defaults, and the classes it is compatible with (`_compatibles`).
public struct ConfigSchema: @unchecked Sendable {
    public let className: String
    /// Constructor parameters in signature order, each with its default value.
    public let parameters: [(String, JSONValue)]
    /// Names of compatible classes (diffusers' `_compatibles`), excluding this one.
    public let compatibles: [String]
    /// The file `save_config` writes (`scheduler_config.json` for schedulers).
    public let configName: String

    /// A schema for `className` with its parameters (in signature order, with defaults) and compatibles.
    public init(className: String, parameters: [(String, JSONValue)], compatibles: [String], configName: String = "scheduler_config.json") {
        self.className = className
        self.parameters = parameters
        self.compatibles = compatibles
        self.configName = configName
    }

    /// The parameter names.
    public var parameterNames: [String] { parameters.map(\.0) }

    /// The default of parameter `key`.
    public func defaultValue(_ key: String) -> JSONValue? { parameters.first(where: { $0.0 == key })?.1 }

    /// The config a constructor call records (`register_to_config`): every parameter in signature
    /// order (the passed value, else the default), then `_use_default_values` listing the parameters
    /// that were not passed (in signature order; diffusers' order comes from a set), then the private
    /// (`_`-prefixed) keys of `passed`. Throws when a passed key is not a parameter.
    public func registeredConfig(passing passed: [(String, JSONValue)]) throws -> Config {
        let names = Set(parameterNames)
        var given: [String: JSONValue] = [:]
        var privates: [(String, JSONValue)] = []
        for (k, v) in passed {
            if k.hasPrefix("_") { privates.append((k, v)); continue }
            guard names.contains(k) else {
                throw ConfigError("\(className).__init__() got an unexpected keyword argument '\(k)'")
            }
            given[k] = v
        }
        var entries: [(String, JSONValue)] = privates
        var unused: [JSONValue] = []
        for (k, d) in parameters {
            if let v = given[k] { entries.append((k, v)) } else { entries.append((k, d)); unused.append(.string(k)) }
        }
        if !unused.isEmpty { entries.append(("_use_default_values", .array(unused))) }
        return Config(entries: entries)
    }
}

/// The outcome of ``ConfigSchema/fromConfig(_:overrides:schemaFor:)``.
public struct FromConfigResult: @unchecked Sendable {
    /// The config the new object records: its parameters, `_use_default_values`, then the hidden
    /// entries carried over from the source (with `_class_name` renamed to the target class).
    public var config: Config
    /// The constructor arguments taken from the source and the overrides (`init_dict`).
    public var initArguments: [(String, JSONValue)]
    /// The warning diffusers logs for keys no compatible class expects, if any.
    public var warning: String?
    /// Keys not used (`unused_kwargs` plus the hidden entries), as `return_unused_kwargs=True` returns them.
    public var unused: [(String, JSONValue)]
}

extension ConfigSchema {
    /// `from_config(source, **overrides)`, following `extract_init_dict`:
    /// - keys the source listed in `_use_default_values` are dropped, so this class's own defaults apply;
    /// - keys this class does not take but a compatible class does are dropped silently;
    /// - keys of the source's own class (`_class_name`, when `schemaFor` knows it) that this class does
    ///   not take are dropped silently;
    /// - private (`_`-prefixed) keys are not passed to the constructor;
    /// - keyword `overrides` win over the source;
    /// - the keys left over give the warning "The config attributes {…} were passed to X, but are not
    ///   expected and will be ignored. Please verify your scheduler_config.json configuration file.";
    /// - every source key the constructor did not take (private ones included) is kept in the new
    ///   config, so it survives a round trip.
    public func fromConfig(_ source: Config, overrides: [(String, JSONValue)] = [],
                           schemaFor: (String) -> ConfigSchema?) throws -> FromConfigResult {
        // Skip keys that were not present in the original config.
        let usedDefaults = Set(source["_use_default_values"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var configDict = source.entries.filter { !usedDefaults.contains($0.0) && $0.0 != "_use_default_values" }
        let originalDict = configDict

        let expected = Set(parameterNames)
        var compatibleKeys = Set<String>()
        for c in compatibles { if let s = schemaFor(c) { compatibleKeys.formUnion(s.parameterNames) } }
        compatibleKeys.subtract(expected)
        configDict.removeAll { compatibleKeys.contains($0.0) }

        // Remove attributes of the original class that this class cannot take.
        let origName = configDict.first(where: { $0.0 == "_class_name" })?.1
        configDict.removeAll { $0.0 == "_class_name" }
        if let origName {
            switch origName {
            case .string(let name):
                if name != className, let orig = schemaFor(name) {
                    let unexpected = Set(orig.parameterNames).subtracting(expected)
                    configDict.removeAll { unexpected.contains($0.0) }
                }
            case .array: break
            default:
                throw ConfigError("Make sure that the `_class_name` is of type string or list of string (for custom pipelines).")
            }
        }
        configDict.removeAll { $0.0.hasPrefix("_") || $0.0 == "quantization_config" }

        var kwargs = overrides
        var initDict: [(String, JSONValue)] = []
        for key in parameterNames {
            if let ki = kwargs.lastIndex(where: { $0.0 == key }) {
                initDict.append((key, kwargs[ki].1))
                kwargs.removeAll { $0.0 == key }
                configDict.removeAll { $0.0 == key }
            } else if let ci = configDict.firstIndex(where: { $0.0 == key }) {
                initDict.append((key, configDict[ci].1))
                configDict.remove(at: ci)
            }
        }

        var warning: String? = nil
        if !configDict.isEmpty {
            let shown = JSONValue.object(configDict).pythonRepr
            warning = "The config attributes \(shown) were passed to \(className), but are not expected and will be ignored. Please verify your \(configName) configuration file."
        }

        let taken = Set(initDict.map(\.0))
        var hidden = originalDict.filter { !taken.contains($0.0) }
        if let i = hidden.firstIndex(where: { $0.0 == "_class_name" }) { hidden[i].1 = .string(className) }

        var config = try registeredConfig(passing: initDict)
        for (k, v) in hidden { config = config.setting(k, to: v) }
        let unused = configDict + kwargs + hidden
        return FromConfigResult(config: config, initArguments: initDict, warning: warning, unused: unused)
    }
}
