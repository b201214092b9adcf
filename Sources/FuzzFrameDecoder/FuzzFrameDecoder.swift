import FuzzHarnesses

// libFuzzer target: the frame decoder and the frame envelope (`FrameDecoderHarness`; Fuzz/README.md).
// A fuzz build (`scripts/fuzz.sh`) runs libFuzzer; a normal build replays the corpus files and
// directories given as arguments: `swift run FuzzFrameDecoder Fuzz/corpus/FuzzFrameDecoder`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FrameDecoderHarness.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
struct FuzzFrameDecoder {
    static func main() {
        FuzzMain.run(fuzzTestOneInput)
    }
}
