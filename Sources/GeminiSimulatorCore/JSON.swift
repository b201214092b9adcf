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
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value):
            if !value.isFinite {
                out.append(contentsOf: "null".utf8)
            } else if value.rounded() == value, abs(value) < 1e15 {
                out.append(contentsOf: String(Int64(value)).utf8)
            } else {
                out.append(contentsOf: "\(value)".utf8)
            }
        case .string(let value): JSONValue.writeString(value, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            Self.writeMembers(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: &out)
        case .orderedObject(let members):
            Self.writeMembers(members, to: &out)
        }
    }

    private static func writeMembers(_ members: [(String, JSON)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            value.write(to: &out)
        }
        out.append(UInt8(ascii: "}"))
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
