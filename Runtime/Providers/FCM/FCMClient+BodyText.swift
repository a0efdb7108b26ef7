import NotifyJSON

extension FCMClient.Body {
    /// The send body as compact JSON with sorted keys and unescaped slashes: what `JSONEncoder`
    /// with `.sortedKeys` and `.withoutEscapingSlashes` writes for it (absent optionals left out),
    /// written by hand because the encoder took 3.2 % of the push benchmark's samples, and into one
    /// string, because the pieces' own strings were a tenth of a push's allocations.
    var jsonText: String {
        var text = #"{"message":{"android":"#
        text.reserveCapacity(256 + message.token.utf8.count)
        message.android.append(to: &text)
        text += #","apns":{"headers":"#
        JSONQuoting.appendObject(message.apns.headers, to: &text)
        text += "}"
        if let data = message.data {
            text += #","data":"#
            JSONQuoting.appendObject(data, to: &text)
        }
        if let notification = message.notification {
            text += #","notification":"#
            notification.append(to: &text)
        }
        text += #","token":"#
        JSONQuoting.append(message.token, to: &text)
        text += "}}"
        return text
    }
}

extension FCMClient.Body.Android {
    /// `collapse_key`, `priority`, `ttl`, in that order, the absent ones left out.
    var jsonText: String {
        var text = ""
        append(to: &text)
        return text
    }

    /// Appends ``jsonText`` to `text`.
    func append(to text: inout String) {
        text += "{"
        if let collapseKey {
            text += #""collapse_key":"#
            JSONQuoting.append(collapseKey, to: &text)
            text += ","
        }
        text += #""priority":"#
        JSONQuoting.append(priority, to: &text)
        if let ttl {
            text += #","ttl":"#
            JSONQuoting.append(ttl, to: &text)
        }
        text += "}"
    }
}

extension FCMClient.Body.Notification {
    /// `body`, then `title`, the absent one left out.
    var jsonText: String {
        var text = ""
        append(to: &text)
        return text
    }

    /// Appends ``jsonText`` to `text`.
    func append(to text: inout String) {
        text += "{"
        if let body {
            text += #""body":"#
            JSONQuoting.append(body, to: &text)
        }
        if let title {
            text += body == nil ? #""title":"# : #","title":"#
            JSONQuoting.append(title, to: &text)
        }
        text += "}"
    }
}
