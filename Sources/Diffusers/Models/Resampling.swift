import Tensor

// diffusers' models/downsampling.py and models/upsampling.py: the resamplers UNet2DModel uses.

/// diffusers' `Downsample2D` with `use_conv=True`, `name="op"`: a stride-2 3×3 conv (`conv`).
/// With `padding` 0 the input is first padded by one row and column on the right and bottom
/// (`F.pad(x, (0, 1, 0, 1))`), as the original DDPM models do.
public final class Downsample2D {
    let conv: Conv2d
    let padding: Int

    /// Builds the layer, reading its parameters from `loader`'s scope.
    public init(_ loader: WeightLoader, channels: Int, outChannels: Int? = nil, padding: Int) {
        conv = Conv2d(loader.scope("conv"), in: channels, out: outChannels ?? channels, kernel: 3, stride: 2, padding: padding)
        self.padding = padding
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if padding == 0 {
            return try conv(x, padEnd: (1, 1))  // conv(F.pad(x, (0, 1, 0, 1))): [N, C, H, W] -> [N, C', H/2, W/2]
        }
        return try conv(x)
    }
}

/// diffusers' `Upsample2D` with `use_conv=True`: nearest ×2, then a 3×3 conv (`conv`).
public final class Upsample2D {
    let conv: Conv2d

    /// Builds the layer, reading its parameters from `loader`'s scope.
    public init(_ loader: WeightLoader, channels: Int, outChannels: Int? = nil) {
        conv = Conv2d(loader.scope("conv"), in: channels, out: outChannels ?? channels, kernel: 3, padding: 1)
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try conv(x.interpolate(scaleFactor: [2, 2], mode: .nearest))  // [N, C, 2H, 2W]
    }
}

/// The FIR resampling of the score-SDE models: diffusers' `upfirdn2d_native`, `upsample_2d`,
/// `downsample_2d`, and `FirUpsample2D`/`FirDownsample2D` without their optional conv, all with
/// the kernel (1, 3, 3, 1).
public enum FIR {
    /// `outer(k, k) / sum(outer(k, k)) · gain` as a `[1, 1, 4, 4]` conv weight (the kernel is
    /// symmetric, so the flip upfirdn2d applies changes nothing).
    static func kernel(gain: Float) throws -> Tensor {
        let k: [Float] = [1, 3, 3, 1]
        let total: Float = 64
        var values: [Float] = []
        for a in k { for b in k { values.append(a * b / total * gain) } }
        return try Tensor(shape: [1, 1, 4, 4], scalars: values)
    }

    /// `upfirdn2d_native(x, kernel, up, down, pad=(p0, p1))` for `[N, C, H, W]`: insert `up - 1`
    /// zeros after every sample, pad by `p0`/`p1` on both axes, filter, keep every `down`-th.
    public static func upfirdn2d(_ x: Tensor, kernel: Tensor, up: Int = 1, down: Int = 1, pad: (Int, Int)) throws -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        var out = try x.reshape([n * c, h, 1, w, 1])  // [N·C, H, 1, W, 1]
        if up > 1 {
            out = try out.pad([0, up - 1, 0, 0, 0, up - 1])  // [N·C, H, up, W, up]
        }
        out = try out.reshape([n * c, 1, h * up, w * up])  // [N·C, 1, H·up, W·up]
        out = try out.pad([pad.0, pad.1, pad.0, pad.1])  // [N·C, 1, H·up + p0 + p1, W·up + p0 + p1]
        out = try out.conv2d(weight: kernel, bias: nil, stride: [down, down])  // [N·C, 1, H', W']
        return try out.reshape([n, c, out.shape[2], out.shape[3]])  // [N, C, H', W']
    }

    /// `upsample_2d(x, kernel=(1, 3, 3, 1))`: ×2.
    public static func upsample2d(_ x: Tensor) throws -> Tensor {
        try upfirdn2d(x, kernel: kernel(gain: 4), up: 2, pad: (2, 1))
    }

    /// `downsample_2d(x, kernel=(1, 3, 3, 1))`: ÷2.
    public static func downsample2d(_ x: Tensor) throws -> Tensor {
        try upfirdn2d(x, kernel: kernel(gain: 1), down: 2, pad: (1, 1))
    }
}
