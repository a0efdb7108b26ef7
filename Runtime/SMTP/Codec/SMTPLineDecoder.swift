import NIOCore

/// Splits inbound bytes into lines ending in CRLF (a bare LF is accepted too) and emits each
/// line without its terminator.
///
/// A line longer than `maximumLineLength` bytes is an error: SMTP limits command lines to 512
/// and text lines to 1000 bytes, so an endless line is a broken or hostile peer.
public struct SMTPLineDecoder: ByteToMessageDecoder, Sendable {
    /// One line, without its CRLF.
    public typealias InboundOut = ByteBuffer

    /// The longest line accepted, terminator excluded.
    public let maximumLineLength: Int

    /// Creates a decoder that rejects lines longer than `maximumLineLength` bytes.
    public init(maximumLineLength: Int = 4096) {
        self.maximumLineLength = maximumLineLength
    }

    /// Emits every complete line in the buffer, one per call.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLineLength + 1 {
                throw SMTPProtocolError(code: .lineTooLong, message: "A line exceeded \(maximumLineLength) bytes.")
            }
            return .needMoreData
        }
        let lengthWithLF = newline - buffer.readerIndex + 1
        var line = buffer.readSlice(length: lengthWithLF)!
        line.moveWriterIndex(to: line.writerIndex - 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        if line.readableBytes > maximumLineLength {
            throw SMTPProtocolError(code: .lineTooLong, message: "A line exceeded \(maximumLineLength) bytes.")
        }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    /// Emits the complete lines left at EOF; a trailing partial line is dropped.
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
