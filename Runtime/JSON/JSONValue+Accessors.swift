extension JSONValue {
    /// The string, or nil for any other kind of value.
    public var stringValue: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The number, or nil for any other kind of value.
    public var numberValue: Double? {
        guard case .number(let number) = self else { return nil }
        return number
    }

    /// The boolean, or nil for any other kind of value.
    public var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// The members of an object, or nil for any other kind of value.
    public var objectValue: [String: JSONValue]? {
        guard case .object(let members) = self else { return nil }
        return members
    }

    /// The elements of an array, or nil for any other kind of value.
    public var arrayValue: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }

    /// The elements of an array of objects; nil for any other value, including an array with an
    /// element that is not an object.
    public var objectsValue: [[String: JSONValue]]? {
        guard let elements = arrayValue else { return nil }
        let objects = elements.compactMap(\.objectValue)
        return objects.count == elements.count ? objects : nil
    }

    /// The elements of an array of strings; nil for any other value, including an array with an
    /// element that is not a string.
    public var stringsValue: [String]? {
        guard let elements = arrayValue else { return nil }
        let strings = elements.compactMap(\.stringValue)
        return strings.count == elements.count ? strings : nil
    }
}
