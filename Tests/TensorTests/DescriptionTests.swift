import Foundation
import Testing
@testable import Tensor

/// Loads a JSON fixture written by `tools/fixtures_print.py`.
func loadPrintFixture(_ name: String) throws -> [JSONValue] {
    let data = try Data(contentsOf: Fixtures.url(name))
    return try JSONValue.parse(bytes: [UInt8](data)).arrayValue ?? []
}

/// Builds a tensor from a fixture's `{shape, dtype, values}`.
func jsonFixtureTensor(_ json: JSONValue) throws -> Tensor {
    let shape = (json["shape"]?.arrayValue ?? []).compactMap(\.intValue)
    let dtype = DType(rawValue: json["dtype"]?.stringValue ?? "") ?? .float32
    let values = (json["values"]?.arrayValue ?? []).compactMap(\.doubleValue).map(Float.init)
    return try Tensor(shape: shape, scalars: values, dtype: dtype)
}

@Suite("Tensor printing")
struct DescriptionTests {
    static let torchCases: [JSONValue] = (try? loadPrintFixture("print_torch.json")) ?? []
    static let numpyCases: [JSONValue] = (try? loadPrintFixture("print_numpy.json")) ?? []

    @Test("fixtures are present")
    func fixturesPresent() {
        #expect(Self.torchCases.count > 50)
        #expect(Self.numpyCases.count > 20)
    }

    @Test("repr matches PyTorch byte for byte", arguments: torchCases)
    func torchRepr(_ c: JSONValue) throws {
        let t = try jsonFixtureTensor(c)
        let o = c["options"]
        let text = t.formatted(linewidth: o?["linewidth"]?.intValue ?? 80,
                               precision: o?["precision"]?.intValue ?? 4,
                               threshold: o?["threshold"]?.intValue ?? 1000,
                               edgeItems: o?["edgeitems"]?.intValue ?? 3,
                               sciMode: o?["sci_mode"]?.boolValue)
        #expect(text == c["repr"]?.stringValue, "\(c["name"]?.stringValue ?? "")")
    }

    @Test("description is the repr with default options")
    func descriptionDefault() throws {
        for c in Self.torchCases where (c["options"]?.objectValue ?? []).isEmpty {
            let t = try jsonFixtureTensor(c)
            #expect(t.description == c["repr"]?.stringValue)
            #expect("\(t)" == t.formatted())
        }
    }

    @Test("shape description matches str(torch.Size)")
    func shapeDescription() throws {
        let cases = try loadPrintFixture("print_sizes.json")
        #expect(!cases.isEmpty)
        for c in cases {
            let shape = (c["shape"]?.arrayValue ?? []).compactMap(\.intValue)
            #expect(Tensor.zeros(shape).shapeDescription == c["repr"]?.stringValue)
        }
    }
}

@Suite("NumPy array printing")
struct NumpyDescriptionTests {
    @Test("repr matches NumPy byte for byte", arguments: DescriptionTests.numpyCases)
    func numpyRepr(_ c: JSONValue) throws {
        let t = try jsonFixtureTensor(c)
        #expect(t.numpyDescription() == c["repr"]?.stringValue, "\(c["name"]?.stringValue ?? "")")
        #expect(t.numpyString() == c["str"]?.stringValue, "str of \(c["name"]?.stringValue ?? "")")
    }
}
