import Foundation

// Printing tensors exactly as PyTorch 2.15 prints them (a port of `torch/_tensor_str.py`), and
// arrays as NumPy's `repr(ndarray)` prints them (a port of the parts of `numpy/_core/arrayprint.py`
// that float32/float64/uint8/int64/bool arrays use).

/// Options for ``Tensor/formatted(linewidth:precision:threshold:edgeItems:sciMode:)``, as in
/// `torch.set_printoptions`.
struct TorchPrintOptions {
    var linewidth = 80
    var precision = 4
    var threshold = 1000
    var edgeItems = 3
    var sciMode: Bool? = nil
}

extension Tensor: CustomStringConvertible {
    /// The tensor as `repr(t)` (and `str(t)`) shows it in PyTorch with default print options,
    /// e.g. `tensor([1.5000, 2.0000])` or `tensor([1, 2], dtype=torch.int32)`.
    public var description: String { formatted() }

    /// `torch.Size([1, 3, 256, 256])`, as PyTorch prints `t.shape`.
    public var shapeDescription: String { "torch.Size(\(shapeString(shape)))" }

    /// The tensor as PyTorch prints it under `torch.set_printoptions(linewidth:precision:threshold:
    /// edgeitems:sci_mode:)`. Tensors with more than `threshold` elements are summarised with `...`.
    ///
    /// Complexity: O(n) in the number of elements printed (all elements are read once to pick the
    /// number format).
    public func formatted(linewidth: Int = 80, precision: Int = 4, threshold: Int = 1000,
                          edgeItems: Int = 3, sciMode: Bool? = nil) -> String {
        let opts = TorchPrintOptions(linewidth: linewidth, precision: max(precision, 0), threshold: threshold,
                                     edgeItems: max(edgeItems, 0), sciMode: sciMode)
        return TorchPrinter(tensor: self, options: opts).repr()
    }
}

// MARK: - PyTorch

/// PyTorch's `ScalarType` name for messages (`Float`, `Long`, ...).
func scalarTypeName(_ dtype: DType) -> String {
    switch dtype {
    case .bool: return "Bool"
    case .uint8: return "Byte"
    case .int32: return "Int"
    case .int64: return "Long"
    case .float16: return "Half"
    case .bfloat16: return "BFloat16"
    case .float32: return "Float"
    case .float64: return "Double"
    }
}

/// Python's `str(tuple)` of ints: `(0, 3)`, `(0,)`, `()`.
func pythonTuple(_ values: [Int]) -> String {
    if values.count == 1 { return "(\(values[0]),)" }
    return "(" + values.map(String.init).joined(separator: ", ") + ")"
}

/// Python's `format(x, ".{p}f")`.
func pyFixed(_ x: Double, _ precision: Int) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    return String(format: "%.\(precision)f", x)
}

/// Python's `format(x, ".{p}e")`.
func pyScientific(_ x: Double, _ precision: Int) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    return String(format: "%.\(precision)e", x)
}

@inline(__always)
func leftPad(_ s: String, _ width: Int) -> String {
    let n = s.count
    return n >= width ? s : String(repeating: " ", count: width - n) + s
}

/// A port of `torch._tensor_str._Formatter`: picks integer, fixed or scientific notation and the
/// common width from the values it is given.
struct TorchFormatter {
    let dtype: DType
    let precision: Int
    var intMode = true
    var sciMode = false
    var maxWidth = 1

