// Reading a JSON value: its members and its kinds, each `nil` when the value is of another kind.

extension JSONValue {
    /// The member named `key` when this is an object, otherwise `nil`. A key given more than
    /// once yields its last value, as most JSON readers (and `JSONDecoder`) take it.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// The string when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number when this is a number (one beyond `Double`'s range is ±infinity).
    public var numberValue: Double? {
        guard case .number(let literal) = self else { return nil }
        // `Double` reads every RFC 8259 literal, the only kind a `.number` holds.
        return Double(literal)
    }

    /// The number as an `Int` when this is an integral number that fits (`3`, `3.0`, `3e0`).
    public var intValue: Int? {
        guard case .number(let literal) = self else { return nil }
        // An integer literal is read exactly, even beyond 2^53.
        if let exact = Int(literal) { return exact }
        guard let value = Double(literal), value.rounded() == value else { return nil }
        return Int(exactly: value)
    }

    /// The boolean when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, in order, when this is an object.
    public var objectValue: [Member]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The members of this object, each name once with its last value, sorted by name: the
    /// order-free reading of an object (empty when this is not one).
    public var uniqueMembersByName: [Member] {
        guard case .object(let members) = self else { return [] }
        let latest = Dictionary(members.lazy.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        return latest.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    /// Equality as JSON means it, where `==` is structural: numbers compare by value (`1.0`
    /// is `1`), objects by their members regardless of order (a key given more than once
    /// counts with its last value). What JSON Schema's `enum` and `const` compare with, and what
    /// to compare a value with one that went through `Codable`, which neither keeps member
    /// order (`JSONDecoder`'s is its hash table's) nor a number's spelling.
    public func isEquivalent(to other: JSONValue) -> Bool {
        switch (self, other) {
        case let (.number(a), .number(b)):
            return a == b || Double(a) == Double(b)
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isEquivalent(to: $1) }
        case (.object, .object):
            let (a, b) = (self.uniqueMembersByName, other.uniqueMembersByName)
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value.isEquivalent(to: $1.value) }
        default:
            return self == other
        }
    }
}
