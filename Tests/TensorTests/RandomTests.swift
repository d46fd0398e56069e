import Foundation
import Testing
@testable import Tensor

/// Seeds used by `tools/fixtures_tensor.py` (`SEEDS`), by index.
private let seeds: [UInt64] = [0, 42, (1 << 40) + 7]
private let sizes = [1, 5, 15, 16, 17, 31, 100]

@Suite("random numbers match PyTorch's CPU generator", .serialized)
struct RandomTests {
    let fixtures: SafeTensorsFile

    init() throws { fixtures = try Fixtures.load("random_torch.safetensors") }

    func expect(_ name: String, _ got: Tensor, exact: Bool = true, atol: Float = 1e-6,
                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let want = try fixtures.tensor(name)
        #expect(got.shape == want.shape, "\(name): shape \(got.shape) vs \(want.shape)", sourceLocation: sourceLocation)
        if exact {
            #expect(bitEqual(got.to(.float32), want.to(.float32)), "\(name): max diff \(maxAbsDiff(got.to(.float32), want.to(.float32)))",
                    sourceLocation: sourceLocation)
        } else {
            #expect(maxAbsDiff(got.to(.float32), want.to(.float32)) <= atol, "\(name): max diff \(maxAbsDiff(got, want))",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("the Mersenne Twister matches the reference sequence for seed 5489")
    func mersenneTwister() {
        // The 10000th output of the standard mt19937 seeded with 5489 is 4123659995 (C++ [rand.predef]).
        var mt = MT19937(seed: 5489)
        var last: UInt32 = 0
        for _ in 0..<10000 { last = mt.next32() }
        #expect(last == 4_123_659_995)
    }

    @Test("rand and randn of many sizes, three seeds")
    func sizesAndSeeds() throws {
        for (si, seed) in seeds.enumerated() {
            for n in sizes {
                try expect("randn_s\(si)_n\(n)", Tensor.randn([n], generator: Generator(seed: seed)))
                try expect("rand_s\(si)_n\(n)", Tensor.rand([n], generator: Generator().manualSeed(seed)))
            }
        }
    }

    @Test("consecutive mixed calls on one generator")
    func sequences() throws {
        for (si, seed) in seeds.enumerated() {
            let g = Generator(seed: seed)
            let seq: [Tensor] = [
                Tensor.randn([3], generator: g),
                Tensor.randn([20], generator: g),
                Tensor.rand([5], generator: g),
                try Tensor.randint(low: 0, high: 10, [7], generator: g),
                Tensor.randn([1], generator: g),
                try Tensor.randint(low: -5, high: 1 << 30, [4], generator: g),
                Tensor.randn([2, 17], generator: g),
                Tensor.randn([1], generator: g),
                try Tensor.randint(low: 3, high: 4, [2], generator: g),
                Tensor.rand([2, 3], generator: g),
            ]
            for (i, t) in seq.enumerated() { try expect("seq_s\(si)_\(i)", t) }
            #expect(seq[3].dtype == .int64)
        }
    }

    @Test("a 1×3×256×256 latent, what follows it, and the default generator")
    func defaultGeneratorAndBigTensor() throws {
        for (si, seed) in seeds.enumerated() {
            // torch.manual_seed(seed) seeds the default generator exactly as Generator(seed:) does.
            let g = Generator(seed: seed)
            let big = Tensor.randn([1, 3, 256, 256], generator: g)
            let flat = big.scalars
            let sub = Tensor(stride(from: 0, to: flat.count, by: 997).map { flat[$0] })
            try expect("big_s\(si)_sub", sub)
            let sum = flat.reduce(0.0) { $0 + Double($1) }
            let want = try fixtures.tensor("big_s\(si)_sum").scalars[0]
            #expect(abs(Float(sum) - want) <= 1e-3, "sum \(sum) vs \(want)")
            // The calls after it go through the default generator, given g's state. (Other tests
            // must not draw from the default generator unseeded; none do.)
            Generator.default.setState(g.state)
            let after = Tensor.randn([4])
            let rand = Tensor.rand([6])
            let ints = try Tensor.randint(low: 0, high: 1000, [3, 3])
            let normal = Tensor.randn([5])
            try expect("big_s\(si)_after", after)
            try expect("default_s\(si)_rand", rand)
            try expect("default_s\(si)_randint", ints)
            try expect("default_s\(si)_randn", normal)
            Generator.default.manualSeed(seed)
            #expect(Generator.default.initialSeed == seed)
        }
    }

    @Test("float16, bfloat16 and float64 dtypes")
    func otherDTypes() throws {
        let g = Generator(seed: 1234)
        try expect("half_n5", Tensor.randn([5], generator: g, dtype: .float16))
        try expect("half_n40", Tensor.randn([40], generator: g, dtype: .float16))
        try expect("bf16_n40", Tensor.randn([40], generator: g, dtype: .bfloat16))
        try expect("half_rand_n7", Tensor.rand([7], generator: g, dtype: .float16))
        // float64 values are compared after rounding to float32 (dsh stores float32).
        try expect("f64_n5", Tensor.randn([5], generator: g, dtype: .float64))
        try expect("f64_n40", Tensor.randn([40], generator: g, dtype: .float64))
        try expect("f64_rand_n5", Tensor.rand([5], generator: g, dtype: .float64))
        #expect(try fixtures.tensor("half_n40").dtype == .float16)
    }

    @Test("in-place uniform_ and normal_, on contiguous and transposed tensors")
    func inPlace() throws {
        let g = Generator(seed: 99)
        var u = Tensor.zeros([20])
        try u.uniform_(from: -2, to: 3, generator: g)
        try expect("uniform_m2_3", u)
        var a = Tensor.zeros([33])
        try a.normal_(mean: 0.5, std: 2, generator: g)
        try expect("normal_05_2_n33", a)
        var b = Tensor.zeros([7])
        try b.normal_(mean: 0.5, std: 2, generator: g)
        try expect("normal_05_2_n7", b)
        let base = Tensor.zeros([5, 4])
        var view = try base.transpose(0, 1)
        try view.normal_(generator: g)
        try expect("normal_transposed", base)  // written through the view
        try expect("randint_big_range", try Tensor.randint(low: -(1 << 40), high: 1 << 40, [6], generator: g))
    }

    @Test("seeding, state and copies")
    func stateHandling() throws {
        let g = Generator(seed: 7)
        #expect(g.initialSeed == 7)
        _ = Tensor.randn([3], generator: g)  // leaves a cached normal
        let saved = g.state
        let twin = g.copy()
        let a = Tensor.randn([5], generator: g)
        g.setState(saved)
        #expect(Tensor.randn([5], generator: g).scalars == a.scalars)
        #expect(Tensor.randn([5], generator: twin).scalars == a.scalars)
        #expect(g.manualSeed(7) === g)
        #expect(Tensor.rand([4], generator: g).scalars == Tensor.rand([4], generator: Generator(seed: 7)).scalars)
        let s = g.seed()
        #expect(g.initialSeed == s)
        #expect(Generator().initialSeed == Generator.defaultSeed)
        #expect(Generator(seed: UInt64(bitPattern: -1)).initialSeed == Generator().manualSeed(-1).initialSeed)
    }

    @Test("states in PyTorch's byte layout (get_state / set_state)")
    func stateBytes() throws {
        let g = Generator(seed: 3)
        _ = Tensor.randn([3], generator: g)
        let cached = try fixtures.tensor("state_cached").scalars.map { UInt8($0) }
        #expect(g.stateBytes == cached)
        let plain = Generator(seed: (1 << 40) + 7)
        _ = Tensor.rand([1000], generator: plain)
        #expect(plain.stateBytes == (try fixtures.tensor("state_plain").scalars.map { UInt8($0) }))
        // A state saved by PyTorch restores here, cached normal included.
        let restored = Generator()
        try restored.setState(bytes: cached)
        #expect(restored.initialSeed == 3)
        try expect("state_cached_next", Tensor.randn([4], generator: restored))
        #expect(throws: TensorError.self) { try restored.setState(bytes: [1, 2, 3]) }
        var corrupt = cached
        corrupt[8] = 0; corrupt[9] = 0  // left = 0
        #expect(throws: TensorError.self) { try restored.setState(bytes: corrupt) }
    }

    @Test("bad arguments throw")
    func errors() throws {
        #expect(throws: TensorError.self) { try Tensor.randint(low: 3, high: 3, [2]) }
        #expect(throws: TensorError.self) { try Tensor.randint(low: 0, high: 3, [-2]) }
        var t = Tensor.zeros([3])
        #expect(throws: TensorError.self) { try t.normal_(std: -1) }
        #expect(throws: TensorError.self) { try t.uniform_(from: 2, to: 1) }
        var i = Tensor.zeros([3], dtype: .int64)
        #expect(throws: TensorError.self) { try i.normal_() }
        #expect(Tensor.randn([0, 4]).shape == [0, 4])
        #expect(Tensor.rand(like: Tensor.zeros([2, 2], dtype: .float16), generator: Generator(seed: 1)).dtype == .float16)
        #expect(Tensor.randn(like: Tensor.zeros([2, 3]), generator: Generator(seed: 1)).shape == [2, 3])
    }
}
