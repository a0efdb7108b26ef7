import NotifyJSON

extension SendGridClient.Body {
    /// The mail-send body as compact JSON with sorted keys and unescaped slashes: what
    /// `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes for it, written by hand
    /// because the encoder took 3.8 % of the email benchmark's samples, more than the text, and into
    /// one string, because the pieces' own strings were many of an email's allocations.
    var jsonText: String {
        var text = #"{"content":["#
        text.reserveCapacity(256 + subject.utf8.count + content.reduce(0) { $0 + $1.value.utf8.count + 32 })
        for (index, part) in content.enumerated() {
            text += index == 0 ? #"{"type":"# : #",{"type":"#
            JSONQuoting.append(part.type, to: &text)
            text += #","value":"#
            JSONQuoting.append(part.value, to: &text)
            text += "}"
        }
        text += #"],"custom_args":"#
        JSONQuoting.appendObject(customArgs, to: &text)
        text += #","from":"#
        from.append(to: &text)
        if let headers {
            text += #","headers":"#
            JSONQuoting.appendObject(headers, to: &text)
        }
        text += #","personalizations":["#
        for (index, personalization) in personalizations.enumerated() {
            text += index == 0 ? #"{"to":["# : #",{"to":["#
            for (position, address) in personalization.to.enumerated() {
                if position > 0 { text += "," }
                address.append(to: &text)
            }
            text += "]}"
        }
        text += "]"
        if let replyTo {
            text += #","reply_to":"#
            replyTo.append(to: &text)
        }
        text += #","subject":"#
        JSONQuoting.append(subject, to: &text)
        text += "}"
        return text
    }
}

extension SendGridClient.Body.Address {
    /// Appends the address as the encoder writes it: `email`, then `name` when there is one.
    func append(to text: inout String) {
        var first = true
        text += "{"
        JSONQuoting.appendMember("email", email, to: &text, first: &first)
        JSONQuoting.appendMember("name", name, to: &text, first: &first)
        text += "}"
    }
}
