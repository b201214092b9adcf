import Foundation

extension Duration {
    /// Parses a protobuf JSON duration: decimal seconds with an `s` suffix (`"2s"`, `"0.5s"`,
    /// `"38.123456s"`). Negative or malformed values give `nil`.
    init?(protobufJSON text: String) {
        guard text.hasSuffix("s") else { return nil }
        let number = text.dropLast()
        let pieces = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let secondsText = pieces.first, !secondsText.isEmpty, secondsText.allSatisfy(\.isASCII),
            let seconds = Int64(secondsText), seconds >= 0, seconds < 1_000_000_000
        else { return nil }
        var nanos: Int64 = 0
        if pieces.count == 2 {
            let fraction = pieces[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            nanos = Int64(fraction.padding(toLength: 9, withPad: "0", startingAt: 0)) ?? 0
        }
        self = .seconds(seconds) + .nanoseconds(nanos)
    }
}
