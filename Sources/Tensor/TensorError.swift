import Foundation

/// An error from a tensor operation. The message names the operation and the shapes involved,
/// in the style of PyTorch's messages, e.g.
/// `add: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1`.
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// Shapes that do not fit the operation (PyTorch raises RuntimeError).
        case shape
        /// An index or dimension out of range (PyTorch raises IndexError).
        case index
        /// An argument of the wrong kind or value (PyTorch raises ValueError/TypeError).
        case value
        /// Something the file or data format does not allow.
        case format
        /// A feature dsh does not have.
        case unsupported
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

@inline(__always)
func shapeError(_ message: String) -> TensorError { TensorError(.shape, message) }
@inline(__always)
func indexError(_ message: String) -> TensorError { TensorError(.index, message) }
@inline(__always)
func valueError(_ message: String) -> TensorError { TensorError(.value, message) }

/// Formats a shape as PyTorch does in messages: `[1, 3, 32, 32]`.
func shapeString(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

extension Tensor {
    /// The most bytes one tensor may take: the machine's physical memory.
    public static let allocationLimit = ProcessInfo.processInfo.physicalMemory

    /// Throws unless a tensor of `shape` can be made here: no negative sizes, and its float32 storage fits in
    /// memory (asking for more would crash the process instead of raising an error the user can read).
    public static func checkAllocation(_ shape: [Int], op: String) throws {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw shapeError("\(op): Trying to create tensor with negative dimension \(bad): \(shapeString(shape))")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            count = overflow ? Int.max : product
        }
        let bytes = count > Int.max / 4 ? UInt64(Int.max) : UInt64(count * 4)
        if bytes > allocationLimit {
            throw shapeError("\(op): can't allocate memory: a tensor of shape \(shapeString(shape)) needs \(bytes) bytes; this machine has \(allocationLimit)")
        }
    }
}
