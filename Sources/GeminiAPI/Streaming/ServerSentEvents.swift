/// One Server-Sent Event: what an `EventSource` would dispatch.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field; `nil` when the event had none (the default type, `message`).
    public var event: String?
    /// The `data:` fields joined with `\n`.
    public var data: String
    /// The `id:` field, when the event had one.
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// Why a Server-Sent Events stream could not be read.
public struct ServerSentEventError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The stream ended in the middle of an event (no blank line after its last field).
        case truncated
        /// One event grew beyond the parser's limit.
        case eventTooLarge
    }

    public let kind: Kind

    public init(kind: Kind) {
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .truncated: "the event stream ended in the middle of an event"
        case .eventTooLarge: "an event in the stream is too large"
        }
    }
}

/// An incremental Server-Sent Events parser (the WHATWG `text/event-stream` rules), fed bytes
/// as they arrive in chunks of any size.
///
/// - Lines end with `\r\n`, `\n` or `\r`, wherever a chunk boundary falls (a `\r` at the end of
///   one chunk and a `\n` at the start of the next are one line ending).
/// - A blank line dispatches the event being built; an event with no `data:` field is dropped.
/// - `data:` fields append to the data, joined with `\n`; one space after the colon is removed.
/// - Lines starting with `:` are comments (keep-alive pings) and are ignored, as are unknown
///   fields and a leading UTF-8 byte order mark.
/// - ``finish()`` reports a stream that ended in the middle of an event as
///   ``ServerSentEventError/Kind/truncated`` instead of dropping it silently.
public struct ServerSentEventParser: Sendable {
    /// Largest event (its fields' bytes, line endings included) accepted.
    public let maxEventBytes: Int

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var eventID: String?
    /// Fields of the event being built (anything but comments), so a truncated one is noticed.
    private var pendingFields = false
    private var eventBytes = 0
    private var lastWasCR = false
    private var atStart = true
    private var bomBytesSeen = 0

    public init(maxEventBytes: Int = 16 * 1024 * 1024) {
        self.maxEventBytes = max(1, maxEventBytes)
    }

    /// Consumes `bytes` and returns the events they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(ServerSentEventError) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if atStart {
                // Skip a UTF-8 byte order mark (EF BB BF) at the very start of the stream.
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if byte == bom[bomBytesSeen] {
                    bomBytesSeen += 1
                    if bomBytesSeen == bom.count { atStart = false }
                    continue
                }
                atStart = false
                if bomBytesSeen > 0 {
                    // Not a BOM after all: keep the bytes as line content.
                    line.append(contentsOf: bom[0..<bomBytesSeen])
                }
            }
            switch byte {
            case UInt8(ascii: "\n"):
                if lastWasCR {
                    lastWasCR = false
                    continue
                }
                if let event = try endLine() { events.append(event) }
            case UInt8(ascii: "\r"):
                lastWasCR = true
                if let event = try endLine() { events.append(event) }
            default:
                lastWasCR = false
                line.append(byte)
                eventBytes += 1
                if eventBytes > maxEventBytes { throw ServerSentEventError(kind: .eventTooLarge) }
            }
        }
        return events
    }

    /// Declares the end of the stream.
    ///
    /// - Throws: ``ServerSentEventError/Kind/truncated`` when an event was started (a field
    ///   line, or part of one, arrived) but not ended by a blank line.
    public mutating func finish() throws(ServerSentEventError) {
        if !line.isEmpty, line.first != UInt8(ascii: ":") {
            throw ServerSentEventError(kind: .truncated)
        }
        if pendingFields { throw ServerSentEventError(kind: .truncated) }
        line.removeAll()
    }

    /// Processes the line in `line`; returns an event when the line was blank and ended one.
    private mutating func endLine() throws(ServerSentEventError) -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        eventBytes += 1
        if eventBytes > maxEventBytes { throw ServerSentEventError(kind: .eventTooLarge) }
        if line.isEmpty { return dispatch() }
        if line[0] == UInt8(ascii: ":") { return nil }  // a comment
        pendingFields = true
        let name: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            name = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            name = line[...]
            value = []
        }
        switch String(decoding: name, as: UTF8.self) {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { eventID = String(decoding: value, as: UTF8.self) }
        default:
            break  // `retry` and unknown fields are ignored
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
            pendingFields = false
            eventBytes = 0
        }
        guard hasData else { return nil }
        let type = eventType.flatMap { $0.isEmpty ? nil : $0 }
        return ServerSentEvent(event: type, data: String(decoding: data, as: UTF8.self), id: eventID)
    }
}
