import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TestSupport

private let profile = #"{"fullName": "Zoë Ünal", "jobTitle": "Software Engineer", "targetJobTitle": "Staff Engineer", "companyName": "Acme"}"#
private let jobDescription = "Senior Swift engineer\nBuild backend services with SwiftNIO at Acme."

/// Saved results and the usage ledger through real processes: gateway (with its database),
/// both services and the simulator. Each test runs on the embedded SQLite database and, when
/// `CAREER_TEST_DATABASE_URL` names one (scripts/test.sh starts it), on PostgreSQL; each uses
/// users of its own, so stacks sharing the PostgreSQL database never see each other's rows.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PersistenceEndToEndTests {
    enum Database: String, CaseIterable, Sendable {
        case sqlite, postgres
    }

    /// A stack that checks tokens, on `database`; nil (the test then skips, saying so) for
    /// PostgreSQL without a server.
    static func stack(_ database: Database, _ environment: [String: String] = [:]) async throws -> Stack? {
        var settings = ["AUTH_DISABLED": "0", "SUPABASE_JWT_SECRET": TestTokens.secret]
        if database == .postgres {
            guard let url = ProcessInfo.processInfo.environment["CAREER_TEST_DATABASE_URL"] else {
                print("SKIPPED (no PostgreSQL): the PostgreSQL case of this test; run scripts/test.sh with PostgreSQL installed")
                return nil
            }
            settings["DATABASE_URL"] = url
        }
        return try await Stack(gatewayEnvironment: settings.merging(environment) { _, new in new })
    }

    struct User {
        let id = UUID().uuidString.lowercased()
        var authorization: (String, String) { ("Authorization", "Bearer " + TestTokens.user(self.id)) }
    }

    /// Every kind the spec saves, each a real call, with the body that asks for it.
    static let savedCalls: [(path: String, body: String, kind: String)] = [
        ("/api/v1/generate/documents", #"{"profile": \#(profile), "options": {"jobDescription": "\#(jobDescription.replacingOccurrences(of: "\n", with: "\\n"))"}}"#, "documents"),
        ("/api/v1/analyze/application", #"{"jobDescription": "Swift engineer", "profile": \#(profile)}"#, "analysis"),
        ("/api/v1/career/path", #"{"profile": \#(profile), "currentRole": "Engineer", "targetRole": "Engineering Manager"}"#, "careerPath"),
        ("/api/v1/networking/brief", #"{"profile": \#(profile), "counterpartInfo": "Grace Hopper, compiler pioneer"}"#, "networkingBrief"),
        ("/api/v1/networking/reach-out", #"{"profile": \#(profile), "counterpartInfo": "Grace Hopper, compiler pioneer"}"#, "reachOut"),
        ("/api/v1/interview/questions", #"{"jobDescription": "Swift engineer at Acme"}"#, "interviewQuestions"),
        ("/api/v1/interview/thank-you", #"{"profile": \#(profile), "jobDescription": "Swift engineer at Acme", "interviewNotes": "Compilers"}"#, "thankYouNote"),
    ]

    @Test(arguments: Database.allCases)
    func everySavedKindRoundTripsExactly(database: Database) async throws {
        guard let stack = try await Self.stack(database) else { return }
        defer { Task { await stack.stop() } }
        let user = User()

        var saved: [(id: String, kind: String, answer: Data)] = []
        for call in Self.savedCalls {
            let reply = try await stack.send("POST", call.path, json: call.body, headers: [user.authorization])
            #expect(reply.status == 200, "\(call.path): \(String(decoding: reply.body, as: UTF8.self))")
            let id = try #require(reply.json["resultId"] as? String, "\(call.path) has no resultId")
            saved.append((id, call.kind, reply.body))
        }
        // Streamed: `done` carries the resultId.
        let streamed = ContractHoleTests.events(try await Self.stream(stack, "/api/v1/networking/brief", Self.savedCalls[3].body, user))
        let done = try #require(streamed.last { $0.name == "done" })
        #expect(done.json["resultId"] is String)
        // The coach's career path is saved as a career path; the coach turn is not.
        let chat = #"{"message": "Please generateAndSaveCareerPath from engineer to engineering manager", "history": [], "profile": \#(profile)}"#
        let coach = try await stack.send("POST", "/api/v1/coach/chat", json: chat, headers: [user.authorization])
        let careerPath = ((coach.json["action"] as? [String: Any])?["payload"] as? [String: Any])?["careerPath"] as? [String: Any]
        let coachPathID = try #require(careerPath?["resultId"] as? String, "\(String(decoding: coach.body, as: UTF8.self))")
        #expect(coach.json["resultId"] == nil)
        // A parsed profile is not saved.
        let parsed = try await stack.send("POST", "/api/v1/profile/parse", json: #"{"text": "Zoë Ünal, engineer"}"#, headers: [user.authorization])
        #expect(parsed.status == 200)
        #expect(parsed.json["resultId"] == nil)

        for item in saved {
            let reply = try await stack.send("GET", "/api/v1/history/\(item.id)", headers: [user.authorization])
            #expect(reply.status == 200)
            #expect(reply.json["kind"] as? String == item.kind)
            // `result` is the answer exactly as it was returned, byte for byte.
            #expect(reply.body.suffix(item.answer.count + 1) == item.answer + Data("}".utf8), "\(item.kind)")
        }
        let history = try await stack.send("GET", "/api/v1/history?limit=100", headers: [user.authorization])
        let items = try #require(history.json["items"] as? [[String: Any]])
        #expect(items.count == saved.count + 2)
        #expect(items.first?["id"] as? String == coachPathID)  // newest first
        #expect(items.contains { $0["id"] as? String == done.json["resultId"] as? String })
        let documents = try #require(items.first { $0["kind"] as? String == "documents" })
        #expect(documents["title"] as? String == "Staff Engineer at Acme")
        #expect(items.first { $0["kind"] as? String == "careerPath" && $0["id"] as? String != coachPathID }?["title"] as? String == "Engineer → Engineering Manager")
        #expect(history.json["nextCursor"] is NSNull)
    }

    @Test(arguments: Database.allCases)
    func historyPagesWalkWithoutDuplicatesAndRefuseBadParameters(database: Database) async throws {
        guard let stack = try await Self.stack(database) else { return }
        defer { Task { await stack.stop() } }
        let user = User()
        var ids: [String] = []
        for index in 0..<12 {
            let reply = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Job \#(index)"}"#, headers: [user.authorization])
            ids.append(try #require(reply.json["resultId"] as? String))
        }
        var walked: [String] = []
        var cursor: String?
        repeat {
            let query = "limit=5&kind=interviewQuestions" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await stack.send("GET", "/api/v1/history?\(query)", headers: [user.authorization])
            #expect(page.status == 200)
            walked += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = page.json["nextCursor"] as? String
        } while cursor != nil
        #expect(walked == ids.reversed())

        for (query, field) in [
            ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("kind=resume", "kind"),
            ("cursor=garbage", "cursor"), ("page=2", "page"), ("limit=5&limit=6", "limit"),
            // An empty value is a value, refused as the document's schema refuses it.
            ("kind=", "kind"), ("cursor=", "cursor"), ("limit=", "limit"),
            // The cursor's documented form, a digit short of it.
            ("cursor=12345678901234567_00000000-0000-4000-8000-000000000001", "cursor"),
        ] {
            let reply = try await stack.send("GET", "/api/v1/history?\(query)", headers: [user.authorization])
            #expect(reply.status == 400, "\(query)")
            let fields = (reply.error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(fields == [field], "\(query)")
        }
        let usage = try await stack.send("GET", "/api/v1/usage?from=yesterday", headers: [user.authorization])
        #expect(usage.status == 400)
        // Any cursor of the documented form is a position: a far-past one starts an empty page.
        let past = try await stack.send("GET", "/api/v1/history?cursor=0_00000000-0000-4000-8000-000000000001", headers: [user.authorization])
        #expect(past.status == 200)
        #expect((past.json["items"] as? [Any])?.isEmpty == true)
        // A period with `from` at or after `to` is empty, not an error.
        let empty = try await stack.send("GET", "/api/v1/usage?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z", headers: [user.authorization])
        #expect(empty.status == 200)
        #expect((empty.json["total"] as? [String: Any])?["calls"] as? Int == 0)
    }

    @Test(arguments: Database.allCases)
    func anotherUsersItemIs404AndErasureForgetsEverything(database: Database) async throws {
        guard let stack = try await Self.stack(database) else { return }
        defer { Task { await stack.stop() } }
        let owner = User()
        let other = User()
        let body = #"{"jobDescription": "Swift engineer"}"#
        let first = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [owner.authorization, ("Idempotency-Key", "k-1")])
        let id = try #require(first.json["resultId"] as? String)

        for method in ["GET", "DELETE"] {
            let reply = try await stack.send(method, "/api/v1/history/\(id)", headers: [other.authorization])
            #expect(reply.status == 404, "\(method)")
            #expect(reply.error["code"] as? String == "NOT_FOUND")
        }
        #expect(try await stack.send("GET", "/api/v1/history/not-a-uuid", headers: [owner.authorization]).status == 404)
        let othersList = try await stack.send("GET", "/api/v1/history", headers: [other.authorization])
        #expect((othersList.json["items"] as? [Any])?.isEmpty == true)

        // The right to erasure: saved results, usage rows and remembered idempotent answers.
        let before = try await stack.geminiRequestCount()
        let erased = try await stack.send("DELETE", "/api/v1/me/data", headers: [owner.authorization])
        #expect(erased.status == 204)
        #expect(try await stack.send("GET", "/api/v1/history/\(id)", headers: [owner.authorization]).status == 404)
        let usage = try await stack.send("GET", "/api/v1/usage", headers: [owner.authorization])
        #expect((usage.json["total"] as? [String: Any])?["calls"] as? Int == 0)
        let repeated = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [owner.authorization, ("Idempotency-Key", "k-1")])
        #expect(repeated.status == 200)
        #expect(repeated.headers.first(name: "Idempotent-Replayed") == nil)
        #expect(try await stack.geminiRequestCount() == before + 1)  // answered anew, not replayed

        let deleted = try await stack.send("DELETE", "/api/v1/history/\(try #require(repeated.json["resultId"] as? String))", headers: [owner.authorization])
        #expect(deleted.status == 204)
        #expect(try await stack.send("DELETE", "/api/v1/history/\(id)", headers: [owner.authorization]).status == 404)
    }

    @Test(arguments: Database.allCases)
    func usageTotalsAreTheSumOfTheAnswersAndFailuresAreRecorded(database: Database) async throws {
        guard let stack = try await Self.stack(database) else { return }
        defer { Task { await stack.stop() } }
        let user = User()
        var answerTokens: [String: Int] = [:]
        for call in Self.savedCalls.prefix(4) {
            let reply = try await stack.send("POST", call.path, json: call.body, headers: [user.authorization])
            answerTokens[call.kind] = (reply.json["usage"] as? [String: Any])?["totalTokens"] as? Int ?? 0
        }
        // Calls that fail after the model answered still cost tokens, and the ledger has them:
        // two malformed answers; a streamed answer cut at the token limit.
        try await stack.injectFault("malformed-output", count: 2)
        let failed = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Swift"}"#, headers: [user.authorization])
        #expect(failed.error["reason"] as? String == "MALFORMED_MODEL_OUTPUT")
        try await stack.injectFault("max-tokens", count: 1)
        let truncated = ContractHoleTests.events(try await Self.stream(stack, "/api/v1/networking/brief", Self.savedCalls[3].body, user))
        #expect(truncated.last?.name == "error")
        #expect((truncated.last?.json["error"] as? [String: Any])?["reason"] as? String == "OUTPUT_TRUNCATED")
        // Refused before any service: not in the ledger.
        _ = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": 5}"#, headers: [user.authorization])

        // Ledger rows are written just after the answer.
        var total: [String: Any] = [:]
        var byTask: [[String: Any]] = []
        for _ in 0..<50 {
            let usage = try await stack.send("GET", "/api/v1/usage", headers: [user.authorization])
            #expect(usage.status == 200)
            total = usage.json["total"] as? [String: Any] ?? [:]
            byTask = usage.json["byTask"] as? [[String: Any]] ?? []
            if total["calls"] as? Int == 6 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(total["calls"] as? Int == 6)
        /// A task's figure summed over its rows (one per model).
        func sum(_ task: String, _ figure: String) -> Int {
            byTask.filter { $0["task"] as? String == task }.reduce(0) { $0 + ($1[figure] as? Int ?? 0) }
        }
        // Each successful answer's tokens are its task's (one call per task).
        for task in ["documents", "analysis", "careerPath"] {
            #expect(sum(task, "totalTokens") == answerTokens[task], "\(task)")
        }
        // The failed calls' tokens are there, under the model that spent them.
        #expect(sum("interviewQuestions", "totalTokens") > 0)
        #expect(sum("interviewQuestions", "promptTokens") > 0)
        #expect(sum("networkingBrief", "calls") == 2)
        #expect(sum("networkingBrief", "totalTokens") > answerTokens["networkingBrief"] ?? 0)
        #expect(total["totalTokens"] as? Int == byTask.reduce(0) { $0 + ($1["totalTokens"] as? Int ?? 0) })
        let tasks = Set(byTask.compactMap { $0["task"] as? String })
        #expect(tasks == ["documents", "analysis", "careerPath", "networkingBrief", "interviewQuestions"])
        #expect(byTask.allSatisfy { ($0["model"] as? String)?.hasPrefix("gemini-") == true })
        let window = try await stack.send("GET", "/api/v1/usage?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z", headers: [user.authorization])
        #expect((window.json["total"] as? [String: Any])?["calls"] as? Int == 0)
    }

    /// A streamed coach turn that planned a career path saves it once, when the `action` event
    /// goes out: the action carries `resultId` (a frontend acts on it at once), and `done`
    /// carries the same one.
    @Test func aStreamedCoachCareerPathCarriesItsResultIdInTheActionAndInDone() async throws {
        guard let stack = try await Self.stack(.sqlite) else { return }
        defer { Task { await stack.stop() } }
        let user = User()
        let chat = #"{"message": "Please generateAndSaveCareerPath from engineer to engineering manager", "history": [], "profile": \#(profile)}"#
        let events = ContractHoleTests.events(try await Self.stream(stack, "/api/v1/coach/chat", chat, user))
        func careerPath(_ action: Any?) -> [String: Any]? {
            ((action as? [String: Any])?["payload"] as? [String: Any])?["careerPath"] as? [String: Any]
        }
        let action = try #require(events.first { $0.name == "action" })
        let done = try #require(events.last { $0.name == "done" })
        let actionID = try #require(careerPath(action.json)?["resultId"] as? String)
        #expect(careerPath(done.json["action"])?["resultId"] as? String == actionID)
        #expect(done.json["resultId"] == nil)

        let history = try await stack.send("GET", "/api/v1/history", headers: [user.authorization])
        let items = try #require(history.json["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == [actionID])
        let saved = try await stack.send("GET", "/api/v1/history/\(actionID)", headers: [user.authorization])
        #expect(saved.json["kind"] as? String == "careerPath")
        #expect((saved.json["result"] as? NSDictionary) == (careerPath(action.json) as NSDictionary?))
    }

    /// Calls the gateway gave up on still cost what the model produced before they were cut,
    /// and the ledger has it: the gateway's cancel asks the service for the call's closing status.
    @Test func callsTheGatewayGaveUpOnAreInTheLedgerWithWhatTheySpent() async throws {
        guard let stack = try await Self.stack(.sqlite, ["CALL_TIMEOUT_SECONDS": "2"]) else { return }
        defer { Task { await stack.stop() } }
        let user = User()
        // A stream whose client leaves after its first event.
        try await stack.injectFault("chunk-delay=1s", count: 1)
        let reader = Task {
            var request = HTTPClientRequest(url: stack.gatewayURL + Self.savedCalls[3].path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "text/event-stream")
            request.headers.add(name: user.authorization.0, value: user.authorization.1)
            request.body = .bytes(ByteBuffer(string: Self.savedCalls[3].body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            for try await _ in response.body { break }
        }
        _ = try? await reader.value
        // A stream that runs past the gateway's 2 s deadline in the middle of the answer.
        try await stack.injectFault("chunk-delay=1500ms", count: 1)
        let expired = ContractHoleTests.events(try await Self.stream(stack, Self.savedCalls[4].path, Self.savedCalls[4].body, user))
        #expect(expired.first?.name == "delta")
        #expect((expired.last?.json["error"] as? [String: Any])?["code"] as? String == "DEADLINE_EXCEEDED")

        var byTask: [[String: Any]] = []
        for _ in 0..<100 {
            byTask = try await stack.send("GET", "/api/v1/usage", headers: [user.authorization]).json["byTask"] as? [[String: Any]] ?? []
            if byTask.count == 2 && byTask.allSatisfy({ ($0["outputTokens"] as? Int ?? 0) > 0 }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for task in ["networkingBrief", "reachOut"] {
            let row = byTask.first { $0["task"] as? String == task }
            #expect(row?["calls"] as? Int == 1, "\(task)")
            // The prompt, and the output of the chunks sent before the call was cut.
            #expect((row?["promptTokens"] as? Int ?? 0) > 0, "\(task)")
            #expect((row?["outputTokens"] as? Int ?? 0) > 0, "\(task)")
            #expect(row?["model"] as? String == "gemini-2.5-flash", "\(task)")
        }
    }

    @Test(arguments: Database.allCases)
    func savedResultsSurviveTheGatewayBeingStoppedOrKilled(database: Database) async throws {
        guard let stack = try await Self.stack(database) else { return }
        defer { Task { await stack.stop() } }
        let user = User()
        let body = #"{"jobDescription": "Swift engineer"}"#
        let first = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization])
        let firstID = try #require(first.json["resultId"] as? String)
        try await stack.restartGateway(with: SIGTERM)
        #expect(try await stack.send("GET", "/api/v1/history/\(firstID)", headers: [user.authorization]).status == 200)

        // A resultId in an answer means the row is committed: killing the gateway at once loses nothing.
        let second = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization])
        let secondID = try #require(second.json["resultId"] as? String)
        try await stack.restartGateway(with: SIGKILL)
        let reply = try await stack.send("GET", "/api/v1/history/\(secondID)", headers: [user.authorization])
        #expect(reply.status == 200)
        #expect(reply.body.suffix(second.body.count + 1) == second.body + Data("}".utf8))
    }

    @Test func withSavingOffNothingIsSavedButUsageIsKept() async throws {
        guard let stack = try await Self.stack(.sqlite, ["SAVE_RESULTS": "0"]) else { return }
        defer { Task { await stack.stop() } }
        let user = User()
        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Swift"}"#, headers: [user.authorization])
        #expect(reply.status == 200)
        #expect(reply.json["resultId"] == nil)
        #expect((try await stack.send("GET", "/api/v1/history", headers: [user.authorization]).json["items"] as? [Any])?.isEmpty == true)
        var calls: Int?
        for _ in 0..<50 {
            calls = (try await stack.send("GET", "/api/v1/usage", headers: [user.authorization]).json["total"] as? [String: Any])?["calls"] as? Int
            if calls == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(calls == 1)
    }

    @Test func twoGatewayReplicasOnOnePostgreSQLShareHistoryKeysAndLimits() async throws {
        guard let stack = try await Self.stack(.postgres, ["RATE_LIMIT_FLASH_PER_MIN": "3"]) else { return }
        defer { Task { await stack.stop() } }
        let replica = try await stack.startGatewayReplica()
        defer { replica.process.signal(SIGTERM) }
        let a = stack.gatewayURL
        let b = replica.url
        let user = User()
        let body = #"{"jobDescription": "Swift engineer"}"#

        // History written through one replica is read through the other.
        let saved = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization, ("Idempotency-Key", "same-key")], base: a)
        let id = try #require(saved.json["resultId"] as? String)
        #expect(try await stack.send("GET", "/api/v1/history/\(id)", headers: [user.authorization], base: b).status == 200)

        // The key's repeat on the other replica gets the first answer, with no Gemini call.
        let calls = try await stack.geminiRequestCount()
        var repeated: Stack.Reply?
        for _ in 0..<20 {  // the answer is stored just after it is sent
            repeated = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization, ("Idempotency-Key", "same-key")], base: b)
            if repeated?.headers.first(name: "Idempotent-Replayed") == "true" { break }
        }
        #expect(repeated?.headers.first(name: "Idempotent-Replayed") == "true")
        #expect(repeated?.body == saved.body)
        #expect(try await stack.geminiRequestCount() == calls)
        let conflict = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Other"}"#, headers: [user.authorization, ("Idempotency-Key", "same-key")], base: b)
        #expect(conflict.status == 409)

        // The same key sent to both replicas at once runs once.
        try await stack.injectFault("latency=800ms", count: 1)
        let before = try await stack.geminiRequestCount()
        async let first = stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization, ("Idempotency-Key", "race")], base: a)
        async let second = stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization, ("Idempotency-Key", "race")], base: b)
        let (one, two) = try await (first, second)
        #expect(one.status == 200 && two.status == 200)
        #expect(one.body == two.body)
        #expect(try await stack.geminiRequestCount() == before + 1)

        // One allowance across both replicas: 3 flash calls a minute in all.
        let limited = User()
        var statuses: [Int] = []
        for index in 0..<4 {
            statuses.append(try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [limited.authorization], base: index % 2 == 0 ? a : b).status)
        }
        #expect(statuses == [200, 200, 200, 429])
        let refused = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [limited.authorization], base: a)
        #expect(refused.status == 429)
        #expect(Int(refused.headers.first(name: "Retry-After") ?? "") ?? 0 >= 1)
    }

    @Test func aDatabaseOutageCostsNoAnswerAndTheGatewayRecoversByItself() async throws {
        guard let url = ProcessInfo.processInfo.environment["CAREER_TEST_DATABASE_URL"] else {
            print("SKIPPED (no PostgreSQL): aDatabaseOutageCostsNoAnswerAndTheGatewayRecoversByItself")
            return
        }
        // The gateway reaches PostgreSQL through a proxy the test can cut.
        let target = try #require(URLComponents(string: url))
        let proxy = try await TCPProxy(targetHost: try #require(target.host), targetPort: try #require(target.port))
        var proxied = target
        proxied.port = proxy.port
        guard let stack = try await Self.stack(.postgres, ["DATABASE_URL": try #require(proxied.string)]) else { return }
        defer { Task { await stack.stop(); await proxy.cut() } }
        let user = User()
        let body = #"{"jobDescription": "Swift engineer"}"#
        // Migrated and saving.
        var saved: Stack.Reply?
        for _ in 0..<100 {
            saved = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization])
            if saved?.json["resultId"] != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(saved?.json["resultId"] is String)

        await proxy.cut()
        // AI answers still come, without resultId; history and usage are 503 with Retry-After.
        let answer = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization])
        #expect(answer.status == 200)
        #expect(answer.json["resultId"] == nil)
        for path in ["/api/v1/history", "/api/v1/usage"] {
            let reply = try await stack.send("GET", path, headers: [user.authorization])
            #expect(reply.status == 503, "\(path)")
            #expect(reply.error["code"] as? String == "UNAVAILABLE")
            #expect(reply.headers.first(name: "Retry-After") != nil)
        }
        // Still ready (the AI path works), and the failures are counted.
        #expect(try await stack.send("GET", "/readyz").status == 200)
        let metrics = String(decoding: try await stack.send("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"gateway_db_operations_total{operation="save_result",outcome="failed"}"#))

        // Back: saving and history recover with no restart.
        try await proxy.restore()
        var recovered = false
        for _ in 0..<60 {
            let reply = try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [user.authorization])
            if reply.json["resultId"] != nil, try await stack.send("GET", "/api/v1/history", headers: [user.authorization]).status == 200 {
                recovered = true
                break
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(recovered, "\(stack.diagnostics)")
    }

    static func stream(_ stack: Stack, _ path: String, _ body: String, _ user: User) async throws -> String {
        try await ContractHoleTests.stream(stack, path, body, headers: [user.authorization])
    }
}
