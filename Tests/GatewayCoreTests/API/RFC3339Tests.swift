import Foundation
import Testing

@testable import GatewayCore

@Suite struct RFC3339Tests {
    @Test func readsEveryFormRFC3339Allows() throws {
        let base = try #require(RFC3339.date("2026-12-01T00:00:00Z"))
        #expect(base.timeIntervalSince1970 == 1_796_083_200)
        #expect(RFC3339.date("2026-12-01t00:00:00z") == base)
        #expect(RFC3339.date("2026-12-01 00:00:00Z") == base)
        #expect(RFC3339.date("2026-12-01T01:30:00+01:30") == base)
        #expect(RFC3339.date("2026-11-30T22:00:00-02:00") == base)
        #expect(RFC3339.date("2026-12-01T00:00:00.000000000001Z")?.timeIntervalSince1970 == base.timeIntervalSince1970)
        #expect(RFC3339.date("2026-12-01T00:00:00.25Z") == base.addingTimeInterval(0.25))
        #expect(RFC3339.date("2024-02-29T00:00:00Z") != nil)  // a leap day
    }

    @Test func refusesWhatIsNotRFC3339() {
        for text in [
            "", "yesterday", "2026-12-01", "2026-12-01T00:00:00", "2026-12-01T00:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T00:00:00.Z", "2026-12-01T00:00:00+0100", "2026-12-01T00:00:00Z ",
            "0000-01-01T00:00:00Z", "+2026-12-01T00:00:00Z", "2026-12-01T00:00:00+24:00",
        ] {
            #expect(RFC3339.date(text) == nil, "\(text)")
        }
    }

    @Test func writesUTCThatReadsBack() throws {
        let date = Date(timeIntervalSince1970: 1_796_083_200.123456)
        let text = RFC3339.string(date)
        #expect(text == "2026-12-01T00:00:00.123456Z")
        #expect(abs(try #require(RFC3339.date(text)).timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000001)
        #expect(RFC3339.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
    }
}
