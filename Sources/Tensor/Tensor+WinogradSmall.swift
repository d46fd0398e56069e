import Foundation

// Winograd F(2×2, 3×3) for small images, with the weights transformed once (``ConvWeightCache``) and
// every stage a long vector loop over a channel's run of tiles: the whole plane for planes up to 16×16
// (three stages, each split evenly between the threads), chunks of a few dozen tiles per thread above that.
//
// Tile (ty, tx) covers output rows 2ty, 2ty+1 and columns 2tx, 2tx+1; its input patch is
// d[i][j] = P[2ty + i][2tx + j] over the zero-padded input P. Split P into four quarter planes by the
// parity of row and column, Q_ab[y][x] = P[2y + a][2x + b], each `wd = tilesW + 1` wide; then
//
//     d[i][j] = Q_(i mod 2)(j mod 2)[t + (i div 2)·wd + (j div 2)],   t = ty·wd + tx,
//
// so all sixteen inputs of every tile sit at fixed offsets from t, and the input transform
// V[ξ] = (Bᵀ d B)[ξ] runs eight tiles per vector. Position tx = tilesW of each row is a spare tile whose
// result is never written out (it keeps the rows the same width as the quarter planes). The products
// M[ξ] = U[ξ] · V[ξ] run on the direct convolution's GEMM kernel, and the output transform
// Y = Aᵀ M A again runs over the same run of tiles before the four outputs of each tile are interleaved into
// place.

