import Imaging
import Tensor

/// A PIL `Image.Image` in Python: a thin wrapper over `Imaging.Image`.
final class ImageObject: PyObject {
    var image: Image
    /// `"PNG"` for an image read from a file, else nil (PIL's `format`).
    let format: String?
    /// The path it was read from (PIL's `filename`), else nil.
    let filename: String?

    init(_ image: Image, format: String? = nil, filename: String? = nil) {
        self.image = image
        self.format = format
        self.filename = filename
    }

    var typeName: String { "Image" }
    var pyType: PyType { PILModule.imageType }

    func repr() throws -> String {
        "<PIL.Image.Image image mode=\(image.mode.rawValue) size=\(image.width)x\(image.height)>"
    }

    func compare(_ op: CompareOperator, _ other: Value) throws -> Value? {
        guard op == .eq || op == .ne else { return nil }
        var same = false
        if case .object(let o) = other, let b = o as? ImageObject { same = b.image == image }
        return .bool(op == .eq ? same : !same)
    }

    func getAttribute(_ name: String) throws -> Value? {
        let img = image
        func method(_ body: @escaping (Arguments) throws -> Value) -> Value {
            .builtin(BuiltinFunction(name, owner: "Image", body))
        }
        switch name {
        case "size": return .tuple([.int(img.width), .int(img.height)])
        case "width": return .int(img.width)
        case "height": return .int(img.height)
        case "mode": return .str(img.mode.rawValue)
        case "format": return format.map { .str($0) } ?? Value.none
        case "filename": return .str(filename ?? "")
        case "info": return .dict(PyDict(img.info.keys.sorted().map { ($0, .str(img.info[$0] ?? "")) }))
        case "getbands": return method { args in
            try args.exactly(0)
            return .tuple(img.mode.rawValue.map { .str(String($0)) })
        }
        case "copy": return method { args in
            try args.exactly(0)
            return .object(ImageObject(img))
        }
        case "convert": return method { args in
            try args.check(maxPositional: 1, keywords: ["mode", "matrix", "dither", "palette", "colors"])
            guard let m = try args.optional(0, "mode"), !m.isNone else { return .object(ImageObject(img)) }
            return .object(ImageObject(img.converted(to: try PILModule.mode(try args.string(0, "mode"), args))))
        }
        case "resize": return method { args in
            try args.check(maxPositional: 4, keywords: ["size", "resample", "box", "reducing_gap"])
            let (w, h) = try PILModule.size(try args.value(0, "size"), args)
            let filter = try PILModule.resample(try args.optional(1, "resample"), args) ?? .bicubic
            return .object(ImageObject(try bridgedImaging { try img.resized(width: w, height: h, filter: filter) }))
        }
        case "crop": return method { args in
            try args.check(maxPositional: 1, keywords: ["box"])
            guard let box = try args.optional(0, "box"), !box.isNone else { return .object(ImageObject(img)) }
            let b = try args.shapeValue(box)
            guard b.count == 4 else { throw PyException.valueError("crop box must be a 4-tuple (left, upper, right, lower)") }
            guard b[2] >= b[0], b[3] >= b[1] else { throw PyException.valueError("Coordinate 'right' is less than 'left'") }
            var out = try bridgedImaging {
                try Image(width: max(1, b[2] - b[0]), height: max(1, b[3] - b[1]), mode: img.mode,
                          color: [UInt8](repeating: 0, count: img.mode.channels))
            }
            out.paste(img, x: -b[0], y: -b[1])
            return .object(ImageObject(out))
        }
        case "paste": return method { args in
            try args.check(maxPositional: 3, keywords: ["im", "box", "mask"])
            if let mask = try args.optional(2, "mask"), !mask.isNone {
                throw PyException.notImplemented("paste(): masks are not supported in dsh")
            }
            let src = try args.value(0, "im")
            guard case .object(let o) = src, let other = o as? ImageObject else {
                throw PyException.typeError("paste(): im must be a PIL image (colour fills are not supported), not \(src.typeName)")
            }
            var (x, y) = (0, 0)
            if let box = try args.optional(1, "box"), !box.isNone {
                let b = try args.shapeValue(box)
                guard b.count == 2 || b.count == 4 else { throw PyException.valueError("paste(): box must be a 2- or 4-tuple") }
                if b.count == 4 && (b[2] - b[0] != other.image.width || b[3] - b[1] != other.image.height) {
                    throw PyException.valueError("images do not match")
                }
                (x, y) = (b[0], b[1])
            }
            self.image.paste(other.image, x: x, y: y)
            return .none
        }
        case "getpixel": return method { args in
            try args.exactly(1)
            let xy = try args.shapeValue(args.positional[0])
            guard xy.count == 2 else { throw PyException.typeError("getpixel() expects an (x, y) pair") }
            let x = xy[0] < 0 ? xy[0] + img.width : xy[0], y = xy[1] < 0 ? xy[1] + img.height : xy[1]
            guard x >= 0, x < img.width, y >= 0, y < img.height else { throw PyException.indexError("image index out of range") }
            let p = img.pixel(x: x, y: y)
            return p.count == 1 ? .int(Int(p[0])) : .tuple(p.map { .int(Int($0)) })
        }
        case "save": return method { args in
            try args.check(maxPositional: 2, keywords: ["fp", "format", "pnginfo", "optimize", "compress_level"])
            let path = try args.string(0, "fp")
            let fmt = try args.optional(1, "format").flatMap { v -> String? in v.isNone ? nil : try args.string(1, "format") }
            try PILModule.checkPNG(path: path, format: fmt)
            var text: [String: String] = [:]
            if let info = args.keyword("pnginfo"), !info.isNone {
                guard case .object(let o) = info, let p = o as? PngInfoObject else {
                    throw PyException.typeError("save(): pnginfo must be a PIL.PngImagePlugin.PngInfo, not \(info.typeName)")
                }
                text = p.text
            }
            try bridgedImaging(path: path) { try PNG.write(img, to: path, text: text) }
            return .none
        }
        case "show": return method { args in
            try args.check(maxPositional: 1, keywords: ["title"])
            try ImagingSession.of(args.interpreter).show([img])
            return .none
        }
        default: return nil
        }
    }

