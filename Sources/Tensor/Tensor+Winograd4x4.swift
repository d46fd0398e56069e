import Foundation

// Winograd F(4×4, 3×3) for images around 32×32 (Lavin & Gray 2015, the points 0, ±1, ±2): each 4×4 output
// tile is Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d Bᵀᵀ)] A for its 6×6 input patch d, with
//
//     Bᵀ = [[4, 0,−5, 0, 1, 0],      G = [[ 1/4,    0,    0],      Aᵀ = [[1, 1, 1, 1, 1, 0],
//           [0,−4,−4, 1, 1, 0],           [−1/6, −1/6, −1/6],            [0, 1,−1, 2,−2, 0],
//           [0, 4,−4,−1, 1, 0],           [−1/6,  1/6, −1/6],            [0, 1, 1, 4, 4, 0],
//           [0,−2,−1, 2, 1, 0],           [1/24, 1/12,  1/6],            [0, 1,−1, 8,−8, 1]]
//           [0, 2,−1,−2, 1, 0],           [1/24,−1/12,  1/6],
//           [0, 4, 0,−5, 0, 1]]           [   0,    0,    1]]
//
// 36 products per 16 outputs instead of F(2×2, 3×3)'s 64, at about ten times the rounding error (relative
// error near 1e-5 in float32 against 1e-6). The layout follows Tensor+WinogradSmall.swift with sixteen
// planes per channel instead of four: Q_ab[y][x] = P[4y + a][4x + b], so d[i][j] = Q_(i mod 4)(j mod 4)
// [t + (i div 4)·wd + (j div 4)] for the tile at position t = ty·wd + tx.

extension Tensor {
    /// Whether a convolution producing `ho × wo` takes F(4×4, 3×3): planes from 24 to about 48 pixels a
    /// side, where its 4×4 tiles leave little of a row unused and the whole plane fits the cache.
    static func useWinograd4x4(outHeight ho: Int, outWidth wo: Int) -> Bool {
        Swift.min(ho, wo) >= 24 && ((ho + 3) / 4) * ((wo + 3) / 4 + 1) <= 160
    }

    /// U[ξ][o][c] = (G g Gᵀ)[ξ] (6×6, ξ = 6·row + column) for each 3×3 filter g = weight[o][c] (36·O·C floats).
    static func winograd4x4TransformWeights(_ weight: UnsafePointer<Float>, outChannels oc: Int, channels cc: Int,
                                            into u: UnsafeMutablePointer<Float>) {
        @inline(__always) func applyG(_ g0: Float, _ g1: Float, _ g2: Float) -> [Float] {
            [g0 / 4, -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6,
             g0 / 24 + g1 / 12 + g2 / 6, g0 / 24 - g1 / 12 + g2 / 6, g2]
        }
        Parallel.forRange(oc, costPerItem: cc * 200) { range in
            for o in range {
                for ci in 0..<cc {
                    let g = weight + (o * cc + ci) * 9
                    // G g: 6×3, one column of g at a time; then (G g) Gᵀ row by row.
                    let c0 = applyG(g[0], g[3], g[6]), c1 = applyG(g[1], g[4], g[7]), c2 = applyG(g[2], g[5], g[8])
                    for i in 0..<6 {
                        let row = applyG(c0[i], c1[i], c2[i])
                        for j in 0..<6 { u[((6 * i + j) * oc + o) * cc + ci] = row[j] }
                    }
                }
            }
        }
    }

