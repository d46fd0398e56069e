// Matrix products on OpenBLAS sgemm: matmul, bmm, linear.

/// How a strided 2-D view can be handed to BLAS without copying.
struct MatrixOperand {
    var pointer: UnsafePointer<Float>
    var trans: BLAS.Transpose
    var ld: Int
}

extension Tensor {
    /// Describes the `rows × cols` matrix at storage position `start` with the given strides as a BLAS
    /// operand (as stored, or as the transpose of a row-major matrix), or nil if neither layout fits.
    static func matrixOperand(_ base: UnsafePointer<Float>, start: Int, rows: Int, cols: Int,
                              rowStride rs: Int, colStride cs: Int) -> MatrixOperand? {
        let p = base + start
        if cs == 1 || cols == 1 {
            let ld = rows == 1 ? Swift.max(cols, 1) : rs
            if ld >= Swift.max(cols, 1) { return MatrixOperand(pointer: p, trans: .noTranspose, ld: ld) }
        }
        if rs == 1 || rows == 1 {
            let ld = cols == 1 ? Swift.max(rows, 1) : cs
            if ld >= Swift.max(rows, 1) { return MatrixOperand(pointer: p, trans: .transpose, ld: ld) }
        }
        return nil
    }

    /// Storage offsets of every index of `shape` (row-major order) for the given strides.
    static func offsets(shape: [Int], strides: [Int], base: Int) -> [Int] {
        let n = shape.reduce(1, *)
        var out = [Int](repeating: base, count: n)
        if n == 0 || shape.isEmpty { return out }
        var idx = [Int](repeating: 0, count: shape.count)
        var p = base
        for i in 0..<n {
            out[i] = p
            var d = shape.count - 1
            while d >= 0 {
                idx[d] += 1; p += strides[d]
                if idx[d] < shape[d] { break }
                p -= strides[d] * shape[d]; idx[d] = 0; d -= 1
            }
        }
        return out
    }

    /// `alpha · a @ b` for `a` `[..., n, k]` and `b` `[..., k, m]` whose batch dims are already
    /// broadcast to `batch` (views with zero strides are fine). Operands whose matrices are not
    /// BLAS-compatible views are copied.
    static func batchedMatmul(_ a: Tensor, _ b: Tensor, batch: [Int], alpha: Float = 1) throws -> Tensor {
        var a = a, b = b
        let n = a.shape[a.rank - 2], k = a.shape[a.rank - 1], m = b.shape[b.rank - 1]
        let dt = DType.promote(a.dtype, b.dtype)
        var out = Tensor(uninitializedShape: batch + [n, m], dtype: dt)
        if out.count == 0 { return out }
        if k == 0 { return Tensor.zeros(batch + [n, m], dtype: dt) }
        func operand(_ t: inout Tensor, _ rows: Int, _ cols: Int) -> MatrixOperand? {
            Tensor.matrixOperand(t.storage.pointer, start: 0, rows: rows, cols: cols,
                                 rowStride: t.strides[t.rank - 2], colStride: t.strides[t.rank - 1])
        }
        if operand(&a, n, k) == nil { a = a.copied() }
        if operand(&b, k, m) == nil { b = b.copied() }
        let nb = batch.reduce(1, *)
        let aBatchStrides = Array(a.strides.prefix(batch.count)), bBatchStrides = Array(b.strides.prefix(batch.count))
        let dst = out.storage.pointer

        // A shared right operand with a batched left operand whose rows stack uniformly: one GEMM.
        if nb > 1 && bBatchStrides.allSatisfy({ $0 == 0 }), let s = a.viewStrides([nb * n, k]),
           let opA = matrixOperand(a.storage.pointer, start: a.offset, rows: nb * n, cols: k, rowStride: s[0], colStride: s[1]),
           let opB = matrixOperand(b.storage.pointer, start: b.offset, rows: k, cols: m,
                                   rowStride: b.strides[b.rank - 2], colStride: b.strides[b.rank - 1]) {
            try BLAS.sgemm(transA: opA.trans, transB: opB.trans, m: nb * n, n: m, k: k, alpha: alpha,
                           a: opA.pointer, lda: opA.ld, b: opB.pointer, ldb: opB.ld, c: dst, ldc: m)
        } else {
            let offA = offsets(shape: batch, strides: aBatchStrides, base: a.offset)
            let offB = offsets(shape: batch, strides: bBatchStrides, base: b.offset)
            for i in 0..<nb {
                guard let opA = matrixOperand(a.storage.pointer, start: offA[i], rows: n, cols: k,
                                              rowStride: a.strides[a.rank - 2], colStride: a.strides[a.rank - 1]),
                      let opB = matrixOperand(b.storage.pointer, start: offB[i], rows: k, cols: m,
                                              rowStride: b.strides[b.rank - 2], colStride: b.strides[b.rank - 1]) else {
                    throw shapeError("matmul: internal layout error for \(shapeString(a.shape)) and \(shapeString(b.shape))")
                }
                try BLAS.sgemm(transA: opA.trans, transB: opB.trans, m: n, n: m, k: k, alpha: alpha,
                               a: opA.pointer, lda: opA.ld, b: opB.pointer, ldb: opB.ld, c: dst + i * n * m, ldc: m)
            }
        }
        withExtendedLifetime((a, b)) {}
        if dt != .float32 && dt != .float64 { out.normalizeValues() }
        return out
    }

