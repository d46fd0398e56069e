import Foundation

// The Winograd products of small planes with the tiles as the GEMM block's rows.
//
// On a plane of a few dozen tiles the products M[ξ][o][t] = Σ_c U[ξ][o][c] · V[ξ][c][t], run as blocks of
// 6 output channels × 16 positions, waste much of each block: an 8×8 output has 16 tiles laid out at 20
// positions (each row of tiles carries a spare, see Tensor+WinogradSmall.swift), which take two blocks of 16.
// Turned around, the block holds 6 tiles × 16 output channels (8 tiles with AVX-512, ``DirectKernel/channels``):
//
//     Mᵀ[ξ][p][o] = Σ_c V[ξ][c][t(p)] · Uᵀ[ξ][c][o]
//
// with the block's rows broadcast from V down its channel column, only at real tiles p (t(p) = ty·wd + tx), and
// the 16 lanes running over output channels (O padded to a multiple of 16 with zero weights; Uᵀ is stored block
// by block of 16 channels, so each block's weights are read front to back). The sums are the
// same products added in the same order, so the result is bit-identical to the other layout. The output
// transform then works on eight output channels per vector and writes each tile's outputs into the channel
// planes one lane at a time.

extension Tensor {
    /// Output channels rounded up to whole 16-lane blocks (the row length of Uᵀ and Mᵀ).
    static func paddedOutChannels(_ oc: Int) -> Int { (oc + 15) / 16 * 16 }

    /// Whether an F(2×2, 3×3) convolution with this output plane runs with tiles as rows: when the usual layout
    /// would leave more than 30% of its 16-position blocks on spare or padding positions (an 8×8 output: 16 tiles in
    /// 32 positions). Where less is wasted (16×16: 64 tiles in 80) the one-lane-at-a-time writes of the output
    /// transform cost more than the products save (129 against 124 µs for 64 → 64 channels on one core).
    static func winogradSmallUsesTileRows(outHeight ho: Int, outWidth wo: Int) -> Bool {
        let tilesH = (ho + 1) / 2, tilesW = (wo + 1) / 2
        let span = (tilesH * (tilesW + 1) + DirectKernel.positions - 1) / DirectKernel.positions * DirectKernel.positions
        return tilesH * tilesW * 10 < span * 7
    }

    /// Work items per ξ of ``winogradTileRowProducts(ut:paddedOut:channels:items:v:vPlane:vRow:positions:tiles:m:mPlane:)``:
    /// pairs of blocks of 16 output channels (the last may be a single block).
    static func winogradTileRowPairs(paddedOut op: Int) -> Int { (op / 16 + 1) / 2 }

