import CareerProto
import RPCRuntime

/// The methods of `career.v1.GenerationService` (Proto/career/v1/generation.proto).
public enum GenerationMethods {
    static let service = "career.v1.GenerationService"

    public static let generateDocuments = RPCMethod<Career_V1_GenerateDocumentsRequest, Career_V1_GenerateDocumentsResponse>(
        service: service, name: "GenerateDocuments", kind: .unary)
    public static let streamDocuments = RPCMethod<Career_V1_GenerateDocumentsRequest, Career_V1_DocumentsStreamEvent>(
        service: service, name: "StreamDocuments", kind: .serverStreaming)
    public static let parseProfile = RPCMethod<Career_V1_ParseProfileRequest, Career_V1_ParseProfileResponse>(
        service: service, name: "ParseProfile", kind: .unary)
    public static let analyzeApplication = RPCMethod<Career_V1_AnalyzeApplicationRequest, Career_V1_AnalyzeApplicationResponse>(
        service: service, name: "AnalyzeApplication", kind: .unary)
    public static let planCareerPath = RPCMethod<Career_V1_CareerPathRequest, Career_V1_CareerPathResponse>(
        service: service, name: "PlanCareerPath", kind: .unary)
    public static let interviewQuestions = RPCMethod<Career_V1_InterviewQuestionsRequest, Career_V1_InterviewQuestionsResponse>(
        service: service, name: "InterviewQuestions", kind: .unary)
}

/// The methods of `career.v1.CoachService` (Proto/career/v1/coach.proto).
public enum CoachMethods {
    static let service = "career.v1.CoachService"

    public static let chat = RPCMethod<Career_V1_ChatRequest, Career_V1_ChatResponse>(
        service: service, name: "Chat", kind: .unary)
    public static let streamChat = RPCMethod<Career_V1_ChatRequest, Career_V1_ChatStreamEvent>(
        service: service, name: "StreamChat", kind: .serverStreaming)
}