    /// Matrix product with PyTorch's `matmul` semantics (1-D, 2-D and batched with broadcast batch dims).
    public func matmul(_ other: Tensor) throws -> Tensor {
        let a = self, b = other
        guard a.rank >= 1 && b.rank >= 1 else {
            throw shapeError("matmul: both arguments to matmul need to be at least 1D, but they are \(a.rank)D and \(b.rank)D")
        }
        if a.rank == 1 && b.rank == 1 {
            guard a.shape[0] == b.shape[0] else {
                throw shapeError("matmul: inconsistent tensor size, expected tensor [\(a.shape[0])] and src [\(b.shape[0])] to have the same number of elements, but got \(a.shape[0]) and \(b.shape[0]) elements respectively")
            }
            let r = try Tensor.batchedMatmul(a.unsqueeze(0), b.unsqueeze(1), batch: [])
            return try r.reshape([])
        }
        let a2 = a.rank == 1 ? try a.unsqueeze(0) : a
        let b2 = b.rank == 1 ? try b.unsqueeze(1) : b
        let n = a2.shape[a2.rank - 2], k = a2.shape[a2.rank - 1]
        let k2 = b2.shape[b2.rank - 2], m = b2.shape[b2.rank - 1]
        guard k == k2 else {
            if a.rank <= 2 && b.rank <= 2 {
                throw shapeError("matmul: mat1 and mat2 shapes cannot be multiplied (\(n)x\(k) and \(k2)x\(m))")
            }
            throw shapeError("matmul: shapes \(shapeString(a.shape)) and \(shapeString(b.shape)) cannot be multiplied (inner dimensions \(k) and \(k2) differ)")
        }
        let batch = try Tensor.broadcastShape(Array(a2.shape.dropLast(2)), Array(b2.shape.dropLast(2)), op: "matmul")
        let ae = try a2.expand(to: batch + [n, k]), be = try b2.expand(to: batch + [k, m])
        var outShape = batch
        if a.rank > 1 { outShape.append(n) }
        if b.rank > 1 { outShape.append(m) }
        return try Tensor.batchedMatmul(ae, be, batch: batch).reshape(outShape)
    }

    /// Batched matrix product of `[B, n, k]` and `[B, k, m]`.
    public static func bmm(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.rank == 3 else { throw shapeError("bmm: batch1 must be a 3D tensor, got \(shapeString(a.shape))") }
        guard b.rank == 3 else { throw shapeError("bmm: batch2 must be a 3D tensor, got \(shapeString(b.shape))") }
        guard b.shape[0] == a.shape[0] && b.shape[1] == a.shape[2] else {
            throw shapeError("bmm: Expected size for first two dimensions of batch2 tensor to be: [\(a.shape[0]), \(a.shape[2])] but got: [\(b.shape[0]), \(b.shape[1])].")
        }
        return try batchedMatmul(a, b, batch: [a.shape[0]])
    }

    /// Weights (floats) up to which `linear` of a single row computes dot products itself: 128 K floats, 512 KB.
    static let smallLinearLimit = 1 << 17

