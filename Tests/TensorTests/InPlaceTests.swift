import Testing
@testable import Tensor

@Suite("In-place tensor operations")
struct InPlaceTests {
    static let cases: [JSONValue] = (try? loadPrintFixture("index_inplace.json")) ?? []

    @Test("fixtures are present")
    func fixturesPresent() {
        #expect(Self.cases.count > 20)
    }

    /// Each case applies the op to a view of the base and checks the base afterwards, so the test
    /// also shows that in-place writes reach every alias of the storage.
    @Test("in-place ops match PyTorch through views", arguments: cases)
    func inPlace(_ c: JSONValue) throws {
        let name = c["name"]?.stringValue ?? ""
        let base = try jsonFixtureTensor(try #require(c["source"]))
        let view = try base.indexed(try jsonFixtureIndex(c["view"]))
        let other: Tensor? = try c["other"].map(jsonFixtureTensor)
            ?? (c["other_view"] != nil ? base.indexed(try jsonFixtureIndex(c["other_view"])) : nil)
        let scalar = c["scalar"]?.doubleValue
        let isInteger = c["is_integer"]?.boolValue ?? false
        let alpha = Float(c["alpha"]?.doubleValue ?? 1)
        func run() throws {
            switch c["op"]?.stringValue {
            case "copy_": try view.copy_(from: try #require(other))
            case "fill_": view.fill_(Float(try #require(scalar)))
            case "zero_": view.zero_()
            case "clamp_": try view.clamp_(min: c["min"]?.doubleValue.map(Float.init), max: c["max"]?.doubleValue.map(Float.init))
            case "add_":
                if let other { try view.add_(other, alpha: alpha) } else { try view.add_(try #require(scalar), isInteger: isInteger) }
            case "sub_":
                if let other { try view.sub_(other, alpha: alpha) } else { try view.sub_(try #require(scalar), isInteger: isInteger) }
            case "mul_":
                if let other { try view.mul_(other) } else { try view.mul_(try #require(scalar), isInteger: isInteger) }
            case "div_":
                if let other { try view.div_(other) } else { try view.div_(try #require(scalar), isInteger: isInteger) }
            default: Issue.record("\(name): unknown op")
            }
        }
        if let err = c["error"] {
            do {
                try run()
                Issue.record("\(name): expected \(err)")
            } catch let e as TensorError {
                #expect(e.message == err["message"]?.stringValue, "\(name)")
                #expect(pythonExceptionName(e) == err["type"]?.stringValue, "\(name)")
            }
            #expect(base.scalars == (try jsonFixtureTensor(try #require(c["source"]))).scalars, "\(name): unchanged on error")
            return
        }
        try run()
        let expected = try jsonFixtureTensor(try #require(c["result"]))
        #expect(base.scalars == expected.scalars, "\(name)")
        #expect(base.dtype == expected.dtype, "\(name)")
    }

    @Test("a transposed alias sees in-place writes")
    func transposedAlias() throws {
        let x = try Tensor.arange(0, 6, dtype: .float32).reshape([2, 3])
        let alias = try x.transpose(0, 1)
        try x.mul_(-2)
        #expect(alias.scalars == (try x.transpose(0, 1)).scalars)
        #expect(alias.storage === x.storage)
    }
}
