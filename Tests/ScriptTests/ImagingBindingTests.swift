import Foundation
import Imaging
import Testing
@testable import Script

/// An interpreter with the library modules, its output captured, and a display session that is
/// not a terminal (so nothing depends on how the tests are run). `color` forces a colour mode
/// through `DSH_COLOR`, as the CLI's `--color` does.
private final class Harness: @unchecked Sendable {
    var out = ""
    var err = ""
    var interp: Interpreter!

    init(color: String? = nil, columns: Int = 80, sharedTerminal: Bool = false) {
        interp = Interpreter(argv: ["test.dsh"],
                             stdout: { [unowned self] in self.out += $0 },
                             stderr: { [unowned self] in if sharedTerminal { self.out += $0 } else { self.err += $0 } })
        interp.registerLibraryModules()
        let s = ImagingSession.of(interp)
        s.environment = color.map { ["DSH_COLOR": $0] } ?? [:]
        s.stdoutIsTerminal = sharedTerminal
        s.stderrIsTerminal = sharedTerminal
        s.columns = columns
    }

    /// Runs code; a Python error is returned as its traceback's last line.
    @discardableResult
    func run(_ source: String) -> String? {
        do {
            try interp.run(source: source, filename: "test.dsh")
            return nil
        } catch let e as ScriptError {
            return e.traceback.split(separator: "\n").last.map(String.init) ?? e.traceback
        } catch {
            return "\(error)"
        }
    }

    func value(_ expression: String) throws -> Value { try interp.evaluate(expression) }
}

private func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-imaging-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

/// The quicktour's `display_sample`, as written there.
private let displaySample = """
import torch
import numpy as np
import PIL.Image

def display_sample(sample, i):
    image_processed = sample.cpu().permute(0, 2, 3, 1)
    image_processed = (image_processed + 1.0) * 127.5
    image_processed = image_processed.numpy().astype(np.uint8)

    image_pil = PIL.Image.fromarray(image_processed[0])
    display(f"Image at step {i}")
    display(image_pil)

torch.manual_seed(0)
sample = torch.randn(1, 3, 32, 32)
display_sample(sample, 3)
"""

@Suite("PIL, display, dsh, tqdm and safetensors bindings")
struct ImagingBindingTests {
    @Test("the quicktour's display_sample runs as written; off a terminal the image is a placeholder")
    func displaySamplePlaceholder() {
        let h = Harness()
        #expect(h.run(displaySample) == nil)
        #expect(h.out == "'Image at step 3'\n<image 32×32 RGB>\n")
    }

