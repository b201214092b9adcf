import FuzzHarnesses

// libFuzzer target: the gateway's request decoding and validation (`RequestDecodingHarness`; Fuzz/README.md).
// A fuzz build (`scripts/fuzz.sh`) runs libFuzzer; a normal build replays the corpus files and
// directories given as arguments: `swift run FuzzRequestDecoding Fuzz/corpus/FuzzRequestDecoding`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RequestDecodingHarness.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
struct FuzzRequestDecoding {
    static func main() {
        FuzzMain.run(fuzzTestOneInput)
    }
}
