import FuzzHarnesses

// libFuzzer target: the Server-Sent Events parser (`ServerSentEventHarness`; Fuzz/README.md).
// A fuzz build (`scripts/fuzz.sh`) runs libFuzzer; a normal build replays the corpus files and
// directories given as arguments: `swift run FuzzServerSentEvents Fuzz/corpus/FuzzServerSentEvents`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ServerSentEventHarness.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
struct FuzzServerSentEvents {
    static func main() {
        FuzzMain.run(fuzzTestOneInput)
    }
}