extension Tensor {
    /// One image, one group: `output[O, Ho, Wo] = conv3x3(input[C, H, W]) + bias` for the transformed
    /// weights `u` (``winogradTransformWeights(_:outChannels:channels:into:)``), stride 1, zero padding.
    static func winogradConv3x3Small(input: UnsafePointer<Float>, channels cc: Int, height h: Int, width w: Int,
                                     transformed u: UnsafePointer<Float>, tileRows: Bool = false, outChannels oc: Int,
                                     padH ph: Int, padW pw: Int, bias: UnsafePointer<Float>?,
                                     output: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int) {
        let tilesH = (ho + 1) / 2, tilesW = (wo + 1) / 2
        let wd = tilesW + 1, hd = tilesH + 1
        let block = DirectKernel.positions
        let channelBlocks = (oc + DirectKernel.channels - 1) / DirectKernel.channels
        let mRows = channelBlocks * DirectKernel.channels
        let threads = Swift.min(Parallel.threadCount, Swift.max(1, tilesH * wd * cc * oc / (1 << 14)))
        // Small planes (up to 16×16 outputs) run in three parallel stages over the whole plane, split by input
        // channel, by (ξ, block of output channels) and by output channel, which divides the work evenly however
        // few positions there are. Larger planes give each thread its own run of positions, in chunks small
        // enough that a chunk's V and M (16·C and 16·O floats per position) stay in the core's cache.
        let staged = tilesH * wd <= 128 || threads == 1 || tileRows
        // V and M hold a position per tile and one spare per row of tiles (row width wd), except in the stages
        // when a row of tiles is whole vectors of eight: then the spare is left out (row width tilesW), which
        // saves a fifth of the products on a 16×16 output (64 positions instead of 72, in 4 blocks of 16, not 5).
        let tileRowWidth = staged && tilesW % 8 == 0 ? tilesW : wd
        let positions = tilesH * tileRowWidth
        let shares = staged ? 1 : threads
        // Positions per share, in whole blocks of the products' 16, except with tiles as rows, whose products read V
        // tile by tile: there only the input transform's vectors of eight (an 8×8 output: 24 positions, not 32).
        let unit = tileRows ? 8 : block
        let perShare = ((positions + shares - 1) / shares + unit - 1) / unit * unit
        let chunk = staged ? perShare : Swift.max(block, Swift.min(perShare, (1 << 16) / (16 * Swift.max(cc, oc)) / block * block))
        // A quarter plane, with room for the last chunk's reads past the last position.
        let quarter = (Swift.max(hd * wd + 8, shares * perShare + wd + 1) + 8 + 7) / 8 * 8
        // The 16 planes of V (and of M) are written and read together; a 64-byte skew between them keeps
        // them from all landing in the same cache sets when C·chunk is a multiple of the 4 KB page.
        let vPlane = cc * chunk + 16
        // M[ξ][o][t], or with `tileRows` Mᵀ[ξ][p][o] (Tensor+WinogradTileRows.swift).
        let tiles = tilesH * tilesW, op = paddedOutChannels(oc)
        let mPlane = tileRows ? Tensor.transposedRows(tiles) * op + 16 : mRows * chunk + 16
        let perShareScratch = 16 * vPlane + 16 * mPlane
        let qStorage = ScratchPool.shared.take(4 * cc * quarter)
        let sStorage = ScratchPool.shared.take(shares * perShareScratch)
        defer { ScratchPool.shared.recycle(qStorage); ScratchPool.shared.recycle(sStorage) }
        let quarters = qStorage.pointer
        let geometry = WinogradGeometry(height: h, width: w, padH: ph, padW: pw, outHeight: ho, outWidth: wo,
                                        tilesW: tilesW, rowWidth: wd, rows: hd, quarter: quarter, chunk: chunk,
                                        tileRowWidth: tileRowWidth)

        if staged {
            let v = sStorage.pointer, m = v + 16 * vPlane
            Parallel.forRange(cc, costPerItem: 4 * quarter + 48 * chunk, minWork: 1 << 14) { range in
                buildQuarterPlanes(input: input, channels: range, geometry, into: quarters)
                winogradInput(quarters: quarters, channels: range, geometry, from: 0, span: perShare, into: v, plane: vPlane)
            }
            if tileRows {
                withUnsafeTemporaryAllocation(of: Int.self, capacity: tiles) { positionBuffer in
                  withUnsafeTemporaryAllocation(of: Float.self, capacity: op) { biasBuffer in
                    guard let pos = positionBuffer.baseAddress, let b = biasBuffer.baseAddress else { return }
                    for p in 0..<tiles { pos[p] = p / tilesW * tileRowWidth + p % tilesW }
                    for o in 0..<op { b[o] = o < oc ? bias?[o] ?? 0 : 0 }
                    let oPairs = winogradTileRowPairs(paddedOut: op)
                    Parallel.forRange(16 * oPairs, costPerItem: 32 * cc * tiles, minWork: 1 << 14) { items in
                        winogradTileRowProducts(ut: u, paddedOut: op, channels: cc, items: items, v: v, vPlane: vPlane,
                                                vRow: chunk, positions: pos, tiles: tiles, m: m, mPlane: mPlane)
                    }
                    Parallel.forRange(tiles, costPerItem: 40 * oc, minWork: 1 << 14) { range in
                        winogradTileRowOutput(m: m, mPlane: mPlane, paddedOut: op, outChannels: oc, tiles: range,
                                              tilesW: tilesW, bias: b, output: output, outHeight: ho, outWidth: wo)
                    }
                  }
                }
                return
            }
            Parallel.forRange(16 * channelBlocks, costPerItem: DirectKernel.channels * cc * chunk, minWork: 1 << 14) { items in
                winogradProducts(u: u, outChannels: oc, channels: cc, items: items, v: v, vPlane: vPlane, chunk: chunk,
                                 span: perShare, m: m, mPlane: mPlane)
            }
            Parallel.forRange(oc, costPerItem: 40 * chunk, minWork: 1 << 14) { range in
                winogradOutput(m: m, plane: mPlane, geometry, span: perShare, outChannels: range, bias: bias,
                               from: 0, count: positions, output: output)
            }
            return
        }

        Parallel.forRange(cc, costPerItem: 4 * quarter, minWork: 1 << 14) { range in
            buildQuarterPlanes(input: input, channels: range, geometry, into: quarters)
        }
        Parallel.forEachShare(shares) { share in
            let first = share * perShare, last = Swift.min(positions, first + perShare)
            guard first < last else { return }
            let v = sStorage.pointer + share * perShareScratch, m = v + 16 * vPlane
            var p0 = first
            while p0 < last {
                let count = Swift.min(chunk, last - p0)
                let span = (count + block - 1) / block * block
                winogradInput(quarters: quarters, channels: 0..<cc, geometry, from: p0, span: span, into: v, plane: vPlane)
                winogradProducts(u: u, outChannels: oc, channels: cc, items: 0..<(16 * channelBlocks), v: v, vPlane: vPlane,
                                 chunk: chunk, span: span, m: m, mPlane: mPlane)
                winogradOutput(m: m, plane: mPlane, geometry, span: span, outChannels: 0..<oc, bias: bias,
                               from: p0, count: count, output: output)
                p0 += count
            }
        }
    }

