import Foundation
#if DSH_AVX2
import _Builtin_intrinsics.intel
#endif

/// A random number generator that gives the numbers PyTorch's CPU generator gives for the same
/// seed and the same sequence of calls (`torch.Generator()` / the default generator behind
/// `torch.manual_seed`).
///
/// It is PyTorch's 32-bit Mersenne Twister plus the cached second sample of the double-precision
/// Box–Muller transform (`next_double_normal_sample`). Methods are thread-safe: each draw of a
/// tensor's worth of numbers happens under the generator's lock, as in PyTorch.
public final class Generator: @unchecked Sendable {
    /// PyTorch's default seed.
    public static let defaultSeed: UInt64 = 67280421310721
    /// The process-wide generator used when none is passed (`torch.manual_seed` seeds it).
    public static let `default` = Generator()

    /// A snapshot of a generator's state (`get_state`/`set_state`).
    public struct State: Sendable, Equatable {
        var engine: MT19937
        var nextDoubleNormal: Double?
        var nextFloatNormal: Float?
    }

    private var engine: MT19937
    private var nextDoubleNormal: Double?
    private var nextFloatNormal: Float?
    private let lock = NSLock()

    /// The seed the generator was last seeded with (`initial_seed()`).
    public var initialSeed: UInt64 { locked { engine.seed } }

    /// A generator seeded with `seed` (`torch.Generator().manual_seed(seed)`); PyTorch's default
    /// seed when none is given, as for `torch.Generator()`.
    public init(seed: UInt64 = Generator.defaultSeed) {
        engine = MT19937(seed: seed)
    }

    /// Re-seeds the generator and returns it (`Generator.manual_seed`). Seeds are taken modulo
    /// 2^64 as PyTorch does; only the low 32 bits reach the Mersenne Twister.
    @discardableResult
    public func manualSeed(_ seed: UInt64) -> Generator {
        locked {
            engine = MT19937(seed: seed)
            nextDoubleNormal = nil
            nextFloatNormal = nil
        }
        return self
    }

    /// `manual_seed` with a Python integer: negative seeds wrap as in PyTorch (`seed mod 2^64`).
    @discardableResult
    public func manualSeed(_ seed: Int) -> Generator { manualSeed(UInt64(bitPattern: Int64(seed))) }

    /// Re-seeds from a non-deterministic source and returns the new seed (`Generator.seed()`).
    @discardableResult
    public func seed() -> UInt64 {
        var s = UInt64.random(in: 0...UInt64.max)
        // Kept to 63 bits so a script can print the seed and pass it back as an int.
        s &= 0x7FFF_FFFF_FFFF_FFFF
        manualSeed(s)
        return s
    }

    /// The full state, to restore later with ``setState(_:)``.
    public var state: State { locked { State(engine: engine, nextDoubleNormal: nextDoubleNormal, nextFloatNormal: nextFloatNormal) } }

    /// Restores a state taken with ``state``.
    public func setState(_ s: State) {
        locked {
            engine = s.engine
            nextDoubleNormal = s.nextDoubleNormal
            nextFloatNormal = s.nextFloatNormal
        }
    }

