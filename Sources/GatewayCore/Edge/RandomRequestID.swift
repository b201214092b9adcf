/// New request ids: random (version 4) UUIDs in their lowercase text form.
///
/// Why not `UUID().uuidString.lowercased()`: on Linux, Foundation's `UUID()` opens, reads and
/// closes `/dev/urandom` for every id (three system calls per request, seen under `strace` at
/// 64 connections), then the text is built and lowercased as two more strings. This takes the
/// 16 bytes from the standard library's generator (`getrandom`) and writes the 36 characters once.
enum RandomRequestID {
    private static let hexDigits: StaticString = "0123456789abcdef"

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var high: UInt64 = generator.next()
        var low: UInt64 = generator.next()
        high = (high & ~0xF000) | 0x4000  // version 4: the high nibble of byte 6
        low = (low & ~(0xC0 << 56)) | (0x80 << 56)  // variant 10: the top bits of byte 8
        return String(unsafeUninitializedCapacity: 36) { text in
            let digits = Self.hexDigits.utf8Start
            var index = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    text[index] = UInt8(ascii: "-")
                    index += 1
                }
                let word = nibble < 16 ? high : low
                let shift = UInt64(60 - (nibble % 16) * 4)
                text[index] = digits[Int((word >> shift) & 0xF)]
                index += 1
            }
            return index
        }
    }
}
