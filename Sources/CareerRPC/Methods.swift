import CareerProto
import RPCRuntime

/// The documents' methods of `career.v1.GenerationService` (Proto/career/v1/generation.proto);
/// every other task's come from its definition (GenerationTasks).
public enum GenerationMethods {
    static let service = "career.v1.GenerationService"

    public static let generateDocuments = RPCMethod<Career_V1_GenerateDocumentsRequest, Career_V1_GenerateDocumentsResponse>(
        service: service, name: "GenerateDocuments", kind: .unary)
    public static let streamDocuments = RPCMethod<Career_V1_GenerateDocumentsRequest, Career_V1_DocumentsStreamEvent>(
        service: service, name: "StreamDocuments", kind: .serverStreaming)
}

/// The methods of `career.v1.CoachService` (Proto/career/v1/coach.proto).
public enum CoachMethods {
    static let service = "career.v1.CoachService"

    public static let chat = RPCMethod<Career_V1_ChatRequest, Career_V1_ChatResponse>(
        service: service, name: "Chat", kind: .unary)
    public static let streamChat = RPCMethod<Career_V1_ChatRequest, Career_V1_ChatStreamEvent>(
        service: service, name: "StreamChat", kind: .serverStreaming)
}
