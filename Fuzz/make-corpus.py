#!/usr/bin/env python3
"""Writes the seed corpus under Fuzz/corpus/ (rerun after changing it; files are deterministic).

Each harness reads one or two selector bytes before its real input (see Sources/FuzzHarnesses):
- FuzzFrameDecoder:     [frame limit][chunking] stream
- FuzzRequestDecoding:  [endpoint] body
- FuzzServerSentEvents: [event size limit][chunking] stream
Request bodies named valid-* must decode (Tests/FuzzHarnessTests checks that).
"""
import json
import os
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    directory = os.path.join(ROOT, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


# MARK: protobuf, by hand (career.v1 rpc.proto)

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vfield(num, value):
    return varint(num << 3) + varint(value)


def lfield(num, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def frame(call_id, kind_num, kind_body):
    return (vfield(1, call_id) if call_id else b"") + lfield(kind_num, kind_body)


def prefixed(body):
    return struct.pack(">I", len(body)) + body


hello = frame(0, 2, vfield(1, 1) + lfield(2, "a-token-of-32-characters-or-so!!") + lfield(3, "gateway"))
hello_ack = frame(0, 3, vfield(1, 1) + vfield(2, 4 * 1024 * 1024) + vfield(3, 100) + lfield(4, "generation"))
metadata = lfield(2, lfield(1, "request-id") + lfield(2, "req-1")) + lfield(2, lfield(1, "user-id") + lfield(2, "u-42"))
call_start = frame(1, 4, lfield(1, "/career.v1.GenerationService/InterviewQuestions") + metadata
                   + vfield(3, 120000) + lfield(4, lfield(1, "Senior engineer at Acme")))
message = frame(1, 5, lfield(1, lfield(1, "a streamed delta")))
violation = lfield(1, "profile.experience[0].title") + lfield(2, "must be a string")
status_ok = frame(1, 6, b"")
status_error = frame(3, 6, vfield(1, 3) + lfield(2, "the request is invalid")
                     + lfield(3, lfield(1, "INVALID_REQUEST") + lfield(2, violation) + vfield(3, 1500)))
cancel = frame(5, 7, b"")
ping = frame(0, 8, vfield(1, 0xDEADBEEF) + vfield(2, 0))
pong = frame(0, 8, vfield(1, 0xDEADBEEF) + vfield(2, 1))
go_away = frame(0, 9, vfield(1, 14) + lfield(2, "draining") + vfield(3, 7))
unknown_kind = vfield(1, 9) + lfield(15, b"from a later protocol version")

kinds = {
    "hello": hello, "hello-ack": hello_ack, "call-start": call_start, "message": message,
    "status-ok": status_ok, "status-error": status_error, "cancel": cancel, "ping": ping,
    "pong": pong, "go-away": go_away, "unknown-kind": unknown_kind, "empty-frame": b"",
}
DEFAULT_LIMIT, LIMIT_1024, LIMIT_16 = 7, 6, 3
WHOLE, BYTES, SMALL = 7, 0, 0x2B  # largest chunk 4096; 1; 8 with another seed
for name, body in kinds.items():
    write("FuzzFrameDecoder", f"frame-{name}", bytes([DEFAULT_LIMIT, WHOLE]) + prefixed(body))
conversation = b"".join(prefixed(body) for body in [hello, hello_ack, call_start, message, message, ping, pong,
                                                   status_ok, call_start, cancel, status_error, go_away])
write("FuzzFrameDecoder", "conversation-whole", bytes([DEFAULT_LIMIT, WHOLE]) + conversation)
write("FuzzFrameDecoder", "conversation-byte-by-byte", bytes([LIMIT_1024, BYTES]) + conversation)
write("FuzzFrameDecoder", "conversation-small-chunks", bytes([LIMIT_1024, SMALL]) + conversation)
write("FuzzFrameDecoder", "too-large-after-frames", bytes([LIMIT_16, SMALL]) + prefixed(ping) + prefixed(b"x" * 17))
write("FuzzFrameDecoder", "huge-length-prefix", bytes([DEFAULT_LIMIT, WHOLE]) + b"\xff\xff\xff\xff")
write("FuzzFrameDecoder", "truncated-frame", bytes([DEFAULT_LIMIT, SMALL]) + prefixed(call_start)[:-5])
write("FuzzFrameDecoder", "truncated-prefix", bytes([DEFAULT_LIMIT, BYTES]) + prefixed(ping) + b"\x00\x00")
write("FuzzFrameDecoder", "invalid-protobuf", bytes([DEFAULT_LIMIT, WHOLE]) + prefixed(b"\x12\x7f\x08") + prefixed(b"\xff" * 11))
write("FuzzFrameDecoder", "invalid-utf8-string", bytes([DEFAULT_LIMIT, WHOLE]) + prefixed(frame(0, 9, lfield(2, b"\xc3\x28"))))

# MARK: request bodies (SPEC.md), one selector byte: the endpoint, in RequestDecodingHarness.endpoints order
# (the routes read by hand or by a request shape, then the registry's task definitions)

ENDPOINTS = ["generate/documents", "profile/parse", "analyze/application", "career/path",
             "interview/questions", "coach/chat", "networking/brief", "networking/reach-out", "interview/thank-you"]
profile = {
    "fullName": "Ada Lovelace", "jobTitle": "Engineer", "email": "ada@example.com", "phone": "+44 20 0000 0000",
    "website": "https://ada.example", "location": "London", "linkedin": "in/ada", "github": "ada",
    "summary": "Writes programs for engines that do not exist yet.",
    "experience": [{"company": "Analytical Engines", "title": "Programmer", "location": "London",
                    "startDate": "1842", "endDate": "1843", "achievements": [{"text": "Note G"}]}],
    "education": [{"institution": "Home", "degree": "Tutoring", "fieldOfStudy": "Mathematics", "startDate": "1820",
                   "endDate": "1835", "gpa": "", "relevantCoursework": "Calculus", "awardsHonors": ""}],
    "projects": [{"name": "Bernoulli numbers", "description": "The first program", "url": "",
                  "technologiesUsed": "Punched cards", "startDate": "1842", "endDate": "1843"}],
    "technicalSkills": [{"name": "Algorithms"}], "softSkills": [{"name": "Writing"}], "tools": [{"name": "Engine"}],
    "certifications": [], "interests": [{"name": "Poetry"}], "languages": [{"name": "English", "proficiency": "Native"}],
    "additionalInformation": "", "industry": "Computing", "experienceLevel": "senior", "targetJobTitle": "Lead",
    "companyName": "Acme", "companyKeywords": "engines", "keySkillsToHighlight": "algorithms",
    "id": "dropped", "user_id": "dropped too",
}
career_path = {"currentRole": "Engineer", "targetRole": "Staff Engineer", "model": "gemini-2.5-pro",
               "path": [{"timeframe": "0-6 months", "milestoneTitle": "Lead", "milestoneDescription": "Lead a project",
                         "actionItems": [{"category": "skill", "title": "Design", "description": "Write designs"}]}],
               "usage": {"promptTokens": 10, "outputTokens": 20, "thoughtsTokens": 5, "totalTokens": 35}}
history = [
    {"role": "user", "text": "Help me with my summary"},
    {"role": "model", "text": "Here is one.", "action": {"type": "updateProfile", "payload": {"field": "summary", "value": "New"}},
     "turnState": "opaque-state"},
    {"role": "model", "text": "", "action": {"type": "navigate", "payload": {"path": "/generate", "state": {"jobDescription": "Lead"}}}},
    {"role": "model", "text": "Prepare", "action": {"type": "navigate", "payload": {"path": "/coffee-chat",
                                                    "state": {"counterpartInfo": "A CTO", "mode": "reach_out"}}}},
    {"role": "model", "text": "Saved", "action": {"type": "saveCareerPath", "payload": {"careerPath": career_path}}},
]
valid = {
    "generate/documents": [
        {"profile": profile, "options": {"jobDescription": "Senior engineer at Acme"}},
        {"profile": {"fullName": "B"}, "options": {"jobDescription": "J", "generateResume": True, "generateCoverLetter": False,
         "resumeLength": "one page", "coverLetterLength": "short", "includeSummary": False, "tone": "warm",
         "technicality": 50, "thinkingMode": True, "uploadedResume": "old resume", "uploadedCoverLetter": "old letter"}},
    ],
    "profile/parse": [{"text": "Ada Lovelace\nProgrammer, 1842-1843\n\u00c9cole \u2713 \U0001F680"}],
    "analyze/application": [{"jobDescription": "Lead", "profile": profile}, {"jobDescription": "Lead", "resumeText": "My resume"}],
    "career/path": [{"profile": profile, "currentRole": "Engineer", "targetRole": "CTO"}],
    "networking/brief": [{"profile": profile, "counterpartInfo": "A CTO at Acme"}],
    "networking/reach-out": [{"profile": {"fullName": "C"}, "counterpartInfo": "A recruiter"}],
    "interview/questions": [{"jobDescription": "Lead"}, {"jobDescription": "Lead", "profile": profile}],
    "interview/thank-you": [{"profile": profile, "jobDescription": "Lead at Acme", "interviewNotes": "We talked about engines",
                             "interviewerName": "Charles Babbage"}],
    "coach/chat": [{"message": "What next?", "history": history, "profile": profile,
                    "documentHistory": [{"jobTitle": "Lead", "companyName": "Acme", "createdAt": "2025-01-01T00:00:00Z"}]},
                   {"message": "Hi", "profile": {"fullName": "D"}}],
}
for index, path in enumerate(ENDPOINTS):
    slug = path.replace("/", "-")
    for number, body in enumerate(valid[path]):
        write("FuzzRequestDecoding", f"valid-{slug}-{number}", bytes([index]) + json.dumps(body, ensure_ascii=False).encode())
invalid = [
    (ENDPOINTS.index("generate/documents"), "not-json", b"{\"profile\": "),
    (ENDPOINTS.index("generate/documents"), "not-an-object", b"[1, 2, 3]"),
    (ENDPOINTS.index("generate/documents"), "empty", b"  \n"),
    (ENDPOINTS.index("generate/documents"), "wrong-types", json.dumps({"profile": {"fullName": 5}, "options": {"jobDescription": "", "technicality": 1.5,
                                   "generateResume": False, "generateCoverLetter": False, "extra": 1}}).encode()),
    (ENDPOINTS.index("profile/parse"), "nul-and-escapes", b'{"text": "a\\u0000b \\ud83d\\ude80 \\ud800 \\udc00 \\n\\t\\"\\\\\\/"}'),
    (ENDPOINTS.index("profile/parse"), "duplicate-key", b'{"text": "a", "text": "b"}'),
    (ENDPOINTS.index("profile/parse"), "bom-and-numbers", b'\xef\xbb\xbf{"text": -0.5e+10}'),
    (ENDPOINTS.index("analyze/application"), "both-candidates", json.dumps({"jobDescription": "x", "profile": {"fullName": "A"}, "resumeText": "r"}).encode()),
    (ENDPOINTS.index("coach/chat"), "bad-history", json.dumps({"message": "m", "profile": {"fullName": "A"}, "history": [
        {"role": "user", "text": "t", "action": {"type": "navigate"}, "turnState": "s"}, None, 5,
        {"role": "bot"}], "documentHistory": [{}] * 6}).encode()),
    (ENDPOINTS.index("coach/chat"), "deep-nesting", b'{"message": "m", "profile": {"fullName": "A", "x": ' + b"[" * 70 + b"]" * 70 + b"}}"),
]
for index, name, body in invalid:
    write("FuzzRequestDecoding", f"invalid-{name}", bytes([index]) + body)

# Inputs the fuzzer found that once broke a harness invariant, kept so the replay in
# `swift test` guards the fix. escaped-backslash-u0000: `\\u0000` is a backslash then "u0000",
# not a NUL; the NUL check once searched the JSON text and mistook it for one.
regressions = [
    (ENDPOINTS.index("profile/parse"), "escaped-backslash-u0000", b'{"text": "a\\\\u0000b \\ud83d\\ude80 \\ud800 \\udc00 \\n\\t\\"\\\\/"}'),
]
for index, name, body in regressions:
    write("FuzzRequestDecoding", f"regression-{name}", bytes([index]) + body)

# MARK: Server-Sent Events streams: [limit][chunking] stream

SSE_DEFAULT = 7
gemini = (b'data: {"candidates": [{"content": {"parts": [{"text": "Hello"}], "role": "model"}, "index": 0}]}\r\n\r\n'
          b'data: {"candidates": [{"content": {"parts": [{"text": " world"}], "role": "model"}, "finishReason": "STOP"}],'
          b' "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 10}}\r\n\r\n')
streams = {
    "gemini-crlf": gemini,
    "gemini-lf": gemini.replace(b"\r\n", b"\n"),
    "gemini-cr": gemini.replace(b"\r\n", b"\r"),
    "multi-line-data": b"data: first\ndata:second\ndata:  two spaces\ndata:\ndata\ndata: last\n\n",
    "comments-and-fields": b": keep-alive\n:\nevent: ping\nid: 42\nretry: 1000\nunknown: x\ndata: typed \xc3\xbc\xe2\x9c\x93\n\n\nevent: none\n\n",
    "bom": b"\xef\xbb\xbfdata: after a byte order mark\n\n",
    "partial-bom": b"\xef\xbbdata: not a bom\n\n",
    "truncated": b"data: complete\n\ndata: cut off",
    "id-with-nul": b"id: a\x00b\ndata: x\n\n",
    "mixed-endings": b"data: a\r\rdata: b\r\n\ndata: c\n\r\n",
}
for name, stream in streams.items():
    write("FuzzServerSentEvents", f"{name}-whole", bytes([SSE_DEFAULT, 7]) + stream)
    write("FuzzServerSentEvents", f"{name}-split", bytes([SSE_DEFAULT, 0x1A]) + stream)
write("FuzzServerSentEvents", "too-large-event", bytes([3, 0x1A]) + b"data: " + b"x" * 80 + b"\n\n")
write("FuzzServerSentEvents", "cr-at-chunk-boundary", bytes([SSE_DEFAULT, 0]) + b"data: a\r\ndata: b\r\n\r\n")
