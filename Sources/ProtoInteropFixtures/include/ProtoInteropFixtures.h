// Fixed protocol messages built and checked with protobuf-c, for the Swift <-> protobuf-c interop
// tests (Tests/ProtoInteropTests). Each fixture is one message of Proto/career/v1 with fixed
// field values; the tests build the same message in Swift and compare both directions.
//
// Every function is thread-safe: nothing here keeps mutable global state, so the tests may run
// in parallel.
#ifndef PROTO_INTEROP_FIXTURES_H
#define PROTO_INTEROP_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The default frame limit of the binary RPC protocol (length prefix excluded).
#define PIF_MAX_FRAME_BYTES 4194304
/// The payload of `PIFFixtureFrameCallMessageLarge`: 64 bytes under the frame limit.
/// Byte `i` is the low 8 bits of `i * 31 + (i >> 8)`.
#define PIF_LARGE_PAYLOAD_BYTES (PIF_MAX_FRAME_BYTES - 64)
/// `PIFFixtureParseProfileRequestLong` repeats `PIF_LONG_STRING_UNIT` this many times
/// (27 bytes each: 1,048,572 bytes, just under 1 MiB).
#define PIF_LONG_STRING_REPEATS 38836
#define PIF_LONG_STRING_UNIT "Zoë Ünal — 東京 🚀\n"

/// One fixed message. Names and contents are documented in fixtures.c.
typedef enum __attribute__((enum_extensibility(closed))) PIFFixture {
    PIFFixtureFrameHello = 0,
    PIFFixtureFrameHelloAck,
    PIFFixtureFrameCallStart,
    PIFFixtureFrameCallMessageLarge,
    PIFFixtureFrameStatusError,
    PIFFixtureFrameStatusOk,
    PIFFixtureFrameCancel,
    PIFFixtureFrameCancelReportStatus,
    PIFFixtureFramePing,
    PIFFixtureFrameGoAway,
    PIFFixtureFrameGoAwayUnknownCode,
    PIFFixtureHealthCheckRequest,
    PIFFixtureHealthCheckResponse,
    PIFFixtureProfile,
    PIFFixtureGenerateDocumentsRequest,
    PIFFixtureDocumentOptionsDefaults,
    PIFFixtureDocumentOptionsNegativeTechnicality,
    PIFFixtureGenerateDocumentsResponse,
    PIFFixtureDocumentsStreamEventDelta,
    PIFFixtureDocumentsStreamEventDone,
    PIFFixtureParseProfileRequestLong,
    PIFFixtureParseProfileResponse,
    PIFFixtureAnalyzeApplicationRequestProfile,
    PIFFixtureAnalyzeApplicationRequestResumeText,
    PIFFixtureAnalyzeApplicationResponse,
    PIFFixtureCareerPathRequest,
    PIFFixtureCareerPathResponse,
    PIFFixtureNetworkingRequest,
    PIFFixtureThankYouNoteRequest,
    PIFFixtureTextStreamEventDelta,
    PIFFixtureTextStreamEventDone,
    PIFFixtureInterviewQuestionsRequest,
    PIFFixtureInterviewQuestionsResponse,
    PIFFixtureChatRequest,
    PIFFixtureChatResponse,
    PIFFixtureChatStreamEventDelta,
    PIFFixtureChatStreamEventAction,
    PIFFixtureChatStreamEventDone,
} PIFFixture;

/// The number of fixtures; they are numbered 0 ..< count.
int pif_fixture_count(void);
/// A stable snake_case name ("frame_call_start"), or NULL for an unknown fixture.
const char *pif_fixture_name(PIFFixture fixture);
/// The full protobuf name of the fixture's message type ("career.v1.Frame"), or NULL.
const char *pif_fixture_message_name(PIFFixture fixture);

/// The size of the fixture packed by protobuf-c; 0 for an unknown fixture.
size_t pif_packed_size(PIFFixture fixture);
/// Packs the fixture into a caller-provided buffer. Returns the number of bytes written, or 0
/// (writing nothing) when `capacity` is smaller than `pif_packed_size` or the fixture is unknown.
size_t pif_pack_into(PIFFixture fixture, uint8_t *out, size_t capacity);
/// Packs the fixture into a buffer from malloc; release it with `pif_free`. Sets `*out_length`.
/// Returns NULL (and sets `*out_length` to 0) for an unknown fixture or when out of memory.
uint8_t *pif_pack(PIFFixture fixture, size_t *out_length);
/// Frees a buffer returned by `pif_pack`. NULL is fine.
void pif_free(void *buffer);

/// Unpacks `data` with protobuf-c as the fixture's message type and compares every field,
/// recursively, with the fixture (maps as dictionaries; unknown fields are a mismatch).
/// Returns 1 when equal. Otherwise returns 0 and, when `mismatch` is not NULL, writes a
/// NUL-terminated description of the first difference (truncated to `mismatch_capacity`),
/// e.g. `Profile.experience[1].achievements[0].text: expected "…", got "…"`.
int pif_check(PIFFixture fixture, const uint8_t *data, size_t length,
              char *mismatch, size_t mismatch_capacity);

/// Coverage of the fixtures: walks every message type the protocol uses (Frame and the
/// requests and responses of every service method, and everything they contain) and lists
/// each field that no fixture sets to a non-default value (a oneof member counts when set).
/// Writes "Message.field" names separated by newlines to `out` (truncated to `capacity`) and
/// returns how many fields are uncovered; 0 means every field of the protocol is exercised.
int pif_uncovered_fields(char *out, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
