import Imaging
import Tensor

// Registration of the image, display and progress modules, and the functions other bindings
// call (numpy's `np.array(image)`, diffusers' `make_image_grid` / `numpy_to_pil` / `pt_to_pil`).

extension Interpreter {
    /// Registers `PIL` (`PIL.Image`, `PIL.PngImagePlugin`), `IPython` (`IPython.display`), `dsh`,
    /// `tqdm` (`tqdm.auto`) and `safetensors` (`safetensors.torch`), and the `display` builtin.
    func registerImagingModules() {
        registerModule("PIL") { interp in PILModule.make(interp) }
        registerModule("PIL.Image") { interp in try submodule(interp, "PIL", "Image") }
        registerModule("PIL.PngImagePlugin") { interp in try submodule(interp, "PIL", "PngImagePlugin") }
        registerModule("IPython") { _ in DisplayModules.makeIPython() }
        registerModule("IPython.display") { interp in try submodule(interp, "IPython", "display") }
        registerModule("dsh") { _ in DisplayModules.makeDsh() }
        registerModule("tqdm") { _ in
            let m = TqdmModule.makeModule("tqdm")
            m["auto"] = .module(TqdmModule.makeModule("tqdm.auto"))
            return m
        }
        registerModule("tqdm.auto") { interp in try submodule(interp, "tqdm", "auto") }
        registerModule("safetensors") { _ in SafetensorsModule.make() }
        registerModule("safetensors.torch") { interp in try submodule(interp, "safetensors", "torch") }
        setBuiltin("display", .builtin(DisplayModules.display))
    }
}

/// The submodule a package module made for itself (so `import PIL` alone gives `PIL.Image`).
private func submodule(_ interp: Interpreter, _ parent: String, _ name: String) throws -> PyModule {
    guard case .module(let m)? = try interp.importModule(parent)[name] else { return PyModule("\(parent).\(name)") }
    return m
}

/// A PIL image for Python.
func wrapImage(_ image: Image) -> Value { .object(ImageObject(image)) }

/// The pixels of a PIL image as `np.array(image)` gives them (uint8 `[H, W]` for L,
/// `[H, W, C]` otherwise); nil when `v` is not an image.
func imageArray(_ v: Value) -> Tensor? {
    guard case .object(let o) = v, let img = o as? ImageObject else { return nil }
    return img.image.toTensor()
}

/// diffusers' `make_image_grid(images, rows, cols, resize=None)`.
func makeImageGrid(_ images: [Value], rows: Int, cols: Int, resize: Int? = nil) throws -> Value {
    let imgs = try images.map { v -> Image in
        guard case .object(let o) = v, let i = o as? ImageObject else {
            throw PyException.typeError("make_image_grid(): images must be PIL images, not \(v.typeName)")
        }
        return i.image
    }
    guard !imgs.isEmpty else { throw PyException.valueError("make_image_grid(): no images") }
    let size = resize.map { (width: $0, height: $0) }
    return wrapImage(try bridgedImaging { try Image.grid(imgs, rows: rows, cols: cols, resize: size) })
}

/// diffusers' `numpy_to_pil(images)`: a float array in [0, 1], `[H, W, C]` or `[N, H, W, C]`, to a
/// list of PIL images.
func numpyToPIL(_ v: Value) throws -> Value {
    guard let t = try v.asTensor() else { throw PyException.typeError("numpy_to_pil(): expected an array, not \(v.typeName)") }
    return .list(PyList(try bridgedImaging { try Image.numpyToPIL(t.contiguous()) }.map(wrapImage)))
}

/// diffusers' `pt_to_pil(images)`: a tensor in [-1, 1], `[N, C, H, W]` or `[C, H, W]`, to a list
/// of PIL images.
func ptToPIL(_ v: Value) throws -> Value {
    guard let t = try v.asTensor() else { throw PyException.typeError("pt_to_pil(): expected a tensor, not \(v.typeName)") }
    return .list(PyList(try bridgedImaging { try Image.ptToPIL(t.contiguous()) }.map(wrapImage)))
}
