import Foundation
import JSONText
import JWTKit
import Testing

@testable import GatewayCore

/// Tokens whose signature is valid but whose JSON is loose: each is refused with
/// `INVALID_TOKEN`, for HS256 and both JWKS algorithms, and none is ever remembered.
@Suite struct StrictTokenJSONTests {
    let keys: TestKeys

    init() throws {
        self.keys = try TestKeys()
    }

    /// The three ways a token is signed here, each with the header its verifier expects.
    enum Algorithm: String, CaseIterable, Sendable {
        case hs256 = "HS256", es256 = "ES256", rs256 = "RS256"
    }

    func signer(_ algorithm: Algorithm) -> Signer {
        switch algorithm {
        case .hs256: .hmac(testSecret)
        case .es256: .es256(self.keys.es256, kid: "es-1")
        case .rs256: .rsa(self.keys.rsa, kid: "rsa-1")
        }
    }

    static func header(_ algorithm: Algorithm) -> String {
        switch algorithm {
        case .hs256: #"{"alg":"HS256","typ":"JWT"}"#
        case .es256: #"{"alg":"ES256","typ":"JWT","kid":"es-1"}"#
        case .rs256: #"{"alg":"RS256","typ":"JWT","kid":"rsa-1"}"#
        }
    }

    static let subject = "6f1c2a9e-2b7d-4c1e-9a3f-0d5b8e7c4a21"
    static var future: Int { Int(Date().timeIntervalSince1970) + 3600 }
    static var past: Int { Int(Date().timeIntervalSince1970) - 3600 }

    /// A valid Supabase user's claims, then `extra` members (written as given) before the end.
    static func payload(_ extra: String = "", exp: String? = nil) -> String {
        let expiry = exp ?? String(Self.future)
        var members = #""sub":"\#(subject)","role":"authenticated","aud":"authenticated","exp":\#(expiry),"iat":\#(Int(Date().timeIntervalSince1970)),"iss":"\#(testIssuer)""#
        if !extra.isEmpty { members += "," + extra }
        return "{" + members + "}"
    }

    func token(_ algorithm: Algorithm, header: String? = nil, payload: String) async throws -> String {
        try await signedRawToken(header: header ?? Self.header(algorithm), payload: payload, signer: self.signer(algorithm))
    }

    /// Expects refusal of `token`, and that nothing was remembered for it.
    func expectRefusedAndForgotten(_ verifier: SupabaseTokenVerifier, _ token: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        await expectRefused(verifier, token, sourceLocation: sourceLocation)
        await expectRefused(verifier, token, sourceLocation: sourceLocation)  // not served from the cache the second time either
        #expect(verifier.verified.count == 0, "a refused token was remembered", sourceLocation: sourceLocation)
    }

    // MARK: The baseline: the hand-written tokens verify when their JSON is clean

