import Tensor

/// The value range a tensor's pixels were taken to lie in when it was turned into an image.
public enum ValueRange: String, Sendable, CaseIterable {
    /// `[-1, 1]`, what diffusion models produce: pixel = round((x / 2 + 0.5) · 255).
    case minusOneToOne = "[-1, 1]"
    /// `[0, 1]`: pixel = round(x · 255).
    case zeroToOne = "[0, 1]"
    /// `0–255`: pixel = round(x).
    case byte = "0-255"

    /// The range a tensor's values suggest: `0–255` for integer tensors and for values above 2,
    /// `[-1, 1]` when any value is negative, else `[0, 1]`. NaNs are ignored.
    public static func detect(_ t: Tensor) -> ValueRange {
        if t.dtype.isIntegral { return .byte }
        var lo = Float.infinity, hi = -Float.infinity
        t.withUnsafeBufferPointer { p in
            for v in p where !v.isNaN { lo = min(lo, v); hi = max(hi, v) }
        }
        if hi > 2 { return .byte }
        if lo < 0 { return .minusOneToOne }
        return .zeroToOne
    }

    /// Maps one value to a byte, clamping.
    @inline(__always)
    func byte(_ x: Float) -> UInt8 {
        var v: Float
        switch self {
        case .minusOneToOne: v = (x / 2 + 0.5) * 255
        case .zeroToOne: v = x * 255
        case .byte: v = x
        }
        if !(v > 0) { return 0 }   // also NaN
        if v >= 255 { return 255 }
        return UInt8(v.rounded(.toNearestOrEven))
    }
}

/// How a tensor's axes were read as an image.
public enum PixelLayout: String, Sendable {
    /// Channels first, `[C, H, W]` (PyTorch).
    case chw = "CHW"
    /// Channels last, `[H, W, C]` (NumPy, PIL).
    case hwc = "HWC"
    /// No channel axis, `[H, W]` (grey).
    case hw = "HW"
}

extension Image {
    /// Images from a tensor: `[H, W]`, `[C, H, W]`, `[H, W, C]` (C = 1, 3 or 4) or a batch of
    /// those (`[N, C, H, W]` / `[N, H, W, C]`), with the value range detected (see
    /// ``ValueRange/detect(_:)``) unless given. When both the first and last axis could hold
    /// channels, uint8 tensors are read as HWC (a NumPy image) and others as CHW (PyTorch).
    ///
    /// `layout` forces CHW or HWC reading for 3- and 4-dimensional tensors.
    ///
    /// - Returns: the images, the range assumed and the layout read, so a caller can state them.
    public static func images(from tensor: Tensor, range: ValueRange? = nil, layout forced: PixelLayout? = nil) throws
        -> (images: [Image], range: ValueRange, layout: PixelLayout) {
        let s = tensor.shape
        let r = range ?? ValueRange.detect(tensor)
        let isCh: (Int) -> Bool = { $0 == 1 || $0 == 3 || $0 == 4 }
        var batch = 1, h = 0, w = 0, c = 1
        var layout: PixelLayout
        func item(_ dims: ArraySlice<Int>) throws {
            let d = Array(dims)
            if d.count == 2 { layout = .hw; h = d[0]; w = d[1]; c = 1; return }
            let first = isCh(d[0]), last = isCh(d[2])
            if forced == .chw && first {
                layout = .chw; c = d[0]; h = d[1]; w = d[2]
            } else if forced == .hwc && last {
                layout = .hwc; h = d[0]; w = d[1]; c = d[2]
            } else if first && (!last || tensor.dtype != .uint8) {
                layout = .chw; c = d[0]; h = d[1]; w = d[2]
            } else if last {
                layout = .hwc; h = d[0]; w = d[1]; c = d[2]
            } else {
                throw imagingValueError("cannot read a tensor of shape \(shapeText(s)) as an image: no axis of 1, 3 or 4 channels first or last")
            }
        }
        layout = .hw
        switch s.count {
        case 2, 3: try item(s[...])
        case 4: batch = s[0]; try item(s[1...])
        default:
            throw imagingValueError("cannot read a tensor of shape \(shapeText(s)) as an image: expected 2, 3 or 4 dimensions")
        }
        guard batch > 0 && h > 0 && w > 0 else {
            throw imagingValueError("cannot read a tensor of shape \(shapeText(s)) as an image: it is empty")
        }
        let mode = Mode(channels: c) ?? .L
        let values = tensor.scalars   // row-major, contiguous
        var out: [Image] = []
        out.reserveCapacity(batch)
        let per = h * w * c
        for b in 0..<batch {
            var px = [UInt8](repeating: 0, count: per)
            let base = b * per
            values.withUnsafeBufferPointer { v in
                if layout == .chw {
                    for ch in 0..<c {
                        for i in 0..<(h * w) { px[i * c + ch] = r.byte(v[base + ch * h * w + i]) }
                    }
                } else {
                    for i in 0..<per { px[i] = r.byte(v[base + i]) }
                }
            }
            out.append(Image(unchecked: w, h, mode, px))
        }
        return (out, r, layout)
    }