    /// The sizes that place tiles, quarter planes and chunks (see the top of this file).
    struct WinogradGeometry {
        let height: Int, width: Int, padH: Int, padW: Int, outHeight: Int, outWidth: Int
        /// Tiles per row, and the quarter planes' row width (one spare position per row).
        let tilesW: Int, rowWidth: Int
        /// Rows of each quarter plane, and its length in floats.
        let rows: Int, quarter: Int
        /// Positions per V and M row.
        let chunk: Int
        /// Positions per row of tiles in V and M: `rowWidth`, or `tilesW` when the spare is left out.
        let tileRowWidth: Int
    }

    /// The quarter planes of the given channels: Q_ab[c][y][x] = P[c][2y + a][2x + b].
    @inline(__always)
    private static func buildQuarterPlanes(input: UnsafePointer<Float>, channels: Range<Int>, _ g: WinogradGeometry,
                                           into quarters: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: phaseScratch(phases: 2, rows: g.rows, rowWidth: g.rowWidth)) { buf in
            guard let scratch = buf.baseAddress else { return }
            scratch.initialize(repeating: 0, count: buf.count)
            for c in channels {
                buildPhasePlanes(input: input + c * g.height * g.width, height: g.height, width: g.width,
                                 padH: g.padH, padW: g.padW, phases: 2, rows: g.rows, rowWidth: g.rowWidth,
                                 planeLength: g.quarter, scratch: scratch, into: quarters + 4 * c * g.quarter)
            }
        }
    }

    /// One channel split by the phase of row and column: plane (a·phases + b) holds P[phases·y + a][phases·x + b]
    /// for y < `rows`, x < `rowWidth`, over the input padded by `padH`/`padW` with zeros; the rest of each plane
    /// (up to `planeLength`) is zeroed. `phases` is 2 (F(2×2, 3×3)'s quarter planes) or 4 (F(4×4, 3×3)'s sixteen);
    /// `scratch` holds the padded rows: ``phaseScratch(phases:rows:rowWidth:)`` floats, zeroed by the caller before the
    /// first channel (only the image's columns are written here, so the padding columns stay zero).
    ///
    /// All the padded rows are written before any is split: read back at once, a row just copied (in stores of other
    /// sizes and offsets than the split's loads) cannot be forwarded from the store buffer, and each load waited for
    /// the stores to retire (a quarter of F(4×4)'s input transform). Rows are copied and zeroed inline: the calls to
    /// `memcpy` and `memset`, some for one float, cost another 5% of the transform.
    static func buildPhasePlanes(input src: UnsafePointer<Float>, height h: Int, width w: Int, padH ph: Int, padW pw: Int,
                                 phases: Int, rows hd: Int, rowWidth wd: Int, planeLength plane: Int,
                                 scratch: UnsafeMutablePointer<Float>, into q: UnsafeMutablePointer<Float>) {
        let rowLength = phases * wd
        let lo = Swift.max(0, pw), hi = Swift.min(rowLength, w + pw)
        let inside = Swift.max(0, ph)..<Swift.min(phases * hd, h + ph)
        if hi > lo {
            for y in inside { VectorMath.copyRun(scratch + y * rowLength + lo, from: src + (y - ph) * w + (lo - pw), count: hi - lo) }
        }
        for y in 0..<(phases * hd) {
            let base = q + (y % phases) * phases * plane + (y / phases) * wd
            guard inside.contains(y) else {
                for b in 0..<phases { VectorMath.zeroRun(base + b * plane, count: wd) }
                continue
            }
            let row = scratch + y * rowLength
            if phases == 2 {
                deinterleave(row, pairs: wd, even: base, odd: base + plane)
            } else {
                deinterleave4(row, count: wd, into: base, planeStride: plane)
            }
        }
        for k in 0..<(phases * phases) { VectorMath.zeroRun(q + k * plane + hd * wd, count: plane - hd * wd) }
    }

    /// Floats of scratch ``buildPhasePlanes(input:height:width:padH:padW:phases:rows:rowWidth:planeLength:scratch:into:)``
    /// needs: every padded row, and 32 floats that the last row's vector loads may read past its end (into lanes that
    /// are dropped).
    static func phaseScratch(phases: Int, rows hd: Int, rowWidth wd: Int) -> Int {
        phases * hd * phases * wd + 32
    }

    /// out[k·planeStride + i] = src[4i + k] for k < 4 and i < count, eight values of i at a time. The last eight may
    /// run past `count`, writing up to 7 floats of whatever follows the row in `src` past the end of each plane's row;
    /// ``buildPhasePlanes(input:height:width:padH:padW:phases:rows:rowWidth:planeLength:scratch:into:)`` writes the
    /// rows in order, so the next row (or the zeroed tail of the plane) overwrites them. Partial stores, lane by lane,
    /// were slower: the compiler spilled the vectors to the stack for every lane.
    @inline(__always)
    private static func deinterleave4(_ src: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>,
                                      planeStride plane: Int) {
        typealias V8 = SIMD8<Float>
        var x = 0
        while x < count {
            let all = UnsafeRawPointer(src + 4 * x).loadUnaligned(as: SIMD32<Float>.self)
            let even = all.evenHalf, odd = all.oddHalf
            UnsafeMutableRawPointer(out + x).storeBytes(of: even.evenHalf, as: V8.self)
            UnsafeMutableRawPointer(out + plane + x).storeBytes(of: odd.evenHalf, as: V8.self)
            UnsafeMutableRawPointer(out + 2 * plane + x).storeBytes(of: even.oddHalf, as: V8.self)
            UnsafeMutableRawPointer(out + 3 * plane + x).storeBytes(of: odd.oddHalf, as: V8.self)
            x += 8
        }
    }

    /// M[ξ][o][t] = Σ_c U[ξ][o][c] · V[ξ][c][t] for the work items ξ·blocks + (block of ``DirectKernel/channels``
    /// output channels) (also F(4×4, 3×3)'s, with 36 ξ).
    @inline(__always)
    static func winogradProducts(u: UnsafePointer<Float>, outChannels oc: Int, channels cc: Int, items: Range<Int>,
                                         v: UnsafeMutablePointer<Float>, vPlane: Int, chunk: Int, span: Int,
                                         m: UnsafeMutablePointer<Float>, mPlane: Int) {
        let channelBlocks = (oc + DirectKernel.channels - 1) / DirectKernel.channels
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: DirectKernel.channels) { buf in
            guard let rows = buf.baseAddress else { return }
            for item in items {
                let xi = item / channelBlocks, o0 = (item % channelBlocks) * DirectKernel.channels
                // Rows past the last channel repeat it; their sums land in M's spare rows.
                for r in 0..<DirectKernel.channels { rows[r] = u + (xi * oc + Swift.min(o0 + r, oc - 1)) * cc }
                DirectKernel.gemmSpan(x: v + xi * vPlane, span: span, plane: chunk, depth: cc, weights: rows,
                                      output: m + xi * mPlane + o0 * chunk, outputStride: chunk)
            }
        }
    }

    /// even[i] = src[2i], odd[i] = src[2i + 1] for i < pairs.
    @inline(__always)
    private static func deinterleave(_ src: UnsafePointer<Float>, pairs: Int,
                                     even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= pairs {
            let v = UnsafeRawPointer(src + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(even + i).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(odd + i).storeBytes(of: v.oddHalf, as: SIMD8<Float>.self)
            i += 8
        }
        while i < pairs { even[i] = src[2 * i]; odd[i] = src[2 * i + 1]; i += 1 }
    }

    /// out[2i] = even[i], out[2i + 1] = odd[i] for i < pairs.
    @inline(__always)
    private static func interleave(_ even: UnsafePointer<Float>, _ odd: UnsafePointer<Float>, pairs: Int,
                                   into out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= pairs {
            var v = SIMD16<Float>()
            v.evenHalf = UnsafeRawPointer(even + i).loadUnaligned(as: SIMD8<Float>.self)
            v.oddHalf = UnsafeRawPointer(odd + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + 2 * i).storeBytes(of: v, as: SIMD16<Float>.self)
            i += 8
        }
        while i < pairs { out[2 * i] = even[i]; out[2 * i + 1] = odd[i]; i += 1 }
    }

    /// V[ξ][c][t − from] = (Bᵀ d B)[ξ] for positions `from ..< from + span`, Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]].
    /// Position t is tile (t / tileRowWidth, t mod tileRowWidth), read from the quarter planes at ty·wd + tx.
    @inline(__always)
    private static func winogradInput(quarters: UnsafeMutablePointer<Float>, channels: Range<Int>, _ g: WinogradGeometry,
                                      from: Int, span: Int, into v: UnsafeMutablePointer<Float>, plane: Int) {
        typealias V8 = SIMD8<Float>
        let quarter = g.quarter, wd = g.rowWidth, chunk = g.chunk, tw = g.tileRowWidth
        for c in channels {
            let q00 = quarters + 4 * c * quarter + from
            let q01 = q00 + quarter, q10 = q01 + quarter, q11 = q10 + quarter
            let out = v + c * chunk
            var t = 0
            while t < span {
                // With the spare left out (tw = tilesW, a multiple of 8), each vector stays within one row of tiles.
                let src = tw == wd ? t : t / tw * wd + t % tw
                @inline(__always) func ld(_ p: UnsafeMutablePointer<Float>, _ off: Int) -> V8 {
                    UnsafeRawPointer(p + src + off).loadUnaligned(as: V8.self)
                }
                // Rows i = 0…3 of the tile, columns j = 0…3.
                let d00 = ld(q00, 0), d01 = ld(q01, 0), d02 = ld(q00, 1), d03 = ld(q01, 1)
                let d10 = ld(q10, 0), d11 = ld(q11, 0), d12 = ld(q10, 1), d13 = ld(q11, 1)
                let d20 = ld(q00, wd), d21 = ld(q01, wd), d22 = ld(q00, wd + 1), d23 = ld(q01, wd + 1)
                let d30 = ld(q10, wd), d31 = ld(q11, wd), d32 = ld(q10, wd + 1), d33 = ld(q11, wd + 1)
                // Bᵀ d: r[a][j].
                let r00 = d00 - d20, r01 = d01 - d21, r02 = d02 - d22, r03 = d03 - d23
                let r10 = d10 + d20, r11 = d11 + d21, r12 = d12 + d22, r13 = d13 + d23
                let r20 = d20 - d10, r21 = d21 - d11, r22 = d22 - d12, r23 = d23 - d13
                let r30 = d10 - d30, r31 = d11 - d31, r32 = d12 - d32, r33 = d13 - d33
                @inline(__always) func st(_ xi: Int, _ value: V8) {
                    UnsafeMutableRawPointer(out + xi * plane + t).storeBytes(of: value, as: V8.self)
                }
                // (Bᵀ d) B: row a gives V[4a…4a+3].
                st(0, r00 - r02); st(1, r01 + r02); st(2, r02 - r01); st(3, r01 - r03)
                st(4, r10 - r12); st(5, r11 + r12); st(6, r12 - r11); st(7, r11 - r13)
                st(8, r20 - r22); st(9, r21 + r22); st(10, r22 - r21); st(11, r21 - r23)
                st(12, r30 - r32); st(13, r31 + r32); st(14, r32 - r31); st(15, r31 - r33)
                t += 8
            }
        }
    }

    /// Y = Aᵀ M A + bias for positions `from ..< from + count`, Aᵀ = [[1,1,1,0],[0,1,−1,−1]], each tile's four
    /// outputs written into place (the spare position of each row is skipped).
    @inline(__always)
    private static func winogradOutput(m: UnsafeMutablePointer<Float>, plane mPlane: Int, _ g: WinogradGeometry, span: Int,
                                       outChannels: Range<Int>, bias: UnsafePointer<Float>?,
                                       from: Int, count: Int, output: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let chunk = g.chunk, wd = g.tileRowWidth, tilesW = g.tilesW, ho = g.outHeight, wo = g.outWidth
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * chunk) { scratch in
            guard let y00 = scratch.baseAddress else { return }
            let y01 = y00 + chunk, y10 = y01 + chunk, y11 = y10 + chunk
            for o in outChannels {
                let mo = m + o * chunk
                let b = V8(repeating: bias?[o] ?? 0)
                var t = 0
                while t < span {
                    @inline(__always) func ld(_ xi: Int) -> V8 {
                        UnsafeRawPointer(mo + xi * mPlane + t).loadUnaligned(as: V8.self)
                    }
                    let m0 = ld(0), m1 = ld(1), m2 = ld(2), m3 = ld(3), m4 = ld(4), m5 = ld(5), m6 = ld(6), m7 = ld(7)
                    let m8 = ld(8), m9 = ld(9), m10 = ld(10), m11 = ld(11), m12 = ld(12), m13 = ld(13), m14 = ld(14), m15 = ld(15)
                    // Aᵀ M: a[j] (output row 0), c[j] (output row 1).
                    let a0 = m0 + m4 + m8, a1 = m1 + m5 + m9, a2 = m2 + m6 + m10, a3 = m3 + m7 + m11
                    let c0 = m4 - m8 - m12, c1 = m5 - m9 - m13, c2 = m6 - m10 - m14, c3 = m7 - m11 - m15
                    UnsafeMutableRawPointer(y00 + t).storeBytes(of: a0 + a1 + a2 + b, as: V8.self)
                    UnsafeMutableRawPointer(y01 + t).storeBytes(of: a1 - a2 - a3 + b, as: V8.self)
                    UnsafeMutableRawPointer(y10 + t).storeBytes(of: c0 + c1 + c2 + b, as: V8.self)
                    UnsafeMutableRawPointer(y11 + t).storeBytes(of: c1 - c2 - c3 + b, as: V8.self)
                    t += 8
                }
                // Walk the chunk's positions row of tiles by row of tiles.
                let dst = output + o * ho * wo
                var p = from
                let end = from + count
                while p < end {
                    let ty = p / wd, tx0 = p - ty * wd
                    let tx1 = Swift.min(tilesW, tx0 + (end - p))   // tiles of this row in the chunk
                    let i0 = p - from
                    let oy = 2 * ty
                    if tx0 < tx1 {
                        // Whole tiles, then the last tile's left column alone when the width is odd.
                        let whole = Swift.min(tx1, wo / 2) - tx0
                        let row0 = dst + oy * wo
                        if whole > 0 { interleave(y00 + i0, y01 + i0, pairs: whole, into: row0 + 2 * tx0) }
                        if whole < tx1 - tx0 { row0[wo - 1] = y00[i0 + tx1 - 1 - tx0] }
                        if oy + 1 < ho {
                            let row1 = row0 + wo
                            if whole > 0 { interleave(y10 + i0, y11 + i0, pairs: whole, into: row1 + 2 * tx0) }
                            if whole < tx1 - tx0 { row1[wo - 1] = y10[i0 + tx1 - 1 - tx0] }
                        }
                    }
                    p += Swift.min(wd - tx0, end - p)
                }
            }
        }
    }
}