    init(values: [Float], dtype: DType, options: TorchPrintOptions) {
        self.dtype = dtype
        self.precision = options.precision
        if !dtype.isFloatingPoint {
            for v in values { maxWidth = Swift.max(maxWidth, TorchFormatter.integerString(v, dtype).count) }
            return
        }
        let nonzeroFinite = values.filter { $0.isFinite && $0 != 0 }.map(Double.init)
        if nonzeroFinite.isEmpty { return }
        let absValues = nonzeroFinite.map { Swift.abs($0) }
        let lo = absValues.min() ?? 1, hi = absValues.max() ?? 1
        for v in nonzeroFinite where v != v.rounded(.up) { intMode = false; break }
        sciMode = options.sciMode ?? (hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4)
        if intMode {
            if sciMode {
                for v in nonzeroFinite { maxWidth = Swift.max(maxWidth, pyScientific(v, precision).count) }
            } else {
                for v in nonzeroFinite { maxWidth = Swift.max(maxWidth, pyFixed(v, 0).count + 1) }
            }
        } else if sciMode {
            for v in nonzeroFinite { maxWidth = Swift.max(maxWidth, pyScientific(v, precision).count) }
        } else {
            for v in nonzeroFinite { maxWidth = Swift.max(maxWidth, pyFixed(v, precision).count) }
        }
    }

    static func integerString(_ v: Float, _ dtype: DType) -> String {
        if dtype == .bool { return v != 0 ? "True" : "False" }
        return v.isFinite ? String(Int(v)) : pyFixed(Double(v), 0)
    }

    var width: Int { maxWidth }

    func format(_ value: Float) -> String {
        let ret: String
        if dtype.isFloatingPoint {
            let v = Double(value)
            if sciMode {
                ret = pyScientific(v, precision)
            } else if intMode {
                ret = pyFixed(v, 0) + (v.isFinite ? "." : "")
            } else {
                ret = pyFixed(v, precision)
            }
        } else {
            ret = TorchFormatter.integerString(value, dtype)
        }
        return leftPad(ret, maxWidth)
    }
}

/// A port of `_tensor_str`, `_tensor_str_with_formatter`, `_vector_str`, `get_summarized_data`,
/// `_add_suffixes` and the plain-tensor branch of `_str_intern`.
struct TorchPrinter {
    let shape: [Int]
    let values: [Float]
    let dtype: DType
    let opts: TorchPrintOptions

    init(tensor: Tensor, options: TorchPrintOptions) {
        shape = tensor.shape
        values = tensor.scalars
        dtype = tensor.dtype
        opts = options
    }

    func repr() -> String {
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        let hasDefaultDType = dtype == .float32 || dtype == .int64 || dtype == .bool
        let body: String
        if values.isEmpty {
            if shape.count != 1 { suffixes.append("size=" + pythonTuple(shape)) }
            if dtype != .float32 { suffixes.append("dtype=" + dtype.torchName) }
            body = "[]"
        } else {
            if opts.edgeItems == 0 { suffixes.append("size=" + pythonTuple(shape)) }
            if !hasDefaultDType { suffixes.append("dtype=" + dtype.torchName) }
            body = tensorString(indent: indent)
        }
        return addSuffixes(prefix + body, suffixes, indent: indent)
    }

    private func addSuffixes(_ tensorStr: String, _ suffixes: [String], indent: Int) -> String {
        var out = tensorStr
        // Python: len(s) - s.rfind("\n") + 1 (rfind gives -1 when there is no newline).
        let chars = Array(tensorStr)
        let lastNewline = chars.lastIndex(of: "\n") ?? -1
        var lastLineLen = chars.count - lastNewline + 1
        for suffix in suffixes {
            if lastLineLen + suffix.count + 2 > opts.linewidth {
                out += ",\n" + String(repeating: " ", count: indent) + suffix
                lastLineLen = indent + suffix.count
            } else {
                out += ", " + suffix
                lastLineLen += suffix.count + 2
            }
        }
        return out + ")"
    }

    private func tensorString(indent: Int) -> String {
        let summarize = values.count > opts.threshold
        let formatValues = summarize ? summarizedData(base: 0, dim: 0) : values
        let formatter = TorchFormatter(values: formatValues, dtype: dtype, options: opts)
        return tensorString(base: 0, dim: 0, indent: indent, summarize: summarize, formatter: formatter)
    }

    /// Elements per step along each dimension of the contiguous value array.
    private var rowStrides: [Int] { Tensor.contiguousStrides(for: shape) }

