// The Swift twins of the protobuf-c fixtures in Sources/ProtoInteropFixtures/fixtures.c.
// Every value is written out again here on purpose: the tests prove that the two builds of the
// same message agree on the wire. Keep the two files in step.
import CareerProto
import Foundation
import ProtoInteropFixtures
import RPCProto
import SwiftProtobuf

enum SwiftFixtures {
    static let nonASCII = "Zoë Ünal — 東京 🚀"
    /// The frame limit of the protocol, and the large payload 64 bytes under it.
    static let maxFrameBytes = 4 * 1024 * 1024
    static let largePayloadBytes = maxFrameBytes - 64
    /// 27 UTF-8 bytes, repeated to just under 1 MiB.
    static let longStringUnit = "Zoë Ünal — 東京 🚀\n"
    static let longStringRepeats = 38_836

    /// The message fixture `fixture` describes, built with swift-protobuf. The switch is
    /// exhaustive, so a fixture added in C without a Swift twin does not compile.
    static func message(_ fixture: PIFFixture) -> any SwiftProtobuf.Message {
        switch fixture {
        case .frameHello: frameHello
        case .frameHelloAck: frameHelloAck
        case .frameCallStart: frameCallStart
        case .frameCallMessageLarge: frameCallMessageLarge
        case .frameStatusError: frameStatusError
        case .frameStatusOk: Career_V1_Frame.with { $0.callID = 43; $0.status = .init() }
        case .frameCancel: Career_V1_Frame.with { $0.callID = 44; $0.cancel = .init() }
        case .frameCancelReportStatus: Career_V1_Frame.with { $0.callID = 45; $0.cancel = .with { $0.reportStatus = true } }
        case .framePing: framePing
        case .frameGoAway: frameGoAway
        case .frameGoAwayUnknownCode: frameGoAwayUnknownCode
        case .healthCheckRequest: Career_V1_HealthCheckRequest.with { $0.service = "career.v1.GenerationService" }
        case .healthCheckResponse: Career_V1_HealthCheckResponse.with { $0.status = .notServing }
        case .profile: profile
        case .generateDocumentsRequest: generateDocumentsRequest
        case .documentOptionsDefaults: Career_V1_DocumentOptions.with { $0.jobDescription = "Barista" }
        case .documentOptionsNegativeTechnicality:
            Career_V1_DocumentOptions.with {
                $0.documents = .coverLetterOnly
                $0.technicality = -1
            }
        case .generateDocumentsResponse: generateDocumentsResponse
        case .documentsStreamEventDelta:
            Career_V1_DocumentsStreamEvent.with {
                $0.delta = .with {
                    $0.document = .coverLetter
                    $0.text = "Sehr geehrte Damen und Herren, "
                }
            }
        case .documentsStreamEventDone:
            Career_V1_DocumentsStreamEvent.with {
                $0.done = .with {
                    $0.resume = "# Résumé only"
                    $0.model = "gemini-2.5-flash"
                    $0.usage = usage(10, 20, 0, 30)
                }
            }
        case .parseProfileRequestLong: parseProfileRequestLong
        case .parseProfileResponse:
            Career_V1_ParseProfileResponse.with {
                $0.profile = profile
                $0.model = "gemini-2.5-flash"
                $0.usage = usage(4096, 1024, 512, 5632)
            }
        case .analyzeApplicationRequestProfile:
            Career_V1_AnalyzeApplicationRequest.with {
                $0.jobDescription = "Principal Engineer, Plattform-Team — 東京 oder remote"
                $0.candidate = .profile(profile)
            }
        case .analyzeApplicationRequestResumeText:
            Career_V1_AnalyzeApplicationRequest.with {
                $0.jobDescription = "Data Engineer"
                $0.candidate = .resumeText("ZOË ÜNAL\nData Engineer · 東京\n• Spark, Kafka 🚀")
            }
        case .analyzeApplicationResponse: analyzeApplicationResponse
        case .careerPathRequest:
            Career_V1_CareerPathRequest.with {
                $0.profile = profile
                $0.currentRole = "Senior Backend Engineer"
                $0.targetRole = "Principal Engineer — Plattform"
            }
        case .careerPathResponse: careerPath
        case .networkingRequest:
            Career_V1_NetworkingRequest.with {
                $0.profile = profile
                $0.counterpartInfo = "Hiroshi Tanaka (田中 博), VP Engineering at Nordlicht 東京"
            }
        case .thankYouNoteRequest:
            Career_V1_ThankYouNoteRequest.with {
                $0.profile = profile
                $0.jobDescription = "Staff Engineer, Plattform — Nordlicht 東京"
                $0.interviewNotes = "Talked about SwiftNIO back-pressure; Hiroshi asked about on-call 🚀"
                $0.interviewerName = "Hiroshi Tanaka (田中 博)"
            }
        case .textStreamEventDelta:
            Career_V1_TextStreamEvent.with { $0.delta = .with { $0.text = "Hallo Hiroshi-san, " } }
        case .textStreamEventDone:
            Career_V1_TextStreamEvent.with {
                $0.done = .with {
                    $0.text = "## Brief\n\nHiroshi leads platform at Nordlicht 東京 🚀"
                    $0.model = "gemini-2.5-flash"
                    $0.usage = usage(900, 300, 0, 1200)
                }
            }
        case .interviewQuestionsRequest:
            Career_V1_InterviewQuestionsRequest.with {
                $0.jobDescription = "Staff iOS Engineer — Swift, SwiftUI, Barrierefreiheit"
                $0.profile = profile
            }
        case .interviewQuestionsResponse: interviewQuestionsResponse
        case .chatRequest: chatRequest
        case .chatResponse:
            chatResponse(action: .with {
                $0.updateSummary = .with {
                    $0.newSummary = "Platform engineer — Swift, SwiftNIO, protobuf; Berlin ⇄ 東京."
                }
            })
        case .chatStreamEventDelta:
            Career_V1_ChatStreamEvent.with { $0.delta = .with { $0.text = "Gute Idee — " } }
        case .chatStreamEventAction:
            Career_V1_ChatStreamEvent.with {
                $0.action = .with {
                    $0.navigateToResumeGenerator = .with {
                        $0.jobDescription = "Principal Engineer — Nordlicht AG, Berlin"
                    }
                }
            }
        case .chatStreamEventDone:
            Career_V1_ChatStreamEvent.with {
                $0.done = chatResponse(action: .with {
                    $0.saveCareerPath = .with { $0.careerPath = careerPath }
                })
            }
        }
    }

