import Crypto
import Foundation

/// HS256 access tokens for stacks that check them (`SUPABASE_JWT_SECRET`).
enum TestTokens {
    static let secret = "integration-secret-with-at-least-32-bytes!!"

    /// A token whose payload is exactly `payload`, signed with `secret`.
    static func token(payload: String, secret: String = Self.secret) -> String {
        let input = Self.base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8)) + "." + Self.base64URL(Data(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + Self.base64URL(Data(mac))
    }

    /// A Supabase user's token for `subject`, valid for an hour.
    static func user(_ subject: String) -> String {
        let now = Int(Date().timeIntervalSince1970)
        return Self.token(payload: #"{"sub":"\#(subject)","role":"authenticated","aud":"authenticated","exp":\#(now + 3600),"iat":\#(now)}"#)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
