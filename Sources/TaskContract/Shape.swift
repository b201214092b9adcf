import JSONText

/// The shape of a JSON request body, or of a part of one: the single statement of what an
/// endpoint accepts. The gateway reads and validates bodies by it (``ShapeReader``), a service
/// checks the protobuf requests it receives by it, and the OpenAPI document's request schemas
/// are written from it (``Shape/jsonSchema(nullable:components:)``), so the three cannot drift.
///
/// The rules every shape follows, as the spec's conventions say:
/// - `null` means the same as an absent member; inside a list it is refused.
/// - A string holds no NUL character (C clients of the RPC would cut it there) and at most
///   its `maxLength` Unicode scalars (``InputLimits/length(of:)``); a required one holds
///   something other than whitespace (``Swift/String/isBlank``).
/// - An object refuses or drops the keys it does not declare (``UnknownKeyPolicy``), and
///   refuses a key given twice.
public indirect enum Shape: Sendable {
    /// A text. `blankAllowed`: a required one must be there but may be empty or whitespace (a
    /// model turn that only carried an action has no text).
    case string(maxLength: Int, blankAllowed: Bool = false)
    case boolean
    case integer(ClosedRange<Int64>)
    /// One of a few strings, each standing for a value of the message's enum.
    case choice([Choice])
    case array(of: Shape, maxItems: Int)
    case object(ObjectShape)
    /// A shape the OpenAPI document lists once, under `components/schemas/<name>`, and refers to.
    case named(String, Shape)
    /// A body member whose message field is laid out differently; the translation is declared
    /// with the shape, so it is still the one statement of both.
    case translated(Translation)
    /// A value whose reading is code rather than a shape (the coach's actions, a union told
    /// apart by its `type` and `path`), with its schema and both mappings declared beside it.
    case custom(CustomShape)

    /// The long texts: 20,000 characters.
    public static let longText = Shape.string(maxLength: InputLimits.maxLongTextLength)
    /// A profile's strings and other short texts: 5,000 characters.
    public static let shortText = Shape.string(maxLength: InputLimits.maxProfileStringLength)
    /// A text the API writes in an answer: no limit of its own.
    public static let answerText = Shape.string(maxLength: .max, blankAllowed: true)

    /// An object shape that refuses undeclared keys.
    public static func object(_ properties: [Property], description: String? = nil) -> Shape {
        .object(ObjectShape(properties: properties, unknownKeys: .reject, description: description))
    }

    /// One of `choices`: the body's string → the message's enum value name.
    public static func choice(_ choices: KeyValuePairs<String, String>) -> Shape {
        .choice(choices.map { Choice($0.key, message: $0.value) })
    }
}

/// An object's declared members, and what happens to the others.
public struct ObjectShape: Sendable {
    public var properties: [Property]
    public var unknownKeys: UnknownKeyPolicy
    public var description: String?
    /// Optional members of which exactly one must be given (the request message's `oneof`):
    /// none or two are refused, and the one given is read as a required member (a string of
    /// them must not be blank).
    public var exactlyOneOf: [String]
    /// Rules between members.
    public var rules: [ObjectRule]

    public init(
        properties: [Property], unknownKeys: UnknownKeyPolicy, description: String? = nil,
        exactlyOneOf: [String] = [], rules: [ObjectRule] = []
    ) {
        self.properties = properties
        self.unknownKeys = unknownKeys
        self.description = description
        self.exactlyOneOf = exactlyOneOf
        self.rules = rules
    }
}

/// A rule between an object's members, which the reader enforces and the schema states.
public enum ObjectRule: Sendable {
    /// Booleans that default to `true` and must not all be `false`; `issue` is reported on the
    /// object ("must ask for at least one document: …").
    case notAllFalse([String], issue: String)
    /// `members` may be given (present, not `null`, not `""`) only when `member` is `value`:
    /// otherwise each one given is reported as `issue`.
    case onlyWhen(member: String, is: String, members: [String], issue: String)
}

/// One value of a ``Shape/choice(_:)``: as the body writes it, and as the message's JSON
/// writes the enum value it stands for.
public struct Choice: Sendable {
    public var value: String
    public var messageValue: String

    public init(_ value: String, message messageValue: String) {
        self.value = value
        self.messageValue = messageValue
    }
}

