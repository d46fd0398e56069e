import Foundation
import Testing
@testable import Tensor

/// JSON against Python's `json` module (`tensor_json.json`, written by tools/fixtures_tensor.py).
@Suite("JSON matches Python's json module")
struct JSONTests {
    let fixture: JSONValue

    init() throws {
        let data = try Data(contentsOf: Fixtures.url("tensor_json.json"))
        fixture = try JSONValue.parse(bytes: [UInt8](data))
    }

    @Test("floats print as Python's repr")
    func floatRepr() throws {
        let pairs = try #require(fixture["floats"]?.arrayValue)
        #expect(pairs.count > 20)
        for pair in pairs {
            let p = try #require(pair.arrayValue)
            let value = try #require(p[0].doubleValue), repr = try #require(p[1].stringValue)
            #expect(pythonFloatRepr(value) == repr, "\(value)")
            #expect(JSONValue.formatDouble(value) == repr)
        }
        #expect(pythonFloatRepr(.nan) == "nan" && pythonFloatRepr(-.infinity) == "-inf")
    }

    @Test("documents parse and serialise as json.dumps writes them (compact, indent=2, sort_keys)")
    func documents() throws {
        let docs = try #require(fixture["documents"]?.arrayValue)
        #expect(docs.count == 8)
        for doc in docs {
            let compact = try #require(doc["compact"]?.stringValue)
            let indented = try #require(doc["indented"]?.stringValue)
            let sorted = try #require(doc["sorted"]?.stringValue)
            let v = try JSONValue.parse(compact)
            #expect(v.serialized(indent: nil) == compact)
            #expect(v.description == compact)
            #expect(v.serialized(indent: 2) == indented)
            #expect(v.serialized(indent: 2, sortKeys: true) == sorted)
            #expect(try JSONValue.parse(indented) == v || compact.contains("NaN"))
        }
    }

    @Test("values keep their kinds and member order")
    func access() throws {
        let v = try JSONValue.parse(#"{"b": 1, "a": [1.5, "x", null, true], "c": {"d": -2e3}, "b2": 10000000000}"#)
        #expect(v.objectValue?.map(\.0) == ["b", "a", "c", "b2"])
        #expect(v["b"]?.intValue == 1)
        #expect(v["a"]?.arrayValue?[0].doubleValue == 1.5)
        #expect(v["a"]?.arrayValue?[1].stringValue == "x")
        #expect(v["a"]?.arrayValue?[2].isNull == true)
        #expect(v["a"]?.arrayValue?[3].boolValue == true)
        #expect(v["c"]?["d"]?.doubleValue == -2000)
        #expect(v["c"]?["d"]?.intValue == -2000)
        #expect(v["b2"]?.intValue == 10_000_000_000)
        #expect(v["missing"] == nil)
        #expect(try JSONValue.parse(#""\ud83d\ude00 \u00e9""#).stringValue == "😀 é")
    }

    @Test("malformed JSON throws, never crashes", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\": }", "\"\\x\"", "[1] 2", "tru", "\"unterminated", "{\"a\":1,}",
        "-", "1.2.3", "\"\u{01}\"", "[\"\\u12\"]", "{1: 2}", "nul", "[", "]",
    ])
    func malformed(text: String) {
        #expect(throws: JSONError.self) { try JSONValue.parse(text) }
    }

    @Test("deep nesting and invalid UTF-8 throw")
    func hostileInput() {
        #expect(throws: JSONError.self) { try JSONValue.parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: JSONError.self) { try JSONValue.parse(bytes: [0x22, 0xFF, 0xFE, 0x22]) }
        #expect((try? JSONValue.parse(String(repeating: "[", count: 500) + String(repeating: "]", count: 500))) != nil)
    }
}
