import Foundation
import Testing
import Tensor
@testable import Diffusers

/// `Config` and `from_config` against `sched_config.json` (tools/fixtures_schedulers.py).
@Suite("Scheduler configs")
struct ConfigTests {
    static let fixture: JSONValue = (try? schedFixture("sched_config.json")) ?? .null

    /// Fixture entries `[[key, value], …]` as a `Config`.
    static func config(_ v: JSONValue?) -> Config {
        Config(entries: (v?.arrayValue ?? []).compactMap { pair in
            guard let a = pair.arrayValue, a.count == 2, let k = a[0].stringValue else { return nil }
            return (k, a[1])
        })
    }

    /// Entries with `_use_default_values` sorted (diffusers builds it from a set).
    static func normalized(_ c: Config) -> [(String, JSONValue)] {
        c.entries.map { k, v in
            guard k == "_use_default_values", let a = v.arrayValue else { return (k, v) }
            return (k, .array(a.compactMap(\.stringValue).sorted().map(JSONValue.string)))
        }
    }

    @Test("each scheduler's parameters and defaults are diffusers'")
    func schemas() throws {
        let schemas = try #require(Self.fixture["schemas"]?.objectValue)
        var checked = 0
        for (name, params) in schemas {
            guard let type = SchedulerRegistry.type(named: name) else { continue }
            let expected = Self.config(params)
            let mine = type.schema.parameters
            #expect(mine.map(\.0) == expected.keys, "\(name) parameter names")
            for (k, v) in expected.entries {
                #expect(type.schema.defaultValue(k) == v, "\(name).\(k) default: \(String(describing: type.schema.defaultValue(k))) vs \(v)")
            }
            checked += 1
        }
        #expect(checked == SchedulerRegistry.types.count)
    }

    @Test("from_config follows extract_init_dict", arguments: 0..<8)
    func fromConfig(_ index: Int) throws {
        let cases = Self.fixture["from_config"]?.arrayValue ?? []
        guard index < cases.count else { return }
        let c = cases[index]
        let name = c["name"]?.stringValue ?? "?"
        let target = try #require(c["target"]?.stringValue)
        let overrides = c["overrides"]?.objectValue ?? []
        let (scheduler, warning) = try SchedulerRegistry.make(className: target, config: Self.config(c["source"]), overrides: overrides)
        let got = Self.normalized(scheduler.config), want = Self.normalized(Self.config(c["config"]))
        #expect(got.map(\.0) == want.map(\.0), "\(name): keys \(got.map(\.0)) vs \(want.map(\.0))")
        for ((k, a), (_, b)) in zip(got, want) { #expect(a == b, "\(name): \(k) = \(a) vs \(b)") }
        #expect(warning == c["warning"]?.stringValue, "\(name): warning")
    }

    @Test("repr(scheduler), print(scheduler.config) and save_config's JSON")
    func reprs() throws {
        let r = try #require(Self.fixture["repr"]?.arrayValue?.first)
        let config = Self.config(r["source"])
        let className = try #require(r["class"]?.stringValue)
        #expect(config.classDescription(className: className) == r["repr"]?.stringValue)
        #expect(config.description == r["config_str"]?.stringValue)
        #expect(config.jsonString(className: className) == r["json"]?.stringValue)
    }

    @Test("save_config then from_pretrained gives the same scheduler config")
    func saveAndLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-sched-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try DDIMScheduler.make([("beta_schedule", .string("scaled_linear")), ("steps_offset", .int(1))])
        try s.saveConfig(directory: dir)
        let (loaded, warning) = try DDIMScheduler.fromPretrained(dir)
        #expect(warning == nil)
        #expect(loaded.config["beta_schedule"] == .string("scaled_linear"))
        #expect(loaded.config["steps_offset"] == .int(1))
        #expect(loaded.config["_class_name"] == .string("DDIMScheduler"))
        #expect(loaded.config["_use_default_values"] == nil)
        let (any, _) = try SchedulerRegistry.fromPretrained(dir)
        #expect(any is DDIMScheduler)
    }

    @Test("typed getters name the config, the key and the value")
    func typedGetters() throws {
        let c = Config(entries: [("_class_name", .string("DDPMScheduler")), ("num_train_timesteps", .string("many")),
                                 ("beta_start", .int(1)), ("steps", .double(3.0))])
        #expect(try c.double("beta_start", default: 0) == 1)
        #expect(try c.int("steps", default: 0) == 3)
        #expect(try c.int("missing", default: 7) == 7)
        do {
            _ = try c.int("num_train_timesteps", default: 1000)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.message == "DDPMScheduler: `num_train_timesteps` must be an int, got 'many' (str)")
        }
    }

    @Test("load names the file for missing, invalid and non-object configs")
    func loadErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.json"), list = dir.appendingPathComponent("list.json")
        try Data("{\"a\": 1,,}".utf8).write(to: bad)
        try Data("[1, 2]".utf8).write(to: list)
        #expect(throws: ConfigError.self) { try Config.load(path: dir.appendingPathComponent("none.json").path) }
        do { _ = try Config.load(path: bad.path); Issue.record("expected an error") } catch let e as ConfigError {
            #expect(e.message.contains(bad.path) && e.message.contains("at byte "))
        }
        do { _ = try Config.load(path: list.path); Issue.record("expected an error") } catch let e as ConfigError {
            #expect(e.message.contains(list.path) && e.message.contains("list"))
        }
    }
}
