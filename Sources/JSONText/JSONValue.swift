import Foundation

/// A JSON value: what the gateway reads request bodies into and writes answers from, what the
/// Gemini client sends and receives as free-form JSON (schemas, function arguments), and what
/// the services and the simulator read JSON texts into.
///
/// Objects keep their members in order: a parsed object keeps the order of the body (duplicate
/// keys included, so that validation can refuse them), and an answer is written in the order
/// its encoder lists the keys. That fixed order makes every answer byte-for-byte deterministic.
///
/// Numbers keep the literal as written (`"1.50"`, `"1e2"`), so that nothing is lost to `Double`
/// before a validator decides whether the value is an integer.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, as RFC 8259 spells numbers; written as it is, so build it
    /// with ``integer(_:)`` or ``number(_:)`` rather than by hand.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One member of an object.
    public typealias Member = (key: String, value: JSONValue)

    /// A number from an integer.
    public static func integer(_ value: some BinaryInteger) -> JSONValue {
        .number(String(value))
    }

    /// A number from a `Double`: an integral value within ±2^53 without a fraction (`3`, not
    /// `3.0`), any other finite value as Swift spells it (`0.25`, `1e+20`, both RFC 8259
    /// literals). JSON has no NaN or infinity: those become `null`, as `JSON.stringify` writes them.
    public static func number(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        if value.rounded() == value, abs(value) <= 9_007_199_254_740_992 {
            return .number(String(Int64(value)))
        }
        return .number("\(value)")
    }
}

extension JSONValue: Hashable {
    /// Structural equality; object members compare in order, numbers by their literal (`1.0`
    /// is not `1`). For equality as JSON means it, see ``isEquivalent(to:)``.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(1); hasher.combine(value)
        case .number(let literal): hasher.combine(2); hasher.combine(literal)
        case .string(let value): hasher.combine(3); hasher.combine(value)
        case .array(let elements): hasher.combine(4); hasher.combine(elements)
        case .object(let members):
            hasher.combine(5)
            hasher.combine(members.count)
            for member in members {
                hasher.combine(member.key)
                hasher.combine(member.value)
            }
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Keeps the literal's order: `["text": …, "model": …]` is written text first.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

// MARK: - Writing

extension JSONValue {
    /// The compact UTF-8 JSON text of this value: no whitespace between tokens, members in
    /// their stored order, non-ASCII characters written as UTF-8.
    ///
    /// Control characters in strings are escaped, so the text never holds a raw line break and
    /// can go into one Server-Sent Events `data:` line as it is.
    public func jsonData() -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return Data(out)
    }

    /// The same text as ``jsonData()``, as a `String`.
    public func jsonString() -> String {
        var out: [UInt8] = []
        write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact JSON text of this value to `out`, for writers that put a value
    /// inside a larger text they build themselves (the Gemini request body).
    ///
    /// - Parameter normalizingNumbers: `true` writes each number as its `Codable` encoding
    ///   does, an integral value without a fraction (`5.0` as `5`) and any other as a `Double`
    ///   (what Gemini's schema fields read); `false` writes each literal as it is.
    public func appendJSON(to out: inout [UInt8], normalizingNumbers: Bool = false) {
        write(to: &out, normalizingNumbers: normalizingNumbers)
    }

    private func write(to out: inout [UInt8], normalizingNumbers: Bool = false) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let literal):
            out.append(contentsOf: (normalizingNumbers ? Self.normalizedNumber(literal) : literal).utf8)
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out, normalizingNumbers: normalizingNumbers)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out, normalizingNumbers: normalizingNumbers)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A number literal as ``encode(to:)`` writes it: integers as they are, an integral value
    /// within ±2^53 without a fraction, any other as the `Double` it reads as.
    static func normalizedNumber(_ literal: String) -> String {
        if literal.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || $0 == UInt8(ascii: "-") }),
            Int64(literal) != nil
        {
            return literal
        }
        // Beyond `Double`'s range (`1e400`): left as written (`encode(to:)` then refuses it).
        guard case .number(let normalized) = JSONValue.number(Double(literal) ?? 0) else { return literal }
        return normalized
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string: `"` and `\` escaped, control characters as `\n`,
    /// `\r`, `\t` or `\u00XX`, everything else (`/` and non-ASCII included) as its UTF-8 bytes.
    public static func writeString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: - Writing for people

extension JSONValue {
    /// The JSON text indented by two spaces a level, one member or element a line, ending with
    /// a line break: for documents people read and diff (the committed OpenAPI document).
    public func prettyJSONString() -> String {
        var out: [UInt8] = []
        self.writePretty(to: &out, depth: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    private func writePretty(to out: inout [UInt8], depth: Int) {
        func newline(_ depth: Int) {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
        }
        switch self {
        case .array(let elements) where !elements.isEmpty:
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                element.writePretty(to: &out, depth: depth + 1)
            }
            newline(depth)
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                Self.writeString(member.key, to: &out)
                out.append(contentsOf: ": ".utf8)
                member.value.writePretty(to: &out, depth: depth + 1)
            }
            newline(depth)
            out.append(UInt8(ascii: "}"))
        default:
            self.write(to: &out)
        }
    }
}
