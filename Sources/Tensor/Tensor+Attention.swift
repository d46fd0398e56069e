import Foundation

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
}
