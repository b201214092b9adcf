import Foundation
import JSONText

/// A field's path in a request body, as violations name it: `profile.experience[0].title`.
public struct FieldPath: Sendable, Equatable {
    /// Empty for the body itself.
    public let text: String

    public static let body = FieldPath(text: "")

    /// Longest object key a path repeats as given; a longer one is cut, so that an error never
    /// echoes a huge key back.
    public static let maxKeyLength = 100

    public func key(_ key: String) -> FieldPath {
        var key = key
        if key.unicodeScalars.count > Self.maxKeyLength {
            key = String(String.UnicodeScalarView(key.unicodeScalars.prefix(Self.maxKeyLength))) + "…"
        }
        return FieldPath(text: text.isEmpty ? key : "\(text).\(key)")
    }

    public func index(_ index: Int) -> FieldPath {
        FieldPath(text: "\(text)[\(index)]")
    }
}

/// A value at a path. `value` is nil when an object member is absent or `null` (the two mean
/// the same); a list element keeps its `.null`, which no reader accepts.
public struct Field {
    public let path: FieldPath
    public let value: JSONValue?

    public init(path: FieldPath, value: JSONValue?) {
        self.path = path
        self.value = value
    }
}

/// The members of one object of the body, looked up by key.
public struct ObjectFields {
    public let path: FieldPath
    private let members: [String: JSONValue]
    private let declared: Set<String>

    init(path: FieldPath, members: [String: JSONValue], declared: Set<String>) {
        self.path = path
        self.members = members
        self.declared = declared
    }

    /// The member `key`: nil value when absent or `null`.
    public subscript(key: String) -> Field {
        assert(declared.contains(key), "read an undeclared key '\(key)' at '\(path.text)'")
        var value = members[key]
        if value == .null { value = nil }
        return Field(path: path.key(key), value: value)
    }

    /// Whether `key` is present with a value other than `null`.
    public func isGiven(_ key: String) -> Bool {
        self[key].value != nil
    }
}

/// What an object does with keys it does not declare.
public enum UnknownKeyPolicy: Sendable {
    /// A violation naming the key: the top level, `options`, `history` items, ….
    case reject
    /// Silently dropped: anywhere inside `profile`.
    case drop
}

/// Reads a parsed body into a message, collecting every violation on the way instead of
/// stopping at the first. Each reader returns a usable value (empty when the field is wrong),
/// so reading goes on; the decoder throws at the end if anything was reported.
public final class RequestReader {
    public private(set) var violations: [FieldViolation] = []
    private var unlisted = 0

    public init() {}

