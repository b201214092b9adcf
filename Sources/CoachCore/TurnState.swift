import Crypto
import Foundation
import GeminiAPI

/// What a `turnState` holds: the model's turn exactly as Gemini returned it (text, function
/// calls, thought signatures and any part member this package does not model), and the function
/// responses the coach sends back with it when the turn is replayed (one per function call, in
/// order: what became of each call).
struct TurnState: Codable, Sendable, Equatable {
    var content: Content
    var responses: [FunctionResponse]
}

/// Signs and verifies `turnState` strings, so the frontend can carry the model's turn between
/// calls while the coach stays stateless.
///
/// Format: `v1.<payload>.<mac>`, both base64url without padding. The payload is the
/// ``TurnState`` as JSON; the MAC is HMAC-SHA256 under the coach's key (`COACH_STATE_KEY`) over
/// a context label, the caller's user id (the `user-id` metadata; empty without one) and the
/// payload, so a state is valid only for the user it was issued to. The payload is signed, not
/// encrypted: it holds only what the model said to this user.
struct TurnStateSigner: Sendable {
    private let key: SymmetricKey
    private static let version = "v1"
    private static let context = Data("career.v1.CoachService turnState v1".utf8)

    init(key: SymmetricKey) {
        self.key = key
    }

    /// A signer with a random 256-bit key: its states do not survive a restart.
    static func random() -> TurnStateSigner {
        TurnStateSigner(key: SymmetricKey(size: .bits256))
    }

    func sign(_ state: TurnState, userID: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own Codable values cannot fail.
        let payload = (try? encoder.encode(state)) ?? Data()
        let mac = Data(HMAC<SHA256>.authenticationCode(for: self.signedBytes(payload, userID: userID), using: self.key))
        return [Self.version, payload.base64URLEncoded, mac.base64URLEncoded].joined(separator: ".")
    }

    /// The state, or nil when `token` is malformed, tampered with, signed with another key or
    /// issued to another user. Never throws: a bad state is ignored, not an error.
    func verify(_ token: String, userID: String) -> TurnState? {
        let pieces = token.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0] == Self.version,
            let payload = Data(base64URLEncoded: pieces[1]),
            let mac = Data(base64URLEncoded: pieces[2]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: self.signedBytes(payload, userID: userID), using: self.key),
            var state = try? JSONDecoder().decode(TurnState.self, from: payload)
        else { return nil }
        state.content.role = .model
        return state
    }

    private func signedBytes(_ payload: Data, userID: String) -> Data {
        var bytes = Self.context
        bytes.append(0)
        bytes.append(contentsOf: userID.utf8)
        bytes.append(0)
        bytes.append(payload)
        return bytes
    }
}

extension Data {
    var base64URLEncoded: String {
        self.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URLEncoded text: Substring) {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
