import Foundation
import JSONText
/// What the simulator remembers between requests: queued faults and recent requests.
actor SimulatorState {
    struct QueuedFault {
        var spec: String
        var fault: Fault
        var remaining: Int
    }

    struct RecordedRequest {
        var sequence: Int
        var method: String
        var path: String
        var query: String?
        var model: String?
        var headers: [(String, String)]
        var apiKeyPresent: Bool
        var apiKeyValid: Bool
        var fault: String?
        var body: JSONValue
        var status: Int?
        /// Streaming requests: chunks written, and how the stream ended (`streaming`,
        /// `completed`, `client-disconnected`, `reset`).
        var streamChunksSent: Int?
        var streamOutcome: String?
        /// When the request was received and when its stream ended, in milliseconds since
        /// 1970 (wall clock, so a test on the same machine can compare them with its own).
        var receivedAtMs = Self.nowMs()
        var streamEndedAtMs: Double?

        static func nowMs() -> Double { (Date().timeIntervalSince1970 * 1000).rounded() }

        var json: JSONValue {
            var members: [JSONValue.Member] = [
                ("sequence", .integer(sequence)),
                ("method", .string(method)),
                ("path", .string(path)),
                ("query", query.map(JSONValue.string) ?? .null),
                ("model", model.map(JSONValue.string) ?? .null),
                ("apiKeyPresent", .bool(apiKeyPresent)),
                ("apiKeyValid", .bool(apiKeyValid)),
                ("headers", .object(headers.map { (key: $0.0, value: .string($0.1)) })),
                ("fault", fault.map(JSONValue.string) ?? .null),
                ("status", status.map { JSONValue.integer($0) } ?? .null),
                ("receivedAtMs", .number(receivedAtMs)),
                ("body", body),
            ]
            if let streamOutcome {
                members.append(
                    (
                        "stream",
                        .object([
                            ("chunksSent", .integer(streamChunksSent ?? 0)),
                            ("outcome", .string(streamOutcome)),
                            ("endedAtMs", streamEndedAtMs.map(JSONValue.number) ?? .null),
                        ])
                    )
                )
            }
            return .object(members)
        }
    }

    private let maxRecorded: Int
    private var faults: [QueuedFault] = []
    private var recorded: [RecordedRequest] = []
    private var sequence = 0
    /// Streaming counters, for `GET /simulator/stats`.
    private(set) var streamsStarted = 0
    private(set) var streamsCompleted = 0
    private(set) var streamResets = 0
    /// Streams whose client went away before the last chunk was written.
    private(set) var disconnectsMidStream = 0

    init(maxRecorded: Int) {
        self.maxRecorded = max(1, maxRecorded)
    }

    func enqueue(spec: String, fault: Fault, count: Int) {
        faults.append(QueuedFault(spec: spec, fault: fault, remaining: count))
    }

    func clearFaults() { faults.removeAll() }

    var queuedFaults: [QueuedFault] { faults }

    /// Takes one use of the oldest queued fault.
    func takeFault() -> (spec: String, fault: Fault)? {
        guard !faults.isEmpty else { return nil }
        faults[0].remaining -= 1
        let taken = faults[0]
        if taken.remaining <= 0 { faults.removeFirst() }
        return (taken.spec, taken.fault)
    }

    /// Records a request and returns its sequence number.
    func record(_ request: RecordedRequest) -> Int {
        sequence += 1
        var request = request
        request.sequence = sequence
        recorded.append(request)
        if recorded.count > maxRecorded { recorded.removeFirst(recorded.count - maxRecorded) }
        return sequence
    }

    func complete(sequence: Int, status: Int) {
        if let index = recorded.lastIndex(where: { $0.sequence == sequence }) {
            recorded[index].status = status
        }
    }

    var requests: [RecordedRequest] { recorded }

    /// A streaming answer started (its status line was sent).
    func streamStarted(sequence: Int) {
        streamsStarted += 1
        if let index = recorded.lastIndex(where: { $0.sequence == sequence }) {
            recorded[index].streamOutcome = "streaming"
            recorded[index].streamChunksSent = 0
        }
    }

    func streamChunkSent(sequence: Int) {
        if let index = recorded.lastIndex(where: { $0.sequence == sequence }) {
            recorded[index].streamChunksSent = (recorded[index].streamChunksSent ?? 0) + 1
        }
    }

    /// A streaming answer ended: `completed`, `client-disconnected` or `reset`.
    func streamEnded(sequence: Int, outcome: String) {
        switch outcome {
        case "completed": streamsCompleted += 1
        case "reset": streamResets += 1
        default: disconnectsMidStream += 1
        }
        if let index = recorded.lastIndex(where: { $0.sequence == sequence }) {
            recorded[index].streamOutcome = outcome
            recorded[index].streamEndedAtMs = RecordedRequest.nowMs()
        }
    }

    var stats: JSONValue {
        .object([
            ("streamsStarted", .integer(streamsStarted)),
            ("streamsCompleted", .integer(streamsCompleted)),
            ("streamResets", .integer(streamResets)),
            ("disconnectsMidStream", .integer(disconnectsMidStream)),
        ])
    }

    func clearRequests() { recorded.removeAll() }
}
