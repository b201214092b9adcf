import Foundation

/// Stops the process with `message` when an invariant of a harness does not hold. libFuzzer
/// (and a corpus replay) reports the trap as a crash and keeps the input that caused it.
@inline(never)
func invariant(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant violated: \(message())", file: file, line: line) }
}

/// SplitMix64, so a chunking chosen by the fuzzer is reproducible from the input alone.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Splits a byte string at points chosen by one byte of the fuzz input: the low three bits pick
/// the largest chunk (1, 2, 3, 5, 8, 16, 64 or 4096 bytes), the other five seed the sizes.
struct Chunker {
    static let largestChunks = [1, 2, 3, 5, 8, 16, 64, 4096]
    let largest: Int
    let seed: UInt64

    init(_ byte: UInt8) {
        self.largest = Self.largestChunks[Int(byte & 7)]
        self.seed = UInt64(byte >> 3)
    }

    func chunks(of bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var generator = SplitMix64(seed: self.seed)
        var chunks: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let size = Int.random(in: 1...self.largest, using: &generator)
            let end = min(bytes.endIndex, start + size)
            chunks.append(bytes[start..<end])
            start = end
        }
        return chunks
    }
}

/// What every fuzz executable's `main` does.
public enum FuzzMain {
    /// The signature of `LLVMFuzzerTestOneInput`.
    public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// In a fuzz build (`-sanitize=fuzzer -DFUZZING`): hands the command line to libFuzzer.
    /// Otherwise: replays every file named on the command line, and every file in every
    /// directory named, through `testOneInput` (options starting with `-` are skipped), so a
    /// normal build can check a corpus or reproduce a crash without the fuzzer.
    public static func run(_ testOneInput: TestOneInput) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
        #else
        var replayed = 0
        for argument in CommandLine.arguments.dropFirst() where !argument.hasPrefix("-") {
            let files = Corpus.files(at: argument)
            if files.isEmpty {
                FileHandle.standardError.write(Data("no input files at \(argument)\n".utf8))
                exit(2)
            }
            for file in files {
                let bytes = Corpus.read(file)
                _ = bytes.withUnsafeBufferPointer { testOneInput($0.baseAddress, $0.count) }
                replayed += 1
            }
        }
        print("replayed \(replayed) inputs without a failure")
        exit(0)
        #endif
    }
}

#if FUZZING
/// libFuzzer's driver (`FuzzerInterface.h`): SwiftPM links an executable's `main` to the
/// module's own entry point, so libFuzzer's `main` is never linked and `@main` starts it.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: FuzzMain.TestOneInput
) -> CInt
#endif

/// Reading corpus files and directories.
public enum Corpus {
    /// `path` itself when it is a file; the regular files in it, sorted by name (hidden ones
    /// skipped), when it is a directory; nothing when it does not exist.
    public static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// The bytes of the file at `path` (empty when it cannot be read).
    public static func read(_ path: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
    }
}