    // MARK: Frames

    static let frameHello = Career_V1_Frame.with {
        $0.callID = 0
        $0.hello = .with {
            $0.protocolVersion = 1
            $0.token = Data([0x73, 0x33, 0x63, 0x72, 0x65, 0x74, 0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF])
            $0.peerName = "gateway — " + nonASCII
        }
    }

    static let frameHelloAck = Career_V1_Frame.with {
        $0.helloAck = .with {
            $0.protocolVersion = 1
            $0.maxFrameBytes = UInt32(maxFrameBytes)
            $0.maxConcurrentCalls = .max
            $0.serverName = "generation-service/東京"
        }
    }

    static let frameCallStart = Career_V1_Frame.with {
        $0.callID = 7
        $0.callStart = .with {
            $0.method = "/career.v1.GenerationService/InterviewQuestions"
            $0.metadata = [
                "request-id": "req-0001-ä",
                "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "user-id": nonASCII,
                "x-empty": "",
                "x-emoji-🚀": "値",
            ]
            $0.timeoutMillis = .max
            $0.payload = Data((0...255).map { UInt8($0) })
        }
    }

    /// Byte `i` is the low 8 bits of `i * 31 + (i >> 8)`, as in C.
    static let largePayload: Data = {
        var data = Data(count: largePayloadBytes)
        data.withUnsafeMutableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            for i in 0..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ (i >> 8)) }
        }
        return data
    }()

    static let frameCallMessageLarge = Career_V1_Frame.with {
        $0.callID = .max
        $0.message = .with { $0.payload = largePayload }
    }

    static let frameStatusError = Career_V1_Frame.with {
        $0.callID = 42
        $0.status = .with {
            $0.code = .invalidArgument
            $0.message = "Die Anfrage ist ungültig — " + nonASCII
            $0.details = .with {
                $0.reason = "INVALID_PROFILE"
                $0.fieldViolations = [
                    violation("profile.experience[0].title", "must not be empty"),
                    violation("profile.full_name", "zu lang: höchstens 200 Zeichen"),
                    violation("options.technicality", "must be 0–100 🚀"),
                ]
                $0.retryAfterMillis = 1500
            }
            $0.usage = [
                modelUsage("gemini-2.5-pro", 5_000_000_000, 812, 1024, 5_000_001_836),
                modelUsage("gemini-2.5-flash", 1200, 0, 0, 1200),
            ]
        }
    }

    static func modelUsage(_ model: String, _ prompt: Int64, _ output: Int64, _ thoughts: Int64, _ total: Int64) -> Career_V1_ModelUsage {
        .with {
            $0.model = model
            $0.promptTokens = prompt
            $0.outputTokens = output
            $0.thoughtsTokens = thoughts
            $0.totalTokens = total
        }
    }

    static let framePing = Career_V1_Frame.with {
        $0.ping = .with {
            $0.opaque = 0xFEDC_BA98_7654_3210
            $0.ack = true
        }
    }

    static let frameGoAway = Career_V1_Frame.with {
        $0.goAway = .with {
            $0.code = .unavailable
            $0.message = "draining — bis gleich 👋"
            $0.lastCallID = 12345
        }
    }

    /// Status code 99 is not in the enum: it must survive as `.UNRECOGNIZED(99)`.
    static let frameGoAwayUnknownCode = Career_V1_Frame.with {
        $0.goAway = .with {
            $0.code = .UNRECOGNIZED(99)
            $0.message = "from a newer peer"
            $0.lastCallID = 1
        }
    }

    // MARK: Shared messages

    static func usage(_ prompt: Int64, _ output: Int64, _ thoughts: Int64, _ total: Int64) -> Career_V1_Usage {
        .with {
            $0.promptTokens = prompt
            $0.outputTokens = output
            $0.thoughtsTokens = thoughts
            $0.totalTokens = total
        }
    }

    static func violation(_ field: String, _ issue: String) -> Career_V1_FieldViolation {
        .with {
            $0.field = field
            $0.issue = issue
        }
    }

    static func named(_ names: String...) -> [Career_V1_NamedItem] {
        names.map { name in .with { $0.name = name } }
    }

    static let profile = Career_V1_Profile.with {
        $0.fullName = nonASCII
        $0.jobTitle = "Staff Software Engineer"
        $0.email = "zoe.uenal@example.com"
        $0.phone = "+49 30 1234567"
        $0.website = "https://zoë.example/portfolio"
        $0.location = "Berlin, Deutschland"
        $0.linkedin = "https://www.linkedin.com/in/zoe-uenal"
        $0.github = "https://github.com/zoeunal"
        $0.summary = "Engineer who ships reliable distributed systems — from Swift on the server "
            + "to embedded C. 日本語も話せます。"
        $0.experience = [
            .with {
                $0.company = "Acme Raumfahrt GmbH"
                $0.title = "Senior Backend Engineer"
                $0.location = "München"
                $0.startDate = "2021-03"
                $0.endDate = "Present"
                $0.achievements = [
                    .with { $0.text = "Cut p99 latency by 43% by moving the RPC layer to SwiftNIO" },
                    .with { $0.text = "Led a team of 5 across Berlin and 東京 🚀" },
                ]
            },
            .with {
                $0.company = "Initech"
                $0.title = "Software Engineer"
                $0.location = "Remote"
                $0.startDate = "2017-09"
                $0.endDate = "2021-02"
                $0.achievements = [.with { $0.text = "Built the billing pipeline (≈2M invoices/month)" }]
            },
        ]
        $0.education = [
            .with {
                $0.institution = "Technische Universität Berlin"
                $0.degree = "M.Sc."
                $0.fieldOfStudy = "Informatik"
                $0.startDate = "2015-10"
                $0.endDate = "2017-08"
                $0.gpa = "1,3"
                $0.relevantCoursework = "Verteilte Systeme; Compilerbau"
                $0.awardsHonors = "Deutschlandstipendium"
            },
            .with {
                $0.institution = "東京大学"
                $0.degree = "Exchange semester"
                $0.fieldOfStudy = "Computer Science"
                $0.startDate = "2014-04"
                $0.endDate = "2014-09"
            },
        ]
        $0.projects = [
            .with {
                $0.name = "career-backend"
                $0.description_p = "Binary RPC between Swift services"
                $0.url = "https://github.com/zoeunal/career-backend"
                $0.technologiesUsed = "Swift, SwiftNIO, protobuf"
                $0.startDate = "2024-01"
                $0.endDate = "Present"
            },
            .with {
                $0.name = "Kanji-Karten 🚀"
                $0.description_p = "Spaced-repetition flashcards"
                $0.technologiesUsed = "C, SQLite"
                $0.startDate = "2019"
                $0.endDate = "2020"
            },
        ]
        $0.technicalSkills = named("Swift", "C", "Distributed systems")
        $0.softSkills = named("Mentoring", "Écoute active")
        $0.tools = named("Xcode", "Docker", "Grafana")
        $0.certifications = named("AWS Certified Solutions Architect – Associate")
        $0.interests = named("Bouldern", "写真")
        $0.languages = [
            .with { $0.name = "Deutsch"; $0.proficiency = "Muttersprache" },
            .with { $0.name = "English"; $0.proficiency = "C1" },
            .with { $0.name = "日本語"; $0.proficiency = "B1" },
        ]
        $0.additionalInformation = "Open to relocation — Zürich or 東京."
        $0.industry = "Software"
        $0.experienceLevel = "Senior"
        $0.targetJobTitle = "Principal Engineer"
        $0.companyName = "Nordlicht AG"
        $0.companyKeywords = "fintech, résilience, scale"
        $0.keySkillsToHighlight = "SwiftNIO; protobuf; on-call leadership"
    }

    static let careerPath = Career_V1_CareerPathResponse.with {
        $0.currentRole = "Senior Backend Engineer"
        $0.targetRole = "Principal Engineer"
        $0.path = [
            .with {
                $0.timeframe = "0–6 months"
                $0.milestoneTitle = "Own a cross-team RPC migration"
                $0.milestoneDescription = "Move the gateway to the binary protocol."
                $0.actionItems = [
                    actionItem("Technical", "Write the protocol spec", "Framing, handshake and status codes."),
                    actionItem("Leadership", "Run the design review", "Invite every service owner — incl. the 東京 team."),
                ]
            },
            .with {
                $0.timeframe = "6–18 months"
                $0.milestoneTitle = "Principal-level scope"
                $0.milestoneDescription = "Set the technical direction for two teams."
                $0.actionItems = [
                    actionItem("Visibility", "Give a conference talk 🚀", "Swift on the server at scale.")
                ]
            },
        ]
        $0.model = "gemini-2.5-pro"
        $0.usage = usage(1200, 3400, 560, 5160)
    }

    static func actionItem(_ category: String, _ title: String, _ description: String) -> Career_V1_CareerActionItem {
        .with {
            $0.category = category
            $0.title = title
            $0.description_p = description
        }
    }

    static func chatResponse(action: Career_V1_CoachAction) -> Career_V1_ChatResponse {
        .with {
            $0.text = "Ich habe deine Zusammenfassung geschärft — schau mal 🚀"
            $0.action = action
            $0.turnState = "v1.eyJ0dXJuIjozfQ.c2lnbmF0dXJl"
            $0.model = "gemini-2.5-flash"
            $0.usage = usage(2048, 256, 1024, 3328)
        }
    }

    // MARK: Generation and coach messages

    static let generateDocumentsRequest = Career_V1_GenerateDocumentsRequest.with {
        $0.profile = profile
        $0.options = .with {
            $0.jobDescription = "Senior Swift Engineer (m/w/d) — Zürich, hybrid. Erfahrung mit SwiftNIO."
            $0.documents = .resumeOnly
            $0.resumeLength = "1 page max"
            $0.coverLetterLength = "300 Wörter"
            $0.excludeSummary = true
            $0.tone = "warm, précis"
            $0.technicality = 0  // present, with the value 0
            $0.thinkingMode = true
            $0.uploadedResume = "# Résumé\n\n- Zoë Ünal\n- 東京 🚀\n"
            $0.uploadedCoverLetter = "Sehr geehrte Damen und Herren,\n\nmit großem Interesse …"
        }
    }

    static let generateDocumentsResponse = Career_V1_GenerateDocumentsResponse.with {
        $0.resume = "# Zoë Ünal\n\nStaff Software Engineer — Berlin\n\n## Erfahrung\n- Acme 🚀\n"
        $0.coverLetter = "Sehr geehrte Damen und Herren,\n\nich bewerbe mich …\n\nZoë"
        $0.warnings = ["Claimed Kubernetes certification is not in the profile", "", "東京 office not mentioned 🚀"]
        $0.model = "gemini-2.5-pro"
        $0.usage = usage(.max, .min, -1, 15924)
    }

    static let parseProfileRequestLong = Career_V1_ParseProfileRequest.with {
        $0.text = String(repeating: longStringUnit, count: longStringRepeats)
    }

    static let analyzeApplicationResponse = Career_V1_AnalyzeApplicationResponse.with {
        $0.fitScore = 87
        $0.gapAnalysis = "Strong backend depth; little evidence of people management."
        $0.keywordOptimization = "Mention „Plattform“ and „Observability“ verbatim."
        $0.impactEnhancer = "Quantify the latency win (43% p99) in the first bullet."
        $0.missingKeywords = ["Kubernetes", "gRPC", "Führung"]
        $0.model = "gemini-2.5-pro"
        $0.usage = usage(3000, 700, 1300, 5000)
    }

    static let interviewQuestionsResponse = Career_V1_InterviewQuestionsResponse.with {
        $0.questions = [
            .with {
                $0.question = "Erzähl von einem Konflikt im Team — wie hast du ihn gelöst?"
                $0.type = .behavioral
                $0.why = "Probes collaboration."
            },
            .with {
                $0.question = "How would you shed load in a SwiftNIO server at 4 MiB frames?"
                $0.type = .technical
                $0.why = "Matches the platform focus 🚀"
            },
        ]
        $0.model = "gemini-2.5-pro"
        $0.usage = usage(1500, 400, 200, 2100)
    }

    static let chatRequest = Career_V1_ChatRequest.with {
        $0.message = "Kannst du mir helfen, Hiroshi anzuschreiben? 🙏"
        $0.history = [
            .with {
                $0.role = .user
                $0.text = "Ich treffe nächste Woche jemanden aus 東京."
            },
            .with {
                $0.role = .model
                $0.text = "Lass uns das Coffee Chat vorbereiten."
                $0.action = .with {
                    $0.navigateToCoffeeChat = .with {
                        $0.counterpartInfo = "Hiroshi Tanaka (田中 博)"
                        $0.mode = .reachOut
                    }
                }
                $0.turnState = "v1.eyJ0dXJuIjoyfQ.c2lnbmF0dXJl"
            },
        ]
        $0.profile = profile
        $0.documentHistory = [
            .with {
                $0.jobTitle = "Principal Engineer"
                $0.companyName = "Nordlicht AG"
                $0.createdAt = "2025-05-01T09:30:00Z"
            },
            .with {
                $0.jobTitle = "Staff Engineer"
                $0.companyName = "Kaiju 株式会社"
                $0.createdAt = "2025-04-12T18:05:00+09:00"
            },
        ]
    }
}
