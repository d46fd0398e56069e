import Testing
import Tensor
@testable import Imaging

@Suite("Image")
struct ImageTests {
    @Test("init checks the byte count")
    func initChecksSize() throws {
        #expect(throws: ImagingError.self) { try Image(width: 2, height: 2, mode: .RGB, pixels: [0, 0, 0]) }
        #expect(throws: ImagingError.self) { try Image(width: 0, height: 2, mode: .L, pixels: []) }
        let img = try Image(width: 2, height: 1, mode: .L, pixels: [1, 2])
        #expect(img.size.width == 2 && img.size.height == 1)
        #expect(img.pixel(x: 1, y: 0) == [2])
    }

    @Test("convert(\"L\") uses PIL's luma formula")
    func convertToL() throws {
        let img = try Image(width: 4, height: 1, mode: .RGB,
                            pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 150, 200])
        let l = img.converted(to: .L)
        // PIL: L = R*299/1000 + G*587/1000 + B*114/1000 in 16-bit fixed point, rounded.
        #expect(l.pixels == [76, 150, 29, 141])
        #expect(l.mode == .L)
        let back = l.converted(to: .RGB)
        #expect(back.pixels[0..<3] == [76, 76, 76])
        let rgba = img.converted(to: .RGBA)
        #expect(rgba.pixel(x: 3, y: 0) == [100, 150, 200, 255])
        #expect(rgba.converted(to: .RGB) == img)
    }

    @Test("tensor range detection and layouts")
    func tensorToImage() throws {
        // [1, 3, 1, 2] in [-1, 1]: CHW with batch.
        let t = try Tensor(shape: [1, 3, 1, 2], scalars: [-1, 1, 0, 0.5, 1, -1])
        let (imgs, range, layout) = try Image.images(from: t)
        #expect(range == .minusOneToOne)
        #expect(layout == .chw)
        #expect(imgs.count == 1)
        // pixel = round((x / 2 + 0.5) * 255)
        #expect(imgs[0].pixels == [0, 128, 255, 255, 191, 0])

        let unit = try Tensor(shape: [2, 2, 3], scalars: [0, 0.5, 1, 1, 1, 1, 0, 0, 0, 0.2, 0.4, 0.6])
        let (u, ur, ul) = try Image.images(from: unit)
        #expect(ur == .zeroToOne)
        #expect(ul == .hwc)
        #expect(u[0].pixels == [0, 128, 255, 255, 255, 255, 0, 0, 0, 51, 102, 153])

        let bytes = try Tensor(shape: [2, 2], scalars: [0, 10, 200, 255], dtype: .uint8)
        let b = try Image(tensor: bytes)
        #expect(b.mode == .L && b.pixels == [0, 10, 200, 255])
        #expect(ValueRange.detect(try Tensor(shape: [2], scalars: [0, 250])) == .byte)

        #expect(throws: ImagingError.self) { try Image.images(from: Tensor([1, 2, 3])) }
        #expect(throws: ImagingError.self) { try Image(tensor: Tensor.zeros([2, 3, 4, 4])) }
        #expect(throws: ImagingError.self) { try Image.images(from: Tensor.zeros([5, 7, 9])) }
    }

    @Test("fromarray and np.array round trip")
    func fromArray() throws {
        let img = testPicture()
        let a = img.toTensor()
        #expect(a.shape == [12, 16, 3])
        #expect(a.dtype == .uint8)
        #expect(try Image(array: a) == img)
        let grey = img.converted(to: .L)
        #expect(grey.toTensor().shape == [12, 16])
        #expect(try Image(array: grey.toTensor()) == grey)
        // PIL refuses float arrays.
        #expect(throws: ImagingError.self) { try Image(array: Tensor.zeros([4, 4, 3])) }
    }

    @Test("numpy_to_pil and pt_to_pil")
    func diffusersConversions() throws {
        let nchw = try Tensor(shape: [2, 1, 1, 2], scalars: [-1, 1, 0, 2])
        let pil = try Image.ptToPIL(nchw)
        #expect(pil.count == 2)
        #expect(pil[0].mode == .L && pil[0].pixels == [0, 255])
        #expect(pil[1].pixels == [128, 255])
        let nhwc = try Tensor(shape: [1, 1, 2, 3], scalars: [0, 0.5, 1, 0.25, 0.75, 0.1])
        let np = try Image.numpyToPIL(nhwc)
        #expect(np[0].mode == .RGB && np[0].pixels == [0, 128, 255, 64, 191, 26])
    }

    @Test("make_image_grid lays images out row by row")
    func grid() throws {
        let a = try Image(width: 2, height: 1, mode: .L, color: [10])
        let b = try Image(width: 2, height: 1, mode: .L, color: [20])
        let c = try Image(width: 2, height: 1, mode: .RGB, color: [1, 2, 3])
        let d = try Image(width: 2, height: 1, mode: .L, color: [40])
        let g = try Image.grid([a, b, c, d], rows: 2, cols: 2)
        #expect(g.width == 4 && g.height == 2 && g.mode == .RGB)
        #expect(g.pixel(x: 0, y: 0) == [10, 10, 10])
        #expect(g.pixel(x: 3, y: 0) == [20, 20, 20])
        #expect(g.pixel(x: 1, y: 1) == [1, 2, 3])
        #expect(g.pixel(x: 2, y: 1) == [40, 40, 40])
        #expect(throws: ImagingError.self) { try Image.grid([a, b, c], rows: 2, cols: 2) }
    }
}