    var attributeNames: [String] {
        ["convert", "copy", "crop", "filename", "format", "getbands", "getpixel", "height", "info", "mode", "paste", "resize",
         "save", "show", "size", "width"]
    }
}

/// `PIL.PngImagePlugin.PngInfo()`: text chunks to write with `save(…, pnginfo=…)`.
final class PngInfoObject: PyObject {
    var text: [String: String] = [:]
    var typeName: String { "PngInfo" }
    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "add_text", "add_itxt":
            return .builtin(BuiltinFunction(name, owner: "PngInfo") { args in
                try args.check(maxPositional: 3, keywords: ["key", "value", "zip", "lang", "tkey"])
                self.text[try args.string(0, "key")] = try pyStr(try args.value(1, "value"))
                return .none
            })
        default: return nil
        }
    }
    var attributeNames: [String] { ["add_itxt", "add_text"] }
}

/// Builds `PIL`, `PIL.Image` and `PIL.PngImagePlugin`.
enum PILModule {
    static let imageType: PyType = {
        let t = PyType("Image")
        t.moduleName = "PIL.Image"
        return t
    }()

    /// Pillow's `Image.Resampling` values (an IntEnum), so `resample=2` works too.
    static let resampling: [(String, Int, ResampleFilter)] = [
        ("NEAREST", 0, .nearest), ("LANCZOS", 1, .lanczos), ("BILINEAR", 2, .bilinear),
        ("BICUBIC", 3, .bicubic), ("BOX", 4, .box), ("HAMMING", 5, .hamming),
    ]

    static func make(_ interp: Interpreter) -> PyModule {
        let pil = PyModule("PIL")
        pil["__version__"] = .str("11.0.0")
        pil["Image"] = .module(makeImage())
        pil["PngImagePlugin"] = .module(makePngImagePlugin())
        pil["UnidentifiedImageError"] = .object(PyException.unidentifiedImageErrorType)
        return pil
    }

    static func makePngImagePlugin() -> PyModule {
        let m = PyModule("PIL.PngImagePlugin")
        let t = PyType("PngInfo", constructor: { args in
            try args.exactly(0)
            return .object(PngInfoObject())
        })
        t.moduleName = "PIL.PngImagePlugin"
        m["PngInfo"] = .object(t)
        return m
    }

