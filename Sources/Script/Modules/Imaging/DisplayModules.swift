import Imaging
import Tensor

/// `display(…)` (a builtin, and `IPython.display.display`) and the `dsh` module: images drawn in
/// the terminal, everything else shown as a notebook shows it (the repr, so
/// `display(f"Image at step {i}")` prints `'Image at step 0'`).
enum DisplayModules {
    /// `display(*objs)`: images and lists of images are drawn; anything else is written as its
    /// repr. Returns None.
    static let display = BuiltinFunction("display") { args in
        try args.check(maxPositional: Int.max, keywords: ["include", "exclude", "metadata", "transient", "display_id",
                                                         "raw", "clear"])
        let session = ImagingSession.of(args.interpreter)
        for obj in args.positional {
            if let images = try imageList(obj) {
                try session.show(images)
            } else {
                session.write(try pyRepr(obj) + "\n")
            }
        }
        return .none
    }

    /// The images in a value that is an image or a non-empty list/tuple of images, else nil.
    static func imageList(_ v: Value) throws -> [Image]? {
        switch v {
        case .object(let o):
            if let i = o as? ImageObject { return [i.image] }
        case .list(let l):
            return images(l.items)
        case .tuple(let t):
            return images(t)
        default: break
        }
        return nil
    }

    private static func images(_ items: [Value]) -> [Image]? {
        guard !items.isEmpty else { return nil }
        var out: [Image] = []
        for x in items {
            guard case .object(let o) = x, let i = o as? ImageObject else { return nil }
            out.append(i.image)
        }
        return out
    }

    static func makeIPython() -> PyModule {
        let m = PyModule("IPython")
        m["display"] = .module(makeIPythonDisplay())
        m["__version__"] = .str("8.30.0")
        return m
    }

    static func makeIPythonDisplay() -> PyModule {
        let m = PyModule("IPython.display")
        m["display"] = .builtin(display)
        m.def("clear_output") { args in
            try args.check(maxPositional: 1, keywords: ["wait"])
            return .none   // a terminal keeps its scrollback; `dsh.live()` redraws in place instead
        }
        return m
    }

    // MARK: dsh

    static func makeDsh() -> PyModule {
        let m = PyModule("dsh")
        m["__doc__"] = .str("dsh's own helpers: show(x), filmstrip(images), live(), set_color(mode).")
        m.def("show") { args in
            try args.check(maxPositional: 1, keywords: ["x", "width", "height", "color", "range", "caption"])
            let session = ImagingSession.of(args.interpreter)
            let (images, note) = try showable(try args.value(0, "x"), range: try valueRange(args))
            let caption = try args.optional(-1, "caption").flatMap { $0.isNone ? nil : try pyStr($0) }
            try session.show(images, captions: caption.map { [$0] } ?? [],
                             widthCells: try optionalInt(args, "width"), heightCells: try optionalInt(args, "height"),
                             mode: try colorArgument(args))
            if let note { session.write(note + "\n") }
            return .none
        }
        m.def("filmstrip") { args in
            try args.check(maxPositional: 2, keywords: ["images", "captions", "width", "color", "replace"])
            let (images, captions) = try strip(args)
            guard !images.isEmpty else { return .none }
            let session = ImagingSession.of(args.interpreter)
            let (text, lines) = try session.liveRendering(images, captions: captions, widthCells: try optionalInt(args, "width"),
                                                          mode: try colorArgument(args))
            // replace=True draws over the previous filmstrip (on a terminal), for a strip updated
            // during a loop; nothing else may be printed in between.
            if !(try args.bool(-1, "replace", default: false)) { session.filmstrip.finish() }
            session.filmstrip.update(text, lines: lines)
            return .none
        }
        m.def("live") { args in
            try args.check(maxPositional: 0, keywords: ["width", "color"])
            return .object(LiveObject(session: ImagingSession.of(args.interpreter), width: try optionalInt(args, "width"),
                                      mode: try colorArgument(args)))
        }
        m.def("set_color") { args in
            try args.check(maxPositional: 1, keywords: ["mode"])
            let s = ImagingSession.of(args.interpreter)
            s.colorMode = try colorMode(try args.value(0, "mode"))
            return .none
        }
        m.def("color") { args in
            try args.exactly(0)
            return ImagingSession.of(args.interpreter).drawMode().map { .str($0.rawValue) } ?? Value.none
        }
        return m
    }

    /// `dsh.filmstrip(images, captions=None)`'s images and captions.
    static func strip(_ args: Arguments) throws -> ([Image], [String]) {
        let items = try iterateToArray(try args.value(0, "images"), args.interpreter)
        var images: [Image] = []
        for x in items { images += try showable(x, range: nil).images }
        var captions: [String] = []
        if let c = try args.optional(1, "captions"), !c.isNone {
            captions = try iterateToArray(c, args.interpreter).map { try pyStr($0) }
        }
        return (images, captions)
    }

