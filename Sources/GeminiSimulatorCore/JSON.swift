import Foundation

/// The simulator's JSON: decoded from requests with `JSONDecoder`, written by ``serialized()``
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

    static func parse(_ data: Data) -> JSON? {
        try? JSONDecoder().decode(JSON.self, from: data)
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

extension JSON: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSON].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
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
