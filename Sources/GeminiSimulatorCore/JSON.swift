import Foundation
import JSONText

/// The simulator's JSON: read from requests by ``parse(_:)``, written by ``serialized()``
/// (object members sorted by name, or in the given order for ``orderedObject(_:)``).
enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
    /// An object whose members are written in this order (answers follow the schema's order).
    case orderedObject([(String, JSON)])

    static func == (lhs: JSON, rhs: JSON) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    /// Reads a request body with ``JSONText``'s strict parser (several times faster than
    /// `JSONDecoder` into this enum, which dominated the simulator's profile); nil when it is
    /// not JSON. A duplicate key keeps its last value.
    static func parse(_ data: Data) -> JSON? {
        guard let value = try? JSONText.JSONValue(parsing: data) else { return nil }
        return JSON(value)
    }

    init(_ value: JSONText.JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        // Every literal the parser lets through is one `Double` reads.
        case .number(let literal): self = .number(Double(literal) ?? 0)
        case .string(let value): self = .string(value)
        case .array(let elements): self = .array(elements.map(JSON.init))
        case .object(let members):
            self = .object(Dictionary(members.map { ($0.key, JSON($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }

    subscript(key: String) -> JSON? {
        switch self {
        case .object(let members): return members[key]
        case .orderedObject(let members): return members.first { $0.0 == key }?.1
        default: return nil
        }
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var int: Int? {
        guard let number, number.rounded() == number else { return nil }
        return Int(exactly: number)
    }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var objectMembers: [String: JSON]? {
        switch self {
        case .object(let members): return members
        case .orderedObject(let members): return Dictionary(members, uniquingKeysWith: { first, _ in first })
        default: return nil
        }
    }

    /// Compact JSON text, written by ``JSONText`` (object members sorted by name, or in the
    /// given order for ``orderedObject(_:)``; non-finite numbers as `null`).
    func serialized() -> String {
        self.jsonText.jsonString()
    }

    /// This value as ``JSONText``'s, with numbers spelled as the simulator writes them:
    /// integral values within ±10¹⁵ without a fraction.
    var jsonText: JSONText.JSONValue {
        switch self {
        case .null: .null
        case .bool(let value): .bool(value)
        case .number(let value):
            if !value.isFinite {
                .null
            } else if value.rounded() == value, abs(value) < 1e15 {
                .number(String(Int64(value)))
            } else {
                .number("\(value)")
            }
        case .string(let value): .string(value)
        case .array(let elements): .array(elements.map(\.jsonText))
        case .object(let members): .object(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value.jsonText) })
        case .orderedObject(let members): .object(members.map { (key: $0.0, value: $0.1.jsonText) })
        }
    }
}

/// 64-bit FNV-1a: a stable hash, so answers are the same on every run and machine.
/// `continuing` is the hash of a prefix: `stableHash(b, continuing: stableHash(a))` equals
/// `stableHash(a + b)`, so a long common prefix is hashed once.
func stableHash(_ text: String, continuing state: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
    var hash = state
    var text = text
    text.withUTF8 { bytes in
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
    }
    return hash
}

/// Eight hex digits of ``stableHash(_:)``.
func shortDigest(_ text: String) -> String {
    let hex = String(stableHash(text) & 0xffff_ffff, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
}

extension JSON {
    /// This value with `suffix` appended to every string in it (member names unchanged).
    func appendingToStrings(_ suffix: String) -> JSON {
        guard !suffix.isEmpty else { return self }
        switch self {
        case .string(let text): return .string(text + suffix)
        case .array(let elements): return .array(elements.map { $0.appendingToStrings(suffix) })
        case .object(let members): return .object(members.mapValues { $0.appendingToStrings(suffix) })
        case .orderedObject(let members): return .orderedObject(members.map { ($0.0, $0.1.appendingToStrings(suffix)) })
        case .null, .bool, .number: return self
        }
    }
}
