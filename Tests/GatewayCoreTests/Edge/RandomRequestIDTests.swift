import Foundation
import Testing

@testable import GatewayCore

struct RandomRequestIDTests {
    @Test func isALowercaseVersion4UUID() throws {
        let pattern = try Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        for _ in 0..<1_000 {
            let id = RandomRequestID.make()
            #expect(id.wholeMatch(of: pattern) != nil, "\(id)")
            // Foundation reads it back as the same UUID.
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
        }
    }

    @Test func eachIdIsNewAndEveryDigitVaries() {
        let ids = (0..<10_000).map { _ in RandomRequestID.make() }
        #expect(Set(ids).count == ids.count)
        // Every random position takes many values: no digit is stuck (a wrong shift or mask would fix some).
        for position in 0..<36 where ![8, 13, 14, 18, 19, 23].contains(position) {
            let values = Set(ids.map { Array($0.utf8)[position] })
            #expect(values.count == 16, "position \(position) took \(values.count) values")
        }
        // The variant digit takes exactly 8, 9, a and b.
        #expect(Set(ids.map { Array($0.utf8)[19] }) == Set("89ab".utf8))
    }

    @Test func theEdgeKeepsAValidCallersIdAndMakesOneOtherwise() {
        #expect(RequestEdgeMiddleware.requestID(from: "trace-123_A.b") == "trace-123_A.b")
        for header in [nil, "", "has space", String(repeating: "x", count: 129)] {
            let id = RequestEdgeMiddleware.requestID(from: header)
            #expect(UUID(uuidString: id) != nil, "\(String(describing: header)) -> \(id)")
        }
    }
}