    /// Decodes `body` as one JSON object with exactly `keys` (others refused) and hands it to
    /// `read`; throws every violation found by the parser or by `read`.
    public static func decode<Message>(
        _ body: Data,
        keys: [String],
        _ read: (ObjectFields, RequestReader) -> Message
    ) throws(RequestValidationError) -> Message {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            let isBlank = body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            let issue = isBlank ? "must be a JSON object; the body is empty" : "is not valid JSON: \(error)"
            throw RequestValidationError(violations: [FieldViolation(field: FieldPath.body.text, issue: issue)])
        }
        guard case .object = value else {
            throw RequestValidationError(violations: [
                FieldViolation(field: FieldPath.body.text, issue: "must be a JSON object")
            ])
        }
        let reader = RequestReader()
        let object = reader.object(Field(path: .body, value: value), keys: keys, unknownKeys: .reject)!
        let message = read(object, reader)
        if let error = reader.error { throw error }
        return message
    }

    /// Every violation reported so far, or nil when there is none.
    public var error: RequestValidationError? {
        guard !violations.isEmpty else { return nil }
        var listed = violations
        if unlisted > 0 {
            listed.append(FieldViolation(field: "", issue: "and \(unlisted) more problems not listed"))
        }
        return RequestValidationError(violations: listed)
    }

    public func report(_ path: FieldPath, _ issue: String) {
        guard violations.count < InputLimits.maxReportedViolations else {
            unlisted += 1
            return
        }
        violations.append(FieldViolation(field: path.text, issue: issue))
    }

    // MARK: Objects and lists

    /// The object at `field`, or nil when it is absent (reported if `required`) or not an object.
    ///
    /// `keys` are the keys the object may hold; a key given twice is refused, and the others
    /// are refused or dropped as `unknownKeys` says.
    public func object(
        _ field: Field,
        keys: [String],
        unknownKeys: UnknownKeyPolicy,
        required: Bool = false
    ) -> ObjectFields? {
        guard let value = field.value else {
            if required { report(field.path, "is required") }
            return nil
        }
        guard case .object(let pairs) = value else {
            report(field.path, "must be an object")
            return nil
        }
        let declared = Set(keys)
        var members: [String: JSONValue] = [:]
        var duplicates: Set<String> = []
        for (key, value) in pairs {
            guard declared.contains(key) else {
                if unknownKeys == .reject { report(field.path.key(key), "is not a known field") }
                continue
            }
            if members[key] == nil {
                members[key] = value
            } else if duplicates.insert(key).inserted {
                report(field.path.key(key), "is given more than once")
            }
        }
        return ObjectFields(path: field.path, members: members, declared: declared)
    }

    /// The list at `field`, each element read by `element`; elements it returns nil for are
    /// left out. Absent or `null` is an empty list.
    public func list<Element>(
        _ field: Field,
        maxItems: Int = InputLimits.maxListItems,
        _ element: (Field) -> Element?
    ) -> [Element] {
        guard let value = field.value else { return [] }
        guard case .array(let items) = value else {
            report(field.path, "must be an array")
            return []
        }
        if items.count > maxItems {
            report(field.path, "must have at most \(maxItems) items (got \(items.count))")
        }
        return items.enumerated().compactMap { index, item in
            element(Field(path: field.path.index(index), value: item))
        }
    }

    // MARK: Scalars

    /// The string at `field`; "" when absent, `null` or wrong.
    ///
    /// Longer than `maxLength` Unicode scalars is refused, and so is a NUL character: C
    /// clients of the RPC (protobuf-c) would cut the string there. A `required` string must be
    /// given and hold something other than whitespace.
    public func string(_ field: Field, maxLength: Int, required: Bool = false) -> String {
        guard let value = field.value else {
            if required { report(field.path, "is required") }
            return ""
        }
        guard case .string(let string) = value else {
            report(field.path, "must be a string")
            return ""
        }
        check(string, at: field.path, maxLength: maxLength)
        if required, string.isBlank {
            report(field.path, "must not be empty")
        }
        return string
    }

    /// The checks every accepted string goes through.
    public func check(_ string: String, at path: FieldPath, maxLength: Int) {
        // A scalar takes at least one UTF-8 byte, so a short string needs no counting.
        if string.utf8.count > maxLength {
            let length = string.unicodeScalars.count
            if length > maxLength {
                report(path, "must be at most \(maxLength) characters (got \(length))")
            }
        }
        if string.utf8.contains(0) {
            report(path, "must not contain the NUL character (\\u0000)")
        }
    }

    /// The boolean at `field`; `defaultValue` when absent, `null` or wrong.
    public func bool(_ field: Field, default defaultValue: Bool) -> Bool {
        guard let value = field.value else { return defaultValue }
        guard case .bool(let bool) = value else {
            report(field.path, "must be a boolean")
            return defaultValue
        }
        return bool
    }

    /// The integer at `field` within `range`, or nil when absent, `null` or wrong (reported as
    /// `issue`). An integral number written with a fraction or exponent (`50.0`, `5e1`) counts
    /// as an integer, as JSON Schema says; `1.5` and `"50"` do not.
    public func integer(_ field: Field, in range: ClosedRange<Int64>, issue: String) -> Int64? {
        guard let value = field.value else { return nil }
        guard case .number(let literal) = value, let integer = Self.integerValue(literal), range.contains(integer)
        else {
            report(field.path, issue)
            return nil
        }
        return integer
    }

    private static func integerValue(_ literal: String) -> Int64? {
        if let exact = Int64(literal) { return exact }
        guard let double = Double(literal), double.isFinite, double.rounded() == double,
            let integer = Int64(exactly: double)
        else { return nil }
        return integer
    }

    /// The string at `field` when it is one of `values`, or nil when absent, `null` or not one
    /// of them (reported as: must be "a", "b" or "c").
    public func choice(_ field: Field, _ values: [String], required: Bool = false) -> String? {
        guard let value = field.value else {
            if required { report(field.path, "is required") }
            return nil
        }
        if case .string(let string) = value, values.contains(string) {
            return string
        }
        report(field.path, "must be " + Self.orList(values.map { "\"\($0)\"" }))
        return nil
    }

    private static func orList(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}
