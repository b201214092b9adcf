import CareerProto

// The spec's table from tool to action, and the short texts the coach says about an action.

extension CoachToolCall {
    /// The action for a UI tool; nil for `generateAndSaveCareerPath`, whose action needs the
    /// generation service's answer first (``saveCareerPathAction(_:)``).
    var uiAction: Career_V1_CoachAction? {
        switch self {
        case .updateProfessionalSummary(let newSummary):
            return .with { $0.updateSummary = .with { $0.newSummary = newSummary } }
        case .navigateToResumeGenerator(let jobDescription):
            return .with { $0.navigateToResumeGenerator = .with { $0.jobDescription = jobDescription } }
        case .navigateToCoffeeChat(let counterpartInfo, let mode):
            return .with {
                $0.navigateToCoffeeChat = .with {
                    $0.counterpartInfo = counterpartInfo
                    $0.mode = mode == .reachOut ? .reachOut : .prep
                }
            }
        case .generateAndSaveCareerPath:
            return nil
        }
    }

    static func saveCareerPathAction(_ careerPath: Career_V1_CareerPathResponse) -> Career_V1_CoachAction {
        .with { $0.saveCareerPath = .with { $0.careerPath = careerPath } }
    }

    /// What the coach says when the model called the tool without any text: what happens next.
    var nextStepText: String {
        switch self {
        case .updateProfessionalSummary:
            return "I've drafted a new professional summary for you. Review it and apply it to your profile if you like it."
        case .navigateToResumeGenerator:
            return "I'm taking you to the resume generator with this job description filled in."
        case .navigateToCoffeeChat(_, .prep):
            return "I'm opening the coffee-chat helper so you can prepare for this conversation."
        case .navigateToCoffeeChat(_, .reachOut):
            return "I'm opening the coffee-chat helper to draft your outreach message."
        case .generateAndSaveCareerPath(let currentRole, let targetRole):
            return "I've planned a career path from \(currentRole) to \(targetRole) and saved it to your career paths."
        }
    }
}

extension Career_V1_CoachAction {
    /// The action in words, for replaying a model turn that has no valid `turnState`: the model
    /// then knows what it did in that turn without a function call being invented for it.
    var replayDescription: String? {
        switch kind {
        case nil:
            return nil
        case .updateSummary(let update):
            return "[I proposed this new professional summary in the app: \(update.newSummary)]"
        case .navigateToResumeGenerator:
            return "[I opened the resume generator with the job description the user gave.]"
        case .navigateToCoffeeChat(let navigate):
            let mode = navigate.mode == .reachOut ? "draft an outreach message" : "prepare the conversation"
            return "[I opened the coffee-chat helper to \(mode).]"
        case .saveCareerPath(let save):
            let titles = save.careerPath.path.map(\.milestoneTitle).joined(separator: "; ")
            return "[I planned and saved a career path from \(save.careerPath.currentRole) to \(save.careerPath.targetRole): \(titles)]"
        }
    }
}

/// What the coach says when nothing the model asked for could be done and it wrote no text.
let noActionText = "Sorry, I couldn't complete that step. Could you tell me a little more about what you'd like to do?"

/// What the coach adds when the career path could not be planned.
func careerPathFailureText(_ reason: String) -> String {
    "I couldn't create your career path just now (\(reason)), so nothing was saved. Please try again in a moment."
}
