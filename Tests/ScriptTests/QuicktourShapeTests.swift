import Testing
@testable import Script

/// A stand-in tensor, to check that the quicktour's code shape runs on the object model the
/// bindings will use (keyword calls, attribute chains, `with`, `enumerate(tqdm(...))`, `2 * x`).
private final class FakeTensor: PyObject {
    let values: [Double]
    init(_ v: [Double]) { values = v }
    var typeName: String { "Tensor" }
    func repr() throws -> String { "tensor(\(try pyRepr(.list(PyList(values.map { .float($0) })))))" }
    var attributeNames: [String] { ["shape", "sample", "prev_sample"] }
    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "shape": return .tuple([.int(values.count)])
        case "sample", "prev_sample": return .object(self)
        default: return nil
        }
    }
    func binaryOp(_ op: BinaryOperator, _ other: Value, reflected: Bool) throws -> Value? {
        let k: Double
        switch other {
        case .int(let i): k = Double(i)
        case .float(let d): k = d
        default: return nil
        }
        switch op {
        case .add: return .object(FakeTensor(values.map { $0 + k }))
        case .mul: return .object(FakeTensor(values.map { $0 * k }))
        default: return nil
        }
    }
    func makeIterator() throws -> PyIterator? { PyIterator(values.map { .float($0) }) }
    func length() throws -> Int? { values.count }
}

private final class NoGrad: PyObject {
    var typeName: String { "no_grad" }
    var isContextManager: Bool { true }
    let log: (String) -> Void
    init(log: @escaping (String) -> Void) { self.log = log }
    func enter() throws -> Value { log("enter\n"); return .none }
    func exit(_ error: PyException?) throws -> Bool { log("exit\n"); return false }
}

@Suite("Quicktour shape")
struct QuicktourShapeTests {
    @Test func quicktourLoopRuns() throws {
        var out = ""
        let interp = Interpreter(stdout: { out += $0 }, stderr: { _ in })
        interp.registerModule("torch") { interp in
            let m = PyModule("torch")
            m.def("randn") { a in .object(FakeTensor(Array(repeating: 0.5, count: try a.int(0, "n")))) }
            m.def("no_grad") { _ in .object(NoGrad(log: { out += $0 })) }
            return m
        }
        interp.registerModule("tqdm") { _ in
            let m = PyModule("tqdm")
            m.def("tqdm") { a in a.positional[0] }
            return m
        }
        let src = """
        import torch
        import tqdm
        def model(sample, timestep=0):
            return sample * 0.5
        sample = torch.randn(2)
        for i, t in enumerate(tqdm.tqdm([3, 2, 1])):
            with torch.no_grad():
                residual = model(sample, timestep=t).sample
            sample = 2 * residual + 1
            if (i + 1) % 3 == 0:
                print(f"step {i + 1}: {sample} {sample.shape}")
        """
        try interp.run(source: src, filename: "quicktour.dsh")
        #expect(out == "enter\nexit\nenter\nexit\nenter\nexit\nstep 3: tensor([3.5, 3.5]) (2,)\n")
    }
}