    /// `get_summarized_data`: the values the formatter sees when the tensor is summarised.
    private func summarizedData(base: Int, dim: Int) -> [Float] {
        let rank = shape.count
        if rank - dim == 0 { return [values[base]] }
        let n = shape[dim], e = opts.edgeItems, st = rowStrides[dim]
        if rank - dim == 1 {
            if n > 2 * e {
                // self[:e] and self[-e:] (which is the whole row when e == 0, as in Python).
                let head = (0..<e).map { values[base + $0 * st] }
                let tail = e == 0 ? (0..<n).map { values[base + $0 * st] } : (n - e..<n).map { values[base + $0 * st] }
                return head + tail
            }
            return (0..<n).map { values[base + $0 * st] }
        }
        if e == 0 { return [] }
        let rows = n > 2 * e ? Array(0..<e) + Array(n - e..<n) : Array(0..<n)
        return rows.flatMap { summarizedData(base: base + $0 * st, dim: dim + 1) }
    }

    private func tensorString(base: Int, dim: Int, indent: Int, summarize: Bool, formatter: TorchFormatter) -> String {
        let rank = shape.count
        let left = rank - dim
        if left == 0 { return formatter.format(values[base]) }
        let n = shape[dim], e = opts.edgeItems, st = rowStrides[dim]
        if left == 1 { return vectorString(base: base, n: n, stride: st, indent: indent, summarize: summarize, formatter: formatter) }
        var slices: [String]
        let sub = { (i: Int) in
            self.tensorString(base: base + i * st, dim: dim + 1, indent: indent + 1, summarize: summarize, formatter: formatter)
        }
        if summarize && n > 2 * e {
            slices = (0..<e).map(sub) + ["..."] + (n - e..<n).map(sub)
        } else {
            slices = (0..<n).map(sub)
        }
        let sep = "," + String(repeating: "\n", count: left - 1) + String(repeating: " ", count: indent + 1)
        return "[" + slices.joined(separator: sep) + "]"
    }

    private func vectorString(base: Int, n: Int, stride st: Int, indent: Int, summarize: Bool, formatter: TorchFormatter) -> String {
        let elementLength = formatter.width + 2
        let perLine = Swift.max(1, Int((Double(opts.linewidth - indent) / Double(elementLength)).rounded(.down)))
        let e = opts.edgeItems
        var data: [String]
        if summarize && e == 0 {
            data = ["..."]
        } else if summarize && n > 2 * e {
            data = (0..<e).map { formatter.format(values[base + $0 * st]) } + [" ..."]
                + (n - e..<n).map { formatter.format(values[base + $0 * st]) }
        } else {
            data = (0..<n).map { formatter.format(values[base + $0 * st]) }
        }
        var lines: [String] = []
        var i = 0
        while i < data.count {
            lines.append(data[i..<Swift.min(i + perLine, data.count)].joined(separator: ", "))
            i += perLine
        }
        return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
    }
}

// MARK: - NumPy

extension Tensor {
    /// The tensor as NumPy's `repr` shows the array `t.numpy()` would give, e.g.
    /// `array([[1., 2.]], dtype=float32)` or `array([[  0, 255]], dtype=uint8)`, with NumPy's
    /// default print options (precision 8, threshold 1000, edge items 3, line width 75).
    ///
    /// float16 tensors print as float16 arrays, int32 as int32 arrays; bfloat16 tensors (which NumPy
    /// lacks) print as float32 arrays.
    public func numpyDescription() -> String {
        NumpyPrinter(tensor: self).repr()
    }

    /// The tensor as NumPy's `str` (what `print(array)` shows): `[[1. 2.]]`, elements separated
    /// by spaces, no `array(` or dtype.
    public func numpyString() -> String {
        var p = NumpyPrinter(tensor: self)
        p.separator = " "
        return p.str()
    }
}

/// NumPy's dtype name for a ``DType``.
func numpyDTypeName(_ dtype: DType) -> String {
    dtype == .bfloat16 ? "float32" : dtype.rawValue
}

