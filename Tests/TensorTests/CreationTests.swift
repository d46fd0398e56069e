import Testing
@testable import Tensor

/// Creation functions against `tensor_creation.safetensors` (tools/fixtures_tensor.py).
@Suite("creation functions match PyTorch")
struct CreationTests {
    let f: FixtureFile

    init() throws { f = try FixtureFile("tensor_creation.safetensors") }

    @Test("arange with integer and float steps")
    func arange() throws {
        try f.check("arange5", try Tensor.arange(0, 5), exact: true)
        try f.check("arange_1_10_3", try Tensor.arange(1, 10, step: 3), exact: true)
        try f.check("arange_f01", try Tensor.arange(0, 1, step: 0.1), exact: true)
        try f.check("arange_m1_1_03", try Tensor.arange(-1, 1, step: 0.3), exact: true)
        try f.check("arange_neg", try Tensor.arange(10, 0, step: -3), exact: true)
        try f.check("arange_f32_int", try Tensor.arange(0, 5, dtype: .float32), exact: true)
        try f.check("arange_001", try Tensor.arange(0, 0.1, step: 0.01), exact: true)
        let big = try Tensor.arange(0.5, 1000.5, step: 0.5)
        #expect(Float(big.count) == (try f("arange_big_len").item()))
        let sub = Tensor(stride(from: 0, to: big.count, by: 50).map { big.scalars[$0] })
        try f.check("arange_big", sub, exact: true)
        #expect(throws: TensorError.self) { try Tensor.arange(0, 1, step: 0) }
        #expect(throws: TensorError.self) { try Tensor.arange(0, 10, step: -1) }
        #expect(throws: TensorError.self) { try Tensor.arange(0, .infinity) }
    }

    @Test("linspace uses PyTorch's two-sided formula")
    func linspace() throws {
        try f.check("linspace_0_1_5", try Tensor.linspace(0, 1, steps: 5), exact: true)
        try f.check("linspace_m3_7_11", try Tensor.linspace(-3, 7, steps: 11), exact: true)
        try f.check("linspace_1_0_7", try Tensor.linspace(1, 0, steps: 7), exact: true)
        try f.check("linspace_odd", try Tensor.linspace(0.1, 0.7, steps: 33), exact: true)
        try f.check("linspace_1000", try Tensor.linspace(0, 1, steps: 1000), exact: true)
        try f.check("linspace_1", try Tensor.linspace(2, 5, steps: 1), exact: true)
        try f.check("linspace_timesteps", try Tensor.linspace(0, 999, steps: 50), exact: true)
        try f.check("linspace_f16", try Tensor.linspace(0, 1, steps: 9, dtype: .float16), exact: true)
        #expect(try Tensor.linspace(0, 1, steps: 0).shape == [0])
        #expect(throws: TensorError.self) { try Tensor.linspace(0, 1, steps: -1) }
    }

    @Test("full, zeros, ones, eye")
    func constants() throws {
        try f.check("full", Tensor.full([2, 3], 7.5), exact: true)
        try f.check("full_int", Tensor.full([3], 7, dtype: .int64), exact: true)
        try f.check("zeros", Tensor.zeros([2, 2]), exact: true)
        try f.check("ones_int", Tensor.ones([3], dtype: .int64), exact: true)
        try f.check("eye3", Tensor.eye(3), exact: true)
        try f.check("eye2_4", Tensor.eye(2, 4), exact: true)
        try f.check("eye4_2", Tensor.eye(4, 2), exact: true)
        #expect(Tensor.zeros(like: Tensor.ones([2], dtype: .int64)).dtype == .int64)
        #expect(Tensor.full(like: Tensor.ones([2]), 3).scalars == [3, 3])
    }
}
