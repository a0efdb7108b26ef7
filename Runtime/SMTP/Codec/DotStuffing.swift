import NIOCore

/// Transparency for the DATA phase (RFC 5321 §4.5.2).
public enum DotStuffing {
    /// Returns the message as it goes on the wire after `DATA`: line breaks normalised to CRLF,
    /// a `.` added before every line that starts with `.`, and the terminating `CRLF.CRLF`.
    public static func stuff(_ message: [UInt8]) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            if atLineStart, byte == UInt8(ascii: ".") { out.writeInteger(UInt8(ascii: ".")) }
            switch byte {
            case UInt8(ascii: "\r"):
                out.writeBytes([13, 10])
                if index + 1 < message.count, message[index + 1] == 10 { index += 1 }
                atLineStart = true
            case UInt8(ascii: "\n"):
                out.writeBytes([13, 10])
                atLineStart = true
            default:
                out.writeInteger(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { out.writeBytes([13, 10]) }
        out.writeString(".\r\n")
        return out
    }

    /// Undoes stuffing for one received DATA line: returns nil for the terminating `.` line,
    /// otherwise the line with one leading `.` removed when it had one.
    public static func unstuff(line: ByteBuffer) -> ByteBuffer? {
        guard line.readableBytesView.first == UInt8(ascii: ".") else { return line }
        if line.readableBytes == 1 { return nil }
        return line.getSlice(at: line.readerIndex + 1, length: line.readableBytes - 1)
    }
}
