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