    /// Mᵀ for the work items ξ·P + (pair of blocks of 16 output channels), P = ``winogradTileRowPairs(paddedOut:)``,
    /// O′ = ``paddedOutChannels(_:)``: for each run of ``DirectKernel/channels`` tiles, one
    /// ``DirectKernel/gemmPair(x:second:plane:depth:weights:weightStride:output:outputStride:)`` block (a
    /// ``DirectKernel/gemm(x:plane:depth:weights:weightStride:output:outputStride:)`` block for a last single one).
    /// `positions[p]` is tile p's position in V's rows; Mᵀ has ``transposedRows(_:)`` rows (the spare rows repeat the
    /// last tile).
    static func winogradTileRowProducts(ut: UnsafePointer<Float>, paddedOut op: Int, channels cc: Int, items: Range<Int>,
                                        v: UnsafePointer<Float>, vPlane: Int, vRow: Int,
                                        positions: UnsafePointer<Int>, tiles: Int,
                                        m: UnsafeMutablePointer<Float>, mPlane: Int) {
        let oPairs = winogradTileRowPairs(paddedOut: op)
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: DirectKernel.channels) { buf in
            guard let rows = buf.baseAddress else { return }
            for item in items {
                let xi = item / oPairs, o0 = (item % oPairs) * 32
                let vx = v + xi * vPlane, x = ut + xi * cc * op + o0 * cc
                var p0 = 0
                while p0 < tiles {
                    for r in 0..<DirectKernel.channels { rows[r] = vx + positions[Swift.min(p0 + r, tiles - 1)] }
                    let out = m + xi * mPlane + p0 * op + o0
                    if o0 + 16 < op {
                        DirectKernel.gemmPair(x: x, second: 16 * cc, plane: 16, depth: cc, weights: rows, weightStride: vRow,
                                              output: out, outputStride: op)
                    } else {
                        DirectKernel.gemm(x: x, plane: 16, depth: cc, weights: rows, weightStride: vRow, output: out,
                                          outputStride: op)
                    }
                    p0 += DirectKernel.channels
                }
            }
        }
    }

    /// Rows of Mᵀ for `tiles` tiles, padded to the products' blocks (``DirectKernel/channels`` rows).
    static func transposedRows(_ tiles: Int) -> Int { (tiles + DirectKernel.channels - 1) / DirectKernel.channels * DirectKernel.channels }

    /// F(2×2, 3×3)'s Y = Aᵀ M A + bias from Mᵀ, for the given tiles (index p = ty·tilesW + tx), eight output channels
    /// at a time; `bias` holds O′ values (zeros where the layer has none).
    static func winogradTileRowOutput(m: UnsafePointer<Float>, mPlane: Int, paddedOut op: Int, outChannels oc: Int,
                                      tiles: Range<Int>, tilesW: Int, bias: UnsafePointer<Float>,
                                      output: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int) {
        typealias V8 = SIMD8<Float>
        let plane = ho * wo
        // The four outputs of 8 channels are stored once, then copied out lane by lane: left to itself, the compiler
        // moved the sums into the lane loop and spilled all sixteen vectors to the stack for every lane.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { buf in
            guard let y = buf.baseAddress else { return }
            for p in tiles {
                let oy = 2 * (p / tilesW), ox = 2 * (p % tilesW)
                let right = ox + 1 < wo, below = oy + 1 < ho
                let mp = m + p * op
                var o0 = 0
                while o0 < oc {
                    @inline(__always) func ld(_ xi: Int) -> V8 { UnsafeRawPointer(mp + xi * mPlane + o0).loadUnaligned(as: V8.self) }
                    let m0 = ld(0), m1 = ld(1), m2 = ld(2), m3 = ld(3), m4 = ld(4), m5 = ld(5), m6 = ld(6), m7 = ld(7)
                    let m8 = ld(8), m9 = ld(9), m10 = ld(10), m11 = ld(11), m12 = ld(12), m13 = ld(13), m14 = ld(14), m15 = ld(15)
                    let b = UnsafeRawPointer(bias + o0).loadUnaligned(as: V8.self)
                    // Aᵀ M: a[j] (output row 0), c[j] (output row 1); as winogradOutput.
                    let a0 = m0 + m4 + m8, a1 = m1 + m5 + m9, a2 = m2 + m6 + m10, a3 = m3 + m7 + m11
                    let c0 = m4 - m8 - m12, c1 = m5 - m9 - m13, c2 = m6 - m10 - m14, c3 = m7 - m11 - m15
                    let raw = UnsafeMutableRawPointer(y)
                    raw.storeBytes(of: a0 + a1 + a2 + b, as: V8.self)
                    raw.storeBytes(of: a1 - a2 - a3 + b, toByteOffset: 32, as: V8.self)
                    raw.storeBytes(of: c0 + c1 + c2 + b, toByteOffset: 64, as: V8.self)
                    raw.storeBytes(of: c1 - c2 - c3 + b, toByteOffset: 96, as: V8.self)
                    var dst = output + o0 * plane + oy * wo + ox
                    for lane in 0..<Swift.min(8, oc - o0) {
                        dst[0] = y[lane]
                        if right { dst[1] = y[8 + lane] }
                        if below {
                            dst[wo] = y[16 + lane]
                            if right { dst[wo + 1] = y[24 + lane] }
                        }
                        dst += plane
                    }
                    o0 += 8
                }
            }
        }
    }
}