/// A port of NumPy's `FloatingFormat` with the default `floatmode='maxprec'`, `precision=8`.
struct NumpyFloatFormat {
    let dtype: DType
    var expFormat = false
    var padLeft = 0, padRight = 0
    var precision = 8
    var expSize = -1
    static let maxPrecision = 8

    init(values: [Float], dtype: DType) {
        self.dtype = dtype
        let finite = values.filter(\.isFinite)
        let absNonZero = finite.filter { $0 != 0 }.map { Swift.abs(Double($0)) }
        if let hi = absNonZero.max(), let lo = absNonZero.min() {
            // 10 ** min(8, finfo(dtype).precision)
            let cutoff: Double = dtype == .float64 ? 1e8 : (dtype == .float32 ? 1e6 : 1e3)
            if dtype == .float64 {
                if hi >= cutoff || lo < 0.0001 || hi / lo > 1000 { expFormat = true }
            } else {
                // NumPy compares in the array's own precision (the Python floats are "weak" scalars).
                let hi = Float(hi), lo = Float(lo)
                if hi >= Float(cutoff) || lo < Float(0.0001) || hi / lo > 1000 { expFormat = true }
            }
        }
        if finite.isEmpty {
            padLeft = 0; padRight = 0
        } else if expFormat {
            let parts = finite.map { splitScientific(uniqueScientific($0)) }
            expSize = parts.map { $0.exp.count }.max().map { $0 - 1 } ?? 0
            precision = parts.map { $0.frac.count }.max() ?? 0
            padLeft = parts.map { $0.int.count }.max() ?? 0
            padRight = expSize + 2 + precision
        } else {
            let parts = finite.map { splitPositional(uniquePositional($0)) }
            padLeft = parts.map { $0.int.count }.max() ?? 0
            padRight = parts.map { $0.frac.count }.max() ?? 0
        }
        if finite.count != values.count {
            let negInf = values.contains { $0.isInfinite && $0 < 0 } ? 1 : 0
            let offset = padRight + 1
            padLeft = Swift.max(padLeft, 3 - offset, 3 + negInf - offset)
        }
    }

    /// Shortest round-trip digits in the array's own precision, as NumPy's Dragon4 gives them.
    private func shortest(_ x: Float) -> String {
        switch dtype {
        case .float64: return "\(Double(x))"
        case .float16: return "\(Float16(x))"
        default: return "\(x)"
        }
    }

    /// `dragon4_positional(x, precision=8, unique=True, trim='.')`.
    func uniquePositional(_ x: Float) -> String {
        let (neg, digits, point) = shortestDigits(shortest(x))
        let fracDigits = Swift.max(digits.count - point, 0)
        let sign = neg ? "-" : ""
        if fracDigits > NumpyFloatFormat.maxPrecision {
            return trimZeros(String(format: "%.\(NumpyFloatFormat.maxPrecision)f", Double(x)))
        }
        if digits == "0" { return sign + "0." }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) + "." }
        let i = digits.index(digits.startIndex, offsetBy: point)
        return sign + digits[..<i] + "." + digits[i...]
    }

    /// `dragon4_scientific(x, precision=8, unique=True, trim='.')`.
    func uniqueScientific(_ x: Float) -> String {
        let (neg, digits, point) = shortestDigits(shortest(x))
        if digits.count - 1 > NumpyFloatFormat.maxPrecision {
            let s = String(format: "%.\(NumpyFloatFormat.maxPrecision)e", Double(x))
            let p = splitScientific(s)
            return trimZeros(p.int + "." + p.frac) + "e" + p.exp
        }
        let exp = digits == "0" ? 0 : point - 1
        let mant = String(digits.prefix(1)) + "." + String(digits.dropFirst())
        return (neg ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + leftZeroPad(String(Swift.abs(exp)), 2)
    }

    private func trimZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        return t
    }

    private func leftZeroPad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
    }

    func splitPositional(_ s: String) -> (int: String, frac: String) {
        guard let dot = s.firstIndex(of: ".") else { return (s, "") }
        return (String(s[..<dot]), String(s[s.index(after: dot)...]))
    }

    func splitScientific(_ s: String) -> (int: String, frac: String, exp: String) {
        let e = s.firstIndex(of: "e") ?? s.endIndex
        let mant = String(s[..<e])
        let exp = e < s.endIndex ? String(s[s.index(after: e)...]) : ""
        let p = splitPositional(mant)
        return (p.int, p.frac, exp)
    }

    func format(_ x: Float) -> String {
        if !x.isFinite {
            let ret = x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf")
            return leftPad(ret, padLeft + padRight + 1)
        }
        if expFormat {
            // min_digits = precision: every mantissa gets exactly `precision` digits.
            let s = String(format: "%.\(precision)e", Double(x))
            let p = splitScientific(s)
            let expSign = p.exp.hasPrefix("-") ? "-" : "+"
            let expDigits = String(p.exp.drop(while: { $0 == "+" || $0 == "-" }))
            let expText = leftZeroPad(String(Int(expDigits) ?? 0), Swift.max(expSize, 1))
            return leftPad(p.int, padLeft) + "." + p.frac + "e" + expSign + expText
        }
        let p = splitPositional(uniquePositional(x))
        return leftPad(p.int, padLeft) + "." + p.frac + String(repeating: " ", count: Swift.max(padRight - p.frac.count, 0))
    }
}

