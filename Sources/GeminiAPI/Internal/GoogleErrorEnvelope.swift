import JSONText

/// Google's error body: `{"error": {"code", "message", "status", "details": [...]}}`. Only
/// `status` and `RetryInfo.retryDelay` are used; `message` is never shown.
struct GoogleErrorEnvelope: Decodable {
    struct Body: Decodable {
        var code: Int?
        var status: String?
        var details: [JSONValue]?

        /// `retryDelay` of the `google.rpc.RetryInfo` detail.
        var retryDelay: Duration? {
            for detail in details ?? [] where detail["@type"]?.stringValue == "type.googleapis.com/google.rpc.RetryInfo" {
                if let text = detail["retryDelay"]?.stringValue, let duration = Duration(protobufJSON: text) {
                    return duration
                }
            }
            return nil
        }
    }

    var error: Body
}
