import Testing
@testable import Tensor

/// Shape operations against `tensor_shape.safetensors` (tools/fixtures_tensor.py).
@Suite("shape operations match PyTorch")
struct ShapeTests {
    let f: FixtureFile
    let x, i: Tensor

    init() throws {
        f = try FixtureFile("tensor_shape.safetensors")
        (x, i) = (try f("in_x"), try f("in_i"))
    }

    @Test("views and reshapes, including of non-contiguous tensors")
    func views() throws {
        try f.check("reshape_noncontig", try x.transpose(0, 2).reshape([4, 6]), exact: true)
        try f.check("view_permuted_ok", try x.permute([1, 0, 2]).reshape([3, 8]), exact: true)
        let v = try x.view([2, 3, 2, 2])
        try f.check("view_split", v, exact: true)
        #expect(v.storage === x.storage)
        try f.check("permute", try x.permute([2, 0, 1]), exact: true)
        try f.check("transpose", try x.transpose(-1, 0), exact: true)
        try f.check("contig_of_t", try x.transpose(1, 2).contiguous(), exact: true)
        #expect(try x.transpose(1, 2).contiguous().isContiguous)
        // A view of a transposed tensor that would need a copy is refused; reshape copies.
        #expect(throws: TensorError.self) { try x.transpose(0, 2).view([24]) }
        #expect(try x.transpose(0, 2).reshape([-1]).shape == [24])
        // Views share storage: a permuted view of a view reads the same elements.
        #expect(try x.permute([2, 0, 1]).permute([1, 2, 0]).scalars == x.scalars)
    }

    @Test("squeeze, unsqueeze, flatten and expand")
    func sizeOnes() throws {
        let first = try x.narrow(1, start: 0, length: 1)
        try f.check("unsqueeze", try x.unsqueeze(1), exact: true)
        try f.check("unsqueeze_last", try x.unsqueeze(-1), exact: true)
        try f.check("squeeze", try first.squeeze(), exact: true)
        try f.check("squeeze_d1", try first.squeeze(1), exact: true)
        try f.check("flatten", try x.flatten(), exact: true)
        try f.check("flatten_1", try x.flatten(1), exact: true)
        try f.check("flatten_02", try x.flatten(0, 1), exact: true)
        try f.check("expand", try first.expand(to: [2, 3, 4]), exact: true)
        let z = try Tensor([1.5, -2.0, 0.25, -3.75]).expand(to: [2, 3, 4])
        #expect(z.strides == [0, 0, 1])
        try f.check("expand_new", z, exact: true)
    }

    @Test("cat, stack, chunk, split")
    func joinAndSplit() throws {
        try f.check("cat0", try Tensor.cat([x, try x * 2]), exact: true)
        try f.check("cat1", try Tensor.cat([x, try x.narrow(1, start: 0, length: 2)], dim: 1), exact: true)
        try f.check("catm1", try Tensor.cat([x, i.to(.float32)], dim: -1), exact: true)
        try f.check("cat_promote", try Tensor.cat([i, x], dim: 0), exact: true)
        try f.check("stack0", try Tensor.stack([x, -x]), exact: true)
        try f.check("stack2", try Tensor.stack([x, -x], dim: 2), exact: true)
        try f.check("stackm1", try Tensor.stack([x, -x, x], dim: -1), exact: true)
        let five = try Tensor.arange(0, 5, dtype: .float32), six = try Tensor.arange(0, 6, dtype: .float32)
        let c53 = try five.chunk(3), c64 = try six.chunk(4), cx = try x.chunk(3, dim: 2)
        #expect(c53.count == 3 && c64.count == 3 && cx.count == 2)
        for (k, c) in c53.enumerated() { try f.check("chunk5_3_\(k)", c, exact: true) }
        for (k, c) in c64.enumerated() { try f.check("chunk6_4_\(k)", c, exact: true) }
        for (k, c) in cx.enumerated() { try f.check("chunk_x_\(k)", c, exact: true) }
        let s3 = try x.split(3, dim: -1), ss = try x.split(sizes: [1, 2], dim: 1)
        #expect(s3.count == 2 && ss.count == 2)
        for (k, c) in s3.enumerated() { try f.check("split3_\(k)", c, exact: true) }
        for (k, c) in ss.enumerated() { try f.check("split_sizes_\(k)", c, exact: true) }
    }

    @Test("repeat, flip and narrow")
    func rearrange() throws {
        try f.check("repeat", try x.repeated([2, 1, 3]), exact: true)
        try f.check("repeat_more", try Tensor([1.5, -2.0, 0.25, -3.75]).repeated([2, 3]), exact: true)
        try f.check("flip", try x.flip([0, 2]), exact: true)
        try f.check("flip_t", try x.transpose(0, 2).flip([1]), exact: true)
        try f.check("narrow", try x.narrow(2, start: 1, length: 2), exact: true)
        try f.check("narrow_neg", try x.narrow(-2, start: -2, length: 2), exact: true)
    }

    @Test("bad shapes and dims throw TensorError naming the operation")
    func errors() throws {
        func expectError(_ op: String, _ body: () throws -> Tensor) {
            do {
                _ = try body()
                Issue.record("\(op) should throw")
            } catch let e as TensorError {
                #expect(e.message.lowercased().contains(op), "\(op): \(e.message)")
            } catch {
                Issue.record("\(op): unexpected error \(error)")
            }
        }
        expectError("reshape") { try x.reshape([5, 5]) }
        expectError("view") { try x.view([-1, -1]) }
        expectError("permute") { try x.permute([0, 1]) }
        expectError("permute") { try x.permute([0, 0, 1]) }
        expectError("transpose") { try x.transpose(0, 3) }
        expectError("unsqueeze") { try x.unsqueeze(4) }
        expectError("squeeze") { try x.squeeze(-4) }
        expectError("flatten") { try x.flatten(2, 1) }
        expectError("expand") { try x.expand(to: [2, 5, 4]) }
        expectError("expand") { try x.expand(to: [4]) }
        expectError("narrow") { try x.narrow(2, start: 3, length: 2) }
        expectError("sizes of tensors") { try Tensor.cat([x, Tensor.zeros([2, 2, 2])], dim: 0) }
        expectError("dimensions") { try Tensor.cat([x, Tensor.zeros([2, 3])]) }
        expectError("stack") { try Tensor.stack([x, Tensor.zeros([2, 3, 5])]) }
        expectError("cat") { try Tensor.cat([x], dim: 3) }
        expectError("chunk") { try x.chunk(0).first ?? x }
        expectError("split") { try x.split(sizes: [1, 1], dim: 1).first ?? x }
        expectError("repeat") { try x.repeated([2]) }
        expectError("flip") { try x.flip([5]) }
    }
}
