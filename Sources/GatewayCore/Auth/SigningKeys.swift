import Foundation
import JWTKit

/// The algorithms the gateway accepts, each bound to the kind of key that verifies it. A token
/// is checked only with a key registered for its own `alg`, so an `HS256` token can never be
/// verified against an RSA or EC public key (algorithm confusion), and `none` has no key at all.
enum SigningAlgorithm: String, Sendable, CaseIterable {
    /// HMAC SHA-256 with the project's shared secret (Supabase's legacy signing).
    case hs256 = "HS256"
    /// ECDSA P-256 SHA-256 (Supabase's default asymmetric signing key).
    case es256 = "ES256"
    /// RSASSA-PKCS1-v1_5 SHA-256.
    case rs256 = "RS256"
}

/// An asymmetric public key from a JWKS, with the one algorithm it verifies.
struct PublicSigningKey: Sendable {
    enum Material: Sendable {
        case es256(ES256PublicKey)
        case rs256(Insecure.RSA.PublicKey)
    }

    var keyID: String
    var material: Material

    var algorithm: SigningAlgorithm {
        switch self.material {
        case .es256: .es256
        case .rs256: .rs256
        }
    }
}

/// One key ready to verify tokens: a jwt-kit collection that holds exactly this key and
/// nothing else, so jwt-kit never picks a key for us (it falls back to its default key on an
/// unknown `kid`, and does not compare a token's `alg` with the key's: we do both first).
struct VerificationKey: Sendable {
    let algorithm: SigningAlgorithm
    let collection: JWTKeyCollection

    static func hmac(secret: String) async -> VerificationKey {
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return VerificationKey(algorithm: .hs256, collection: collection)
    }

    static func make(_ key: PublicSigningKey) async -> VerificationKey {
        let collection = JWTKeyCollection()
        switch key.material {
        case .es256(let publicKey): await collection.add(ecdsa: publicKey)
        case .rs256(let publicKey): await collection.add(rsa: publicKey, digestAlgorithm: .sha256)
        }
        return VerificationKey(algorithm: key.algorithm, collection: collection)
    }

    /// Verifies the signature (and only the signature) and decodes the claims.
    func verify(_ token: String) async throws(AuthError) -> SupabaseClaims {
        do {
            return try await self.collection.verify(token, as: SupabaseClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            // Bad base64, undecodable claims, a signature of the wrong length for the curve:
            // all just "invalid". jwt-kit's own message may quote the payload, so it is dropped.
            throw .malformed
        }
    }
}

/// Reads a JSON Web Key Set (RFC 7517) and keeps the keys the gateway can use.
///
/// A key is used when it has a `kid`, is meant for signatures (`use` absent or `sig`, `key_ops`
/// absent or containing `verify`), and is either `kty: EC` on `crv: P-256` (`alg` absent or
/// `ES256`) or `kty: RSA` of at least 2048 bits (`alg` absent or `RS256`). Anything else (other
/// curves and algorithms, symmetric `oct` keys, encryption keys) is skipped, never an error, so
/// that a provider adding a new kind of key does not stop the gateway. The first key with a
/// given `kid` wins. At most ``maxKeys`` keys are read.
enum JSONWebKeySet {
    /// Largest JWKS document read, file or URL: 64 KiB (Supabase's holds a handful of keys).
    static let maxBytes = 64 * 1024
    /// Most keys kept from one document: 32.
    static let maxKeys = 32

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ data: Data) throws(ParseError) -> [PublicSigningKey] {
        guard data.count <= Self.maxBytes else { throw ParseError(description: "is over \(Self.maxBytes / 1024) KiB") }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw ParseError(description: "is not a JSON Web Key Set ({\"keys\": [...]})")
        }
        var keys: [PublicSigningKey] = []
        var seen: Set<String> = []
        for raw in document.keys.prefix(Self.maxKeys) {
            guard let key = Self.usableKey(raw), !seen.contains(key.keyID) else { continue }
            seen.insert(key.keyID)
            keys.append(key)
        }
        return keys
    }

    private static func usableKey(_ raw: RawKey) -> PublicSigningKey? {
        guard let kid = raw.kid, !kid.isEmpty else { return nil }
        if let use = raw.use, use != "sig" { return nil }
        if let operations = raw.key_ops, !operations.contains("verify") { return nil }
        switch raw.kty {
        case "EC":
            guard raw.crv == "P-256", raw.alg == nil || raw.alg == SigningAlgorithm.es256.rawValue,
                  let x = raw.x, let y = raw.y,
                  let key = try? ES256PublicKey(parameters: (x, y))
            else { return nil }
            return PublicSigningKey(keyID: kid, material: .es256(key))
        case "RSA":
            // swift-crypto refuses moduli under 2048 bits.
            guard raw.alg == nil || raw.alg == SigningAlgorithm.rs256.rawValue,
                  let n = raw.n, let e = raw.e,
                  let key = try? Insecure.RSA.PublicKey(modulus: n, exponent: e)
            else { return nil }
            return PublicSigningKey(keyID: kid, material: .rs256(key))
        default:
            return nil
        }
    }

    private struct Document: Decodable {
        var keys: [RawKey]
    }

    /// One JWK, every member optional and typed loosely enough that an unexpected key never
    /// fails the whole document. Private members (`d`, …) are never read.
    private struct RawKey: Decodable {
        var kty: String?
        var kid: String?
        var alg: String?
        var use: String?
        var key_ops: [String]?
        var crv: String?
        var x: String?
        var y: String?
        var n: String?
        var e: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func string(_ key: CodingKeys) -> String? { (try? container.decodeIfPresent(String.self, forKey: key)) ?? nil }
            self.kty = string(.kty)
            self.kid = string(.kid)
            self.alg = string(.alg)
            self.use = string(.use)
            self.key_ops = (try? container.decodeIfPresent([String].self, forKey: .key_ops)) ?? nil
            self.crv = string(.crv)
            self.x = string(.x)
            self.y = string(.y)
            self.n = string(.n)
            self.e = string(.e)
        }

        enum CodingKeys: String, CodingKey {
            case kty, kid, alg, use, key_ops, crv, x, y, n, e
        }
    }
}