    /// One image from a tensor of `[H, W]`, `[C, H, W]`, `[H, W, C]` or `[1, …]` (see
    /// ``images(from:range:)``); throws for a batch of more than one.
    public init(tensor: Tensor, range: ValueRange? = nil) throws {
        let (imgs, _, _) = try Image.images(from: tensor, range: range)
        guard imgs.count == 1 else {
            throw imagingValueError("expected one image, got a batch of \(imgs.count) (shape \(shapeText(tensor.shape)))")
        }
        self = imgs[0]
    }

    /// PIL's `Image.fromarray`: a uint8 tensor of `[H, W]` (L), `[H, W, 3]` (RGB) or
    /// `[H, W, 4]` (RGBA). Other types raise as PIL does, naming the shape and type.
    public init(array: Tensor) throws {
        let s = array.shape
        guard array.dtype == .uint8 else {
            throw imagingValueError("Cannot handle this data type: \(shapeTuple(s)), \(array.dtype.rawValue) (convert with (a * 255).round().astype(\"uint8\") first)")
        }
        let mode: Mode
        if s.count == 2 { mode = .L }
        else if s.count == 3, let m = Mode(channels: s[2]) { mode = m }
        else { throw imagingValueError("Cannot handle this data type: \(shapeTuple(s)), uint8") }
        guard s[0] > 0 && s[1] > 0 else { throw imagingValueError("fromarray: empty array of shape \(shapeTuple(s))") }
        let px = array.scalars.map { UInt8(max(0, min(255, $0))) }
        self.init(unchecked: s[1], s[0], mode, px)
    }

    /// `np.array(image)`: a uint8 tensor `[H, W]` for L, `[H, W, C]` otherwise.
    public func toTensor() -> Tensor {
        let shape = mode == .L ? [height, width] : [height, width, mode.channels]
        let st = Storage(uninitializedCount: pixels.count)
        for i in 0..<pixels.count { st.pointer[i] = Float(pixels[i]) }
        return Tensor(storage: st, shape: shape, dtype: .uint8)
    }

    /// diffusers' `numpy_to_pil`: float images in `[0, 1]`, `[H, W, C]` or `[N, H, W, C]`, to
    /// images (`round(x · 255)`, clamped; one channel gives mode L).
    public static func numpyToPIL(_ images: Tensor) throws -> [Image] {
        var t = images
        if t.rank == 3 { t = try t.unsqueeze(0) }
        guard t.rank == 4, Mode(channels: t.shape[3]) != nil else {
            throw imagingValueError("numpy_to_pil: expected [N, H, W, C] with C in 1, 3, 4; got \(shapeText(images.shape))")
        }
        return try Image.images(from: t.dtype == .uint8 ? t.to(.float32) : t, range: .zeroToOne, layout: .hwc).images
    }

    /// diffusers' `pt_to_pil`: a `[N, C, H, W]` (or `[C, H, W]`) tensor in `[-1, 1]` to images.
    public static func ptToPIL(_ images: Tensor) throws -> [Image] {
        var t = images
        if t.rank == 3 { t = try t.unsqueeze(0) }
        guard t.rank == 4, Mode(channels: t.shape[1]) != nil else {
            throw imagingValueError("pt_to_pil: expected [N, C, H, W] with C in 1, 3, 4; got \(shapeText(images.shape))")
        }
        let nhwc = try t.permute([0, 2, 3, 1])   // [N, C, H, W] -> [N, H, W, C]
        return try Image.images(from: nhwc.to(.float32), range: .minusOneToOne, layout: .hwc).images
    }
}

func shapeText(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
func shapeTuple(_ s: [Int]) -> String { "(" + s.map(String.init).joined(separator: ", ") + (s.count == 1 ? ",)" : ")") }
