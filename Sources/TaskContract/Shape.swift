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
    case string(maxLength: Int)
    case boolean
    case integer(ClosedRange<Int64>)
    case array(of: Shape, maxItems: Int)
    case object(ObjectShape)
    /// A shape the OpenAPI document lists once, under `components/schemas/<name>`, and refers to.
    case named(String, Shape)

    /// The long texts: 20,000 characters.
    public static let longText = Shape.string(maxLength: InputLimits.maxLongTextLength)
    /// A profile's strings and other short texts: 5,000 characters.
    public static let shortText = Shape.string(maxLength: InputLimits.maxProfileStringLength)

    /// An object shape that refuses undeclared keys.
    public static func object(_ properties: [Property], description: String? = nil) -> Shape {
        .object(ObjectShape(properties: properties, unknownKeys: .reject, description: description))
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

    public init(properties: [Property], unknownKeys: UnknownKeyPolicy, description: String? = nil, exactlyOneOf: [String] = []) {
        self.properties = properties
        self.unknownKeys = unknownKeys
        self.description = description
        self.exactlyOneOf = exactlyOneOf
    }
}

/// One member of an object.
public struct Property: Sendable {
    public var name: String
    public var shape: Shape
    public var required: Bool
    public var description: String?

    public static func required(_ name: String, _ shape: Shape, _ description: String? = nil) -> Property {
        Property(name: name, shape: shape, required: true, description: description)
    }

    public static func optional(_ name: String, _ shape: Shape, _ description: String? = nil) -> Property {
        Property(name: name, shape: shape, required: false, description: description)
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
