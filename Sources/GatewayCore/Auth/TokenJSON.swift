import Foundation
import JSONText

/// Reads a token's header and payload JSON as strictly as I-JSON (RFC 7493) asks, before any
/// key is looked up or any claim believed.
///
/// Why: a token means what its readers make of it, and readers differ where JSON is loose. With
/// `"role": "authenticated"` and later `"role": "service_role"` in one payload, a reader that
/// keeps the first value (Foundation's decoder did) and one that keeps the last (Supabase's own
/// services, most JWT libraries) see two different users. RFC 7519 §4 allows refusing such a
/// token, so every looseness that lets two readers disagree is refused here:
/// - a member name twice in one object, at any depth;
/// - anything after the object, or a text that is not an object;
/// - invalid UTF-8, a `\u` escape of a lone surrogate, a byte order mark;
/// - a NUL character in any string or member name (C-based readers stop at it);
/// - a number that a double cannot hold exactly as an integer (beyond ±(2⁵³−1)) or at all
///   (`1e400`), and a time claim (`exp`, `nbf`, `iat`) outside 0 … 253402300799 (the year 9999).
/// Every refusal is ``AuthError/malformed`` (`INVALID_TOKEN`).
enum TokenJSON {
    /// Largest integer every JSON reader holds exactly (I-JSON §2.2).
    static let largestExactInteger: Int64 = (1 << 53) - 1
    /// Latest time a time claim may name: 9999-12-31T23:59:59Z.
    static let latestTime: Double = 253_402_300_799
    /// The payload's time claims (RFC 7519 §4.1.4–6), NumericDate seconds since 1970.
    static let timeClaims: Set<String> = ["exp", "nbf", "iat"]

    /// The members of the JSON object that `segment` (one base64url part of a token) encodes.
    static func object(base64URL segment: Substring) throws(AuthError) -> [(key: String, value: JSONValue)] {
        guard let data = Self.base64URLDecoded(segment) else { throw .malformed }
        let value: JSONValue
        do {
            value = try JSONValue(parsingStrictly: data)
        } catch {
            throw .malformed
        }
        guard case .object(let members) = value else { throw .malformed }
        try Self.check(value)
        return members
    }

    /// Checks the payload segment, its time claims included.
    static func checkPayload(base64URL segment: Substring) throws(AuthError) {
        for (key, value) in try Self.object(base64URL: segment) where Self.timeClaims.contains(key) {
            guard case .number(let literal) = value, let seconds = Double(literal), (0...Self.latestTime).contains(seconds) else {
                throw .malformed
            }
        }
    }

    /// Walks `value`: no duplicate member names, no NUL, every number representable.
    private static func check(_ value: JSONValue) throws(AuthError) {
        switch value {
        case .null, .bool:
            return
        case .string(let text):
            try Self.checkString(text)
        case .number(let literal):
            guard Self.fits(literal) else { throw .malformed }
        case .array(let elements):
            for element in elements { try Self.check(element) }
        case .object(let members):
            var names = Set<String>(minimumCapacity: members.count)
            for (key, member) in members {
                // Compared as Swift strings compare: canonically equivalent names (a precomposed
                // "é" and "e" + U+0301) count as the same name too, which only refuses more.
                guard names.insert(key).inserted else { throw .malformed }
                try Self.checkString(key)
                try Self.check(member)
            }
        }
    }

    private static func checkString(_ text: String) throws(AuthError) {
        guard !text.utf8.contains(0) else { throw .malformed }
    }

    /// Whether a number literal (already valid RFC 8259 grammar) means the same to every reader.
    static func fits(_ literal: String) -> Bool {
        let isInteger = !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        if isInteger {
            guard let integer = Int64(literal) else { return false }
            return integer.magnitude <= Self.largestExactInteger.magnitude
        }
        guard let double = Double(literal) else { return false }
        return double.isFinite
    }

    /// Unpadded base64url (RFC 7515 §2), as every JWS compact serialisation writes it.
    static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
