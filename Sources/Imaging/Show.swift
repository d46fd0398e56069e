import Tensor

extension Console {
    /// `dsh.show(x)` for a tensor: draws it (a batch as a row of images) and states the shape,
    /// layout and value range assumed, e.g. `tensor [2, 3, 32, 32] (NCHW), values read as [-1, 1]`.
    /// Returns the statement line.
    @discardableResult
    public func show(tensor: Tensor, widthCells: Int? = nil, heightCells: Int? = nil, mode: ColorMode? = nil,
                     range: ValueRange? = nil) throws -> String {
        let (images, r, layout) = try Image.images(from: tensor, range: range)
        let batch = tensor.rank == 4 ? "N" : ""
        let note = "tensor \(shapeText(tensor.shape)) (\(batch)\(layout.rawValue)), values read as \(r.rawValue)"
        let rend = renderer(mode: mode)
        if images.count == 1 {
            write(try rend.render(images[0], widthCells: widthCells, heightCells: heightCells))
        } else {
            write(try Filmstrip(renderer: rend).render(images, tileColumns: widthCells).text)
        }
        write(note + "\n")
        return note
    }

    /// Draws images side by side with captions (see ``Filmstrip``).
    public func showRow(_ images: [Image], captions: [String] = [], tileColumns: Int? = nil, mode: ColorMode? = nil) throws {
        write(try Filmstrip(renderer: renderer(mode: mode)).render(images, captions: captions, tileColumns: tileColumns).text)
    }
}