@Suite("Resize")
struct ResizeTests {
    @Test("bilinear matches Pillow's coefficients")
    func bilinear() throws {
        let img = try Image(width: 2, height: 1, mode: .L, pixels: [0, 255])
        // Pillow: Image.fromarray(np.uint8([[0, 255]])).resize((4, 1), Image.BILINEAR) → [0, 64, 191, 255]
        #expect(try img.resized(width: 4, height: 1, filter: .bilinear).pixels == [0, 64, 191, 255])
    }

    @Test("box filter averages when reducing")
    func box() throws {
        let img = try Image(width: 4, height: 2, mode: .L, pixels: [0, 100, 200, 255, 50, 50, 0, 1])
        #expect(try img.resized(width: 2, height: 1, filter: .box).pixels == [50, 115])
    }

    @Test("nearest repeats whole pixels", arguments: [2, 3])
    func nearest(factor: Int) throws {
        let img = testPicture(width: 5, height: 3)
        let big = try img.resized(width: 5 * factor, height: 3 * factor, filter: .nearest)
        for y in 0..<(3 * factor) {
            for x in 0..<(5 * factor) {
                #expect(big.pixel(x: x, y: y) == img.pixel(x: x / factor, y: y / factor))
            }
        }
    }

    @Test("every filter keeps a flat image flat", arguments: ResampleFilter.allCases)
    func flat(filter: ResampleFilter) throws {
        let img = try Image(width: 7, height: 5, mode: .RGBA, color: [12, 200, 99, 255])
        for (w, h) in [(3, 2), (20, 11)] {
            let r = try img.resized(width: w, height: h, filter: filter)
            #expect(r.width == w && r.height == h)
            #expect(r.pixels == (try Image(width: w, height: h, mode: .RGBA, color: [12, 200, 99, 255])).pixels)
        }
    }

    @Test("bicubic is the default and rejects empty sizes")
    func defaults() throws {
        let img = testPicture()
        #expect(try img.resized(width: 9, height: 5) == (try img.resized(width: 9, height: 5, filter: .bicubic)))
        #expect(throws: ImagingError.self) { try img.resized(width: 0, height: 5) }
        #expect(throws: ImagingError.self) { try img.resized(width: 1 << 20, height: 1 << 20) }
    }
}