/// A port of NumPy's `array_repr`, `array2string` and `_formatArray` (legacy=False) for arrays of
/// numbers.
struct NumpyPrinter {
    let shape: [Int]
    let values: [Float]
    let dtype: DType
    let threshold = 1000, edgeItems = 3, linewidth = 75
    /// Between elements: `", "` for `repr`, `" "` for `str`.
    var separator = ", "

    init(tensor: Tensor) {
        shape = tensor.shape
        values = tensor.scalars
        // NumPy has no bfloat16; such tensors are shown as the float32 arrays they convert to.
        dtype = tensor.dtype == .bfloat16 ? .float32 : tensor.dtype
    }

    /// `array_str`: `array2string` with a space separator and no prefix.
    func str() -> String {
        if values.isEmpty { return "[]" }
        if shape.isEmpty { return scalarStr(values[0]) }
        return arrayString(prefix: "", lineWidth: linewidth)
    }

    /// `str` of a 0-d array is `str` of its NumPy scalar: float64 prints as Python's `repr(float)`; float32
    /// the same way with float32's shortest digits, in scientific notation below 1e-4 or from 1e6 up.
    func scalarStr(_ v: Float) -> String {
        switch dtype {
        case .bool: return v != 0 ? "True" : "False"
        case .uint8, .int32, .int64: return String(Int(v))
        case .float64: return pythonFloatRepr(Double(v))
        default:
            if !v.isFinite || v == 0 { return pythonFloatRepr(Double(v)) }
            let magnitude = Swift.abs(Double(v))
            return pythonFloatLayout("\(v)") { _ in magnitude < 1e-4 || magnitude >= 1e6 }
        }
    }

    func repr() -> String {
        let prefix = "array("
        let body: String
        if values.isEmpty {
            body = "[]"
        } else {
            body = arrayString(prefix: prefix, lineWidth: linewidth - 1)
        }
        var extras: [String] = []
        if (values.isEmpty && shape != [0]) || values.count > threshold { extras.append("shape=" + pythonTuple(shape)) }
        let implied = dtype == .float64 || dtype == .int64 || dtype == .bool
        if !implied || values.isEmpty { extras.append("dtype=" + numpyDTypeName(dtype)) }
        if extras.isEmpty { return prefix + body + ")" }
        let arrStr = prefix + body + ","
        let extraStr = extras.joined(separator: ", ") + ")"
        let chars = Array(arrStr)
        let lastLineLen = chars.count - ((chars.lastIndex(of: "\n") ?? -1) + 1)
        let spacer = lastLineLen + extraStr.count + 1 > linewidth ? "\n" + String(repeating: " ", count: prefix.count) : " "
        return arrStr + spacer + extraStr
    }

