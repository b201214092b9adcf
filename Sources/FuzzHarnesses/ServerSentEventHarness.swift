import GeminiAPI

/// Fuzzes ``ServerSentEventParser``, the parser of Gemini's streamed answers.
///
/// Input: byte 0 picks the event size limit (``limits``), byte 1 the chunking (``Chunker``), the
/// rest is the stream. The reference is the stream fed one byte at a time. Checked:
/// - fed in chunks, the parser gives the same events and the same error (or none) as the
///   reference; after an error, the events already returned are a prefix of the reference's;
/// - fed whole, the same events when there is no error, else the same error;
/// - no event's data holds a `\r`; no event type or id holds a line break; an id holds no NUL;
///   an event type is never empty.
public enum ServerSentEventHarness {
    public static let limits = [1, 2, 8, 64, 256, 1024, 65_536, 16 * 1024 * 1024]

    public static func run(_ data: [UInt8]) {
        guard data.count >= 2 else { return }
        let maxEventBytes = Self.limits[Int(data[0] & 7)]
        let stream = data[2...]

        let reference = Self.parse(stream.indices.map { stream[$0...$0] }, maxEventBytes: maxEventBytes)
        let split = Self.parse(Chunker(data[1]).chunks(of: stream), maxEventBytes: maxEventBytes)
        let whole = Self.parse([stream], maxEventBytes: maxEventBytes)

        for event in reference.events {
            invariant(!event.data.utf8.contains(UInt8(ascii: "\r")), "event data holds a CR")
            for field in [event.event, event.id].compactMap({ $0 }) {
                invariant(!field.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }), "event type or id holds a line break")
            }
            invariant(event.id.map { !$0.utf8.contains(0) } ?? true, "event id holds a NUL")
            invariant(event.event.map { !$0.isEmpty } ?? true, "empty event type")
        }
        invariant(split.error == reference.error, "split: error \(String(describing: split.error)), byte by byte: \(String(describing: reference.error))")
        invariant(whole.error == reference.error, "whole: error \(String(describing: whole.error)), byte by byte: \(String(describing: reference.error))")
        if reference.error == nil {
            invariant(split.events == reference.events, "split input gives other events than byte by byte")
            invariant(whole.events == reference.events, "whole input gives other events than byte by byte")
        } else {
            invariant(reference.events.starts(with: split.events), "split input gives events the byte-by-byte feed does not")
            invariant(reference.events.starts(with: whole.events), "whole input gives events the byte-by-byte feed does not")
        }
    }

    struct Outcome {
        var events: [ServerSentEvent] = []
        var error: ServerSentEventError?
    }

    static func parse(_ chunks: [ArraySlice<UInt8>], maxEventBytes: Int) -> Outcome {
        var parser = ServerSentEventParser(maxEventBytes: maxEventBytes)
        var outcome = Outcome()
        do throws(ServerSentEventError) {
            for chunk in chunks {
                outcome.events += try parser.feed(chunk)
            }
            try parser.finish()
        } catch {
            outcome.error = error
        }
        return outcome
    }
}