    @Test("display_sample draws half blocks when a colour mode is forced")
    func displaySampleDrawn() {
        let h = Harness(color: "truecolor")
        #expect(h.run(displaySample) == nil)
        let lines = h.out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "'Image at step 3'")
        // 32 px wide in 80 columns: enlarged ×2 to 64×64 px, two pixel rows per line.
        #expect(lines.filter { $0.contains("▀") }.count == 32)
        #expect(h.out.contains("\u{1B}[38;2;"))
    }

    @Test("import PIL, import PIL.Image and from PIL import Image all reach Image")
    func importForms() throws {
        let h = Harness()
        let err = h.run("""
        import numpy as np
        import PIL
        a = np.zeros((2, 3, 3), dtype=np.uint8)
        print(PIL.Image.fromarray(a))
        from PIL import Image
        print(Image.fromarray(a).size, Image.Resampling.BICUBIC, Image.NEAREST, Image.LANCZOS)
        import PIL.Image
        print(isinstance(PIL.Image.new("L", (4, 2)), PIL.Image.Image), type(Image.new("RGB", (1, 1))))
        """)
        #expect(err == nil)
        #expect(h.out == """
        <PIL.Image.Image image mode=RGB size=3x2>
        (3, 2) 3 0 1
        True <class 'PIL.Image.Image'>

        """)
    }

    @Test("PNG save and open through Python code keep the pixels")
    func pngRoundTrip() throws {
        let h = Harness()
        let path = temporaryPath("round.png")
        let err = h.run("""
        import torch, numpy as np
        from PIL import Image
        a = (torch.arange(0, 60).reshape(4, 5, 3) * 4).numpy().astype(np.uint8)
        img = Image.fromarray(a)
        img.save("\(path)")
        back = Image.open("\(path)")
        print(back.size, back.mode, back.format, back == img, back.getpixel((1, 0)))
        grey = back.convert("L")
        print(grey.mode, grey.resize((10, 8), resample=Image.Resampling.NEAREST).size)
        """)
        #expect(err == nil)
        #expect(h.out == "(5, 4) RGB PNG True (12, 16, 20)\nL (10, 8)\n")
        guard case .object(let o) = try h.value("back"), let back = o as? ImageObject else {
            Issue.record("back is not an image"); return
        }
        #expect(back.image.pixels == (0..<60).map { UInt8($0 * 4) })
        let arr = imageArray(try h.value("back"))
        #expect(arr?.shape == [4, 5, 3])
        #expect(arr?.dtype == .uint8)
    }

    @Test("bad input raises PIL's errors", arguments: [
        ("import numpy as np\nfrom PIL import Image\nImage.fromarray(np.zeros((2, 2, 3), dtype=np.float32))",
         "TypeError: Cannot handle this data type: (1, 1, 3), <f4"),
        ("import numpy as np\nfrom PIL import Image\nImage.fromarray(np.zeros((2, 2, 5), dtype=np.uint8))",
         "TypeError: Cannot handle this data type: (1, 1, 5), |u1"),
        ("from PIL import Image\nImage.open('/nonexistent-dsh-dir/x.png')",
         "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent-dsh-dir/x.png'"),
        ("from PIL import Image\nImage.new('RGB', (2, 2)).save('/nonexistent-dsh-dir/x.png')",
         "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent-dsh-dir/x.png'"),
        ("from PIL import Image\nImage.new('RGB', (2, 2)).save('out.jpg')",
         "ValueError: dsh writes PNG only: cannot save 'out.jpg' as .jpg; use a .png name"),
        ("from PIL import Image\nImage.new('CMYK', (2, 2))",
         "ValueError: dsh images are L, RGB or RGBA; mode 'CMYK' is not supported"),
    ])
    func errors(source: String, expected: String) {
        let h = Harness()
        #expect(h.run(source) == expected)
    }

    @Test("a file that is not a PNG raises UnidentifiedImageError, an OSError")
    func notAnImage() throws {
        let path = temporaryPath("notes.txt")
        try "hello".write(toFile: path, atomically: true, encoding: .utf8)
        let h = Harness()
        #expect(h.run("""
        import PIL
        from PIL import Image
        try:
            Image.open("\(path)")
        except OSError as e:
            print(type(e).__name__, isinstance(e, PIL.UnidentifiedImageError))
        """) == nil)
        #expect(h.out == "UnidentifiedImageError True\n")
    }

    @Test("display shows reprs for values and draws lists of images as a row")
    func displayValues() {
        let h = Harness()
        #expect(h.run("""
        from IPython.display import display
        from PIL import Image
        display("text", 3, [1, 2])
        display([Image.new("RGB", (4, 4)), Image.new("L", (2, 6))])
        """) == nil)
        #expect(h.out == "'text'\n3\n[1, 2]\n<image 4×4 RGB>\n<image 2×6 L>\n")
    }

    @Test("img.show() and dsh.set_color: a mode set from Python forces drawing")
    func showMethod() {
        let h = Harness()
        #expect(h.run("""
        import dsh, IPython
        from PIL import Image
        img = Image.new("RGB", (8, 4), "blue")
        img.show()
        print(dsh.color())
        dsh.set_color("16")
        print(dsh.color())
        img.show()
        IPython.display.display(img)
        """) == nil)
        let lines = h.out.split(separator: "\n")
        #expect(Array(lines.prefix(3)) == ["<image 8×4 RGB>", "None", "16"])
        // 8×4 px enlarged ×8 in 80 columns (at most 64): 64×32 px, 16 lines, twice.
        #expect(lines.filter { $0.contains("▀") }.count == 32)
    }

    @Test("tqdm off a terminal ends with the final count on stderr")
    func tqdmPlain() {
        let h = Harness()
        #expect(h.run("""
        import tqdm
        from tqdm.auto import tqdm as auto_tqdm
        total = 0
        for i in tqdm.tqdm(range(10), desc="denoise"):
            total += i
        print(total)
        with auto_tqdm(total=5) as bar:
            bar.update(2)
            bar.update(3)
            bar.set_description("done")
        for _ in tqdm.trange(3, disable=True):
            pass
        """) == nil)
        #expect(h.out == "45\n")
        let lines = h.err.split(separator: "\n")
        #expect(lines.first?.hasPrefix("denoise:   0%|") == true)
        #expect(lines.contains { $0.hasPrefix("denoise: 100%|██████████| 10/10 [") })
        #expect(lines.last?.hasPrefix("done: 100%|██████████| 5/5 [") == true)
        #expect(!h.err.contains("3/3"))
    }

    @Test("an image displayed under a live bar clears the bar first and redraws it after")
    func tqdmWithImage() {
        let h = Harness(color: "none", sharedTerminal: true)
        #expect(h.run("""
        import tqdm
        from PIL import Image
        for i in tqdm.tqdm(range(2)):
            if i == 1:
                display(Image.new("L", (2, 2), 255))
        """) == nil)
        guard let image = h.out.range(of: "@") else {
            Issue.record("no image drawn in \(h.out.debugDescription)"); return
        }
        let before = h.out[..<image.lowerBound]
        #expect(before.hasSuffix("\r"))   // the bar's line was blanked and the cursor returned
        #expect(h.out[image.upperBound...].contains("2/2"))
    }

    @Test("safetensors save_file and load_file round-trip tensors and metadata")
    func safetensorsRoundTrip() {
        let path = temporaryPath("w.safetensors")
        let h = Harness()
        #expect(h.run("""
        import torch
        from safetensors.torch import load_file, save_file
        from safetensors import safe_open
        w = {"conv.weight": torch.arange(0, 6).reshape(2, 3).float(), "b": torch.ones(4)}
        save_file(w, "\(path)", metadata={"format": "pt"})
        back = load_file("\(path)")
        print(sorted(back.keys()), back["conv.weight"].shape, bool((back["conv.weight"] == w["conv.weight"]).all()))
        with safe_open("\(path)", framework="pt") as f:
            print(f.keys(), f.metadata(), f.get_tensor("b").sum().item())
        try:
            load_file("/nonexistent-dsh-dir/w.safetensors")
        except FileNotFoundError as e:
            print("missing", e)
        """) == nil)
        #expect(h.out == """
        ['b', 'conv.weight'] torch.Size([2, 3]) True
        ['b', 'conv.weight'] {'format': 'pt'} 4.0
        missing [Errno 2] No such file or directory: '/nonexistent-dsh-dir/w.safetensors'

        """)
    }

    @Test("dsh.show with a forced truecolor mode draws half blocks and states the range")
    func dshShow() {
        let h = Harness()
        #expect(h.run("""
        import torch, dsh
        torch.manual_seed(0)
        dsh.show(torch.rand(1, 3, 8, 8) * 2 - 1, width=16, color="truecolor")
        """) == nil)
        let lines = h.out.split(separator: "\n")
        #expect(lines.filter { $0.contains("▀") }.count == 8)   // 16×16 px → 8 lines
        #expect(lines.last == "tensor [1, 3, 8, 8] (NCHW), values read as [-1, 1]")
    }

    @Test("dsh.show of a batch is a row; off a terminal it is placeholders and the note")
    func dshShowPlaceholders() {
        let h = Harness()
        #expect(h.run("""
        import torch, dsh
        dsh.show(torch.zeros(2, 3, 4, 6) + 0.5)
        dsh.filmstrip([torch.zeros(3, 4, 4), torch.ones(3, 4, 4)], captions=["a", "b"])
        """) == nil)
        #expect(h.out == """
        <image 6×4 RGB>
        <image 6×4 RGB>
        tensor [2, 3, 4, 6] (NCHW), values read as [0, 1]
        a: <image 4×4 RGB>
        b: <image 4×4 RGB>

        """)
    }

    @Test("the helpers diffusers.utils uses")
    func diffusersHelpers() throws {
        let h = Harness()
        #expect(h.run("""
        import torch, numpy as np
        from PIL import Image
        imgs = [Image.new("RGB", (4, 3), (255, 0, 0)), Image.new("RGB", (4, 3), "blue")]
        pt = torch.zeros(2, 3, 5, 7)
        arr = np.zeros((1, 5, 7, 3), dtype=np.float32) + 1.0
        """) == nil)
        guard case .list(let imgs) = try h.value("imgs") else { Issue.record("no list"); return }
        guard case .object(let o) = try makeImageGrid(imgs.items, rows: 1, cols: 2), let grid = o as? ImageObject else {
            Issue.record("make_image_grid did not give an image"); return
        }
        #expect(grid.image.width == 8 && grid.image.height == 3)
        #expect(grid.image.pixel(x: 0, y: 0) == [255, 0, 0] && grid.image.pixel(x: 7, y: 2) == [0, 0, 255])
        guard case .list(let fromPT) = try ptToPIL(try h.value("pt")), case .list(let fromNP) = try numpyToPIL(try h.value("arr")) else {
            Issue.record("no lists"); return
        }
        #expect(fromPT.items.count == 2 && fromNP.items.count == 1)
        if case .object(let p) = fromPT.items[0], let img = p as? ImageObject {
            #expect(img.image.pixel(x: 0, y: 0) == [128, 128, 128])   // 0 in [-1, 1] → 127.5, rounded to even
        }
        if case .object(let p) = fromNP.items[0], let img = p as? ImageObject {
            #expect(img.image.pixel(x: 6, y: 4) == [255, 255, 255])
        }
        #expect(throws: PyException.self) { try makeImageGrid(imgs.items, rows: 2, cols: 2) }
    }
    @Test("Image.new colours, crop, copy, getbands and PNG text")
    func imageMethods() {
        let path = temporaryPath("text.png")
        let h = Harness()
        #expect(h.run("""
        from PIL import Image
        from PIL.PngImagePlugin import PngInfo
        print(Image.new("RGB", (1, 1), 255).getpixel((0, 0)), Image.new("RGB", (1, 1), "#102030").getpixel((0, 0)))
        print(Image.new("L", (1, 1), "white").getpixel((0, 0)), Image.new("RGBA", (1, 1), (1, 2, 3)).getpixel((0, 0)))
        img = Image.new("RGB", (4, 4), "red")
        c = img.crop((2, 2, 6, 5))
        print(c.size, c.getpixel((0, 0)), c.getpixel((3, 2)), img.copy() == img, img.getbands())
        info = PngInfo()
        info.add_text("model", "google/ddpm-cat-256")
        img.save("\(path)", pnginfo=info)
        print(Image.open("\(path)").info)
        canvas = Image.new("RGB", (3, 3))
        canvas.paste(Image.new("RGB", (1, 1), "white"), (1, 2))
        print(canvas.getpixel((1, 2)), canvas.getpixel((0, 0)))
        """) == nil)
        #expect(h.out == """
        (255, 0, 0) (16, 32, 48)
        255 (1, 2, 3, 255)
        (4, 3) (255, 0, 0) (0, 0, 0) True ('R', 'G', 'B')
        {'model': 'google/ddpm-cat-256'}
        (255, 255, 255) (0, 0, 0)

        """)
    }

    @Test("the quicktour's loop shape: enumerate(tqdm(tensor)) with set_postfix")
    func tqdmOverTensor() {
        let h = Harness()
        #expect(h.run("""
        import torch, tqdm
        steps = torch.arange(9, -1, -1)
        seen = []
        bar = tqdm.tqdm(steps)
        for i, t in enumerate(bar):
            seen.append(int(t))
            bar.set_postfix(loss=0.123456, step=i)
        print(len(bar), seen[:3], bar.n)
        """) == nil)
        #expect(h.out == "10 [9, 8, 7] 10\n")
        #expect(h.err.contains("10/10"))
        #expect(h.err.contains("loss=0.123, step=9]"))
    }

    @Test("a loop left by break closes its bar, as tqdm's __del__ does")
    func tqdmBreak() {
        let h = Harness()
        #expect(h.run("""
        import tqdm
        for i in tqdm.tqdm(range(10)):
            if i == 3:
                break
        print("after")
        """) == nil)
        let lines = h.err.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.contains("| 3/10 [") == true)
    }

    @Test("dsh.filmstrip(replace=True) draws over the previous strip on a terminal")
    func filmstripReplace() {
        let h = Harness(color: "none", sharedTerminal: true)
        #expect(h.run("""
        import dsh, torch
        dsh.filmstrip([torch.zeros(3, 2, 2), torch.ones(3, 2, 2)], captions=["t=9", "t=5"])
        dsh.filmstrip([torch.zeros(3, 2, 2), torch.ones(3, 2, 2)], captions=["t=9", "t=0"], replace=True)
        """) == nil)
        let first = h.out.components(separatedBy: "t=5")[0]
        let lines = first.filter { $0 == "\n" }.count + 1   // image lines and the caption line
        #expect(h.out.contains("\u{1B}[\(lines)F\u{1B}[J"))
    }

    @Test("dsh.live redraws in place on a terminal")
    func liveDisplay() {
        let h = Harness(color: "none", sharedTerminal: true)
        #expect(h.run("""
        import dsh, torch
        with dsh.live() as view:
            view.show(torch.zeros(3, 2, 2), caption="t=1")
            view.show(torch.ones(3, 2, 2), caption="t=0")
        """) == nil)
        // The second drawing moves up over the first (image lines, caption, range note) and clears.
        #expect(h.out.contains("\u{1B}[") && h.out.contains("F\u{1B}[J"))
        #expect(h.out.contains("t=1") && h.out.contains("t=0"))
    }
}
