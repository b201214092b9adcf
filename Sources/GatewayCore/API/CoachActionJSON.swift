import CareerProto
import JSONText
import TaskContract

// The coach's actions in the spec's JSON form, both ways:
//   {"type": "updateProfile", "payload": {"field": "summary", "value": …}}
//   {"type": "navigate", "payload": {"path": "/generate", "state": {"jobDescription": …}}}
//   {"type": "navigate", "payload": {"path": "/coffee-chat", "state": {"counterpartInfo": …, "mode": "prep"|"reach_out"}}}
//   {"type": "saveCareerPath", "payload": {"careerPath": {…the career path answer…}}}
// A history turn echoes the action the coach returned, so reading is strict at every depth:
// only these types, paths and fields, and no other keys.

extension RequestReader {
    private enum ActionType { case updateProfile, navigate, saveCareerPath }
    private enum NavigationPath { case generate, coffeeChat }

    /// The action at `field`, or nil when absent or invalid (reported).
    func coachAction(_ field: Field) -> Career_V1_CoachAction? {
        guard let object = object(field, keys: ["type", "payload"], unknownKeys: .reject) else { return nil }
        let type = choice(
            object["type"],
            ["updateProfile": ActionType.updateProfile, "navigate": .navigate, "saveCareerPath": .saveCareerPath],
            required: true
        )
        var action = Career_V1_CoachAction()
        switch type {
        case nil:
            return nil
        case .updateProfile:
            let keys = ["field", "value"]
            guard let payload = self.object(object["payload"], keys: keys, unknownKeys: .reject, required: true)
            else { return nil }
            _ = choice(payload["field"], ["summary": ()], required: true)
            var update = Career_V1_UpdateSummaryAction()
            update.newSummary = string(payload["value"], maxLength: InputLimits.maxProfileStringLength, required: true)
            action.updateSummary = update
        case .navigate:
            let keys = ["path", "state"]
            guard let payload = self.object(object["payload"], keys: keys, unknownKeys: .reject, required: true)
            else { return nil }
            let path = choice(
                payload["path"],
                ["/generate": NavigationPath.generate, "/coffee-chat": .coffeeChat],
                required: true
            )
            switch path {
            case nil:
                return nil
            case .generate:
                let keys = ["jobDescription"]
                guard let state = self.object(payload["state"], keys: keys, unknownKeys: .reject, required: true)
                else { return nil }
                var navigate = Career_V1_NavigateToResumeGeneratorAction()
                navigate.jobDescription = string(
                    state["jobDescription"], maxLength: InputLimits.maxLongTextLength, required: true)
                action.navigateToResumeGenerator = navigate
            case .coffeeChat:
                let keys = ["counterpartInfo", "mode"]
                guard let state = self.object(payload["state"], keys: keys, unknownKeys: .reject, required: true)
                else { return nil }
                var navigate = Career_V1_NavigateToCoffeeChatAction()
                navigate.counterpartInfo = string(
                    state["counterpartInfo"], maxLength: InputLimits.maxLongTextLength, required: true)
                navigate.mode =
                    choice(state["mode"], ["prep": Career_V1_CoffeeChatMode.prep, "reach_out": .reachOut], required: true)
                    ?? .unspecified
                action.navigateToCoffeeChat = navigate
            }
        case .saveCareerPath:
            let keys = ["careerPath"]
            guard let payload = self.object(object["payload"], keys: keys, unknownKeys: .reject, required: true),
                let careerPath = careerPath(payload["careerPath"])
            else { return nil }
            var save = Career_V1_SaveCareerPathAction()
            save.careerPath = careerPath
            action.saveCareerPath = save
        }
        return action
    }

    /// A career path answer as the API wrote it (required), `model` and `usage` included, and
    /// the `resultId` of its saved copy when there is one (accepted, not needed to replay).
    private func careerPath(_ field: Field) -> Career_V1_CareerPathResponse? {
        let keys = ["currentRole", "targetRole", "path", "model", "usage", "resultId"]
        guard let object = object(field, keys: keys, unknownKeys: .reject, required: true) else { return nil }
        var careerPath = Career_V1_CareerPathResponse()
        careerPath.currentRole = shortText(object["currentRole"])
        careerPath.targetRole = shortText(object["targetRole"])
        careerPath.path = list(object["path"]) { field in
            let keys = ["timeframe", "milestoneTitle", "milestoneDescription", "actionItems"]
            guard let object = self.object(field, keys: keys, unknownKeys: .reject) else { return nil }
            var milestone = Career_V1_CareerMilestone()
            milestone.timeframe = shortText(object["timeframe"])
            milestone.milestoneTitle = shortText(object["milestoneTitle"])
            milestone.milestoneDescription = shortText(object["milestoneDescription"])
            milestone.actionItems = list(object["actionItems"]) { field in
                let keys = ["category", "title", "description"]
                guard let object = self.object(field, keys: keys, unknownKeys: .reject) else { return nil }
                var item = Career_V1_CareerActionItem()
                item.category = shortText(object["category"])
                item.title = shortText(object["title"])
                item.description_p = shortText(object["description"])
                return item
            }
            return milestone
        }
        careerPath.model = shortText(object["model"])
        _ = shortText(object["resultId"])  // checked as a string, then dropped
        if let usage = usage(object["usage"]) { careerPath.usage = usage }
        return careerPath
    }

    private func usage(_ field: Field) -> Career_V1_Usage? {
        let keys = ["promptTokens", "outputTokens", "thoughtsTokens", "totalTokens"]
        guard let object = object(field, keys: keys, unknownKeys: .reject) else { return nil }
        func count(_ key: String) -> Int64 {
            integer(object[key], in: 0...Int64.max, issue: "must be a non-negative integer") ?? 0
        }
        var usage = Career_V1_Usage()
        usage.promptTokens = count("promptTokens")
        usage.outputTokens = count("outputTokens")
        usage.thoughtsTokens = count("thoughtsTokens")
        usage.totalTokens = count("totalTokens")
        return usage
    }

    private func shortText(_ field: Field) -> String {
        string(field, maxLength: InputLimits.maxProfileStringLength)
    }
}

extension Career_V1_CoachAction {
    /// The action's JSON, or nil when it holds no action.
    ///
    /// A coffee-chat mode the service left unspecified is written `"prep"`, so the frontend
    /// only ever sees the two documented modes.
    public var jsonValue: JSONValue? {
        switch kind {
        case nil:
            return nil
        case .updateSummary(let update):
            return ["type": "updateProfile", "payload": ["field": "summary", "value": .string(update.newSummary)]]
        case .navigateToResumeGenerator(let navigate):
            return [
                "type": "navigate",
                "payload": ["path": "/generate", "state": ["jobDescription": .string(navigate.jobDescription)]],
            ]
        case .navigateToCoffeeChat(let navigate):
            let mode: JSONValue = navigate.mode == .reachOut ? "reach_out" : "prep"
            return [
                "type": "navigate",
                "payload": [
                    "path": "/coffee-chat",
                    "state": ["counterpartInfo": .string(navigate.counterpartInfo), "mode": mode],
                ],
            ]
        case .saveCareerPath(let save):
            return ["type": "saveCareerPath", "payload": ["careerPath": save.careerPath.jsonValue]]
        }
    }
}
