import GeminiAPI
import Testing

/// A small seeded generator (SplitMix64), so every randomised case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Server-Sent Events parser")
struct ServerSentEventParserTests {
    /// One line of a test stream, before its line ending is chosen.
    enum Line {
        case text(String)
        case blank
    }

    /// A stream exercising every rule: Gemini-style JSON events, multi-line data, comments,
    /// `event:`/`id:`/`retry:` and unknown fields, no space after the colon, an empty data line,
    /// a field without a colon, non-ASCII text and an event with no data (dropped).
    static let lines: [Line] = [
        .text(": keep-alive comment"),
        .text(#"data: {"candidates": [{"content": {"parts": [{"text": "Hello"}], "role": "model"}, "index": 0}], "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 10}}"#),
        .blank,
        .text("data: first line"),
        .text("data:second line, no space"),
        .text("data:  two spaces keep one"),
        .text("data:"),
        .text("data"),
        .text("data: after two empty lines"),
        .blank,
        .text(":comment between fields"),
        .text("event: ping"),
        .text("id: 42"),
        .text("retry: 1000"),
        .text("unknown: field"),
        .text("data: with type and id — ünïcødé ✓"),
        .blank,
        .blank,
        .text("event: nothing"),
        .blank,
        .text(#"data: {"candidates": [{"content": {"parts": [{"text": " world"}], "role": "model"}, "finishReason": "STOP", "index": 0}]}"#),
        .blank,
    ]

    static let expected: [ServerSentEvent] = [
        ServerSentEvent(
            data: #"{"candidates": [{"content": {"parts": [{"text": "Hello"}], "role": "model"}, "index": 0}], "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 10}}"#
        ),
        ServerSentEvent(data: "first line\nsecond line, no space\n two spaces keep one\n\n\nafter two empty lines"),
        ServerSentEvent(event: "ping", data: "with type and id — ünïcødé ✓", id: "42"),
        ServerSentEvent(
            data: #"{"candidates": [{"content": {"parts": [{"text": " world"}], "role": "model"}, "finishReason": "STOP", "index": 0}]}"#,
            id: "42"
        ),
    ]

    /// Renders `lines` with line endings picked by `pick` (a `\r` is never followed by an ending
    /// that starts with `\n`: together they would be one `\r\n`).
    static func render(_ lines: [Line], pick: (Int) -> String) -> [UInt8] {
        var out = ""
        var previous = ""
        for (index, line) in lines.enumerated() {
            if case .text(let text) = line { out += text }
            var ending = pick(index)
            if previous == "\r", ending == "\n" { ending = "\r\n" }
            out += ending
            previous = ending
        }
        return Array(out.utf8)
    }

    /// Feeds `bytes` cut at `cuts` and returns the events, then finishes the stream.
    static func parse(_ bytes: [UInt8], cuts: [Int]) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        var start = 0
        for cut in cuts.sorted() + [bytes.count] where cut >= start {
            events += try parser.feed(bytes[start..<cut])
            start = cut
        }
        try parser.finish()
        return events
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func everyLineEndingGivesTheSameEvents(ending: String) throws {
        let bytes = Self.render(Self.lines) { _ in ending }
        #expect(try Self.parse(bytes, cuts: []) == Self.expected)
        // One byte at a time.
        #expect(try Self.parse(bytes, cuts: Array(0..<bytes.count)) == Self.expected)
    }

    @Test func randomChunkSplitsAndMixedLineEndings() throws {
        let endings = ["\n", "\r\n", "\r"]
        for seed in UInt64(0)..<600 {
            var random = SeededGenerator(seed: seed)
            let bytes = Self.render(Self.lines) { _ in endings.randomElement(using: &random)! }
            let cutCount = Int.random(in: 0...40, using: &random)
            let cuts = (0..<cutCount).map { _ in Int.random(in: 0...bytes.count, using: &random) }
            let events = try Self.parse(bytes, cuts: cuts)
            #expect(events == Self.expected, "seed \(seed)")
            if events != Self.expected { break }
        }
    }

    @Test func crAtTheEndOfAChunkThenLFIsOneLineEnding() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Array("data: a\r".utf8)).isEmpty)
        // The `\n` completes the `\r\n` of the data line; only the next `\r\n` ends the event.
        #expect(try parser.feed(Array("\n".utf8)).isEmpty)
        #expect(try parser.feed(Array("\r\n".utf8)) == [ServerSentEvent(data: "a")])
        try parser.finish()
    }

    @Test func commentsAloneGiveNoEvents() throws {
        let bytes = Array(": ping\r\n\r\n: ping\n\n:\n".utf8)
        #expect(try Self.parse(bytes, cuts: [3, 9]).isEmpty)
    }

    @Test func aByteOrderMarkAtTheStartIsSkipped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: x\n\n".utf8)
        #expect(try Self.parse(bytes, cuts: [1, 2]) == [ServerSentEvent(data: "x")])
    }

    @Test func aStreamEndingMidEventIsAnError() throws {
        let endings = ["\n", "\r\n"]
        for seed in UInt64(0)..<300 {
            var random = SeededGenerator(seed: seed)
            let ending = endings.randomElement(using: &random)!
            let complete = Array("data: {\"a\": 1}\(ending)\(ending): comment\(ending)".utf8)
            let last = Array("data: {\"candidates\": [{\"content\"\(ending)data: more}\(ending)\(ending)".utf8)
            // Cut the last event anywhere before its final blank line: an error, never silence.
            let cut = Int.random(in: 1...(last.count - ending.utf8.count), using: &random)
            let bytes = complete + last[0..<cut]
            let splits = (0..<Int.random(in: 0...6, using: &random)).map { _ in Int.random(in: 0...bytes.count, using: &random) }
            var parser = ServerSentEventParser()
            var events: [ServerSentEvent] = []
            var start = 0
            for split in splits.sorted() + [bytes.count] where split >= start {
                events += try parser.feed(bytes[start..<split])
                start = split
            }
            #expect(events == [ServerSentEvent(data: "{\"a\": 1}")], "seed \(seed)")
            #expect(throws: ServerSentEventError.self, "seed \(seed), cut \(cut)") { try parser.finish() }
        }
        // Cut exactly at an event boundary: a clean end.
        #expect(try Self.parse(Array("data: x\r\n\r\n".utf8), cuts: [4]) == [ServerSentEvent(data: "x")])
    }

    @Test func truncationErrorIsRecognisable() throws {
        var parser = ServerSentEventParser()
        _ = try parser.feed(Array("data: {\"half\": ".utf8))
        do {
            try parser.finish()
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.description.contains("middle of an event"))
        }
    }

    @Test func anOversizedEventIsRefused() throws {
        var parser = ServerSentEventParser(maxEventBytes: 64)
        #expect(try parser.feed(Array("data: small\n\n".utf8)) == [ServerSentEvent(data: "small")])
        let big = Array(("data: " + String(repeating: "x", count: 100) + "\n\n").utf8)
        #expect(throws: ServerSentEventError(kind: .eventTooLarge)) { try parser.feed(big) }
    }
}
