import HTTPTypes
import Testing

@testable import GatewayCore

@Suite struct RouteTableTests {
    let table = RouteTable([
        ("healthz", [.get]),
        ("api/v1/coach/chat", [.post]),
        ("api/v1/history", [.get]),
        ("api/v1/history/{id}", [.get, .delete]),
    ])

    @Test func knownPathsAnswerTheirMethods() {
        #expect(self.table.methods(forPath: "/healthz") == [.get])
        #expect(self.table.methods(forPath: "/api/v1/history/0b7c") == [.get, .delete])
        #expect(self.table.methods(forPath: "/api/v1/history") == [.get])
        #expect(self.table.methods(forPath: "/api/v1/history/a/b") == nil)
        #expect(self.table.methods(forPath: "/api/v1/coach") == nil)
        #expect(self.table.methods(forPath: "/") == nil)
    }

    @Test func anyOtherMethodOnAKnownPathIsRefusedWithAllow() throws {
        let refusal = try #require(self.table.refusal(of: HTTPRequest.Method("TRACE")!, path: "/api/v1/history/x"))
        #expect(refusal.status == .methodNotAllowed)
        #expect(refusal.extraHeaders[.allow] == "GET, DELETE")
        #expect(refusal.reason == "METHOD_NOT_ALLOWED")
        #expect(self.table.refusal(of: .get, path: "/api/v1/history/x") == nil)
        #expect(self.table.refusal(of: HTTPRequest.Method("PROPFIND")!, path: "/unknown") == nil)  // the router's 404
    }
}
