import JSONText

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

extension JSONValue {
    /// This value with every object's members sorted by name (a name given twice keeps its
    /// last value): what the simulator hashes and repeats of a request's free JSON, whose
    /// member order is the client's encoder's (`JSONEncoder`'s changes from run to run).
    var sortedByName: JSONValue {
        switch self {
        case .array(let elements): .array(elements.map(\.sortedByName))
        case .object: .object(uniqueMembersByName.map { (key: $0.key, value: $0.value.sortedByName) })
        case .null, .bool, .number, .string: self
        }
    }

    /// This value with `suffix` appended to every string in it (member names unchanged).
    func appendingToStrings(_ suffix: String) -> JSONValue {
        guard !suffix.isEmpty else { return self }
        switch self {
        case .string(let text): return .string(text + suffix)
        case .array(let elements): return .array(elements.map { $0.appendingToStrings(suffix) })
        case .object(let members): return .object(members.map { (key: $0.key, value: $0.value.appendingToStrings(suffix)) })
        case .null, .bool, .number: return self
        }
    }
}
