import Foundation
import Testing

/// dsh with its AVX-512 loops and without them (`DSH_AVX512=0`): every product is added in the same order either
/// way, so whole convolutions and a whole UNet forward pass must print the same bits. This also runs the portable
/// kernels and their blocks of six rows on a machine whose own tests take the AVX-512 ones (blocks of eight). On a
/// CPU without AVX-512 both runs take the portable loops.
@Suite("Instruction sets")
struct InstructionSetTests {
    static let script = """
        import torch
        import torch.nn.functional as F
        from diffusers import UNet2DModel
        torch.manual_seed(0)
        for c, o, h, k, s in [(3, 32, 32, 3, 1), (64, 64, 16, 3, 1), (17, 21, 7, 3, 1), (40, 13, 12, 1, 1), (32, 32, 32, 3, 2)]:
            x = torch.randn(1, c, h, h)
            w = torch.randn(o, c, k, k)
            print(F.conv2d(x, w, stride=s, padding=k // 2).flatten().tolist())
        model = UNet2DModel.from_pretrained("dsh/tiny-cats-32", subfolder="unet")
        with torch.no_grad():
            print(model(torch.randn(1, 3, 32, 32), 500).sample.flatten().tolist())
        """

    @Test("convolutions and the UNet forward give the same bits with and without AVX-512")
    func sameBits() throws {
        let fast = try DSH.run(["-c", Self.script], environment: ["DSH_AVX512": "1"])
        let portable = try DSH.run(["-c", Self.script], environment: ["DSH_AVX512": "0"])
        #expect(fast.status == 0, "\(fast.stderr)")
        #expect(portable.status == 0, "\(portable.stderr)")
        #expect(fast.stdout.split(separator: "\n").count == 6)
        #expect(fast.stdout == portable.stdout)
    }
}