    /// `x @ weight.T + bias` over the last dimension (`torch.nn.functional.linear`); weight is `[out, in]`.
    ///
    /// A single row through a small layer (at most ``smallLinearLimit`` weights) is a dot product per output; with
    /// `rowByRow` every row of a small layer is, so each row of a batch gets exactly the bits it would get alone (a
    /// GEMM adds in another order). UNet2DModel computes a sampling run's time embeddings that way, all at once.
    public func linear(weight: Tensor, bias: Tensor?, rowByRow: Bool = false) throws -> Tensor {
        guard rank >= 1 else { throw shapeError("linear: input must be at least 1D, got a 0D tensor") }
        guard weight.rank == 2 || weight.rank == 1 else {
            throw shapeError("linear: weight must be 1D or 2D, got \(shapeString(weight.shape))")
        }
        let w = weight.rank == 1 ? try weight.unsqueeze(0) : weight
        let inF = shape[rank - 1], outF = w.shape[0]
        let rows = count / Swift.max(inF, 1)
        guard w.shape[1] == inF else {
            throw shapeError("linear: mat1 and mat2 shapes cannot be multiplied (\(rows)x\(inF) and \(w.shape[1])x\(outF))")
        }
        if let bias {
            guard bias.count == outF && bias.rank <= 1 else {
                throw shapeError("linear: bias of shape \(shapeString(bias.shape)) does not match weight \(shapeString(weight.shape))")
            }
        }
        var outShape = Array(shape.dropLast())
        if weight.rank == 2 { outShape.append(outF) }
        let x = try reshape([rows, inF])
        let dt = DType.promote(DType.promote(dtype, weight.dtype), bias?.dtype ?? dtype)
        var out = Tensor(uninitializedShape: [rows, outF], dtype: dt)
        if out.count == 0 { return try out.reshape(outShape) }
        let c = out.storage.pointer
        var beta: Float = 0
        if let bias {
            let bv = bias.contiguous()
            let bp = bv.storage.pointer + bv.offset
            for r in 0..<rows { (c + r * outF).update(from: bp, count: outF) }
            beta = 1
        }
        if inF == 0 {
            if bias == nil { c.initialize(repeating: 0, count: rows * outF) }
            return try out.reshape(outShape)
        }
        let xop = Tensor.matrixOperand(x.storage.pointer, start: x.offset, rows: rows, cols: inF,
                                       rowStride: x.strides[0], colStride: x.strides[1])
        let xs = xop == nil ? x.copied() : x
        let wop = Tensor.matrixOperand(w.storage.pointer, start: w.offset, rows: outF, cols: inF,
                                       rowStride: w.strides[0], colStride: w.strides[1])
        let ws = wop == nil ? w.copied() : w
        guard let opX = Tensor.matrixOperand(xs.storage.pointer, start: xs.offset, rows: rows, cols: inF,
                                             rowStride: xs.strides[0], colStride: xs.strides[1]),
              let opW = Tensor.matrixOperand(ws.storage.pointer, start: ws.offset, rows: outF, cols: inF,
                                             rowStride: ws.strides[0], colStride: ws.strides[1]) else {
            throw shapeError("linear: internal layout error")
        }
        // out[rows, outF] = x[rows, inF] · Wᵀ[inF, outF]
        if (rows == 1 || rowByRow) && opX.trans == .noTranspose && opW.trans == .noTranspose
            && outF * inF <= Tensor.smallLinearLimit {
            // One row through a small layer (a UNet's time embedding): dot products, without BLAS's call overhead.
            for r in 0..<rows {
                let xr = opX.pointer + r * opX.ld, cr = c + r * outF
                for o in 0..<outF {
                    let d = VectorMath.dot(xr, opW.pointer + o * opW.ld, count: inF)
                    cr[o] = beta == 0 ? d : cr[o] + d
                }
            }
        } else {
            try BLAS.sgemm(transA: opX.trans, transB: opW.trans == .noTranspose ? .transpose : .noTranspose,
                       m: rows, n: outF, k: inF, a: opX.pointer, lda: opX.ld, b: opW.pointer, ldb: opW.ld,
                       beta: beta, c: c, ldc: outF)
        }
        withExtendedLifetime((xs, ws)) {}
        if dt != .float32 && dt != .float64 { out.normalizeValues() }
        return try out.reshape(outShape)
    }
}