    @Test(arguments: Algorithm.allCases)
    func aCleanHandWrittenTokenIsAccepted(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let user = try await verifier.verify(self.token(algorithm, payload: Self.payload(#""user_metadata":{"a":[1,2.5,{"b":null}]}"#)))
        #expect(user.id == Self.subject)
        // Whitespace between tokens is JSON, not looseness.
        let spaced = try await verifier.verify(self.token(algorithm, payload: " \n" + Self.payload() + " \t"))
        #expect(spaced.id == Self.subject)
    }

    // MARK: Repeated member names

    @Test(arguments: Algorithm.allCases)
    func aRepeatedRoleIsRefusedWhicheverComesFirst(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload(#""role":"service_role""#)))
        let serviceFirst = #"{"role":"service_role","sub":"\#(Self.subject)","role":"authenticated","aud":"authenticated","exp":\#(Self.future)}"#
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: serviceFirst))
    }

    @Test(arguments: Algorithm.allCases)
    func aRepeatedExpiryIsRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload(#""exp":\#(Self.past)"#)))
    }

    @Test(arguments: Algorithm.allCases)
    func aRepeatedNameAtAnyDepthIsRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        for extra in [
            #""app_metadata":{"provider":"email","provider":"github"}"#,
            #""amr":[{"method":"password","method":"otp"}]"#,
            #""user_metadata":{"a":{"b":{"c":1,"c":1}}}"#,
            #""sub":"\#(Self.subject)""#,  // the same value twice is still twice
        ] {
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload(extra)))
        }
    }

    @Test(arguments: Algorithm.allCases)
    func aRepeatedHeaderMemberIsRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        let base = Self.header(algorithm).dropLast()
        var repeats = [#","alg":"none"}"#, #","alg":"\#(algorithm.rawValue)"}"#, #","typ":"JWT"}"#]
        if algorithm != .hs256 { repeats.append(#","kid":"other"}"#) }  // only the JWKS headers have a kid
        for extra in repeats {
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, header: base + extra, payload: Self.payload()))
        }
    }

    // MARK: Other looseness

    @Test(arguments: Algorithm.allCases)
    func bytesAfterTheObjectAreRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        for trailing in ["x", "{}", ",", "\u{0}", "}", "[]", "null"] {
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload() + trailing))
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, header: Self.header(algorithm) + trailing, payload: Self.payload()))
        }
    }

    @Test(arguments: Algorithm.allCases)
    func aPayloadOrHeaderThatIsNotAnObjectIsRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        for text in ["[]", "[\(Self.payload())]", #""authenticated""#, "1", "null", "true", ""] {
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: text))
        }
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, header: "[\(Self.header(algorithm))]", payload: Self.payload()))
    }

    @Test(arguments: Algorithm.allCases)
    func invalidUTF8IsRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        for bad in [[0xFF] as [UInt8], [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF]] {
            var payload = Data(Self.payload(#""name":"x"#).utf8)
            payload.append(contentsOf: bad)
            payload.append(contentsOf: Array(#""}"#.utf8))
            let token = try await signedRawToken(header: Data(Self.header(algorithm).utf8), payload: payload, signer: self.signer(algorithm))
            await self.expectRefusedAndForgotten(verifier, token)
        }
        // A lone surrogate escape decodes to no Unicode text at all.
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload(#""name":"\ud800""#)))
        // A byte order mark before the object.
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: "\u{FEFF}" + Self.payload()))
    }

    @Test(arguments: Algorithm.allCases)
    func aNULAnywhereIsRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        for extra in [#""name":"a\u0000b""#, #""a\u0000":1"#, #""user_metadata":{"x":["\u0000"]}"#] {
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload(extra)))
        }
        // The subject itself, where a C reader would see a different user.
        let nulSubject = #"{"sub":"\#(Self.subject)\u0000admin","role":"authenticated","aud":"authenticated","exp":\#(Self.future)}"#
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: nulSubject))
        await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, header: #"{"alg":"\#(algorithm.rawValue)\u0000","kid":"es-1"}"#, payload: Self.payload()))
    }

    @Test(arguments: Algorithm.allCases)
    func numbersThatDoNotFitAreRefused(algorithm: Algorithm) async throws {
        let verifier = try await makeStandardVerifier(keys: self.keys)
        for exp in ["1e400", "99999999999999999999", "9007199254740993", "1e20", "-1", "253402300800", "-0.5e400"] {
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload(exp: exp)))
        }
        for extra in [#""n":1e400"#, #""n":-9007199254740992"#, #""user_metadata":{"id":123456789012345678901234567890}"#] {
            await self.expectRefusedAndForgotten(verifier, try await self.token(algorithm, payload: Self.payload(extra)))
        }
        // Numbers every reader agrees on pass: a fractional expiry, the largest exact integer.
        let fine = try await verifier.verify(self.token(algorithm, payload: Self.payload(#""n":9007199254740991,"m":-1.5e3"#, exp: "\(Self.future).5")))
        #expect(fine.id == Self.subject)
    }

    // MARK: The checker alone

    @Test func numberFitting() {
        #expect(TokenJSON.fits("0"))
        #expect(TokenJSON.fits("-9007199254740991"))
        #expect(!TokenJSON.fits("9007199254740992"))
        #expect(TokenJSON.fits("1.7976931348623157e308"))
        #expect(!TokenJSON.fits("1.8e308"))
        #expect(TokenJSON.fits("1e-400"))  // underflows to zero: no reader fails on it
    }

    @Test func theStrictParserRefusesWhatTheLenientOneRepairs() throws {
        let lone = Data(#"{"a":"\udc00"}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue(parsingStrictly: lone) }
        #expect(try JSONValue(parsing: lone) == ["a": "\u{FFFD}"])
        let bom = Data([0xEF, 0xBB, 0xBF] + Array("{}".utf8))
        #expect(throws: JSONParseError.self) { try JSONValue(parsingStrictly: bom) }
        #expect(try JSONValue(parsing: bom) == .object([]))
        #expect(try JSONValue(parsingStrictly: Data(#"{"a":"\ud83d\ude00"}"#.utf8)) == ["a": "😀"])
    }
}
