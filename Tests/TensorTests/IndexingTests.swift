import Foundation
import Testing
@testable import Tensor

/// Decodes a fixture index list (see `tools/fixtures_print.py`).
func jsonFixtureIndex(_ json: JSONValue?) throws -> [TensorIndex] {
    try (json?.arrayValue ?? []).map { item -> TensorIndex in
        if let i = item["int"]?.intValue { return .int(i) }
        if let s = item["slice"]?.arrayValue, s.count == 3 {
            return .slice(start: s[0].intValue, stop: s[1].intValue, step: s[2].intValue)
        }
        if item["ellipsis"] != nil { return .ellipsis }
        if item["none"] != nil { return .newAxis }
        if let t = item["tensor"] { return .tensor(try jsonFixtureTensor(t)) }
        throw TensorError(.value, "bad fixture index \(item)")
    }
}

/// The PyTorch exception class a ``TensorError`` kind stands for.
func pythonExceptionName(_ e: TensorError) -> String {
    switch e.kind {
    case .index: return "IndexError"
    case .value: return "ValueError"
    default: return "RuntimeError"
    }
}

@Suite("Tensor indexing")
struct IndexingTests {
    static let getCases: [JSONValue] = (try? loadPrintFixture("index_get.json")) ?? []
    static let setCases: [JSONValue] = (try? loadPrintFixture("index_set.json")) ?? []

    @Test("fixtures are present")
    func fixturesPresent() {
        #expect(Self.getCases.count > 30)
        #expect(Self.setCases.count > 10)
    }

    @Test("getitem matches PyTorch", arguments: getCases)
    func getItem(_ c: JSONValue) throws {
        let name = c["name"]?.stringValue ?? ""
        let src = try jsonFixtureTensor(try #require(c["source"]))
        let index = try jsonFixtureIndex(c["index"])
        if let err = c["error"] {
            do {
                _ = try src.indexed(index)
                Issue.record("\(name): expected \(err)")
            } catch let e as TensorError {
                #expect(e.message == err["message"]?.stringValue, "\(name)")
                #expect(pythonExceptionName(e) == err["type"]?.stringValue, "\(name)")
            }
            return
        }
        let expected = try jsonFixtureTensor(try #require(c["result"]))
        let r = try src.indexed(index)
        #expect(r.shape == expected.shape, "\(name)")
        #expect(r.dtype == expected.dtype, "\(name)")
        #expect(r.scalars == expected.scalars, "\(name)")
        if let isView = c["view"]?.boolValue {
            #expect((r.storage === src.storage) == isView, "\(name): view")
        }
    }

    @Test("setitem matches PyTorch and is seen through views", arguments: setCases)
    func setItem(_ c: JSONValue) throws {
        let name = c["name"]?.stringValue ?? ""
        let x = try jsonFixtureTensor(try #require(c["source"]))
        let alias = try x.indexed([.slice(start: nil, stop: nil, step: nil)])
        let index = try jsonFixtureIndex(c["index"])
        func run() throws {
            if let v = c["value"] { try x.assign(try jsonFixtureTensor(v), at: index) }
            else { try x.assign(Float(try #require(c["scalar"]?.doubleValue)), at: index) }
        }
        if let err = c["error"] {
            do {
                try run()
                Issue.record("\(name): expected \(err)")
            } catch let e as TensorError {
                #expect(e.message == err["message"]?.stringValue, "\(name)")
                #expect(pythonExceptionName(e) == err["type"]?.stringValue, "\(name)")
            }
            return
        }
        try run()
        let expected = try jsonFixtureTensor(try #require(c["result"]))
        #expect(x.scalars == expected.scalars, "\(name)")
        #expect(alias.scalars == expected.scalars, "\(name): alias")
    }

    @Test("a view of a view writes through to the base")
    func nestedViewWrite() throws {
        let base = try Tensor.arange(0, 12, dtype: .float32).reshape([3, 4])
        let before = base.scalars
        let part = try base.indexed([.int(1)]).indexed([.slice(start: 1, stop: 3, step: nil)])
        try part.assign(-1, at: [.ellipsis])
        let written = try base.indexed([.int(1), .slice(start: 1, stop: 3, step: nil)])
        #expect(written.scalars.allSatisfy { $0 == -1 })
        // Everything else is untouched: the base differs from its old values in exactly two places.
        #expect(Swift.zip(before, base.scalars).filter { $0 != $1 }.count == written.count)
    }
}
