import Foundation
import Logging
import NotifyProviders
import NotifySMTP

/// The sandbox's SMTP relay: a recording `SMTPServer` whose accepted messages join the other
/// providers' in the recorder (provider `smtp`), with the delivery id taken from the
/// `Message-ID` the engine writes (`<delivery-id@domain>`).
struct SMTPRecording: Sendable {
    let server: SMTPServer
    let recorder: MessageRecorder

    init(port: Int, host: String, recorder: MessageRecorder, logger: Logger) {
        self.server = SMTPServer(configuration: .init(host: host, port: port), logger: logger)
        self.recorder = recorder
    }

    /// Records every message the server accepts until it stops.
    func record() async {
        for await message in server.messages {
            let headers = Self.headers(message.text)
            let deliveryID = headers["message-id"].flatMap { value -> String? in
                let trimmed = value.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
                return trimmed.split(separator: "@").first.map(String.init)
            }
            for recipient in message.recipients {
                _ = recorder.record(
                    RecordedMessage(
                        provider: .smtp, providerMessageID: message.queueID, deliveryID: deliveryID,
                        recipient: recipient, sender: message.envelopeFrom, subject: headers["subject"],
                        status: "accepted", httpStatus: 250))
            }
        }
    }

    /// The top-level headers (unfolded, names lowercased) of a raw message.
    static func headers(_ text: String) -> [String: String] {
        var headers: [String: String] = [:]
        let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
        for line in head.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
            .components(separatedBy: "\r\n")
        {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            if headers[name] == nil {
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return headers
    }
}