    static func makeImage() -> PyModule {
        let m = PyModule("PIL.Image")
        m["Image"] = .object(imageType)
        let res = PyModule("Resampling")
        for (name, value, _) in resampling {
            res[name] = .int(value)
            m[name] = .int(value)
        }
        m["Resampling"] = .module(res)
        m["ANTIALIAS"] = .int(1)   // removed in Pillow 10; LANCZOS under its old name
        m["UnidentifiedImageError"] = .object(PyException.unidentifiedImageErrorType)

        m.def("fromarray") { args in
            try args.check(maxPositional: 2, keywords: ["obj", "mode"])
            return .object(ImageObject(try fromarray(try args.value(0, "obj"))))
        }
        m.def("open") { args in
            try args.check(maxPositional: 3, keywords: ["fp", "mode", "formats"])
            let path = try args.string(0, "fp")
            if let mode = try args.optional(1, "mode"), mode != .str("r") {
                throw PyException.valueError("bad mode \(try pyRepr(mode))")
            }
            let (img, _) = try bridgedImaging(path: path) { try PNG.read(path: path) }
            return .object(ImageObject(img, format: "PNG", filename: path))
        }
        m.def("new") { args in
            try args.check(maxPositional: 3, keywords: ["mode", "size", "color"])
            let mode = try self.mode(try args.string(0, "mode"), args)
            let (w, h) = try size(try args.value(1, "size"), args)
            let color = try self.color(try args.optional(2, "color") ?? .int(0), mode: mode, args)
            return .object(ImageObject(try bridgedImaging { try Image(width: w, height: h, mode: mode, color: color) }))
        }
        return m
    }

    // MARK: argument helpers

    /// PIL's `Image.fromarray` for the arrays dsh images can hold: uint8 `[H, W]`, `[H, W, 3]`,
    /// `[H, W, 4]`. Other inputs raise the error PIL raises (`Cannot handle this data type:
    /// (1, 1, 3), <f4`).
    static func fromarray(_ v: Value) throws -> Image {
        guard case .object(let o) = v else {
            throw PyException.attributeError("'\(v.typeName)' object has no attribute '__array_interface__'")
        }
        if o is TensorObject {
            throw PyException.typeError("fromarray() expects a numpy array, not a torch Tensor (use tensor.numpy())")
        }
        guard let a = o as? NDArrayObject else {
            throw PyException.attributeError("'\(o.typeName)' object has no attribute '__array_interface__'")
        }
        let t = a.array, s = t.shape
        if s.count > 3 { throw PyException.valueError("Too many dimensions: \(s.count) > 3.") }
        if s.count < 2 { throw PyException.valueError("not enough image dimensions (array of shape \(tupleText(s)))") }
        let key = "(" + ([1, 1] + s.dropFirst(2)).map(String.init).joined(separator: ", ") + ")"
        let channels = s.count == 2 ? 1 : s[2]
        guard t.dtype == .uint8 else {
            switch (t.dtype, channels, s.count) {
            case (.float32, _, 2), (.int32, _, 2), (.bool, _, 2):
                throw PyException.notImplemented("dsh images are 8-bit: PIL would make a mode '\(t.dtype == .bool ? "1" : t.dtype == .float32 ? "F" : "I")' image from this \(typestr(t.dtype)) array; convert it with .astype(np.uint8) first")
            default:
                throw PyException.typeError("Cannot handle this data type: \(key), \(typestr(t.dtype))")
            }
        }
        guard channels == 1 || channels == 3 || channels == 4 else {
            if channels == 2 { throw PyException.notImplemented("dsh images are L, RGB or RGBA: mode 'LA' (2 channels) is not supported") }
            throw PyException.typeError("Cannot handle this data type: \(key), \(typestr(t.dtype))")
        }
        return try bridgedImaging { try Image(array: t) }
    }

    /// numpy's `typestr` for a dtype, as PIL's messages show it (`<f4`, `|u1`).
    static func typestr(_ d: DType) -> String {
        switch d {
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .float16: return "<f2"
        case .int64: return "<i8"
        case .int32: return "<i4"
        case .uint8: return "|u1"
        case .bool: return "|b1"
        default: return d.rawValue
        }
    }

    static func tupleText(_ s: [Int]) -> String {
        "(" + s.map(String.init).joined(separator: ", ") + (s.count == 1 ? ",)" : ")")
    }

    static func mode(_ s: String, _ args: Arguments) throws -> Image.Mode {
        if let m = Image.Mode(rawValue: s) { return m }
        if ["1", "P", "LA", "I", "F", "CMYK", "YCbCr", "HSV", "LAB", "I;16", "PA", "RGBX", "La"].contains(s) {
            throw PyException.valueError("dsh images are L, RGB or RGBA; mode '\(s)' is not supported")
        }
        throw PyException.valueError("unrecognized image mode '\(s)'")
    }

