/// An error from the Imaging module. The message names the file or argument at fault, in the
/// style of Python's messages (`[Errno 2] No such file or directory: 'out/x.png'`,
/// `cannot identify image file 'notes.txt'`), so the Script layer can raise it unchanged.
public struct ImagingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for mapping to a Python exception type.
    public enum Kind: String, Sendable {
        /// The operating system refused a file operation (Python's OSError family).
        case io
        /// A file's contents are not a valid image (PIL's UnidentifiedImageError / OSError).
        case format
        /// An argument of the wrong kind or value (ValueError / TypeError).
        case value
    }
    /// What went wrong.
    public var kind: Kind
    /// The message, naming the file or argument.
    public var message: String
    /// The operating system's error number for `.io` errors, else nil.
    public var errno: Int32?

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String, errno: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.errno = errno
    }

    /// The message.
    public var description: String { message }
}

@inline(__always)
func imagingValueError(_ message: String) -> ImagingError { ImagingError(.value, message) }