    private var rowStrides: [Int] { Tensor.contiguousStrides(for: shape) }

    /// `_leading_trailing`: the values the formatter sees when the array is summarised.
    private func leadingTrailing(base: Int, dim: Int) -> [Float] {
        if dim == shape.count { return [values[base]] }
        let n = shape[dim], st = rowStrides[dim]
        let rows = n > 2 * edgeItems ? Array(0..<edgeItems) + Array(n - edgeItems..<n) : Array(0..<n)
        return rows.flatMap { leadingTrailing(base: base + $0 * st, dim: dim + 1) }
    }

    private func arrayString(prefix: String, lineWidth: Int) -> String {
        let summarize = values.count > threshold
        let data = summarize ? leadingTrailing(base: 0, dim: 0) : values
        let format: (Float) -> String
        switch dtype {
        case .bool:
            let trueText = shape.isEmpty ? "True" : " True"
            format = { $0 != 0 ? trueText : "False" }
        case .uint8, .int32, .int64:
            let hi = data.max() ?? 0, lo = data.min() ?? 0
            let width = Swift.max(String(Int(hi)).count, String(Int(lo)).count)
            format = { leftPad(String(Int($0)), width) }
        default:
            let f = NumpyFloatFormat(values: data, dtype: dtype)
            format = { f.format($0) }
        }
        let nextLinePrefix = " " + String(repeating: " ", count: prefix.count)
        return recurse(base: 0, dim: 0, hangingIndent: nextLinePrefix, currWidth: lineWidth,
                       summarize: summarize, format: format)
    }

    private func extendLine(_ s: inout String, _ line: inout String, _ word: String, _ lineWidth: Int, _ nextLinePrefix: String) {
        var needsWrap = line.count + word.count > lineWidth
        if line.count <= nextLinePrefix.count { needsWrap = false }
        if needsWrap {
            var trimmed = line
            while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
            s += trimmed + "\n"
            line = nextLinePrefix
        }
        line += word
    }

    private func recurse(base: Int, dim: Int, hangingIndent: String, currWidth: Int, summarize: Bool,
                         format: (Float) -> String) -> String {
        let axesLeft = shape.count - dim
        if axesLeft == 0 { return format(values[base]) }
        let nextHanging = hangingIndent + " "
        let nextWidth = currWidth - 1
        let n = shape[dim], st = rowStrides[dim]
        let showSummary = summarize && 2 * edgeItems < n
        let leading = showSummary ? edgeItems : 0
        let trailing = showSummary ? edgeItems : n
        func sub(_ i: Int) -> String {
            recurse(base: base + i * st, dim: dim + 1, hangingIndent: nextHanging, currWidth: nextWidth,
                    summarize: summarize, format: format)
        }
        var s = ""
        if axesLeft == 1 {
            let elemWidth = currWidth - 1
            var line = hangingIndent
            for i in 0..<leading {
                extendLine(&s, &line, sub(i), elemWidth, hangingIndent)
                line += separator
            }
            if showSummary {
                extendLine(&s, &line, "...", elemWidth, hangingIndent)
                line += separator
            }
            var i = trailing
            while i > 1 {
                extendLine(&s, &line, sub(n - i), elemWidth, hangingIndent)
                line += separator
                i -= 1
            }
            extendLine(&s, &line, sub(n - 1), elemWidth, hangingIndent)
            s += line
        } else {
            var trimmedSeparator = separator
            while trimmedSeparator.last == " " { trimmedSeparator.removeLast() }
            let lineSep = trimmedSeparator + String(repeating: "\n", count: axesLeft - 1)
            for i in 0..<leading { s += hangingIndent + sub(i) + lineSep }
            if showSummary { s += hangingIndent + "..." + lineSep }
            var i = trailing
            while i > 1 {
                s += hangingIndent + sub(n - i) + lineSep
                i -= 1
            }
            s += hangingIndent + sub(n - 1)
        }
        return "[" + String(s.dropFirst(hangingIndent.count)) + "]"
    }
}
