import Foundation

// Winograd F(2×2, 3×3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2015): each 2×2 output tile is A^T [(G g G^T) ⊙ (B^T d B)] A for the tile's 4×4 input
// patch d. Summed over input channels, the elementwise products become 16 GEMMs
// M[ξ] (O × T) = U[ξ] (O × C) · V[ξ] (C × T), done in blocks of tiles so V and M stay in cache.

extension Tensor {
    /// U[ξ][o][c] = (G g G^T)[ξ] for each 3×3 filter g = weight[o][c], G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]
    /// (16·O·C floats).
    static func winogradTransformWeights(_ weight: UnsafePointer<Float>, outChannels oc: Int, channels cc: Int,
                                         into u: UnsafeMutablePointer<Float>) {
        Parallel.forRange(oc, costPerItem: cc * 64) { range in
            for o in range {
                for ci in 0..<cc {
                    let g = weight + (o * cc + ci) * 9
                    // G g (4×3), one column at a time, then (G g) G^T row by row.
                    var gg = (SIMD4<Float>(), SIMD4<Float>(), SIMD4<Float>())
                    for j in 0..<3 {
                        let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                        let col = SIMD4<Float>(g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
                        if j == 0 { gg.0 = col } else if j == 1 { gg.1 = col } else { gg.2 = col }
                    }
                    for i in 0..<4 {
                        let a = gg.0[i], b = gg.1[i], c = gg.2[i]
                        let base = (i * 4 * oc + o) * cc + ci, step = oc * cc
                        u[base] = a
                        u[base + step] = 0.5 * (a + b + c)
                        u[base + 2 * step] = 0.5 * (a - b + c)
                        u[base + 3 * step] = c
                    }
                }
            }
        }
    }

    /// One image (one group): `output[O, Ho, Wo] (+)= conv3x3(input[C, H, W], weight[O, C, 3, 3])`,
    /// stride 1, zero padding `padH`/`padW`. With `accumulate`, adds to what `output` holds (the bias).
    static func winogradConv3x3(input: UnsafePointer<Float>, channels cc: Int, height h: Int, width w: Int,
                                weight: UnsafePointer<Float>, outChannels oc: Int, padH ph: Int, padW pw: Int,
                                output: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int,
                                accumulate: Bool, tileBlock: Int) throws {
        let tilesH = (ho + 1) / 2, tilesW = (wo + 1) / 2, tiles = tilesH * tilesW
        let uStorage = ScratchPool.shared.take(16 * oc * cc)
        defer { ScratchPool.shared.recycle(uStorage) }
        let u = uStorage.pointer
        winogradTransformWeights(weight, outChannels: oc, channels: cc, into: u)
        // Blocks hold whole rows of tiles, so both transforms run along contiguous rows.
        let rowsPerBlock = Swift.max(1, Swift.min(tilesH, tileBlock / Swift.max(1, tilesW)))
        let block = rowsPerBlock * tilesW
        let vStorage = ScratchPool.shared.take(16 * cc * block)
        let mStorage = ScratchPool.shared.take(16 * oc * block)
        defer { ScratchPool.shared.recycle(vStorage); ScratchPool.shared.recycle(mStorage) }
        let v = vStorage.pointer, m = mStorage.pointer
        // Input rows padded to cover every tile: x from −pw to −pw + paddedW − 1.
        let paddedW = 2 * tilesW + 2
        var t0 = 0
        while t0 < tiles {
            let ty0 = t0 / tilesW
            let tileRows = Swift.min(rowsPerBlock, tilesH - ty0)
            let tb = tileRows * tilesW
            let plane = cc * tb
            // V[ξ][c][t] = (B^T d B)[ξ], B^T = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]].
            Parallel.forRange(cc, costPerItem: tb * 32, minWork: 1 << 12) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * paddedW) { buf in
                    guard let d = buf.baseAddress else { return }
                    let r = d + 4 * paddedW   // B^T d: 4 rows
                    for ci in range {
                        let src = input + ci * h * w
                        for tyl in 0..<tileRows {
                            let y0 = (ty0 + tyl) * 2 - ph
                            // The tile row's 4 input rows, zero outside the image.
                            for i in 0..<4 {
                                let row = d + i * paddedW, y = y0 + i
                                row.initialize(repeating: 0, count: paddedW)
                                if y >= 0 && y < h {
                                    let lo = Swift.max(0, pw), hi = Swift.min(paddedW, w + pw)
                                    if hi > lo { (row + lo).update(from: src + y * w + (lo - pw), count: hi - lo) }
                                }
                            }
                            let d0 = d, d1 = d + paddedW, d2 = d + 2 * paddedW, d3 = d + 3 * paddedW
                            let r0 = r, r1 = r + paddedW, r2 = r + 2 * paddedW, r3 = r + 3 * paddedW
                            for x in 0..<paddedW {
                                r0[x] = d0[x] - d2[x]; r1[x] = d1[x] + d2[x]
                                r2[x] = d2[x] - d1[x]; r3[x] = d1[x] - d3[x]
                            }
                            let tl0 = tyl * tilesW
                            for i in 0..<4 {
                                let q = r + i * paddedW
                                let out0 = v + (i * 4) * plane + ci * tb + tl0
                                let out1 = out0 + plane, out2 = out1 + plane, out3 = out2 + plane
                                for tx in 0..<tilesW {
                                    let a = q[2 * tx], b = q[2 * tx + 1], c = q[2 * tx + 2], e = q[2 * tx + 3]
                                    out0[tx] = a - c; out1[tx] = b + c; out2[tx] = c - b; out3[tx] = b - e
                                }
                            }
                        }
                    }
                }
            }
            for xi in 0..<16 {
                try BLAS.sgemm(m: oc, n: tb, k: cc, a: u + xi * oc * cc, lda: cc, b: v + xi * plane, ldb: tb,
                               c: m + xi * oc * tb, ldc: tb)
            }
            // Y = A^T M A, A^T = [[1,1,1,0],[0,1,−1,−1]].
            Parallel.forRange(oc, costPerItem: tb * 24, minWork: 1 << 12) { range in
                for o in range {
                    let dst = output + o * ho * wo
                    for tyl in 0..<tileRows {
                        let oy = (ty0 + tyl) * 2
                        let tl0 = tyl * tilesW
                        @inline(__always) func mrow(_ xi: Int) -> UnsafeMutablePointer<Float> { m + (xi * oc + o) * tb + tl0 }
                        let row0 = dst + oy * wo
                        let down = oy + 1 < ho
                        let row1 = dst + (down ? oy + 1 : oy) * wo
                        let m0 = mrow(0), m1 = mrow(1), m2 = mrow(2), m3 = mrow(3)
                        let m4 = mrow(4), m5 = mrow(5), m6 = mrow(6), m7 = mrow(7)
                        let m8 = mrow(8), m9 = mrow(9), m10 = mrow(10), m11 = mrow(11)
                        let m12 = mrow(12), m13 = mrow(13), m14 = mrow(14), m15 = mrow(15)
                        let fullW = wo / 2
                        @inline(__always) func tile(_ tx: Int) -> (Float, Float, Float, Float) {
                            let a0 = m0[tx] + m4[tx] + m8[tx], a1 = m1[tx] + m5[tx] + m9[tx]
                            let a2 = m2[tx] + m6[tx] + m10[tx], a3 = m3[tx] + m7[tx] + m11[tx]
                            let b0 = m4[tx] - m8[tx] - m12[tx], b1 = m5[tx] - m9[tx] - m13[tx]
                            let b2 = m6[tx] - m10[tx] - m14[tx], b3 = m7[tx] - m11[tx] - m15[tx]
                            return (a0 + a1 + a2, a1 - a2 - a3, b0 + b1 + b2, b1 - b2 - b3)
                        }
                        if accumulate {
                            for tx in 0..<fullW {
                                let y = tile(tx)
                                row0[2 * tx] += y.0; row0[2 * tx + 1] += y.1
                                if down { row1[2 * tx] += y.2; row1[2 * tx + 1] += y.3 }
                            }
                            if fullW < tilesW {
                                let y = tile(fullW)
                                row0[2 * fullW] += y.0
                                if down { row1[2 * fullW] += y.2 }
                            }
                        } else {
                            for tx in 0..<fullW {
                                let y = tile(tx)
                                row0[2 * tx] = y.0; row0[2 * tx + 1] = y.1
                                if down { row1[2 * tx] = y.2; row1[2 * tx + 1] = y.3 }
                            }
                            if fullW < tilesW {
                                let y = tile(fullW)
                                row0[2 * fullW] = y.0
                                if down { row1[2 * fullW] = y.2 }
                            }
                        }
                    }
                }
            }
            t0 += tb
        }
    }
}
