import SwiftProtobuf

/// A method of a service: its path on the wire and its message types.
public struct RPCMethod<Request: SwiftProtobuf.Message & Sendable, Response: SwiftProtobuf.Message & Sendable>: Sendable, Hashable {
    /// "/career.v1.GenerationService/InterviewQuestions".
    public let path: String
    public let kind: RPCMethodKind

    public init(path: String, kind: RPCMethodKind) {
        self.path = path
        self.kind = kind
    }

    public init(service: String, name: String, kind: RPCMethodKind) {
        self.init(path: "/\(service)/\(name)", kind: kind)
    }
}

public enum RPCMethodKind: Sendable, Hashable {
    /// One request, one response.
    case unary
    /// One request, any number of responses.
    case serverStreaming
}