/// A member whose message field differs from the body's layout (the documents' two booleans
/// are one enum in the message). `shape` is the body's; the functions map its JSON (already
/// read and normalised) to the message's JSON and back.
public struct Translation: Sendable {
    public var shape: Shape
    public var toMessage: @Sendable (JSONValue) -> JSONValue
    public var fromMessage: @Sendable (JSONValue) -> JSONValue

    public init(
        _ shape: Shape, toMessage: @escaping @Sendable (JSONValue) -> JSONValue,
        fromMessage: @escaping @Sendable (JSONValue) -> JSONValue
    ) {
        self.shape = shape
        self.toMessage = toMessage
        self.fromMessage = fromMessage
    }
}

/// A value read by code. `read` reports every problem through the reader and returns the
/// value in the message's JSON form; `fromMessage` writes a message's JSON back in the body's
/// form (to check a message received over the RPC); `schema` states it in the document, adding
/// its named parts to `components`.
public struct CustomShape: Sendable {
    public var name: String
    public var read: @Sendable (Field, RequestReader) -> JSONValue?
    public var fromMessage: @Sendable (JSONValue) -> JSONValue
    public var schema: @Sendable (inout [(key: String, value: JSONValue)]) -> JSONValue

    public init(
        name: String,
        read: @escaping @Sendable (Field, RequestReader) -> JSONValue?,
        fromMessage: @escaping @Sendable (JSONValue) -> JSONValue,
        schema: @escaping @Sendable (inout [(key: String, value: JSONValue)]) -> JSONValue
    ) {
        self.name = name
        self.read = read
        self.fromMessage = fromMessage
        self.schema = schema
    }
}

/// One member of an object.
public struct Property: Sendable {
    public var name: String
    public var shape: Shape
    public var required: Bool
    public var description: String?
    /// What an absent optional member means, for the document (the reader leaves it out).
    public var defaultValue: JSONValue?
    /// In an answer: written `null` when the message leaves it empty (a document not asked for),
    /// rather than as an empty value.
    public var nullWhenEmpty = false

    public static func required(_ name: String, _ shape: Shape, _ description: String? = nil) -> Property {
        Property(name: name, shape: shape, required: true, description: description)
    }

    public static func optional(_ name: String, _ shape: Shape, _ description: String? = nil, default defaultValue: JSONValue? = nil) -> Property {
        Property(name: name, shape: shape, required: false, description: description, defaultValue: defaultValue)
    }

    /// An answer's member that is always there, `null` when the message leaves it empty.
    public static func nullWhenEmpty(_ name: String, _ shape: Shape, _ description: String? = nil) -> Property {
        Property(name: name, shape: shape, required: true, description: description, nullWhenEmpty: true)
    }
}

extension String {
    /// Whether the string holds nothing but whitespace (Unicode's `White_Space` characters), the
    /// one test of "empty" for a required text, in the gateway, the services and the document.
    public var isBlank: Bool {
        self.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }
}

/// Which of the spec's two kinds of model a task runs on: it sets the task's default model and
/// which per-user rate limit a call counts against.
public enum ModelTier: String, Sendable, CaseIterable {
    /// Reasoning: `gemini-2.5-pro`.
    case pro
    /// Simple, high-volume work: `gemini-2.5-flash`.
    case flash

    /// The tier's model when configuration names no other.
    public var defaultModel: String {
        switch self {
        case .pro: "gemini-2.5-pro"
        case .flash: "gemini-2.5-flash"
        }
    }
}

extension Shape {
    /// An answer's shape as the input that reads the answer when a client sends it back (the
    /// coach's history echoes a career path): every member optional, texts of at most 5,000
    /// characters, lists of at most 100 items, undeclared keys refused.
    public var readingSentBack: Shape {
        switch self {
        case .named(_, let shape): shape.readingSentBack
        case .translated(let translation): translation.shape.readingSentBack
        case .string: .shortText
        case .boolean, .integer, .choice, .custom: self
        case .array(let element, _): .array(of: element.readingSentBack, maxItems: InputLimits.maxListItems)
        case .object(let object):
            .object(ObjectShape(
                properties: object.properties.map { .optional($0.name, $0.shape.readingSentBack, $0.description) },
                unknownKeys: .reject, description: object.description
            ))
        }
    }
}
