/// Several images side by side with a caption under each (e.g. `t=950`, `t=500`, `t=0`), as one
/// drawing. Tiles all get the size of the first image's tile; rows wrap when the terminal is too
/// narrow for every tile to be at least ``minTileColumns`` wide.
///
/// Redrawn in place during a loop:
///
///     let live = LiveDisplay()
///     let strip = Filmstrip(renderer: Console.shared.renderer())
///     for step in … {
///         let (text, lines) = try strip.render(samples, captions: samples.indices.map { "t=\(ts[$0])" })
///         live.update(text, lines: lines)
///     }
public struct Filmstrip: Sendable {
    /// The renderer that draws the strip.
    public var renderer: TerminalRenderer
    /// Columns between tiles.
    public var gap = 1
    /// Narrowest tile before the strip wraps to another row.
    public static let minTileColumns = 8

    /// A strip drawn by `renderer`.
    public init(renderer: TerminalRenderer) {
        self.renderer = renderer
    }

    /// The drawing and the number of terminal lines it takes (for ``LiveDisplay``).
    /// `tileColumns` fixes each tile's width in cells.
    public func render(_ images: [Image], captions: [String] = [], tileColumns: Int? = nil) throws -> (text: String, lines: Int) {
        guard let first = images.first else { return ("", 0) }
        if let t = tileColumns, t <= 0 { throw imagingValueError("tile width must be a positive number of cells, got \(t)") }
        let cols = renderer.columns
        var perRow = images.count
        var tile: Int
        if let t = tileColumns {
            tile = t
            perRow = max(1, min(images.count, (cols + gap) / (t + gap)))
        } else {
            let natural = try renderer.layout(width: first.width, height: first.height).columns
            tile = min(natural, (cols - gap * (perRow - 1)) / perRow)
            if tile < Filmstrip.minTileColumns {
                tile = min(natural, Filmstrip.minTileColumns, cols)
                perRow = max(1, min(images.count, (cols + gap) / (tile + gap)))
            }
        }
        tile = max(1, tile)
        let lay = try renderer.layout(width: first.width, height: first.height, widthCells: tile)
        // Pixel size of one tile in the composed picture: cell resolution for cell modes, the
        // first image's own resolution for the pixel protocols.
        let cellMode = renderer.mode.isCellBased
        let tw = cellMode ? lay.pixelWidth : first.width
        let th = cellMode ? lay.pixelHeight : max(1, Int((Double(first.width) * Double(lay.pixelHeight) / Double(lay.pixelWidth)).rounded()))
        let gapPx = cellMode ? gap : max(1, gap * tw / tile)
        var text = ""
        var lines = 0
        var i = 0
        while i < images.count {
            let row = Array(images[i..<min(images.count, i + perRow)])
            let canvasW = row.count * tw + (row.count - 1) * gapPx
            var canvas = try Image(width: canvasW, height: th, mode: .RGB)
            for (k, img) in row.enumerated() {
                let fitted = try TerminalRenderer.fit(img.flattened(), width: tw, height: th)
                canvas.paste(fitted, x: k * (tw + gapPx), y: 0)
            }
            let width = row.count * tile + (row.count - 1) * gap
            text += try renderer.render(canvas, widthCells: width, heightCells: lay.rows)
            lines += lay.rows
            let caps = (0..<row.count).map { i + $0 < captions.count ? captions[i + $0] : "" }
            if caps.contains(where: { !$0.isEmpty }) {
                text += caps.map { Filmstrip.center($0, width: tile) }.joined(separator: String(repeating: " ", count: gap))
                    .replacingTrailingSpaces() + "\n"
                lines += 1
            }
            i += perRow
        }
        return (text, lines)
    }

    /// `s` centred in `width` columns (cut to fit).
    static func center(_ s: String, width: Int) -> String {
        let t = String(s.prefix(width))
        let left = (width - t.count) / 2
        return String(repeating: " ", count: left) + t + String(repeating: " ", count: width - t.count - left)
    }
}

extension String {
    func replacingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