    /// One image, one group: `output[O, Ho, Wo] = conv3x3(input[C, H, W]) + bias` for the transformed weights
    /// `u` (``winograd4x4TransformWeights(_:outChannels:channels:into:)``), stride 1, zero padding.
    static func winograd4x4Conv3x3(input: UnsafePointer<Float>, channels cc: Int, height h: Int, width w: Int,
                                   transformed u: UnsafePointer<Float>, outChannels oc: Int, padH ph: Int, padW pw: Int,
                                   bias: UnsafePointer<Float>?,
                                   output: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int) {
        typealias V8 = SIMD8<Float>
        let tilesH = (ho + 3) / 4, tilesW = (wo + 3) / 4
        let wd = tilesW + 1, hd = tilesH + 1
        // V and M hold one position per tile, plus a spare per row of tiles unless a row is whole vectors of eight
        // (32×32: 64 positions, four blocks of 16, instead of 72 in five).
        let tw = tilesW % 8 == 0 ? tilesW : wd
        let positions = tilesH * tw
        let block = DirectKernel.positions
        let span = (positions + block - 1) / block * block
        let plane = (Swift.max(hd * wd + 8, span + wd + 1) + 8 + 7) / 8 * 8     // one of the 16 planes
        let channelBlocks = (oc + DirectKernel.channels - 1) / DirectKernel.channels
        let mRows = channelBlocks * DirectKernel.channels
        // A 64-byte skew between the 36 planes of V (and of M) keeps them out of each other's cache sets.
        let vPlane = cc * span + 16, mPlane = mRows * span + 16
        let qStorage = ScratchPool.shared.take(16 * cc * plane)
        let vStorage = ScratchPool.shared.take(36 * vPlane)
        let mStorage = ScratchPool.shared.take(36 * mPlane)
        defer { ScratchPool.shared.recycle(qStorage); ScratchPool.shared.recycle(vStorage); ScratchPool.shared.recycle(mStorage) }
        let planes = qStorage.pointer, v = vStorage.pointer, m = mStorage.pointer

        // Per channel: the sixteen planes, then V[ξ][c][t] = (Bᵀ d B)[ξ].
        Parallel.forRange(cc, costPerItem: 16 * plane + 150 * span, minWork: 1 << 14) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: phaseScratch(phases: 4, rows: hd, rowWidth: wd)) { buf in
              withUnsafeTemporaryAllocation(of: V8.self, capacity: 36) { tmpBuf in
                guard let scratch = buf.baseAddress, let tmp = tmpBuf.baseAddress else { return }
                scratch.initialize(repeating: 0, count: buf.count)
                for c in range {
                    let q = planes + 16 * c * plane
                    buildPhasePlanes(input: input + c * h * w, height: h, width: w, padH: ph, padW: pw, phases: 4,
                                     rows: hd, rowWidth: wd, planeLength: plane, scratch: scratch, into: q)

                    let out = v + c * span
                    var t = 0
                    while t < span {
                        let src = tw == wd ? t : t / tw * wd + t % tw   // tile (t / tw, t mod tw) in the planes
                        // Rows of d: Bᵀ along each row (T[i][b] = Σ_j Bᵀ[b][j] d[i][j]).
                        for i in 0..<6 {
                            @inline(__always) func d(_ j: Int) -> V8 {
                                UnsafeRawPointer(q + ((i % 4) * 4 + j % 4) * plane + src + (i / 4) * wd + j / 4).loadUnaligned(as: V8.self)
                            }
                            let (r0, r1, r2, r3, r4, r5) = Tensor.applyBT(d(0), d(1), d(2), d(3), d(4), d(5))
                            tmp[6 * i] = r0; tmp[6 * i + 1] = r1; tmp[6 * i + 2] = r2
                            tmp[6 * i + 3] = r3; tmp[6 * i + 4] = r4; tmp[6 * i + 5] = r5
                        }
                        // Then Bᵀ down each column: V[6a + b] = Σ_i Bᵀ[a][i] T[i][b].
                        for b in 0..<6 {
                            let (v0, v1, v2, v3, v4, v5) = Tensor.applyBT(tmp[b], tmp[6 + b], tmp[12 + b], tmp[18 + b], tmp[24 + b], tmp[30 + b])
                            @inline(__always) func st(_ a: Int, _ value: V8) {
                                UnsafeMutableRawPointer(out + (6 * a + b) * vPlane + t).storeBytes(of: value, as: V8.self)
                            }
                            st(0, v0); st(1, v1); st(2, v2); st(3, v3); st(4, v4); st(5, v5)
                        }
                        t += 8
                    }
                }
              }
            }
        }

        // M[ξ][o][t] = Σ_c U[ξ][o][c] · V[ξ][c][t].
        Parallel.forRange(36 * channelBlocks, costPerItem: DirectKernel.channels * cc * span, minWork: 1 << 14) { items in
            winogradProducts(u: u, outChannels: oc, channels: cc, items: items, v: v, vPlane: vPlane, chunk: span,
                             span: span, m: m, mPlane: mPlane)
        }

        // Y = Aᵀ M A + bias, then each tile's 4×4 outputs into place.
        Parallel.forRange(oc, costPerItem: 120 * span, minWork: 1 << 14) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * span) { buf in
              withUnsafeTemporaryAllocation(of: V8.self, capacity: 24) { tmpBuf in
                guard let y = buf.baseAddress, let tmp = tmpBuf.baseAddress else { return }   // y[4r + c][t]: output (4ty + r, 4tx + c)
                for o in range {
                    let mo = m + o * span
                    let b = V8(repeating: bias?[o] ?? 0)
                    var t = 0
                    while t < span {
                        // Aᵀ along each row of M (S[i][c] = Σ_j Aᵀ[c][j] M[6i + j]), then down each column.
                        for i in 0..<6 {
                            @inline(__always) func mv(_ j: Int) -> V8 {
                                UnsafeRawPointer(mo + (6 * i + j) * mPlane + t).loadUnaligned(as: V8.self)
                            }
                            let (s0, s1, s2, s3) = Tensor.applyAT(mv(0), mv(1), mv(2), mv(3), mv(4), mv(5))
                            tmp[4 * i] = s0; tmp[4 * i + 1] = s1; tmp[4 * i + 2] = s2; tmp[4 * i + 3] = s3
                        }
                        for c in 0..<4 {
                            let (z0, z1, z2, z3) = Tensor.applyAT(tmp[c], tmp[4 + c], tmp[8 + c], tmp[12 + c], tmp[16 + c], tmp[20 + c])
                            UnsafeMutableRawPointer(y + c * span + t).storeBytes(of: z0 + b, as: V8.self)
                            UnsafeMutableRawPointer(y + (4 + c) * span + t).storeBytes(of: z1 + b, as: V8.self)
                            UnsafeMutableRawPointer(y + (8 + c) * span + t).storeBytes(of: z2 + b, as: V8.self)
                            UnsafeMutableRawPointer(y + (12 + c) * span + t).storeBytes(of: z3 + b, as: V8.self)
                        }
                        t += 8
                    }
                    let dst = output + o * ho * wo
                    for ty in 0..<tilesH {
                        for r in 0..<4 where 4 * ty + r < ho {
                            let out = dst + (4 * ty + r) * wo
                            let s0 = y + (4 * r) * span + ty * tw, s1 = s0 + span, s2 = s1 + span, s3 = s2 + span
                            // Whole tiles eight at a time: the four columns interleaved into 32 outputs.
                            var first = 0
                            while first + 8 <= tilesW && 4 * (first + 8) <= wo {
                                @inline(__always) func ld(_ p: UnsafeMutablePointer<Float>) -> V8 {
                                    UnsafeRawPointer(p + first).loadUnaligned(as: V8.self)
                                }
                                var even = SIMD16<Float>(), odd = SIMD16<Float>(), all = SIMD32<Float>()
                                even.evenHalf = ld(s0); even.oddHalf = ld(s2)
                                odd.evenHalf = ld(s1); odd.oddHalf = ld(s3)
                                all.evenHalf = even; all.oddHalf = odd
                                UnsafeMutableRawPointer(out + 4 * first).storeBytes(of: all, as: SIMD32<Float>.self)
                                first += 8
                            }
                            for tx in first..<tilesW {
                                let x = 4 * tx
                                if x + 4 <= wo {
                                    out[x] = s0[tx]; out[x + 1] = s1[tx]; out[x + 2] = s2[tx]; out[x + 3] = s3[tx]
                                } else {
                                    for k in 0..<(wo - x) { out[x + k] = y[(4 * r + k) * span + ty * tw + tx] }
                                }
                            }
                        }
                    }
                }
              }
            }
        }
    }

    /// Bᵀ x for one column of six vectors.
    @inline(__always)
    static func applyBT(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>,
                        _ x4: SIMD8<Float>, _ x5: SIMD8<Float>)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let a = x4 - 4 * x2, b = x3 - 4 * x1      // rows 1, 2: a ± b
        let c = x4 - x2, e = 2 * (x3 - x1)        // rows 3, 4: c ± e
        return (4 * x0 - 5 * x2 + x4, a + b, a - b, c + e, c - e, 4 * x1 - 5 * x3 + x5)
    }

    /// Aᵀ m for one column of six vectors.
    @inline(__always)
    static func applyAT(_ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>, _ m3: SIMD8<Float>,
                        _ m4: SIMD8<Float>, _ m5: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        let p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4
        return (m0 + p12 + p34, d12 + 2 * d34, p12 + 4 * p34, d12 + 8 * d34 + m5)
    }
}