    /// The state in PyTorch's byte layout (`get_state()` / `torch.get_rng_state()`: 5056 bytes,
    /// `CPUGeneratorImplState`), so a state saved by either program restores in the other.
    public var stateBytes: [UInt8] {
        let s = state
        var out = [UInt8](repeating: 0, count: Generator.stateByteCount)
        func put<T: FixedWidthInteger>(_ v: T, at offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (k, b) in $0.enumerated() { out[offset + k] = b } }
        }
        put(s.engine.seed, at: 0)
        put(Int32(s.engine.left), at: 8)
        put(Int32(1), at: 12)  // seeded
        put(UInt64(s.engine.next), at: 16)
        for (k, w) in s.engine.state.enumerated() { put(UInt64(w), at: 24 + 8 * k) }
        if let y = s.nextDoubleNormal {
            put(y.bitPattern, at: 5024)  // normal_y
            put(Int32(1), at: 5040)      // normal_is_valid
        }
        if let f = s.nextFloatNormal {
            put(f.bitPattern, at: 5048)
            out[5052] = 1
        }
        return out
    }

    /// Bytes in PyTorch's current (`CPUGeneratorImplState`) and legacy (`THGeneratorState`) layouts.
    public static let stateByteCount = 5056
    static let legacyStateByteCount = 5048

    /// Restores a state in PyTorch's byte layout (`set_state()` / `torch.set_rng_state()`).
    public func setState(bytes: [UInt8]) throws {
        guard bytes.count == Generator.stateByteCount || bytes.count == Generator.legacyStateByteCount else {
            throw valueError("set_state: Expected either a THGeneratorState of size \(Generator.legacyStateByteCount) or a CPUGeneratorImplState of size \(Generator.stateByteCount) but found the input RNG state size to be \(bytes.count)")
        }
        func get<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            var v: T = 0
            withUnsafeMutableBytes(of: &v) { for k in 0..<MemoryLayout<T>.size { $0[k] = bytes[offset + k] } }
            return T(littleEndian: v)
        }
        var engine = MT19937(seed: get(UInt64.self, at: 0))
        let left = Int(get(Int32.self, at: 8)), seeded = get(Int32.self, at: 12), next = get(UInt64.self, at: 16)
        guard seeded != 0, left > 0, left <= MT19937.n, next <= UInt64(MT19937.n) else {
            throw valueError("set_state: the RNG state is corrupted (left \(left), next \(next))")
        }
        engine.left = left
        engine.next = Int(next)
        for k in 0..<MT19937.n { engine.state[k] = UInt32(truncatingIfNeeded: get(UInt64.self, at: 24 + 8 * k)) }
        var double: Double?
        var float: Float?
        if get(Int32.self, at: 5040) != 0 {
            if bytes.count == Generator.stateByteCount {
                double = Double(bitPattern: get(UInt64.self, at: 5024))
            } else {
                // The legacy layout keeps the uniform and radius; the cached sample is the sine one.
                let x = Double(bitPattern: get(UInt64.self, at: 5016)), rho = Double(bitPattern: get(UInt64.self, at: 5032))
                double = rho * Foundation.sin(2.0 * Double.pi * x)
            }
        }
        if bytes.count == Generator.stateByteCount && bytes[5052] != 0 {
            float = Float(bitPattern: get(UInt32.self, at: 5048))
        }
        setState(State(engine: engine, nextDoubleNormal: double, nextFloatNormal: float))
    }

    /// A new generator with the same state (`clone`).
    public func copy() -> Generator {
        let g = Generator()
        g.setState(state)
        return g
    }

    @inline(__always)
    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs `body` with exclusive access to the generator's draws.
    func withDraws<R>(_ body: (inout Draws) throws -> R) rethrows -> R {
        try locked {
            var d = Draws(engine: engine, nextDoubleNormal: nextDoubleNormal)
            defer {
                engine = d.engine
                nextDoubleNormal = d.nextDoubleNormal
            }
            return try body(&d)
        }
    }

    // MARK: Raw draws (for callers that need PyTorch's primitives)

    /// The next 32 random bits (`random()`).
    public func random32() -> UInt32 { withDraws { $0.random32() } }
    /// The next 64 random bits, made of two 32-bit draws, first one high (`random64()`).
    public func random64() -> UInt64 { withDraws { $0.random64() } }
}

/// The draw primitives of PyTorch's CPU generator (`ATen/core/DistributionsHelper.h`), on a local
/// copy of the generator's state.
struct Draws {
    var engine: MT19937
    var nextDoubleNormal: Double?

    @inline(__always) mutating func random32() -> UInt32 { engine.next32() }

    @inline(__always) mutating func random64() -> UInt64 {
        let hi = engine.next32(), lo = engine.next32()
        return UInt64(hi) << 32 | UInt64(lo)
    }

    /// `uniform_real_distribution<float>(0, 1)`: 24 random bits scaled to [0, 1).
    @inline(__always) mutating func uniformFloat() -> Float {
        Float(random32() & 0xFF_FFFF) * Float(1.0 / 16_777_216.0)
    }

    /// `count` draws of ``uniformFloat()`` into `out`, in bulk.
    mutating func uniformFloats(_ out: UnsafeMutablePointer<Float>, count: Int) {
        engine.fillUniformFloats(out, count: count)
    }

