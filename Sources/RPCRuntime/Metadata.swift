/// Key-value pairs that travel with a call (`CallStart.metadata`). Keys are lower-case.
public struct Metadata: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = Dictionary(values.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.values = Dictionary(elements.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(key: String) -> String? {
        get { self.values[key.lowercased()] }
        set { self.values[key.lowercased()] = newValue }
    }

    /// Well-known keys (PROTOCOL.md lists them).
    public enum WellKnownKey {
        /// The gateway's request id, echoed in every log line about the call.
        public static let requestID = "request-id"
        /// W3C trace context.
        public static let traceparent = "traceparent"
        public static let tracestate = "tracestate"
        /// The verified user id (the token's `sub`); the user's token itself never travels.
        public static let userID = "user-id"
    }
}
