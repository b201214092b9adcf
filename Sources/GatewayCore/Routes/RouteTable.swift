import HTTPTypes

/// Every path the gateway serves, with the methods it answers there: the one list that the 405
/// answers read. A known path called with any other method (`TRACE`, `PUT`, a made-up
/// `BREW`) is 405 with `Allow`; only an unknown path is 404. Checked by the edge middleware
/// before routing, so the answer gets the error body, CORS and a request id like any other.
struct RouteTable: Sendable {
    /// One path: literal segments, or `{name}` for a segment that matches anything.
    struct Route: Sendable {
        var segments: [Substring?]
        var methods: [HTTPRequest.Method]
    }

    private let routes: [Route]

    /// `routes`: paths without the leading `/` (`api/v1/history/{id}`) and their methods,
    /// exactly those `/openapi.json` declares (`HEAD` too is 405 unless listed).
    init(_ routes: [(path: String, methods: [HTTPRequest.Method])]) {
        self.routes = routes.map { path, methods in
            Route(segments: path.split(separator: "/").map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : $0 }, methods: methods)
        }
    }

    /// The methods `path` answers, or nil when the gateway serves no such path.
    func methods(forPath path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        var found: [HTTPRequest.Method]?
        for route in self.routes where route.segments.count == segments.count {
            if zip(route.segments, segments).allSatisfy({ $0 == nil || $0 == $1 }) {
                found = (found ?? []) + route.methods.filter { !(found ?? []).contains($0) }
            }
        }
        return found
    }

    /// The 405 for `method` on a known path that does not answer it; nil when it does, or when
    /// the path is unknown (the router's 404 then).
    func refusal(of method: HTTPRequest.Method, path: String) -> APIErrorResponse? {
        guard let allowed = self.methods(forPath: path), !allowed.contains(method) else { return nil }
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return APIErrorResponse(
            code: .unimplemented, message: "\(path) only answers \(names)", reason: "METHOD_NOT_ALLOWED",
            status: .methodNotAllowed, extraHeaders: [.allow: names]
        )
    }
}
