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

    /// Compact JSON text.
    func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .number(let value):
            if !value.isFinite {
                out += "null"
            } else if value.rounded() == value, abs(value) < 1e15 {
                out += String(Int64(value))
            } else {
                out += "\(value)"
            }
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            Self.writeMembers(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: &out)
        case .orderedObject(let members):
            Self.writeMembers(members, to: &out)
        }
    }

    private static func writeMembers(_ members: [(String, JSON)], to out: inout String) {
        out += "{"
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { out += "," }
            writeString(key, to: &out)
            out += ":"
            value.write(to: &out)
        }
        out += "}"
    }

    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// 64-bit FNV-1a: a stable hash, so answers are the same on every run and machine.
func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}

/// Eight hex digits of ``stableHash(_:)``.
func shortDigest(_ text: String) -> String {
    let hex = String(stableHash(text) & 0xffff_ffff, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
}
