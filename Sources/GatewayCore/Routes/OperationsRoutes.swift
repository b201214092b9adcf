import HTTPTypes
import Hummingbird
import JSONText
import NIOCore
import RPCRuntime

/// `/healthz`, `/readyz` and `/metrics`: no token needed.
struct OperationsRoutes {
    let services: [(name: String, client: RPCClient)]
    let metrics: GatewayMetrics

    /// The paths served, each a `GET`.
    static let paths = ["healthz", "readyz", "metrics", "openapi.json"]

    func register(on router: Router<GatewayRequestContext>) {
        router.get("healthz") { _, _ in
            AIRoutes.json(JSONValue.object([("status", .string("ok"))]).jsonData())
        }
        router.get("readyz") { _, _ in
            let states = self.services.map { (name: $0.name, ready: $0.client.isReady) }
            let down = states.filter { !$0.ready }.map(\.name)
            guard down.isEmpty else {
                throw APIErrorResponse(code: .unavailable, message: "not ready: \(down.joined(separator: ", ")) unreachable", reason: "SERVICE_UNAVAILABLE")
            }
            let body = JSONValue.object([
                ("status", .string("ready")),
                ("services", .object(states.map { ($0.name, .string("ready")) })),
            ])
            return AIRoutes.json(body.jsonData())
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.render()))
            )
        }
    }
}

/// Answers a known path called with a method it does not serve: 405 with `Allow`, before
/// authentication (the router alone would answer 404). The code is `UNIMPLEMENTED`, as
/// grpc-gateway's routing errors give it, with the status kept at 405.
enum MethodNotAllowedRoutes {
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options]

    static func register(on router: Router<GatewayRequestContext>, path: String, allowed: HTTPRequest.Method) {
        for method in Self.methods where method != allowed {
            router.on(RouterPath(path), method: method) { _, _ -> Response in
                throw APIErrorResponse(
                    code: .unimplemented, message: "\(path) only answers \(allowed.rawValue)", reason: "METHOD_NOT_ALLOWED",
                    status: .methodNotAllowed, extraHeaders: [.allow: allowed.rawValue]
                )
            }
        }
    }
}