/// A layer's convolution weights in the form a fast path wants (the Winograd transform G g Gᵀ of every
/// filter), kept between calls so a model transforms each weight once instead of on every forward pass.
/// It is recomputed when the layer's weight is another tensor or was written in place (``Storage/version``).
public final class ConvWeightCache: @unchecked Sendable {
    private let lock = NSLock()
    private var source: (storage: Storage, offset: Int, version: Int)?
    /// The transforms for F(2×2, 3×3) (16 per filter) and F(4×4, 3×3) (36), each made when first needed.
    private var transforms: [Int: Storage] = [:]

    public init() {}

    /// U for F(2×2, 3×3) (`tile` 2) or F(4×4, 3×3) (`tile` 4) for every group of the contiguous weight
    /// `[O, C/groups, 3, 3]`, group after group: U[ξ][o][c], or with `transposed` Uᵀ[ξ][o / 16][c][o mod 16], the
    /// output channels padded with zeros to ``Tensor/paddedOutChannels(_:)`` (the layout of the tile-rows products).
    func winogradWeights(_ weight: Tensor, groups: Int, tile: Int = 2, transposed: Bool = false) -> Storage {
        lock.lock(); defer { lock.unlock() }
        let key = transposed ? -tile : tile
        if let s = source, s.storage === weight.storage, s.offset == weight.offset, s.version == weight.storage.version {
            if let u = transforms[key] { return u }
        } else {
            transforms = [:]
            source = (weight.storage, weight.offset, weight.storage.version)
        }
        let og = weight.shape[0] / groups, cg = weight.shape[1]
        let points = (tile + 2) * (tile + 2)
        let u = Storage(uninitializedCount: points * weight.shape[0] * cg)
        let wp = UnsafePointer(weight.storage.pointer + weight.offset)
        for g in 0..<groups {
            let src = wp + g * og * cg * 9, dst = u.pointer + g * points * og * cg
            if tile == 4 {
                Tensor.winograd4x4TransformWeights(src, outChannels: og, channels: cg, into: dst)
            } else {
                Tensor.winogradTransformWeights(src, outChannels: og, channels: cg, into: dst)
            }
        }
        guard transposed else {
            transforms[key] = u
            return u
        }
        let op = Tensor.paddedOutChannels(og)
        let ut = Storage(uninitializedCount: groups * points * cg * op)
        for g in 0..<groups {
            for xi in 0..<points {
                let src = u.pointer + (g * points + xi) * og * cg, dst = ut.pointer + (g * points + xi) * cg * op
                // Uᵀ[ξ][o / 16][c][o mod 16]: each block of 16 output channels is one contiguous run.
                dst.initialize(repeating: 0, count: cg * op)
                for o in 0..<og {
                    let column = dst + (o / 16) * cg * 16 + o % 16
                    for c in 0..<cg { column[c * 16] = src[o * cg + c] }
                }
            }
        }
        transforms[key] = ut
        return ut
    }
}
