import Foundation
import FuzzHarnesses
import Testing

/// Replays the committed seed corpus (`Fuzz/corpus/<target>/`) through each fuzz harness, in
/// process, so the harnesses keep compiling and every seed keeps passing their invariants
/// without a fuzz build. A failing invariant traps, which fails the test run.
@Suite struct SeedCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    static func seeds(_ target: String) -> [(name: String, bytes: [UInt8])] {
        Corpus.files(at: Self.corpus.appendingPathComponent(target).path).map {
            (URL(fileURLWithPath: $0).lastPathComponent, Corpus.read($0))
        }
    }

    @Test func frameDecoderSeeds() {
        let seeds = Self.seeds("FuzzFrameDecoder")
        #expect(seeds.count >= 12)
        for seed in seeds { FrameDecoderHarness.run(seed.bytes) }
    }

    @Test func requestDecodingSeeds() {
        let seeds = Self.seeds("FuzzRequestDecoding")
        #expect(seeds.count >= 8)
        var endpointsWithValidSeeds = Set<Int>()
        for seed in seeds {
            let accepted = RequestDecodingHarness.run(seed.bytes)
            // Seeds named valid-* are the SPEC's bodies: each must stay accepted.
            if seed.name.hasPrefix("valid-") {
                #expect(accepted, "\(seed.name) is refused")
                endpointsWithValidSeeds.insert(Int(seed.bytes[0]) % RequestDecodingHarness.endpoints.count)
            }
        }
        #expect(endpointsWithValidSeeds.count == RequestDecodingHarness.endpoints.count, "an endpoint has no valid seed")
    }

    @Test func theNULCheckReadsStringsNotEscapes() {
        #expect(RequestDecodingHarness.holdsNUL(jsonText: #"{"text":"a\u0000b"}"#))
        #expect(RequestDecodingHarness.holdsNUL(jsonText: #"{"a":["x",{"b\u0000":1}]}"#))
        // An escaped backslash followed by "u0000" is six ordinary characters.
        #expect(!RequestDecodingHarness.holdsNUL(jsonText: #"{"text":"a\\u0000b"}"#))
        #expect(!RequestDecodingHarness.holdsNUL(jsonText: #"{"text":"plain"}"#))
    }

    @Test func regressionSeedsFromFuzzingAreAccepted() {
        let seeds = Self.seeds("FuzzRequestDecoding").filter { $0.name.hasPrefix("regression-") }
        #expect(!seeds.isEmpty)
        for seed in seeds { #expect(RequestDecodingHarness.run(seed.bytes), "\(seed.name) is refused") }
    }

    @Test func serverSentEventSeeds() {
        let seeds = Self.seeds("FuzzServerSentEvents")
        #expect(seeds.count >= 10)
        for seed in seeds { ServerSentEventHarness.run(seed.bytes) }
    }
}
