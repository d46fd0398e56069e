import Foundation
import TensorKernels

extension Tensor {
    /// `F.scaled_dot_product_attention(q, k, v, attn_mask, scale=)` for `[..., L, E]` inputs.
    ///
    /// Computes `softmax(q·kᵀ·scale + mask)·v` one batch entry at a time (so the `L×S` score
    /// matrix is the only scratch), with sgemm for both products. A boolean mask keeps the positions
    /// where it is true; a float mask is added to the scores. Batch dims broadcast.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
                                                 attnMask: Tensor? = nil, scale: Float? = nil) throws -> Tensor {
        let q = query, k = key, v = value
        guard q.rank >= 2, k.rank >= 2, v.rank >= 2 else {
            throw shapeError("scaled_dot_product_attention: query, key and value must be at least 2-D, got \(shapeString(q.shape)), \(shapeString(k.shape)), \(shapeString(v.shape))")
        }
        let l = q.shape[q.rank - 2], e = q.shape[q.rank - 1]
        let s = k.shape[k.rank - 2], ek = k.shape[k.rank - 1]
        let sv = v.shape[v.rank - 2], ev = v.shape[v.rank - 1]
        guard e == ek, s == sv else {
            throw shapeError("scaled_dot_product_attention: shapes do not fit: query \(shapeString(q.shape)), key \(shapeString(k.shape)), value \(shapeString(v.shape)) (need query [..., L, E], key [..., S, E], value [..., S, Ev])")
        }
        var batch = try broadcastShape(Array(q.shape.dropLast(2)), Array(k.shape.dropLast(2)), op: "scaled_dot_product_attention")
        batch = try broadcastShape(batch, Array(v.shape.dropLast(2)), op: "scaled_dot_product_attention")
        var maskE: Tensor?
        if let m = attnMask {
            do {
                maskE = try m.expand(to: batch + [l, s])
            } catch {
                throw shapeError("scaled_dot_product_attention: attn_mask of shape \(shapeString(m.shape)) cannot broadcast to \(shapeString(batch + [l, s]))")
            }
        }
        let alpha = scale ?? Float(1 / Double(e).squareRoot())
        var qe = try q.expand(to: batch + [l, e]), ke = try k.expand(to: batch + [s, e]), ve = try v.expand(to: batch + [s, ev])
        if maskE == nil, s > 0, e > 0, l % DirectKernel.positions == 0,
           q.dtype == .float32, k.dtype == .float32, v.dtype == .float32, qe.strides[qe.rank - 2] == 1 {
            return attentionInColumns(query: qe, key: ke, value: ve, batch: batch, alpha: alpha)
        }
        func fix(_ t: inout Tensor, _ rows: Int, _ cols: Int) {
            if matrixOperand(t.storage.pointer, start: 0, rows: rows, cols: cols,
                             rowStride: t.strides[t.rank - 2], colStride: t.strides[t.rank - 1]) == nil { t = t.copied() }
        }
        fix(&qe, l, e); fix(&ke, s, e); fix(&ve, s, ev)
        let dt = DType.promote(DType.promote(q.dtype, k.dtype), v.dtype)
        var out = Tensor(uninitializedShape: batch + [l, ev], dtype: dt.isFloatingPoint ? dt : .float32)
        if out.count == 0 { return out }
        let nb = batch.reduce(1, *)
        let bs = batch.count
        let offQ = offsets(shape: batch, strides: Array(qe.strides.prefix(bs)), base: qe.offset)
        let offK = offsets(shape: batch, strides: Array(ke.strides.prefix(bs)), base: ke.offset)
        let offV = offsets(shape: batch, strides: Array(ve.strides.prefix(bs)), base: ve.offset)
        let offM = maskE.map { offsets(shape: batch, strides: Array($0.strides.prefix(bs)), base: $0.offset) }
        let scratch = ScratchPool.shared.take(Swift.max(1, l * s))
        defer { ScratchPool.shared.recycle(scratch) }
        let sc = scratch.pointer
        let dst = out.storage.pointer
        func op(_ t: Tensor, _ start: Int, _ rows: Int, _ cols: Int) throws -> MatrixOperand {
            guard let o = matrixOperand(t.storage.pointer, start: start, rows: rows, cols: cols,
                                        rowStride: t.strides[t.rank - 2], colStride: t.strides[t.rank - 1]) else {
                throw shapeError("scaled_dot_product_attention: internal layout error")
            }
            return o
        }
        for i in 0..<nb {
            if s == 0 {
                (dst + i * l * ev).initialize(repeating: .nan, count: l * ev)
                continue
            }
            // scores[L, S] = alpha · q[L, E] · kᵀ[E, S]
            let a = try op(qe, offQ[i], l, e), kt = try op(ke, offK[i], s, e)
            try BLAS.sgemm(transA: a.trans, transB: kt.trans == .noTranspose ? .transpose : .noTranspose,
                           m: l, n: s, k: e, alpha: alpha, a: a.pointer, lda: a.ld, b: kt.pointer, ldb: kt.ld,
                           c: sc, ldc: s)
            if let maskE, let offM {
                let mp = maskE.storage.pointer, rs = maskE.strides[bs], cs = maskE.strides[bs + 1]
                let base = offM[i]
                if maskE.dtype == .bool {
                    for r in 0..<l { for c in 0..<s where mp[base + r * rs + c * cs] == 0 { sc[r * s + c] = -.infinity } }
                } else {
                    for r in 0..<l { for c in 0..<s { sc[r * s + c] += mp[base + r * rs + c * cs] } }
                }
            }
            softmaxRows(sc, rows: l, cols: s, stride: s)
            // out[L, Ev] = probs[L, S] · v[S, Ev]
            let vo = try op(ve, offV[i], s, ev)
            try BLAS.sgemm(transB: vo.trans, m: l, n: ev, k: s, a: sc, lda: s, b: vo.pointer, ldb: vo.ld,
                           c: dst + i * l * ev, ldc: ev)
        }
        withExtendedLifetime((qe, ke, ve, maskE)) {}
        if out.dtype != .float32 && out.dtype != .float64 { out.normalizeValues() }
        return out
    }

    /// ``scaledDotProductAttention(query:key:value:attnMask:scale:)`` without a mask for queries whose positions are
    /// adjacent in memory (`query.strides[-2] == 1`): the layout of a UNet's attention, whose projections are 1×1
    /// convolutions of `[B, C, H, W]`, so that `q` is a `[B, h, d, N]` tensor seen as `[B, h, N, d]`. Query positions
    /// then fill the 16 lanes of the direct kernel's GEMM blocks, and everything is computed transposed, one span of 32
    /// queries at a time, with the spans of all batch entries shared among the threads:
    ///
    ///     sᵀ[j][i] = Σ_e k[j][e] · q[i][e]                     (rows j: keys; lanes i: queries)
    ///     pᵀ[j][i] = exp(α·sᵀ[j][i] − max_j α·sᵀ[j][i])       (softmax down each column)
    ///     out[i][c] = Σ_j v[j][c] · pᵀ[j][i] / Σ_j pᵀ[j][i]    (rows c: value channels; lanes i)
    ///
    /// The result is `[..., L, Ev]` stored as `[..., Ev, L]` (a transposed view), which is what the UNet reshapes back
    /// into `[B, C, H, W]` without a copy. Values equal the BLAS path's to float rounding.
    static func attentionInColumns(query q: Tensor, key k: Tensor, value v: Tensor, batch: [Int], alpha: Float) -> Tensor {
        let r = q.rank
        let l = q.shape[r - 2], e = q.shape[r - 1], s = k.shape[r - 2], ev = v.shape[r - 1]
        let qStride = q.strides[r - 1]
        let kRow = k.strides[r - 2], kCol = k.strides[r - 1], vRow = v.strides[r - 2], vCol = v.strides[r - 1]
        let bs = batch.count, nb = batch.reduce(1, *)
        let offQ = offsets(shape: batch, strides: Array(q.strides.prefix(bs)), base: q.offset)
        let offK = offsets(shape: batch, strides: Array(k.strides.prefix(bs)), base: k.offset)
        let offV = offsets(shape: batch, strides: Array(v.strides.prefix(bs)), base: v.offset)
        let stored = Tensor(uninitializedShape: batch + [ev, l], dtype: .float32)
        let qp = UnsafePointer(q.storage.pointer), kp = UnsafePointer(k.storage.pointer)
        let vp = UnsafePointer(v.storage.pointer), op = stored.storage.pointer
        let rowsPerBlock = DirectKernel.channels, width = 2 * DirectKernel.positions
        let spans = (l + width - 1) / width
        // Scratch rows in whole blocks: a block's rows past the last key or channel repeat it, into spare rows.
        let sRows = (s + rowsPerBlock - 1) / rowsPerBlock * rowsPerBlock
        let oRows = (ev + rowsPerBlock - 1) / rowsPerBlock * rowsPerBlock
        Parallel.forRange(nb * spans, costPerItem: 2 * width * s * (e + ev), minWork: 1 << 15) { range in
            let scratch = ScratchPool.shared.take((sRows + oRows + 2) * width)
            defer { ScratchPool.shared.recycle(scratch) }
            let scores = scratch.pointer, maxima = scores + sRows * width, sums = maxima + width, outs = sums + width
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: rowsPerBlock) { rows in
                guard let rows = rows.baseAddress else { return }
                for item in range {
                    let n = item / spans, i0 = (item % spans) * width, span = Swift.min(width, l - i0)
                    let qb = qp + offQ[n] + i0, kb = kp + offK[n], vb = vp + offV[n]
                    for j0 in stride(from: 0, to: s, by: rowsPerBlock) {
                        for r in 0..<rowsPerBlock { rows[r] = kb + Swift.min(j0 + r, s - 1) * kRow }
                        DirectKernel.gemmSpan(x: qb, span: span, plane: qStride, depth: e, weights: rows,
                                              weightStride: kCol, output: scores + j0 * span, outputStride: span)
                    }
                    softmaxColumns(scores, rows: s, span: span, alpha: alpha, maxima: maxima, sums: sums)
                    for c0 in stride(from: 0, to: ev, by: rowsPerBlock) {
                        for r in 0..<rowsPerBlock { rows[r] = vb + Swift.min(c0 + r, ev - 1) * vCol }
                        DirectKernel.gemmSpan(x: scores, span: span, plane: span, depth: s, weights: rows,
                                              weightStride: vRow, output: outs + c0 * span, outputStride: span)
                    }
                    let ob = op + n * ev * l + i0
                    for c in 0..<ev {
                        let src = outs + c * span, dst = ob + c * l
                        for i in 0..<span { dst[i] = src[i] / sums[i] }
                    }
                }
            }
        }
        withExtendedLifetime((q, k, v)) {}
        var strides = stored.strides  // [..., Ev, L] seen as [..., L, Ev]
        strides.swapAt(r - 2, r - 1)
        return Tensor(shape: batch + [l, ev], strides: strides, offset: 0, storage: stored.storage, dtype: .float32)
    }

    /// `p[j][i] = exp(α·p[j][i] − max_j α·p[j][i])` for rows j < `rows` and lanes i < `span`, and `sums[i] = Σ_j p[j][i]`,
    /// with `maxima` as scratch. A column of only −∞ gives NaN, as PyTorch's softmax does. Plain loops over the lanes,
    /// which the compiler vectorises with `exp` inlined.
    private static func softmaxColumns(_ p: UnsafeMutablePointer<Float>, rows: Int, span: Int, alpha: Float,
                                       maxima: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        for i in 0..<span { maxima[i] = -.infinity; sums[i] = 0 }
        for j in 0..<rows {
            let row = p + j * span
            for i in 0..<span { let x = row[i] * alpha; maxima[i] = x > maxima[i] ? x : maxima[i] }
        }
        for j in 0..<rows {
            let row = p + j * span
            for i in 0..<span {
                let x = VectorKernels.exp(row[i] * alpha - maxima[i])
                row[i] = x
                sums[i] += x
            }
        }
    }
}