    /// Images from what `dsh.show` accepts: a PIL image, a list of them, a numpy array or a
    /// tensor (a batch becomes a row). For arrays other than uint8 and for tensors, a line
    /// stating how they were read: `tensor [1, 3, 32, 32] (NCHW), values read as [-1, 1]`.
    static func showable(_ v: Value, range: ValueRange?) throws -> (images: [Image], note: String?) {
        if let imgs = try imageList(v) { return (imgs, nil) }
        guard case .object(let o) = v, o is TensorObject || o is NDArrayObject, let t = try v.asTensor() else {
            throw PyException.typeError("show(): expected a PIL image, a numpy array or a tensor, not \(v.typeName)")
        }
        let (images, r, layout) = try bridgedImaging { try Image.images(from: t.contiguous(), range: range) }
        let kind = o is TensorObject ? "tensor" : "array"
        if o is NDArrayObject && t.dtype == .uint8 && range == nil { return (images, nil) }
        let batch = t.rank == 4 ? "N" : ""
        let shape = "[" + t.shape.map(String.init).joined(separator: ", ") + "]"
        return (images, "\(kind) \(shape) (\(batch)\(layout.rawValue)), values read as \(r.rawValue)")
    }

    static func valueRange(_ args: Arguments) throws -> ValueRange? {
        guard let v = try args.optional(-1, "range"), !v.isNone else { return nil }
        switch v {
        case .str(let s):
            if let r = ValueRange(rawValue: s) { return r }
            switch s.replacingOccurrences(of: " ", with: "") {
            case "-1,1", "[-1,1]", "-1..1": return .minusOneToOne
            case "0,1", "[0,1]", "0..1": return .zeroToOne
            case "0,255", "0-255", "0..255", "[0,255]": return .byte
            default: break
            }
        case .tuple(let t) where t.count == 2:
            if let lo = t[0].number?.value, let hi = t[1].number?.value {
                if lo == -1 && hi == 1 { return .minusOneToOne }
                if lo == 0 && hi == 1 { return .zeroToOne }
                if lo == 0 && hi == 255 { return .byte }
            }
        default: break
        }
        throw PyException.valueError("show(): range must be (-1, 1), (0, 1) or (0, 255), not \(try pyRepr(v))")
    }

    static func optionalInt(_ args: Arguments, _ name: String) throws -> Int? {
        guard let v = args.keyword(name), !v.isNone else { return nil }
        let n = try args.intValue(v, name)
        guard n > 0 else { throw PyException.valueError("\(args.functionName)(): \(name) must be a positive number of cells, got \(n)") }
        return n
    }

    static func colorArgument(_ args: Arguments) throws -> ColorMode? {
        guard let v = args.keyword("color"), !v.isNone else { return nil }
        return try colorMode(v)
    }

    static func colorMode(_ v: Value) throws -> ColorMode? {
        let s: String
        switch v {
        case .str(let x): s = x
        case .int(let i): s = String(i)
        case .none: return nil
        default: throw PyException.typeError("color must be a str such as 'truecolor', '256', '16', 'none', 'kitty', 'iterm', 'sixel' or 'auto', not \(v.typeName)")
        }
        return try bridgedImaging { try ColorMode(argument: s) }
    }
}

/// `dsh.live()`: a drawing redrawn in place on a terminal (a sample or a filmstrip updated during
/// a loop). Off a terminal each update is written below the last.
///
///     with dsh.live() as view:
///         for i, t in enumerate(tqdm.tqdm(scheduler.timesteps)):
///             …
///             if i % 50 == 0: view.show(sample, caption=f"t={t}")
final class LiveObject: PyObject {
    let session: ImagingSession
    let live: LiveDisplay
    let width: Int?
    let mode: ColorMode?

    init(session: ImagingSession, width: Int?, mode: ColorMode?) {
        self.session = session
        self.live = LiveDisplay(console: session.console)
        self.width = width
        self.mode = mode
    }

    var typeName: String { "LiveDisplay" }
    var isContextManager: Bool { true }
    func exit(_ error: PyException?) throws -> Bool {
        live.finish()
        return false
    }

    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "show":
            return .builtin(BuiltinFunction(name, owner: typeName) { args in
                try args.check(maxPositional: 1, keywords: ["x", "caption", "range"])
                let (images, note) = try DisplayModules.showable(try args.value(0, "x"), range: try DisplayModules.valueRange(args))
                let caption = try args.optional(-1, "caption").flatMap { $0.isNone ? nil : try pyStr($0) }
                var captions = images.map { _ in "" }
                if let caption { captions = images.count == 1 ? [caption] : images.indices.map { "\(caption) [\($0)]" } }
                try self.update(images, captions, note: note)
                return .none
            })
        case "filmstrip":
            return .builtin(BuiltinFunction(name, owner: typeName) { args in
                try args.check(maxPositional: 2, keywords: ["images", "captions"])
                let (images, captions) = try DisplayModules.strip(args)
                try self.update(images, captions, note: nil)
                return .none
            })
        case "close":
            return .builtin(BuiltinFunction(name, owner: typeName) { args in
                try args.exactly(0)
                self.live.finish()
                return .none
            })
        default: return nil
        }
    }
    var attributeNames: [String] { ["close", "filmstrip", "show"] }

    private func update(_ images: [Image], _ captions: [String], note: String?) throws {
        guard !images.isEmpty else { return }
        var (text, lines) = try session.liveRendering(images, captions: captions, widthCells: width, mode: mode)
        if let note { text += note + "\n"; lines += 1 }
        live.update(text, lines: lines)
    }
}
