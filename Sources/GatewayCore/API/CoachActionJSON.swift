import CareerProto
import JSONText
import TaskContract

// The coach's actions in the spec's JSON form, as the gateway writes them (``CoachActionShape``
// reads them back from a history turn):
//   {"type": "updateProfile", "payload": {"field": "summary", "value": …}}
//   {"type": "navigate", "payload": {"path": "/generate", "state": {"jobDescription": …}}}
//   {"type": "navigate", "payload": {"path": "/coffee-chat", "state": {"counterpartInfo": …, "mode": "prep"|"reach_out"}}}
//   {"type": "saveCareerPath", "payload": {"careerPath": {…the career path answer…}}}

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
