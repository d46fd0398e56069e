import Testing
@testable import Tensor

/// Reductions against `tensor_reduction.safetensors` (tools/fixtures_tensor.py).
@Suite("reductions match PyTorch")
struct ReductionTests {
    let f: FixtureFile
    let x, i, b, ties: Tensor

    init() throws {
        f = try FixtureFile("tensor_reduction.safetensors")
        (x, i, b, ties) = (try f("in_x"), try f("in_i"), try f("in_b"), try f("in_ties"))
    }

    @Test("sum, mean and prod over all, one or several dims")
    func sums() throws {
        try f.check("sum_all", try x.sum(), rtol: 1e-6)
        try f.check("sum_d1", try x.sum(dims: [1]), rtol: 1e-6)
        try f.check("sum_d02_keep", try x.sum(dims: [0, 2], keepdim: true), rtol: 1e-6)
        try f.check("sum_int", try i.sum(dims: [-1]), exact: true)
        try f.check("sum_bool", try b.sum(), exact: true)
        try f.check("mean_all", try x.mean(), rtol: 1e-6)
        try f.check("mean_d2", try x.mean(dims: [2]), rtol: 1e-6)
        try f.check("mean_d01_keep", try x.mean(dims: [0, 1], keepdim: true), rtol: 1e-6)
        try f.check("prod_d2", try x.reduce(.prod, dims: [2]), rtol: 1e-6)
        try f.check("prod_int", try i.reduce(.prod, dims: [1]), exact: true)
    }

    @Test("variance and standard deviation, with and without Bessel's correction")
    func spread() throws {
        try f.check("var_all", try x.variance(), rtol: 1e-6)
        try f.check("var_d1_biased", try x.variance(dims: [1], correction: 0), rtol: 1e-6)
        try f.check("var_d2_keep", try x.variance(dims: [2], keepdim: true), rtol: 1e-6)
        try f.check("std_all", try x.std(), rtol: 1e-6)
        try f.check("std_d0", try x.std(dims: [0]), rtol: 1e-6)
        try f.check("std_d1_biased", try x.std(dims: [1], correction: 0), rtol: 1e-6)
    }

    @Test("min, max and their indices, ties resolved to the first")
    func extremes() throws {
        try f.check("min_all", try x.reduce(.min), exact: true)
        try f.check("max_all", try x.reduce(.max), exact: true)
        try f.check("max_int", try i.reduce(.max), exact: true)
        try f.check("amax_d1", try x.reduce(.amax, dims: [1]), exact: true)
        try f.check("amin_d2_keep", try x.reduce(.amin, dims: [2], keepdim: true), exact: true)
        try f.check("max_d2_values", try x.reduce(.max, dims: [2]), exact: true)
        try f.check("max_d2_indices", try x.reduce(.argmax, dims: [2]), exact: true)
        try f.check("argmax_all", try x.reduce(.argmax), exact: true)
        try f.check("argmax_dm1", try x.reduce(.argmax, dims: [-1]), exact: true)
        try f.check("argmin_d1_keep", try x.reduce(.argmin, dims: [1], keepdim: true), exact: true)
        try f.check("argmax_ties", try ties.reduce(.argmax, dims: [1]), exact: true)
        try f.check("argmin_ties", try ties.reduce(.argmin, dims: [1]), exact: true)
        try f.check("argmax_int", try i.reduce(.argmax, dims: [0]), exact: true)
        try f.check("all_d1", try b.reduce(.all, dims: [1]), exact: true)
        try f.check("any_d0", try b.reduce(.any, dims: [0]), exact: true)
        try f.check("all", try b.reduce(.all), exact: true)
    }

    @Test("cumulative sums and products")
    func cumulative() throws {
        // PyTorch accumulates in double: bit-identical, even over 1000 elements.
        try f.check("cumsum_d1", try x.cumulative(false, dim: 1), exact: true)
        try f.check("cumsum_dm1", try x.cumulative(false, dim: -1), exact: true)
        try f.check("cumprod_d2", try x.cumulative(true, dim: 2), exact: true)
        try f.check("cumsum_long", try f("in_long").cumulative(false, dim: 0), exact: true)
        try f.check("cumsum_int", try i.cumulative(false, dim: 2), exact: true)
        try f.check("cumsum_bool", try b.cumulative(false, dim: 0), exact: true)
    }

    @Test("bad dims and empty inputs throw")
    func errors() throws {
        for dims in [[3], [-4], [0, 0]] {
            do {
                _ = try x.sum(dims: dims)
                Issue.record("sum(dims: \(dims)) should throw")
            } catch let e as TensorError {
                #expect(e.message.contains("sum"), "\(e.message)")
            }
        }
        #expect(throws: TensorError.self) { try x.reduce(.argmax, dims: [0, 1]) }
        #expect(throws: TensorError.self) { try Tensor.zeros([0]).reduce(.max) }
        #expect(throws: TensorError.self) { try i.mean() }
        #expect(throws: TensorError.self) { try i.variance() }
        #expect(throws: TensorError.self) { try x.cumulative(false, dim: 3) }
        // Empty sums are zero, as in PyTorch.
        #expect(try Tensor.zeros([0, 3]).sum(dims: [0]).scalars == [0, 0, 0])
    }
}