    static func size(_ v: Value, _ args: Arguments) throws -> (Int, Int) {
        let s = try args.shapeValue(v)
        guard s.count == 2 else { throw PyException.valueError("\(args.functionName)(): size must be a (width, height) pair") }
        guard s[0] > 0, s[1] > 0 else {
            throw PyException.valueError("height and width must be > 0")
        }
        return (s[0], s[1])
    }

    static func resample(_ v: Value?, _ args: Arguments) throws -> ResampleFilter? {
        guard let v, !v.isNone else { return nil }
        let i = try args.intValue(v, "resample")
        guard let f = resampling.first(where: { $0.1 == i }) else {
            throw PyException.valueError("Unknown resampling filter (\(i)). Use Image.Resampling.NEAREST (0), Image.Resampling.LANCZOS (1), Image.Resampling.BILINEAR (2), Image.Resampling.BICUBIC (3), Image.Resampling.BOX (4) or Image.Resampling.HAMMING (5)")
        }
        return f.2
    }

    /// A few of PIL's colour names (ImageColor), as RGB.
    static let colorNames: [String: [UInt8]] = [
        "black": [0, 0, 0], "white": [255, 255, 255], "red": [255, 0, 0], "green": [0, 128, 0], "lime": [0, 255, 0],
        "blue": [0, 0, 255], "yellow": [255, 255, 0], "cyan": [0, 255, 255], "magenta": [255, 0, 255],
        "gray": [128, 128, 128], "grey": [128, 128, 128], "orange": [255, 165, 0], "purple": [128, 0, 128],
    ]

    /// PIL's colour argument for `Image.new`: an int (grey, or packed `0xAABBGGRR` for colour
    /// modes), a tuple per channel, a name, or `#rrggbb[aa]`.
    static func color(_ v: Value, mode: Image.Mode, _ args: Arguments) throws -> [UInt8] {
        let c = mode.channels
        func clamp(_ x: Int) -> UInt8 { UInt8(max(0, min(255, x))) }
        var rgb: [UInt8]
        switch v {
        case .none: return [UInt8](repeating: 0, count: c)
        case .int, .bool, .float:
            let i = v.number.map { Int($0.value) } ?? 0
            if mode == .L { return [clamp(i)] }
            let packed = (0..<c).map { UInt8(truncatingIfNeeded: i >> (8 * $0)) }
            return packed
        case .tuple(let t):
            let xs = try t.map { try args.intValue($0, "color") }.map(clamp)
            if xs.count == c { return xs }
            if mode == .RGBA && xs.count == 3 { return xs + [255] }
            throw PyException.typeError("color must be int or tuple of \(c) ints for mode \(mode.rawValue), got \(xs.count) values")
        case .str(let s):
            if let named = colorNames[s.lowercased()] {
                rgb = named
            } else if s.hasPrefix("#"), s.count == 7 || s.count == 9, let n = UInt64(s.dropFirst(), radix: 16) {
                let bytes = (s.count - 1) / 2
                rgb = (0..<bytes).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64(bytes - 1 - $0))) }
            } else {
                throw PyException.valueError("unknown color specifier: \(try pyRepr(v))")
            }
        default:
            throw PyException.typeError("color must be int, tuple or str, not \(v.typeName)")
        }
        switch mode {
        case .L:
            let grey = try bridgedImaging { try Image(width: 1, height: 1, mode: .RGB, pixels: Array(rgb.prefix(3))) }
            return grey.converted(to: .L).pixels
        case .RGB: return Array(rgb.prefix(3))
        case .RGBA: return rgb.count == 4 ? rgb : Array(rgb.prefix(3)) + [255]
        }
    }

    /// dsh writes PNG only: other extensions or formats raise a clear `ValueError`.
    static func checkPNG(path: String, format: String?) throws {
        if let f = format {
            guard f.uppercased() == "PNG" else {
                throw PyException.valueError("dsh writes PNG only: cannot save in format '\(f)' (use format='PNG' or a .png name)")
            }
            return
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            throw PyException.valueError("unknown file extension: '\(path)' has none; dsh writes PNG only, so name it .png")
        }
        let ext = name[name.index(after: dot)...].lowercased()
        guard ext == "png" else {
            throw PyException.valueError("dsh writes PNG only: cannot save '\(path)' as .\(ext); use a .png name")
        }
    }
}
