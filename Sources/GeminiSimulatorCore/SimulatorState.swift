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
        var body: JSON
        var status: Int?

        var json: JSON {
            .orderedObject([
                ("sequence", .number(Double(sequence))),
                ("method", .string(method)),
                ("path", .string(path)),
                ("query", query.map(JSON.string) ?? .null),
                ("model", model.map(JSON.string) ?? .null),
                ("apiKeyPresent", .bool(apiKeyPresent)),
                ("apiKeyValid", .bool(apiKeyValid)),
                ("headers", .orderedObject(headers.map { ($0.0, JSON.string($0.1)) })),
                ("fault", fault.map(JSON.string) ?? .null),
                ("status", status.map { JSON.number(Double($0)) } ?? .null),
                ("body", body),
            ])
        }
    }

    private let maxRecorded: Int
    private var faults: [QueuedFault] = []
    private var recorded: [RecordedRequest] = []
    private var sequence = 0

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

    func clearRequests() { recorded.removeAll() }
}
