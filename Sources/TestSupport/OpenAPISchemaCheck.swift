import Foundation

/// Checks JSON bodies against the schemas of an OpenAPI 3.1 document (JSON Schema 2020-12), so
/// tests can hold real answers to the document the gateway serves.
///
/// Covers what the document uses: `$ref` into the document, `type` (one or a list, `null`
/// included), `properties`, `required`, `additionalProperties` (boolean or schema), `items`,
/// `minItems`/`maxItems`, `enum`, `const`, `minimum`/`maximum`, `minLength`/`maxLength`,
/// `oneOf` (exactly one) and `anyOf`. Other keywords are annotations here.
///
/// Everything is decoded into a native ``Node`` first: walking `JSONSerialization`'s bridged
/// dictionaries re-bridges them at every step, which on Linux costs gigabytes on a document
/// this size.
public struct OpenAPISchemaCheck: Sendable {
    /// A JSON value.
    public indirect enum Node: Decodable, Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([Node])
        case object([String: Node])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([Node].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: Node].self))
            }
        }

        public subscript(key: String) -> Node? {
            if case .object(let members) = self { members[key] } else { nil }
        }

        var string: String? { if case .string(let value) = self { value } else { nil } }
        var number: Double? { if case .number(let value) = self { value } else { nil } }
        var array: [Node]? { if case .array(let value) = self { value } else { nil } }
        var members: [String: Node]? { if case .object(let value) = self { value } else { nil } }
    }

    public let document: Node

    public init(documentData: Data) throws {
        self.document = try JSONDecoder().decode(Node.self, from: documentData)
    }

    /// The schema of an operation's answer: `paths[path][method].responses[status].content[mediaType].schema`,
    /// with a response `$ref` followed.
    public func responseSchema(path: String, method: String = "post", status: String = "200", mediaType: String = "application/json") -> Node? {
        guard var response = document["paths"]?[path]?[method]?["responses"]?[status] else { return nil }
        if let reference = response["$ref"]?.string, let resolved = resolve(reference) { response = resolved }
        return response["content"]?[mediaType]?["schema"]
    }

    /// The schema of an operation's JSON request body.
    public func requestSchema(path: String, method: String = "post") -> Node? {
        document["paths"]?[path]?[method]?["requestBody"]?["content"]?["application/json"]?["schema"]
    }

    /// A schema of `components.schemas`.
    public func schema(named name: String) -> Node? {
        resolve("#/components/schemas/\(name)")
    }

    /// Every way the JSON `body` breaks `schema`, each with its path; empty when it conforms.
    public func violations(of body: Data, against schema: Node) -> [String] {
        do {
            return violations(of: try JSONDecoder().decode(Node.self, from: body), against: schema, at: "$")
        } catch {
            return ["$: not JSON"]
        }
    }

    public func violations(of value: Node, against schema: Node, at path: String) -> [String] {
        if let reference = schema["$ref"]?.string {
            guard let resolved = resolve(reference) else { return ["\(path): unresolvable \(reference)"] }
            return violations(of: value, against: resolved, at: path)
        }
        if let type = schema["type"] {
            let types = type.array?.compactMap(\.string) ?? [type.string ?? ""]
            if !types.contains(where: { Self.value(value, is: $0) }) {
                return ["\(path): \(Self.describe(value)) is not \(types.joined(separator: " or "))"]
            }
        }
        var found: [String] = []
        if let constant = schema["const"], value != constant {
            found.append("\(path): must be \(constant)")
        }
        if let options = schema["enum"]?.array, !options.contains(value) {
            found.append("\(path): \(value) is not one of the enum")
        }
        if let oneOf = schema["oneOf"]?.array {
            let matching = oneOf.filter { violations(of: value, against: $0, at: path).isEmpty }.count
            if matching != 1 { found.append("\(path): matches \(matching) of the oneOf schemas, not exactly one") }
        }
        if let anyOf = schema["anyOf"]?.array, !anyOf.contains(where: { violations(of: value, against: $0, at: path).isEmpty }) {
            found.append("\(path): matches none of the anyOf schemas")
        }
        switch value {
        case .number(let number):
            if let minimum = schema["minimum"]?.number, number < minimum { found.append("\(path): below \(minimum)") }
            if let maximum = schema["maximum"]?.number, number > maximum { found.append("\(path): above \(maximum)") }
        case .string(let string):
            let length = Double(string.unicodeScalars.count)
            if let minimum = schema["minLength"]?.number, length < minimum { found.append("\(path): shorter than \(minimum)") }
            if let maximum = schema["maxLength"]?.number, length > maximum { found.append("\(path): longer than \(maximum)") }
        case .array(let items):
            let count = Double(items.count)
            if let minimum = schema["minItems"]?.number, count < minimum { found.append("\(path): fewer than \(minimum) items") }
            if let maximum = schema["maxItems"]?.number, count > maximum { found.append("\(path): more than \(maximum) items") }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += violations(of: item, against: itemSchema, at: "\(path)[\(index)]") }
            }
        case .object(let members):
            let properties = schema["properties"]?.members ?? [:]
            for case .string(let name) in schema["required"]?.array ?? [] where members[name] == nil {
                found.append("\(path): \(name) is required")
            }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] {
                    found += violations(of: member, against: property, at: "\(path).\(name)")
                } else if let additional = schema["additionalProperties"], additional != .bool(true) {
                    if additional == .bool(false) {
                        found.append("\(path): \(name) is not allowed")
                    } else {
                        found += violations(of: member, against: additional, at: "\(path).\(name)")
                    }
                }
            }
        case .null, .bool:
            break
        }
        return found
    }

    private func resolve(_ reference: String) -> Node? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Node? = document
        for key in reference.dropFirst(2).split(separator: "/") { node = node?[String(key)] }
        return node
    }

    private static func value(_ value: Node, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object):
            true
        case ("integer", .number(let number)):
            number.rounded() == number
        default:
            false
        }
    }

    private static func describe(_ value: Node) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
