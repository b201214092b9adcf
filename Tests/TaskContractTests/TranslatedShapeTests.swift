import CareerProto
import CoachTasks
import Foundation
import GenerationTasks
import JSONText
import SwiftProtobuf
import TaskContract
import Testing

/// The two bodies whose message is laid out differently (documents' options, the coach's chat
/// with its actions): what the gateway reads arrives as the message the service expects, and
/// the service's check of that message accepts it, so a caller past the gateway and the
/// gateway are held to the same rules.
@Suite struct TranslatedShapeTests {
    static let profile = #"{"fullName": "Ada Lovelace"}"#

    static func documents(_ options: String) -> String {
        #"{"profile": \#(profile), "options": {"jobDescription": "Staff engineer"\#(options)}}"#
    }

    @Test(arguments: [
        ("", Career_V1_DocumentSelection.both, false),
        (#", "generateResume": true, "generateCoverLetter": false, "includeSummary": false"#, .resumeOnly, true),
        (#", "generateResume": false, "includeSummary": true"#, .coverLetterOnly, false),
        (#", "generateResume": null, "generateCoverLetter": null"#, .both, false),
    ])
    func documentOptionsBecomeTheSelectionAndBack(options: String, selection: Career_V1_DocumentSelection, excludeSummary: Bool) throws {
        let request = try DocumentsTask.request.decode(Data(Self.documents(options).utf8))
        #expect(request.options.documents == selection)
        #expect(request.options.excludeSummary == excludeSummary)
        #expect(request.options.jobDescription == "Staff engineer")
        try DocumentsTask.request.check(request)
    }

    @Test func aMessageAskingForNoKnownSelectionIsRefusedByTheSameRule() {
        var request = Career_V1_GenerateDocumentsRequest()
        request.profile.fullName = "Ada"
        request.options.jobDescription = "x"
        request.options.documents = .UNRECOGNIZED(7)
        let error = #expect(throws: RequestValidationError.self) { try DocumentsTask.request.check(request) }
        #expect(error?.violations.map(\.field) == ["options"])
    }

    @Test func technicalityAndTheTextOptionsArriveAsGiven() throws {
        let request = try DocumentsTask.request.decode(Data(Self.documents(
            #", "technicality": 70, "tone": "warm", "resumeLength": "1 page", "thinkingMode": true, "uploadedResume": "old"#
            + #"", "coverLetterLength": "short", "uploadedCoverLetter": "letter""#).utf8))
        #expect(request.options.technicality == 70)
        #expect(request.options.tone == "warm" && request.options.resumeLength == "1 page" && request.options.coverLetterLength == "short")
        #expect(request.options.thinkingMode && request.options.uploadedResume == "old" && request.options.uploadedCoverLetter == "letter")
        try DocumentsTask.request.check(request)
    }

    static let actions = [
        #"{"type": "updateProfile", "payload": {"field": "summary", "value": "New summary"}}"#,
        #"{"type": "navigate", "payload": {"path": "/generate", "state": {"jobDescription": "Staff engineer"}}}"#,
        #"{"type": "navigate", "payload": {"path": "/coffee-chat", "state": {"counterpartInfo": "Grace", "mode": "reach_out"}}}"#,
        #"{"type": "saveCareerPath", "payload": {"careerPath": {"currentRole": "Engineer", "targetRole": "Staff", "path": [{"timeframe": "1 year", "milestoneTitle": "Lead", "milestoneDescription": "d", "actionItems": [{"category": "c", "title": "t", "description": "d"}]}], "model": "gemini-2.5-pro", "usage": {"promptTokens": 12, "outputTokens": 30, "thoughtsTokens": 0, "totalTokens": 42}, "resultId": "r1"}}}"#,
    ]

    @Test(arguments: actions)
    func everyActionKindArrivesAndPassesTheServicesCheck(action: String) throws {
        let body = #"{"message": "Thanks", "profile": \#(Self.profile), "history": [{"role": "user", "text": "Hi"}, {"role": "model", "text": "", "action": \#(action), "turnState": "s"}]}"#
        let request = try ChatRequestShape.chat.decode(Data(body.utf8))
        #expect(request.history.map(\.role) == [.user, .model])
        #expect(request.history[1].hasAction && request.history[1].action.kind != nil)
        #expect(request.history[1].turnState == "s")
        try ChatRequestShape.chat.check(request)
    }

    @Test func theActionsArriveWithTheirValues() throws {
        func action(_ index: Int) throws -> Career_V1_CoachAction {
            let body = #"{"message": "m", "profile": \#(Self.profile), "history": [{"role": "model", "text": "t", "action": \#(Self.actions[index])}]}"#
            return try ChatRequestShape.chat.decode(Data(body.utf8)).history[0].action
        }
        #expect(try action(0).updateSummary.newSummary == "New summary")
        #expect(try action(1).navigateToResumeGenerator.jobDescription == "Staff engineer")
        #expect(try action(2).navigateToCoffeeChat.mode == .reachOut && action(2).navigateToCoffeeChat.counterpartInfo == "Grace")
        let path = try action(3).saveCareerPath.careerPath
        #expect(path.targetRole == "Staff" && path.path.first?.actionItems.first?.title == "t" && path.usage.totalTokens == 42)
    }

    @Test func theServiceRefusesWhatTheGatewayRefuses() {
        var request = Career_V1_ChatRequest()
        request.message = "Hi"
        request.profile.fullName = "Ada"
        var user = Career_V1_ChatTurn()
        user.role = .user
        user.text = "x"
        user.turnState = "forged"
        user.action.updateSummary.newSummary = "y"
        var unknown = Career_V1_ChatTurn()
        unknown.text = "?"
        var emptyAction = Career_V1_ChatTurn()
        emptyAction.role = .model
        emptyAction.action.navigateToCoffeeChat.counterpartInfo = "  "
        request.history = [user, unknown, emptyAction]
        let error = #expect(throws: RequestValidationError.self) { try ChatRequestShape.chat.check(request) }
        #expect(error?.violations.map(\.field) == [
            "history[0].action", "history[0].turnState", "history[1].role",
            "history[2].action.payload.state.counterpartInfo", "history[2].action.payload.state.mode",
        ])
    }
}