    /// `uniform_real_distribution<double>(0, 1)`: 53 random bits scaled to [0, 1).
    @inline(__always) mutating func uniformDouble() -> Double {
        Double(random64() & 0x1F_FFFF_FFFF_FFFF) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `normal_distribution<double>(mean, std)`: Box–Muller, the sine sample cached for the next call.
    mutating func normalDouble(mean: Double, std: Double) -> Double {
        if let cached = nextDoubleNormal {
            nextDoubleNormal = nil
            return cached * std + mean
        }
        let u1 = uniformDouble()
        let u2 = uniformDouble()
        let r = (-2.0 * Foundation.log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        nextDoubleNormal = r * Foundation.sin(theta)
        return r * Foundation.cos(theta) * std + mean
    }

    /// `NormalFill16` for float with AVX2 (`ATen/native/cpu/DistributionTemplates.h`): turns 16
    /// uniforms into 16 normals, pairing element j with j + 8.
    @inline(__always)
    static func normalFill16(_ data: UnsafeMutablePointer<Float>, mean: Float, std: Float) {
        let twoPi = Float(2.0 * Double.pi)
        for j in 0..<8 {
            let u1 = 1 - data[j]
            let u2 = data[j + 8]
            let radius = (-2 * AVXMath.log(u1)).squareRoot()
            let theta = twoPi * u2
            let (s, c) = AVXMath.sincos(theta)
            let n1 = radius * c
            let n2 = radius * s
            data[j] = Foundation.fmaf(n1, std, mean)
            data[j + 8] = Foundation.fmaf(n2, std, mean)
        }
    }

    /// ``normalFill16(_:mean:std:)`` over `blocks` consecutive blocks of 16, split across the cores
    /// (the uniforms are already drawn, so blocks are independent). Each run of up to 256 blocks is
    /// de-interleaved into the u1 and u2 halves so the transform is one flat loop the compiler
    /// vectorises, lane for lane the same arithmetic as the AVX2 kernel.
    static func normalFill(_ data: UnsafeMutablePointer<Float>, blocks: Int, mean: Float, std: Float) {
        Parallel.forRange(blocks, costPerItem: 64, minWork: 1 << 14) { range in
            let run = 256
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * run) { tmp in
                let u1 = tmp.baseAddress!, u2 = u1 + 8 * run
                var first = range.lowerBound
                while first < range.upperBound {
                    let count = Swift.min(run, range.upperBound - first)
                    let src = data + 16 * first
                    for k in 0..<count {
                        (u1 + 8 * k).update(from: src + 16 * k, count: 8)
                        (u2 + 8 * k).update(from: src + 16 * k + 8, count: 8)
                    }
                    boxMuller(u1, u2, count: 8 * count, mean: mean, std: std)
                    for k in 0..<count {
                        (src + 16 * k).update(from: u1 + 8 * k, count: 8)
                        (src + 16 * k + 8).update(from: u2 + 8 * k, count: 8)
                    }
                    first += count
                }
            }
        }
    }

    /// In place: `a[i], b[i]` = the Box–Muller pair of uniforms `a[i], b[i]` (one AVX lane each).
    /// Three loops, because the square root is a library call that stops the vectoriser: the two
    /// loops around it run eight lanes at a time (sixteen with AVX-512).
    @inline(__always)
    private static func boxMuller(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, count: Int,
                                  mean: Float, std: Float) {
        let twoPi = Float(2.0 * Double.pi)
        for i in 0..<count { a[i] = -2 * AVXMath.log(1 - a[i]) }
        // radius. (`squareRoot()` compiles to one scalar sqrt per value, each behind a branch to libm's
        // sqrtf for errno; _mm256_sqrt_ps is the same correctly rounded square root, eight at a time.)
        var i = 0
        #if DSH_AVX2
        while i + 8 <= count {
            let r = UnsafeMutableRawPointer(a + i)
            r.storeBytes(of: _mm256_sqrt_ps(r.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
            i += 8
        }
        #endif
        while i < count { a[i] = a[i].squareRoot(); i += 1 }
        for i in 0..<count {
            let (s, c) = AVXMath.sincos(twoPi * b[i])
            let radius = a[i]
            a[i] = mean.addingProduct(radius * c, std)
            b[i] = mean.addingProduct(radius * s, std)
        }
    }

    /// `NormalFill16` for double (the generic kernel): `std::log`, `std::cos`, `std::sin`.
    static func normalFill16(_ data: UnsafeMutablePointer<Double>, mean: Double, std: Double) {
        let twoPi = 2.0 * Double.pi  // 2.0f * c10::pi<double>
        for j in 0..<8 {
            let u1 = 1 - data[j]
            let u2 = data[j + 8]
            let radius = (-2 * Foundation.log(u1)).squareRoot()
            let theta = twoPi * u2
            data[j] = Foundation.fma(radius * Foundation.cos(theta), std, mean)
            data[j + 8] = Foundation.fma(radius * Foundation.sin(theta), std, mean)
        }
    }
}
