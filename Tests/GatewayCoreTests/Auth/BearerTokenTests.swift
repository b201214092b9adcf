import HTTPTypes
import Testing

@testable import GatewayCore

/// How `Authorization` headers are read (RFC 7235 §2.1: the scheme is case-insensitive).
@Suite struct BearerTokenTests {
    static func token(_ values: [String]) -> Result<String, AuthError> {
        var headers = HTTPFields()
        for value in values { headers.append(HTTPField(name: .authorization, value: value)) }
        return Result { () throws(AuthError) in try AuthMiddleware.bearerToken(headers) }
    }

    @Test(arguments: [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc.def.ghi", "abc.def.ghi"),
        ("BEARER abc.def.ghi", "abc.def.ghi"),
        ("BeArEr abc", "abc"),
        ("Bearer   abc.def  ", "abc.def"),
        ("Bearer \tabc\t", "abc"),
    ])
    func tokensAreRead(header: String, expected: String) {
        #expect(Self.token([header]) == .success(expected))
    }

    @Test(arguments: [
        ("Basic dXNlcjpwYXNzd29yZA==", AuthError.missingCredentials),
        ("Bearer", .missingCredentials),
        ("Bearerabc", .missingCredentials),
        ("Bearer\tabc", .missingCredentials),
        ("Bearex abc", .missingCredentials),
        ("Token abc", .missingCredentials),
        // HTTP field values lose their surrounding whitespace (RFC 9110 §5.5): this is "Bearer".
        ("Bearer    ", .missingCredentials),
        ("Bearer  \t ", .missingCredentials),
        ("Bearer abc def", .malformed),
    ])
    func otherHeadersAreRefused(header: String, error: AuthError) {
        #expect(Self.token([header]) == .failure(error))
    }

    @Test func noHeaderOrTwoHeadersAreRefused() {
        #expect(Self.token([]) == .failure(.missingCredentials))
        #expect(Self.token(["Bearer a", "Bearer b"]) == .failure(.malformed))
    }
}
