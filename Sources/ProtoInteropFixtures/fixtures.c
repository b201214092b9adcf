// Fixed protocol messages built with protobuf-c (see include/ProtoInteropFixtures.h).
//
// Every public function builds its fixture afresh in a per-call arena, so nothing here is
// shared between threads. The same values are written out independently in Swift in
// Tests/ProtoInteropTests/Fixtures.swift; keep the two in step.
//
// The checker (`pif_check`) does not hand-list fields: it walks the protobuf-c descriptors of
// the unpacked message and of the fixture side by side, so every field of every nested message
// is compared, and a field added to a .proto is compared as soon as the code is regenerated.
#include "ProtoInteropFixtures.h"

#include <CareerProtoC.h>
#include <protobuf-c/protobuf-c.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Arena

// Owns everything a fixture build allocates. Strings that are literals are not copied.
typedef struct Arena {
    void **blocks;
    size_t count;
    size_t capacity;
} Arena;

static void out_of_memory(void) {
    fputs("ProtoInteropFixtures: out of memory\n", stderr);
    abort();
}

static void *arena_alloc(Arena *arena, size_t size) {
    if (arena->count == arena->capacity) {
        size_t capacity = arena->capacity ? arena->capacity * 2 : 64;
        void **blocks = realloc(arena->blocks, capacity * sizeof *blocks);
        if (blocks == NULL) out_of_memory();
        arena->blocks = blocks;
        arena->capacity = capacity;
    }
    void *block = calloc(1, size ? size : 1);
    if (block == NULL) out_of_memory();
    arena->blocks[arena->count++] = block;
    return block;
}

static void arena_free(Arena *arena) {
    for (size_t i = 0; i < arena->count; i++) free(arena->blocks[i]);
    free(arena->blocks);
    arena->blocks = NULL;
    arena->count = arena->capacity = 0;
}

static void *new_message(Arena *arena, const ProtobufCMessageDescriptor *descriptor) {
    void *message = arena_alloc(arena, descriptor->sizeof_message);
    protobuf_c_message_init(descriptor, message);
    return message;
}

// `Career__V1__Hello *hello = NEW(arena, career__v1__hello);`
#define NEW(arena, name) new_message((arena), &name##__descriptor)
// An array of `count` elements of `type`, zeroed.
#define ARRAY(arena, count, type) ((type *)arena_alloc((arena), (count) * sizeof(type)))
// The number of elements of a NULL-terminated array of strings.
static size_t count_strings(const char *const *strings) {
    size_t n = 0;
    while (strings[n] != NULL) n++;
    return n;
}
#define STRINGS(...) ((const char *const[]){__VA_ARGS__, NULL})

// MARK: - Shared values

#define NON_ASCII "Zoë Ünal — 東京 🚀"

static char **string_list(Arena *arena, size_t *n_out, const char *const *strings) {
    size_t n = count_strings(strings);
    char **list = ARRAY(arena, n, char *);
    for (size_t i = 0; i < n; i++) list[i] = (char *)strings[i];
    *n_out = n;
    return list;
}

static Career__V1__NamedItem **named_items(Arena *arena, size_t *n_out, const char *const *names) {
    size_t n = count_strings(names);
    Career__V1__NamedItem **items = ARRAY(arena, n, Career__V1__NamedItem *);
    for (size_t i = 0; i < n; i++) {
        items[i] = NEW(arena, career__v1__named_item);
        items[i]->name = (char *)names[i];
    }
    *n_out = n;
    return items;
}

static Career__V1__Usage *usage(Arena *arena, int64_t prompt, int64_t output, int64_t thoughts,
                                int64_t total) {
    Career__V1__Usage *u = NEW(arena, career__v1__usage);
    u->prompt_tokens = prompt;
    u->output_tokens = output;
    u->thoughts_tokens = thoughts;
    u->total_tokens = total;
    return u;
}

static Career__V1__Experience *experience(Arena *arena, const char *company, const char *title,
                                          const char *location, const char *start_date,
                                          const char *end_date, const char *const *achievements) {
    Career__V1__Experience *e = NEW(arena, career__v1__experience);
    e->company = (char *)company;
    e->title = (char *)title;
    e->location = (char *)location;
    e->start_date = (char *)start_date;
    e->end_date = (char *)end_date;
    e->n_achievements = count_strings(achievements);
    e->achievements = ARRAY(arena, e->n_achievements, Career__V1__Achievement *);
    for (size_t i = 0; i < e->n_achievements; i++) {
        e->achievements[i] = NEW(arena, career__v1__achievement);
        e->achievements[i]->text = (char *)achievements[i];
    }
    return e;
}

static Career__V1__Education *education(Arena *arena, const char *institution, const char *degree,
                                        const char *field_of_study, const char *start_date,
                                        const char *end_date, const char *gpa,
                                        const char *relevant_coursework, const char *awards_honors) {
    Career__V1__Education *e = NEW(arena, career__v1__education);
    e->institution = (char *)institution;
    e->degree = (char *)degree;
    e->field_of_study = (char *)field_of_study;
    e->start_date = (char *)start_date;
    e->end_date = (char *)end_date;
    e->gpa = (char *)gpa;
    e->relevant_coursework = (char *)relevant_coursework;
    e->awards_honors = (char *)awards_honors;
    return e;
}

static Career__V1__Project *project(Arena *arena, const char *name, const char *description,
                                    const char *url, const char *technologies_used,
                                    const char *start_date, const char *end_date) {
    Career__V1__Project *p = NEW(arena, career__v1__project);
    p->name = (char *)name;
    p->description = (char *)description;
    p->url = (char *)url;
    p->technologies_used = (char *)technologies_used;
    p->start_date = (char *)start_date;
    p->end_date = (char *)end_date;
    return p;
}

static Career__V1__Language *language(Arena *arena, const char *name, const char *proficiency) {
    Career__V1__Language *l = NEW(arena, career__v1__language);
    l->name = (char *)name;
    l->proficiency = (char *)proficiency;
    return l;
}

// Every field set; the second education and project leave some strings empty on purpose.
static Career__V1__Profile *full_profile(Arena *arena) {
    Career__V1__Profile *p = NEW(arena, career__v1__profile);
    p->full_name = NON_ASCII;
    p->job_title = "Staff Software Engineer";
    p->email = "zoe.uenal@example.com";
    p->phone = "+49 30 1234567";
    p->website = "https://zoë.example/portfolio";
    p->location = "Berlin, Deutschland";
    p->linkedin = "https://www.linkedin.com/in/zoe-uenal";
    p->github = "https://github.com/zoeunal";
    p->summary = "Engineer who ships reliable distributed systems — from Swift on the server "
                 "to embedded C. 日本語も話せます。";

    p->n_experience = 2;
    p->experience = ARRAY(arena, 2, Career__V1__Experience *);
    p->experience[0] = experience(arena, "Acme Raumfahrt GmbH", "Senior Backend Engineer",
                                  "München", "2021-03", "Present",
                                  STRINGS("Cut p99 latency by 43% by moving the RPC layer to SwiftNIO",
                                          "Led a team of 5 across Berlin and 東京 🚀"));
    p->experience[1] = experience(arena, "Initech", "Software Engineer", "Remote", "2017-09",
                                  "2021-02",
                                  STRINGS("Built the billing pipeline (≈2M invoices/month)"));

    p->n_education = 2;
    p->education = ARRAY(arena, 2, Career__V1__Education *);
    p->education[0] = education(arena, "Technische Universität Berlin", "M.Sc.", "Informatik",
                                "2015-10", "2017-08", "1,3", "Verteilte Systeme; Compilerbau",
                                "Deutschlandstipendium");
    p->education[1] = education(arena, "東京大学", "Exchange semester", "Computer Science",
                                "2014-04", "2014-09", "", "", "");

    p->n_projects = 2;
    p->projects = ARRAY(arena, 2, Career__V1__Project *);
    p->projects[0] = project(arena, "career-backend", "Binary RPC between Swift services",
                             "https://github.com/zoeunal/career-backend", "Swift, SwiftNIO, protobuf",
                             "2024-01", "Present");
    p->projects[1] = project(arena, "Kanji-Karten 🚀", "Spaced-repetition flashcards", "",
                             "C, SQLite", "2019", "2020");

    p->technical_skills = named_items(arena, &p->n_technical_skills,
                                      STRINGS("Swift", "C", "Distributed systems"));
    p->soft_skills = named_items(arena, &p->n_soft_skills, STRINGS("Mentoring", "Écoute active"));
    p->tools = named_items(arena, &p->n_tools, STRINGS("Xcode", "Docker", "Grafana"));
    p->certifications = named_items(arena, &p->n_certifications,
                                    STRINGS("AWS Certified Solutions Architect – Associate"));
    p->interests = named_items(arena, &p->n_interests, STRINGS("Bouldern", "写真"));

    p->n_languages = 3;
    p->languages = ARRAY(arena, 3, Career__V1__Language *);
    p->languages[0] = language(arena, "Deutsch", "Muttersprache");
    p->languages[1] = language(arena, "English", "C1");
    p->languages[2] = language(arena, "日本語", "B1");

    p->additional_information = "Open to relocation — Zürich or 東京.";
    p->industry = "Software";
    p->experience_level = "Senior";
    p->target_job_title = "Principal Engineer";
    p->company_name = "Nordlicht AG";
    p->company_keywords = "fintech, résilience, scale";
    p->key_skills_to_highlight = "SwiftNIO; protobuf; on-call leadership";
    return p;
}

static Career__V1__CareerActionItem *action_item(Arena *arena, const char *category,
                                                 const char *title, const char *description) {
    Career__V1__CareerActionItem *item = NEW(arena, career__v1__career_action_item);
    item->category = (char *)category;
    item->title = (char *)title;
    item->description = (char *)description;
    return item;
}

static Career__V1__CareerPathResponse *career_path(Arena *arena) {
    Career__V1__CareerPathResponse *r = NEW(arena, career__v1__career_path_response);
    r->current_role = "Senior Backend Engineer";
    r->target_role = "Principal Engineer";
    r->n_path = 2;
    r->path = ARRAY(arena, 2, Career__V1__CareerMilestone *);

    Career__V1__CareerMilestone *first = NEW(arena, career__v1__career_milestone);
    first->timeframe = "0–6 months";
    first->milestone_title = "Own a cross-team RPC migration";
    first->milestone_description = "Move the gateway to the binary protocol.";
    first->n_action_items = 2;
    first->action_items = ARRAY(arena, 2, Career__V1__CareerActionItem *);
    first->action_items[0] = action_item(arena, "Technical", "Write the protocol spec",
                                         "Framing, handshake and status codes.");
    first->action_items[1] = action_item(arena, "Leadership", "Run the design review",
                                         "Invite every service owner — incl. the 東京 team.");
    r->path[0] = first;

    Career__V1__CareerMilestone *second = NEW(arena, career__v1__career_milestone);
    second->timeframe = "6–18 months";
    second->milestone_title = "Principal-level scope";
    second->milestone_description = "Set the technical direction for two teams.";
    second->n_action_items = 1;
    second->action_items = ARRAY(arena, 1, Career__V1__CareerActionItem *);
    second->action_items[0] = action_item(arena, "Visibility", "Give a conference talk 🚀",
                                          "Swift on the server at scale.");
    r->path[1] = second;

    r->model = "gemini-2.5-pro";
    r->usage = usage(arena, 1200, 3400, 560, 5160);
    return r;
}

static Career__V1__Frame *frame(Arena *arena, uint32_t call_id) {
    Career__V1__Frame *f = NEW(arena, career__v1__frame);
    f->call_id = call_id;
    return f;
}

static Career__V1__CallStart__MetadataEntry *metadata_entry(Arena *arena, const char *key,
                                                            const char *value) {
    Career__V1__CallStart__MetadataEntry *entry = NEW(arena, career__v1__call_start__metadata_entry);
    entry->key = (char *)key;
    entry->value = (char *)value;
    return entry;
}

static Career__V1__FieldViolation *violation(Arena *arena, const char *field, const char *issue) {
    Career__V1__FieldViolation *v = NEW(arena, career__v1__field_violation);
    v->field = (char *)field;
    v->issue = (char *)issue;
    return v;
}

static Career__V1__ChatResponse *chat_response(Arena *arena, Career__V1__CoachAction *action) {
    Career__V1__ChatResponse *r = NEW(arena, career__v1__chat_response);
    r->text = "Ich habe deine Zusammenfassung geschärft — schau mal 🚀";
    r->action = action;
    r->turn_state = "v1.eyJ0dXJuIjozfQ.c2lnbmF0dXJl";
    r->model = "gemini-2.5-flash";
    r->usage = usage(arena, 2048, 256, 1024, 3328);
    return r;
}

// MARK: - Fixtures

// Frame{call_id 0, hello{1, token with NUL/0x80/0xFF bytes, non-ASCII peer name}}.
static ProtobufCMessage *build_frame_hello(Arena *arena) {
    static const uint8_t token[] = {'s', '3', 'c', 'r', 'e', 't', 0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF};
    Career__V1__Frame *f = frame(arena, 0);
    Career__V1__Hello *hello = NEW(arena, career__v1__hello);
    hello->protocol_version = 1;
    hello->token.len = sizeof token;
    hello->token.data = (uint8_t *)token;
    hello->peer_name = "gateway — " NON_ASCII;
    f->kind_case = CAREER__V1__FRAME__KIND_HELLO;
    f->hello = hello;
    return &f->base;
}

// Frame{hello_ack{1, 4 MiB, UINT32_MAX concurrent calls, "generation-service/東京"}}.
static ProtobufCMessage *build_frame_hello_ack(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 0);
    Career__V1__HelloAck *ack = NEW(arena, career__v1__hello_ack);
    ack->protocol_version = 1;
    ack->max_frame_bytes = PIF_MAX_FRAME_BYTES;
    ack->max_concurrent_calls = UINT32_MAX;
    ack->server_name = "generation-service/東京";
    f->kind_case = CAREER__V1__FRAME__KIND_HELLO_ACK;
    f->hello_ack = ack;
    return &f->base;
}

// Frame{call_id 7, call_start{method, 5 metadata entries (one empty value, non-ASCII key and
// values), timeout UINT64_MAX, payload bytes 0x00..0xFF}}.
static ProtobufCMessage *build_frame_call_start(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 7);
    Career__V1__CallStart *start = NEW(arena, career__v1__call_start);
    start->method = "/career.v1.GenerationService/InterviewQuestions";
    start->n_metadata = 5;
    start->metadata = ARRAY(arena, 5, Career__V1__CallStart__MetadataEntry *);
    start->metadata[0] = metadata_entry(arena, "request-id", "req-0001-ä");
    start->metadata[1] = metadata_entry(arena, "traceparent",
                                        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    start->metadata[2] = metadata_entry(arena, "user-id", NON_ASCII);
    start->metadata[3] = metadata_entry(arena, "x-empty", "");
    start->metadata[4] = metadata_entry(arena, "x-emoji-🚀", "値");
    start->timeout_millis = UINT64_MAX;
    start->payload.len = 256;
    start->payload.data = ARRAY(arena, 256, uint8_t);
    for (size_t i = 0; i < 256; i++) start->payload.data[i] = (uint8_t)i;
    f->kind_case = CAREER__V1__FRAME__KIND_CALL_START;
    f->call_start = start;
    return &f->base;
}

// Frame{call_id UINT32_MAX, message{payload of PIF_LARGE_PAYLOAD_BYTES}}.
static ProtobufCMessage *build_frame_call_message_large(Arena *arena) {
    Career__V1__Frame *f = frame(arena, UINT32_MAX);
    Career__V1__CallMessage *message = NEW(arena, career__v1__call_message);
    message->payload.len = PIF_LARGE_PAYLOAD_BYTES;
    message->payload.data = ARRAY(arena, PIF_LARGE_PAYLOAD_BYTES, uint8_t);
    for (size_t i = 0; i < PIF_LARGE_PAYLOAD_BYTES; i++) {
        message->payload.data[i] = (uint8_t)(i * 31u + (i >> 8));
    }
    f->kind_case = CAREER__V1__FRAME__KIND_MESSAGE;
    f->message = message;
    return &f->base;
}

static Career__V1__ModelUsage *model_usage(Arena *arena, char *model, int64_t prompt, int64_t output, int64_t thoughts, int64_t total) {
    Career__V1__ModelUsage *u = NEW(arena, career__v1__model_usage);
    u->model = model;
    u->prompt_tokens = prompt;
    u->output_tokens = output;
    u->thoughts_tokens = thoughts;
    u->total_tokens = total;
    return u;
}

// Frame{call_id 42, status{INVALID_ARGUMENT, message, details{reason, 3 violations, retry},
// usage of two models (one count past 32 bits)}}.
static ProtobufCMessage *build_frame_status_error(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 42);
    Career__V1__CallStatus *status = NEW(arena, career__v1__call_status);
    status->code = CAREER__V1__STATUS_CODE__STATUS_CODE_INVALID_ARGUMENT;
    status->message = "Die Anfrage ist ungültig — " NON_ASCII;
    Career__V1__ErrorDetails *details = NEW(arena, career__v1__error_details);
    details->reason = "INVALID_PROFILE";
    details->n_field_violations = 3;
    details->field_violations = ARRAY(arena, 3, Career__V1__FieldViolation *);
    details->field_violations[0] = violation(arena, "profile.experience[0].title", "must not be empty");
    details->field_violations[1] = violation(arena, "profile.full_name", "zu lang: höchstens 200 Zeichen");
    details->field_violations[2] = violation(arena, "options.technicality", "must be 0–100 🚀");
    details->retry_after_millis = 1500;
    status->details = details;
    status->n_usage = 2;
    status->usage = ARRAY(arena, 2, Career__V1__ModelUsage *);
    status->usage[0] = model_usage(arena, "gemini-2.5-pro", 5000000000LL, 812, 1024, 5000001836LL);
    status->usage[1] = model_usage(arena, "gemini-2.5-flash", 1200, 0, 0, 1200);
    f->kind_case = CAREER__V1__FRAME__KIND_STATUS;
    f->status = status;
    return &f->base;
}

// Frame{call_id 43, status{}}: OK, an empty message that is present.
static ProtobufCMessage *build_frame_status_ok(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 43);
    f->kind_case = CAREER__V1__FRAME__KIND_STATUS;
    f->status = NEW(arena, career__v1__call_status);
    return &f->base;
}

// Frame{call_id 44, cancel{}}.
static ProtobufCMessage *build_frame_cancel(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 44);
    f->kind_case = CAREER__V1__FRAME__KIND_CANCEL;
    f->cancel = NEW(arena, career__v1__call_cancel);
    return &f->base;
}

// Frame{call_id 45, cancel{report_status true}}: a cancel that asks for the closing status.
static ProtobufCMessage *build_frame_cancel_report_status(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 45);
    f->kind_case = CAREER__V1__FRAME__KIND_CANCEL;
    f->cancel = NEW(arena, career__v1__call_cancel);
    f->cancel->report_status = 1;
    return &f->base;
}

// Frame{ping{opaque 0xFEDCBA9876543210, ack true}}.
static ProtobufCMessage *build_frame_ping(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 0);
    Career__V1__Ping *ping = NEW(arena, career__v1__ping);
    ping->opaque = UINT64_C(0xFEDCBA9876543210);
    ping->ack = 1;
    f->kind_case = CAREER__V1__FRAME__KIND_PING;
    f->ping = ping;
    return &f->base;
}

// Frame{go_away{UNAVAILABLE, "draining — bis gleich 👋", last_call_id 12345}}.
static ProtobufCMessage *build_frame_go_away(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 0);
    Career__V1__GoAway *go_away = NEW(arena, career__v1__go_away);
    go_away->code = CAREER__V1__STATUS_CODE__STATUS_CODE_UNAVAILABLE;
    go_away->message = "draining — bis gleich 👋";
    go_away->last_call_id = 12345;
    f->kind_case = CAREER__V1__FRAME__KIND_GO_AWAY;
    f->go_away = go_away;
    return &f->base;
}

// Frame{go_away{code 99 (not in StatusCode), "from a newer peer", 1}}: an unknown enum value
// must survive both decoders.
static ProtobufCMessage *build_frame_go_away_unknown_code(Arena *arena) {
    Career__V1__Frame *f = frame(arena, 0);
    Career__V1__GoAway *go_away = NEW(arena, career__v1__go_away);
    go_away->code = (Career__V1__StatusCode)99;
    go_away->message = "from a newer peer";
    go_away->last_call_id = 1;
    f->kind_case = CAREER__V1__FRAME__KIND_GO_AWAY;
    f->go_away = go_away;
    return &f->base;
}

static ProtobufCMessage *build_health_check_request(Arena *arena) {
    Career__V1__HealthCheckRequest *r = NEW(arena, career__v1__health_check_request);
    r->service = "career.v1.GenerationService";
    return &r->base;
}

static ProtobufCMessage *build_health_check_response(Arena *arena) {
    Career__V1__HealthCheckResponse *r = NEW(arena, career__v1__health_check_response);
    r->status = CAREER__V1__SERVING_STATUS__SERVING_STATUS_NOT_SERVING;
    return &r->base;
}

static ProtobufCMessage *build_profile(Arena *arena) {
    return &full_profile(arena)->base;
}

// Every DocumentOptions field set; technicality is present with the value 0.
static ProtobufCMessage *build_generate_documents_request(Arena *arena) {
    Career__V1__GenerateDocumentsRequest *r = NEW(arena, career__v1__generate_documents_request);
    r->profile = full_profile(arena);
    Career__V1__DocumentOptions *o = NEW(arena, career__v1__document_options);
    o->job_description = "Senior Swift Engineer (m/w/d) — Zürich, hybrid. Erfahrung mit SwiftNIO.";
    o->documents = CAREER__V1__DOCUMENT_SELECTION__DOCUMENT_SELECTION_RESUME_ONLY;
    o->resume_length = "1 page max";
    o->cover_letter_length = "300 Wörter";
    o->exclude_summary = 1;
    o->tone = "warm, précis";
    o->technicality_choice_case = CAREER__V1__DOCUMENT_OPTIONS__TECHNICALITY_CHOICE_TECHNICALITY;
    o->technicality = 0;
    o->thinking_mode = 1;
    o->uploaded_resume = "# Résumé\n\n- Zoë Ünal\n- 東京 🚀\n";
    o->uploaded_cover_letter = "Sehr geehrte Damen und Herren,\n\nmit großem Interesse …";
    r->options = o;
    return &r->base;
}

// Only job_description; technicality absent, everything else default.
static ProtobufCMessage *build_document_options_defaults(Arena *arena) {
    Career__V1__DocumentOptions *o = NEW(arena, career__v1__document_options);
    o->job_description = "Barista";
    return &o->base;
}

// technicality -1: a negative int32 (ten-byte varint) inside a oneof.
static ProtobufCMessage *build_document_options_negative_technicality(Arena *arena) {
    Career__V1__DocumentOptions *o = NEW(arena, career__v1__document_options);
    o->documents = CAREER__V1__DOCUMENT_SELECTION__DOCUMENT_SELECTION_COVER_LETTER_ONLY;
    o->technicality_choice_case = CAREER__V1__DOCUMENT_OPTIONS__TECHNICALITY_CHOICE_TECHNICALITY;
    o->technicality = -1;
    return &o->base;
}

// warnings include an empty string; usage has int64 extremes.
static ProtobufCMessage *build_generate_documents_response(Arena *arena) {
    Career__V1__GenerateDocumentsResponse *r = NEW(arena, career__v1__generate_documents_response);
    r->resume = "# Zoë Ünal\n\nStaff Software Engineer — Berlin\n\n## Erfahrung\n- Acme 🚀\n";
    r->cover_letter = "Sehr geehrte Damen und Herren,\n\nich bewerbe mich …\n\nZoë";
    r->warnings = string_list(arena, &r->n_warnings,
                              STRINGS("Claimed Kubernetes certification is not in the profile", "",
                                      "東京 office not mentioned 🚀"));
    r->model = "gemini-2.5-pro";
    r->usage = usage(arena, INT64_MAX, INT64_MIN, -1, 15924);
    return &r->base;
}

static ProtobufCMessage *build_documents_stream_event_delta(Arena *arena) {
    Career__V1__DocumentsStreamEvent *e = NEW(arena, career__v1__documents_stream_event);
    Career__V1__DocumentDelta *delta = NEW(arena, career__v1__document_delta);
    delta->document = CAREER__V1__DOCUMENT_KIND__DOCUMENT_KIND_COVER_LETTER;
    delta->text = "Sehr geehrte Damen und Herren, ";
    e->event_case = CAREER__V1__DOCUMENTS_STREAM_EVENT__EVENT_DELTA;
    e->delta = delta;
    return &e->base;
}

static ProtobufCMessage *build_documents_stream_event_done(Arena *arena) {
    Career__V1__DocumentsStreamEvent *e = NEW(arena, career__v1__documents_stream_event);
    Career__V1__GenerateDocumentsResponse *done = NEW(arena, career__v1__generate_documents_response);
    done->resume = "# Résumé only";
    done->model = "gemini-2.5-flash";
    done->usage = usage(arena, 10, 20, 0, 30);
    e->event_case = CAREER__V1__DOCUMENTS_STREAM_EVENT__EVENT_DONE;
    e->done = done;
    return &e->base;
}

// text: PIF_LONG_STRING_UNIT repeated PIF_LONG_STRING_REPEATS times (~1 MiB).
static ProtobufCMessage *build_parse_profile_request_long(Arena *arena) {
    Career__V1__ParseProfileRequest *r = NEW(arena, career__v1__parse_profile_request);
    const size_t unit = sizeof PIF_LONG_STRING_UNIT - 1;
    char *text = ARRAY(arena, unit * PIF_LONG_STRING_REPEATS + 1, char);
    for (size_t i = 0; i < PIF_LONG_STRING_REPEATS; i++) memcpy(text + i * unit, PIF_LONG_STRING_UNIT, unit);
    text[unit * PIF_LONG_STRING_REPEATS] = '\0';
    r->text = text;
    return &r->base;
}

static ProtobufCMessage *build_parse_profile_response(Arena *arena) {
    Career__V1__ParseProfileResponse *r = NEW(arena, career__v1__parse_profile_response);
    r->profile = full_profile(arena);
    r->model = "gemini-2.5-flash";
    r->usage = usage(arena, 4096, 1024, 512, 5632);
    return &r->base;
}

static ProtobufCMessage *build_analyze_application_request_profile(Arena *arena) {
    Career__V1__AnalyzeApplicationRequest *r = NEW(arena, career__v1__analyze_application_request);
    r->job_description = "Principal Engineer, Plattform-Team — 東京 oder remote";
    r->candidate_case = CAREER__V1__ANALYZE_APPLICATION_REQUEST__CANDIDATE_PROFILE;
    r->profile = full_profile(arena);
    return &r->base;
}

static ProtobufCMessage *build_analyze_application_request_resume_text(Arena *arena) {
    Career__V1__AnalyzeApplicationRequest *r = NEW(arena, career__v1__analyze_application_request);
    r->job_description = "Data Engineer";
    r->candidate_case = CAREER__V1__ANALYZE_APPLICATION_REQUEST__CANDIDATE_RESUME_TEXT;
    r->resume_text = "ZOË ÜNAL\nData Engineer · 東京\n• Spark, Kafka 🚀";
    return &r->base;
}

static ProtobufCMessage *build_analyze_application_response(Arena *arena) {
    Career__V1__AnalyzeApplicationResponse *r = NEW(arena, career__v1__analyze_application_response);
    r->fit_score = 87;
    r->gap_analysis = "Strong backend depth; little evidence of people management.";
    r->keyword_optimization = "Mention „Plattform“ and „Observability“ verbatim.";
    r->impact_enhancer = "Quantify the latency win (43% p99) in the first bullet.";
    r->missing_keywords = string_list(arena, &r->n_missing_keywords,
                                      STRINGS("Kubernetes", "gRPC", "Führung"));
    r->model = "gemini-2.5-pro";
    r->usage = usage(arena, 3000, 700, 1300, 5000);
    return &r->base;
}

static ProtobufCMessage *build_career_path_request(Arena *arena) {
    Career__V1__CareerPathRequest *r = NEW(arena, career__v1__career_path_request);
    r->profile = full_profile(arena);
    r->current_role = "Senior Backend Engineer";
    r->target_role = "Principal Engineer — Plattform";
    return &r->base;
}

static ProtobufCMessage *build_career_path_response(Arena *arena) {
    return &career_path(arena)->base;
}

static ProtobufCMessage *build_networking_request(Arena *arena) {
    Career__V1__NetworkingRequest *r = NEW(arena, career__v1__networking_request);
    r->profile = full_profile(arena);
    r->counterpart_info = "Hiroshi Tanaka (田中 博), VP Engineering at Nordlicht 東京";
    return &r->base;
}

static ProtobufCMessage *build_thank_you_note_request(Arena *arena) {
    Career__V1__ThankYouNoteRequest *r = NEW(arena, career__v1__thank_you_note_request);
    r->profile = full_profile(arena);
    r->job_description = "Staff Engineer, Plattform — Nordlicht 東京";
    r->interview_notes = "Talked about SwiftNIO back-pressure; Hiroshi asked about on-call 🚀";
    r->interviewer_name = "Hiroshi Tanaka (田中 博)";
    return &r->base;
}

static ProtobufCMessage *build_text_stream_event_delta(Arena *arena) {
    Career__V1__TextStreamEvent *e = NEW(arena, career__v1__text_stream_event);
    Career__V1__TextDelta *delta = NEW(arena, career__v1__text_delta);
    delta->text = "Hallo Hiroshi-san, ";
    e->event_case = CAREER__V1__TEXT_STREAM_EVENT__EVENT_DELTA;
    e->delta = delta;
    return &e->base;
}

static ProtobufCMessage *build_text_stream_event_done(Arena *arena) {
    Career__V1__TextStreamEvent *e = NEW(arena, career__v1__text_stream_event);
    Career__V1__TextAnswer *done = NEW(arena, career__v1__text_answer);
    done->text = "## Brief\n\nHiroshi leads platform at Nordlicht 東京 🚀";
    done->model = "gemini-2.5-flash";
    done->usage = usage(arena, 900, 300, 0, 1200);
    e->event_case = CAREER__V1__TEXT_STREAM_EVENT__EVENT_DONE;
    e->done = done;
    return &e->base;
}

static ProtobufCMessage *build_interview_questions_request(Arena *arena) {
    Career__V1__InterviewQuestionsRequest *r = NEW(arena, career__v1__interview_questions_request);
    r->job_description = "Staff iOS Engineer — Swift, SwiftUI, Barrierefreiheit";
    r->profile = full_profile(arena);
    return &r->base;
}

static Career__V1__InterviewQuestion *question(Arena *arena, const char *text,
                                               Career__V1__QuestionType type, const char *why) {
    Career__V1__InterviewQuestion *q = NEW(arena, career__v1__interview_question);
    q->question = (char *)text;
    q->type = type;
    q->why = (char *)why;
    return q;
}

static ProtobufCMessage *build_interview_questions_response(Arena *arena) {
    Career__V1__InterviewQuestionsResponse *r = NEW(arena, career__v1__interview_questions_response);
    r->n_questions = 2;
    r->questions = ARRAY(arena, 2, Career__V1__InterviewQuestion *);
    r->questions[0] = question(arena, "Erzähl von einem Konflikt im Team — wie hast du ihn gelöst?",
                               CAREER__V1__QUESTION_TYPE__QUESTION_TYPE_BEHAVIORAL,
                               "Probes collaboration.");
    r->questions[1] = question(arena, "How would you shed load in a SwiftNIO server at 4 MiB frames?",
                               CAREER__V1__QUESTION_TYPE__QUESTION_TYPE_TECHNICAL,
                               "Matches the platform focus 🚀");
    r->model = "gemini-2.5-pro";
    r->usage = usage(arena, 1500, 400, 200, 2100);
    return &r->base;
}

static Career__V1__DocumentRecord *document_record(Arena *arena, const char *job_title,
                                                   const char *company_name, const char *created_at) {
    Career__V1__DocumentRecord *d = NEW(arena, career__v1__document_record);
    d->job_title = (char *)job_title;
    d->company_name = (char *)company_name;
    d->created_at = (char *)created_at;
    return d;
}

// A user turn, then a model turn with a navigate-to-coffee-chat action and turn state.
static ProtobufCMessage *build_chat_request(Arena *arena) {
    Career__V1__ChatRequest *r = NEW(arena, career__v1__chat_request);
    r->message = "Kannst du mir helfen, Hiroshi anzuschreiben? 🙏";
    r->n_history = 2;
    r->history = ARRAY(arena, 2, Career__V1__ChatTurn *);

    Career__V1__ChatTurn *user = NEW(arena, career__v1__chat_turn);
    user->role = CAREER__V1__CHAT_ROLE__CHAT_ROLE_USER;
    user->text = "Ich treffe nächste Woche jemanden aus 東京.";
    r->history[0] = user;

    Career__V1__ChatTurn *model = NEW(arena, career__v1__chat_turn);
    model->role = CAREER__V1__CHAT_ROLE__CHAT_ROLE_MODEL;
    model->text = "Lass uns das Coffee Chat vorbereiten.";
    Career__V1__CoachAction *action = NEW(arena, career__v1__coach_action);
    Career__V1__NavigateToCoffeeChatAction *coffee = NEW(arena, career__v1__navigate_to_coffee_chat_action);
    coffee->counterpart_info = "Hiroshi Tanaka (田中 博)";
    coffee->mode = CAREER__V1__COFFEE_CHAT_MODE__COFFEE_CHAT_MODE_REACH_OUT;
    action->kind_case = CAREER__V1__COACH_ACTION__KIND_NAVIGATE_TO_COFFEE_CHAT;
    action->navigate_to_coffee_chat = coffee;
    model->action = action;
    model->turn_state = "v1.eyJ0dXJuIjoyfQ.c2lnbmF0dXJl";
    r->history[1] = model;

    r->profile = full_profile(arena);
    r->n_document_history = 2;
    r->document_history = ARRAY(arena, 2, Career__V1__DocumentRecord *);
    r->document_history[0] = document_record(arena, "Principal Engineer", "Nordlicht AG",
                                              "2025-05-01T09:30:00Z");
    r->document_history[1] = document_record(arena, "Staff Engineer", "Kaiju 株式会社",
                                              "2025-04-12T18:05:00+09:00");
    return &r->base;
}

// ChatResponse with an update-summary action.
static ProtobufCMessage *build_chat_response(Arena *arena) {
    Career__V1__CoachAction *action = NEW(arena, career__v1__coach_action);
    Career__V1__UpdateSummaryAction *update = NEW(arena, career__v1__update_summary_action);
    update->new_summary = "Platform engineer — Swift, SwiftNIO, protobuf; Berlin ⇄ 東京.";
    action->kind_case = CAREER__V1__COACH_ACTION__KIND_UPDATE_SUMMARY;
    action->update_summary = update;
    return &chat_response(arena, action)->base;
}

static ProtobufCMessage *build_chat_stream_event_delta(Arena *arena) {
    Career__V1__ChatStreamEvent *e = NEW(arena, career__v1__chat_stream_event);
    Career__V1__TextDelta *delta = NEW(arena, career__v1__text_delta);
    delta->text = "Gute Idee — ";
    e->event_case = CAREER__V1__CHAT_STREAM_EVENT__EVENT_DELTA;
    e->delta = delta;
    return &e->base;
}

// action{navigate_to_resume_generator{job_description}}.
static ProtobufCMessage *build_chat_stream_event_action(Arena *arena) {
    Career__V1__ChatStreamEvent *e = NEW(arena, career__v1__chat_stream_event);
    Career__V1__CoachAction *action = NEW(arena, career__v1__coach_action);
    Career__V1__NavigateToResumeGeneratorAction *navigate =
        NEW(arena, career__v1__navigate_to_resume_generator_action);
    navigate->job_description = "Principal Engineer — Nordlicht AG, Berlin";
    action->kind_case = CAREER__V1__COACH_ACTION__KIND_NAVIGATE_TO_RESUME_GENERATOR;
    action->navigate_to_resume_generator = navigate;
    e->event_case = CAREER__V1__CHAT_STREAM_EVENT__EVENT_ACTION;
    e->action = action;
    return &e->base;
}

// done{ChatResponse with a save-career-path action holding a full CareerPathResponse}.
static ProtobufCMessage *build_chat_stream_event_done(Arena *arena) {
    Career__V1__ChatStreamEvent *e = NEW(arena, career__v1__chat_stream_event);
    Career__V1__CoachAction *action = NEW(arena, career__v1__coach_action);
    Career__V1__SaveCareerPathAction *save = NEW(arena, career__v1__save_career_path_action);
    save->career_path = career_path(arena);
    action->kind_case = CAREER__V1__COACH_ACTION__KIND_SAVE_CAREER_PATH;
    action->save_career_path = save;
    e->event_case = CAREER__V1__CHAT_STREAM_EVENT__EVENT_DONE;
    e->done = chat_response(arena, action);
    return &e->base;
}

typedef struct FixtureEntry {
    const char *name;
    const ProtobufCMessageDescriptor *descriptor;
    ProtobufCMessage *(*build)(Arena *arena);
} FixtureEntry;

#define FIXTURE(id, name, message) [id] = {#name, &message##__descriptor, build_##name}

static const FixtureEntry fixtures[] = {
    FIXTURE(PIFFixtureFrameHello, frame_hello, career__v1__frame),
    FIXTURE(PIFFixtureFrameHelloAck, frame_hello_ack, career__v1__frame),
    FIXTURE(PIFFixtureFrameCallStart, frame_call_start, career__v1__frame),
    FIXTURE(PIFFixtureFrameCallMessageLarge, frame_call_message_large, career__v1__frame),
    FIXTURE(PIFFixtureFrameStatusError, frame_status_error, career__v1__frame),
    FIXTURE(PIFFixtureFrameStatusOk, frame_status_ok, career__v1__frame),
    FIXTURE(PIFFixtureFrameCancel, frame_cancel, career__v1__frame),
    FIXTURE(PIFFixtureFrameCancelReportStatus, frame_cancel_report_status, career__v1__frame),
    FIXTURE(PIFFixtureFramePing, frame_ping, career__v1__frame),
    FIXTURE(PIFFixtureFrameGoAway, frame_go_away, career__v1__frame),
    FIXTURE(PIFFixtureFrameGoAwayUnknownCode, frame_go_away_unknown_code, career__v1__frame),
    FIXTURE(PIFFixtureHealthCheckRequest, health_check_request, career__v1__health_check_request),
    FIXTURE(PIFFixtureHealthCheckResponse, health_check_response, career__v1__health_check_response),
    FIXTURE(PIFFixtureProfile, profile, career__v1__profile),
    FIXTURE(PIFFixtureGenerateDocumentsRequest, generate_documents_request,
            career__v1__generate_documents_request),
    FIXTURE(PIFFixtureDocumentOptionsDefaults, document_options_defaults, career__v1__document_options),
    FIXTURE(PIFFixtureDocumentOptionsNegativeTechnicality, document_options_negative_technicality,
            career__v1__document_options),
    FIXTURE(PIFFixtureGenerateDocumentsResponse, generate_documents_response,
            career__v1__generate_documents_response),
    FIXTURE(PIFFixtureDocumentsStreamEventDelta, documents_stream_event_delta,
            career__v1__documents_stream_event),
    FIXTURE(PIFFixtureDocumentsStreamEventDone, documents_stream_event_done,
            career__v1__documents_stream_event),
    FIXTURE(PIFFixtureParseProfileRequestLong, parse_profile_request_long,
            career__v1__parse_profile_request),
    FIXTURE(PIFFixtureParseProfileResponse, parse_profile_response, career__v1__parse_profile_response),
    FIXTURE(PIFFixtureAnalyzeApplicationRequestProfile, analyze_application_request_profile,
            career__v1__analyze_application_request),
    FIXTURE(PIFFixtureAnalyzeApplicationRequestResumeText, analyze_application_request_resume_text,
            career__v1__analyze_application_request),
    FIXTURE(PIFFixtureAnalyzeApplicationResponse, analyze_application_response,
            career__v1__analyze_application_response),
    FIXTURE(PIFFixtureCareerPathRequest, career_path_request, career__v1__career_path_request),
    FIXTURE(PIFFixtureCareerPathResponse, career_path_response, career__v1__career_path_response),
    FIXTURE(PIFFixtureNetworkingRequest, networking_request, career__v1__networking_request),
    FIXTURE(PIFFixtureThankYouNoteRequest, thank_you_note_request, career__v1__thank_you_note_request),
    FIXTURE(PIFFixtureTextStreamEventDelta, text_stream_event_delta, career__v1__text_stream_event),
    FIXTURE(PIFFixtureTextStreamEventDone, text_stream_event_done, career__v1__text_stream_event),
    FIXTURE(PIFFixtureInterviewQuestionsRequest, interview_questions_request,
            career__v1__interview_questions_request),
    FIXTURE(PIFFixtureInterviewQuestionsResponse, interview_questions_response,
            career__v1__interview_questions_response),
    FIXTURE(PIFFixtureChatRequest, chat_request, career__v1__chat_request),
    FIXTURE(PIFFixtureChatResponse, chat_response, career__v1__chat_response),
    FIXTURE(PIFFixtureChatStreamEventDelta, chat_stream_event_delta, career__v1__chat_stream_event),
    FIXTURE(PIFFixtureChatStreamEventAction, chat_stream_event_action, career__v1__chat_stream_event),
    FIXTURE(PIFFixtureChatStreamEventDone, chat_stream_event_done, career__v1__chat_stream_event),
};

#define FIXTURE_COUNT ((int)(sizeof fixtures / sizeof fixtures[0]))

static const FixtureEntry *fixture_entry(PIFFixture fixture) {
    int index = (int)fixture;
    if (index < 0 || index >= FIXTURE_COUNT || fixtures[index].build == NULL) return NULL;
    return &fixtures[index];
}

// MARK: - Packing

int pif_fixture_count(void) { return FIXTURE_COUNT; }

const char *pif_fixture_name(PIFFixture fixture) {
    const FixtureEntry *entry = fixture_entry(fixture);
    return entry ? entry->name : NULL;
}

const char *pif_fixture_message_name(PIFFixture fixture) {
    const FixtureEntry *entry = fixture_entry(fixture);
    return entry ? entry->descriptor->name : NULL;
}

size_t pif_packed_size(PIFFixture fixture) {
    const FixtureEntry *entry = fixture_entry(fixture);
    if (entry == NULL) return 0;
    Arena arena = {0};
    size_t size = protobuf_c_message_get_packed_size(entry->build(&arena));
    arena_free(&arena);
    return size;
}

size_t pif_pack_into(PIFFixture fixture, uint8_t *out, size_t capacity) {
    const FixtureEntry *entry = fixture_entry(fixture);
    if (entry == NULL || out == NULL) return 0;
    Arena arena = {0};
    ProtobufCMessage *message = entry->build(&arena);
    size_t written = 0;
    // protobuf_c_message_pack does not bounds-check: measure first.
    if (protobuf_c_message_get_packed_size(message) <= capacity) {
        written = protobuf_c_message_pack(message, out);
    }
    arena_free(&arena);
    return written;
}

uint8_t *pif_pack(PIFFixture fixture, size_t *out_length) {
    if (out_length != NULL) *out_length = 0;
    const FixtureEntry *entry = fixture_entry(fixture);
    if (entry == NULL) return NULL;
    Arena arena = {0};
    ProtobufCMessage *message = entry->build(&arena);
    size_t size = protobuf_c_message_get_packed_size(message);
    uint8_t *buffer = malloc(size ? size : 1);
    if (buffer != NULL) {
        size_t written = protobuf_c_message_pack(message, buffer);
        if (out_length != NULL) *out_length = written;
    }
    arena_free(&arena);
    return buffer;
}

void pif_free(void *buffer) { free(buffer); }

// MARK: - Checking

typedef struct Comparison {
    char *mismatch;
    size_t capacity;
    char path[1024];
    size_t path_length;
} Comparison;

// Appends a segment to the path; returns the old length to restore with path_pop.
static size_t path_push(Comparison *c, const char *format, ...) {
    size_t old = c->path_length;
    if (old < sizeof c->path) {
        va_list args;
        va_start(args, format);
        int n = vsnprintf(c->path + old, sizeof c->path - old, format, args);
        va_end(args);
        if (n > 0) c->path_length = old + (size_t)n < sizeof c->path ? old + (size_t)n : sizeof c->path - 1;
    }
    return old;
}

static void path_pop(Comparison *c, size_t old) {
    c->path_length = old;
    c->path[old] = '\0';
}

static int fail(Comparison *c, const char *format, ...) {
    if (c->mismatch == NULL || c->capacity == 0) return 0;
    int n = snprintf(c->mismatch, c->capacity, "%s: ", c->path);
    if (n >= 0 && (size_t)n < c->capacity) {
        va_list args;
        va_start(args, format);
        vsnprintf(c->mismatch + n, c->capacity - (size_t)n, format, args);
        va_end(args);
    }
    return 0;
}

static size_t element_size(ProtobufCType type) {
    switch (type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

static const char *enum_name(const ProtobufCFieldDescriptor *field, int value) {
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(field->descriptor, value);
    return v ? v->name : "not in the enum";
}

static size_t first_difference(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length) {
    size_t n = a_length < b_length ? a_length : b_length;
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) return i;
    }
    return n;
}

static int compare_message(Comparison *c, const ProtobufCMessage *expected, const ProtobufCMessage *actual);

// Compares one value of a field; `e` and `a` point at the value's storage.
static int compare_value(Comparison *c, const ProtobufCFieldDescriptor *field, const void *e, const void *a) {
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32: {
        int32_t x = *(const int32_t *)e, y = *(const int32_t *)a;
        return x == y ? 1 : fail(c, "expected %" PRId32 ", got %" PRId32, x, y);
    }
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: {
        uint32_t x = *(const uint32_t *)e, y = *(const uint32_t *)a;
        return x == y ? 1 : fail(c, "expected %" PRIu32 ", got %" PRIu32, x, y);
    }
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64: {
        int64_t x = *(const int64_t *)e, y = *(const int64_t *)a;
        return x == y ? 1 : fail(c, "expected %" PRId64 ", got %" PRId64, x, y);
    }
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t x = *(const uint64_t *)e, y = *(const uint64_t *)a;
        return x == y ? 1 : fail(c, "expected %" PRIu64 ", got %" PRIu64, x, y);
    }
    case PROTOBUF_C_TYPE_FLOAT: {
        float x = *(const float *)e, y = *(const float *)a;
        return memcmp(&x, &y, sizeof x) == 0 ? 1 : fail(c, "expected %g, got %g", (double)x, (double)y);
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double x = *(const double *)e, y = *(const double *)a;
        return memcmp(&x, &y, sizeof x) == 0 ? 1 : fail(c, "expected %g, got %g", x, y);
    }
    case PROTOBUF_C_TYPE_BOOL: {
        int x = *(const protobuf_c_boolean *)e != 0, y = *(const protobuf_c_boolean *)a != 0;
        return x == y ? 1 : fail(c, "expected %s, got %s", x ? "true" : "false", y ? "true" : "false");
    }
    case PROTOBUF_C_TYPE_ENUM: {
        int x = *(const int *)e, y = *(const int *)a;
        return x == y ? 1
                      : fail(c, "expected %d (%s), got %d (%s)", x, enum_name(field, x), y, enum_name(field, y));
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *x = *(char *const *)e, *y = *(char *const *)a;
        if (x == NULL) x = "";
        if (y == NULL) y = "";
        size_t xn = strlen(x), yn = strlen(y);
        if (xn == yn && memcmp(x, y, xn) == 0) return 1;
        return fail(c, "expected \"%.80s\" (%zu bytes), got \"%.80s\" (%zu bytes); first difference at byte %zu",
                    x, xn, y, yn, first_difference((const uint8_t *)x, xn, (const uint8_t *)y, yn));
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *x = e, *y = a;
        if (x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0)) return 1;
        size_t at = first_difference(x->data, x->len, y->data, y->len);
        if (at < x->len && at < y->len) {
            return fail(c, "expected %zu bytes, got %zu bytes; byte %zu is 0x%02x, expected 0x%02x",
                        x->len, y->len, at, y->data[at], x->data[at]);
        }
        return fail(c, "expected %zu bytes, got %zu bytes (equal up to byte %zu)", x->len, y->len, at);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *x = *(const ProtobufCMessage *const *)e;
        const ProtobufCMessage *y = *(const ProtobufCMessage *const *)a;
        if (x == NULL && y == NULL) return 1;
        if (x == NULL) return fail(c, "expected no message, got one");
        if (y == NULL) return fail(c, "expected a message, got none");
        return compare_message(c, x, y);
    }
    }
    return fail(c, "unsupported field type %d", (int)field->type);
}

// True when the field's message type is a map entry (protobuf-c has no flag for it).
static int is_map_entry(const ProtobufCFieldDescriptor *field) {
    if (field->type != PROTOBUF_C_TYPE_MESSAGE || field->label != PROTOBUF_C_LABEL_REPEATED) return 0;
    const ProtobufCMessageDescriptor *d = field->descriptor;
    size_t name_length = strlen(d->short_name);
    return d->n_fields == 2 && d->fields[0].id == 1 && strcmp(d->fields[0].name, "key") == 0 &&
           d->fields[1].id == 2 && strcmp(d->fields[1].name, "value") == 0 && name_length > 5 &&
           strcmp(d->short_name + name_length - 5, "Entry") == 0;
}

static int keys_equal(const ProtobufCFieldDescriptor *key_field, const ProtobufCMessage *x,
                      const ProtobufCMessage *y) {
    const char *kx = (const char *)x + key_field->offset, *ky = (const char *)y + key_field->offset;
    if (key_field->type == PROTOBUF_C_TYPE_STRING) {
        const char *sx = *(char *const *)kx, *sy = *(char *const *)ky;
        return strcmp(sx ? sx : "", sy ? sy : "") == 0;
    }
    return memcmp(kx, ky, element_size(key_field->type)) == 0;
}

static size_t push_key(Comparison *c, const ProtobufCFieldDescriptor *key_field, const ProtobufCMessage *entry) {
    const char *k = (const char *)entry + key_field->offset;
    switch (key_field->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)k;
        return path_push(c, "[\"%s\"]", s ? s : "");
    }
    case PROTOBUF_C_TYPE_BOOL:
        return path_push(c, "[%s]", *(const protobuf_c_boolean *)k ? "true" : "false");
    default:
        if (element_size(key_field->type) == 8) return path_push(c, "[%" PRId64 "]", *(const int64_t *)k);
        return path_push(c, "[%" PRId32 "]", *(const int32_t *)k);
    }
}

// The entry that wins for a key: the last one on the wire, as protobuf's map semantics say.
static const ProtobufCMessage *map_lookup(const ProtobufCFieldDescriptor *key_field, ProtobufCMessage *const *entries,
                                          size_t count, const ProtobufCMessage *probe) {
    for (size_t i = count; i > 0; i--) {
        if (keys_equal(key_field, entries[i - 1], probe)) return entries[i - 1];
    }
    return NULL;
}

// Maps compare as dictionaries: order on the wire is irrelevant.
static int compare_map(Comparison *c, const ProtobufCFieldDescriptor *field, ProtobufCMessage *const *e, size_t ne,
                       ProtobufCMessage *const *a, size_t na) {
    const ProtobufCMessageDescriptor *entry_type = field->descriptor;
    const ProtobufCFieldDescriptor *key_field = &entry_type->fields[0];
    const ProtobufCFieldDescriptor *value_field = &entry_type->fields[1];
    for (size_t i = 0; i < ne; i++) {
        const ProtobufCMessage *want = map_lookup(key_field, e, ne, e[i]);
        if (want != e[i]) continue; // a duplicate key in the fixture; the last one counts
        size_t old = push_key(c, key_field, e[i]);
        const ProtobufCMessage *got = map_lookup(key_field, a, na, e[i]);
        if (got == NULL) return fail(c, "entry missing");
        if (got->n_unknown_fields != 0) return fail(c, "map entry has %u unknown field(s)", got->n_unknown_fields);
        if (!compare_value(c, value_field, (const char *)want + value_field->offset,
                           (const char *)got + value_field->offset)) {
            return 0;
        }
        path_pop(c, old);
    }
    for (size_t i = 0; i < na; i++) {
        if (map_lookup(key_field, e, ne, a[i]) == NULL) {
            push_key(c, key_field, a[i]);
            return fail(c, "unexpected entry");
        }
    }
    return 1;
}

static const char *oneof_member_name(const ProtobufCMessageDescriptor *d, uint32_t id) {
    if (id == 0) return "(none)";
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, id);
    return f ? f->name : "(unknown member)";
}

static int compare_message(Comparison *c, const ProtobufCMessage *expected, const ProtobufCMessage *actual) {
    const ProtobufCMessageDescriptor *d = expected->descriptor;
    if (actual->descriptor != d) {
        return fail(c, "expected a %s, got a %s", d->name, actual->descriptor->name);
    }
    if (actual->n_unknown_fields != 0) {
        return fail(c, "%u field(s) unknown to protobuf-c, the first is number %" PRIu32 " (wire type %d)",
                    actual->n_unknown_fields, actual->unknown_fields[0].tag,
                    (int)actual->unknown_fields[0].wire_type);
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &d->fields[i];
        const char *e = (const char *)expected + field->offset;
        const char *a = (const char *)actual + field->offset;
        size_t old = path_push(c, ".%s", field->name);

        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t ne = *(const size_t *)((const char *)expected + field->quantifier_offset);
            size_t na = *(const size_t *)((const char *)actual + field->quantifier_offset);
            const char *ea = *(char *const *)e, *aa = *(char *const *)a;
            if (is_map_entry(field)) {
                if (!compare_map(c, field, (ProtobufCMessage *const *)ea, ne, (ProtobufCMessage *const *)aa, na)) return 0;
            } else {
                if (ne != na) return fail(c, "expected %zu element(s), got %zu", ne, na);
                size_t size = element_size(field->type);
                for (size_t j = 0; j < ne; j++) {
                    size_t element = path_push(c, "[%zu]", j);
                    if (!compare_value(c, field, ea + j * size, aa + j * size)) return 0;
                    path_pop(c, element);
                }
            }
        } else if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t ecase = *(const uint32_t *)((const char *)expected + field->quantifier_offset);
            uint32_t acase = *(const uint32_t *)((const char *)actual + field->quantifier_offset);
            if (ecase != acase) {
                path_pop(c, old);
                return fail(c, "oneof: expected member %s, got %s", oneof_member_name(d, ecase),
                            oneof_member_name(d, acase));
            }
            if (ecase == field->id && !compare_value(c, field, e, a)) return 0;
        } else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->quantifier_offset != 0 &&
                   field->type != PROTOBUF_C_TYPE_MESSAGE && field->type != PROTOBUF_C_TYPE_STRING) {
            // proto3 `optional` scalar: presence lives in has_<field>.
            protobuf_c_boolean ehas = *(const protobuf_c_boolean *)((const char *)expected + field->quantifier_offset);
            protobuf_c_boolean ahas = *(const protobuf_c_boolean *)((const char *)actual + field->quantifier_offset);
            if (!ehas != !ahas) return fail(c, "expected %s, got %s", ehas ? "present" : "absent", ahas ? "present" : "absent");
            if (ehas && !compare_value(c, field, e, a)) return 0;
        } else {
            if (!compare_value(c, field, e, a)) return 0;
        }
        path_pop(c, old);
    }
    return 1;
}

int pif_check(PIFFixture fixture, const uint8_t *data, size_t length, char *mismatch, size_t mismatch_capacity) {
    Comparison c = {.mismatch = mismatch, .capacity = mismatch_capacity};
    if (mismatch != NULL && mismatch_capacity > 0) mismatch[0] = '\0';
    const FixtureEntry *entry = fixture_entry(fixture);
    if (entry == NULL) return fail(&c, "unknown fixture %d", (int)fixture);
    path_push(&c, "%s", entry->descriptor->short_name);
    if (data == NULL && length > 0) return fail(&c, "no data");

    ProtobufCMessage *actual = protobuf_c_message_unpack(entry->descriptor, NULL, length, data ? data : (const uint8_t *)"");
    if (actual == NULL) return fail(&c, "protobuf-c could not unpack %zu bytes as %s", length, entry->descriptor->name);
    Arena arena = {0};
    ProtobufCMessage *expected = entry->build(&arena);
    int equal = protobuf_c_message_check(actual) ? compare_message(&c, expected, actual)
                                                 : fail(&c, "protobuf_c_message_check failed");
    arena_free(&arena);
    protobuf_c_message_free_unpacked(actual, NULL);
    return equal;
}

// MARK: - Coverage

#define MAX_TYPES 128
#define MAX_FIELDS 64

typedef struct Coverage {
    const ProtobufCMessageDescriptor *types[MAX_TYPES];
    unsigned char covered[MAX_TYPES][MAX_FIELDS];
    size_t count;
    int overflow;
} Coverage;

static int type_index(const Coverage *coverage, const ProtobufCMessageDescriptor *d) {
    for (size_t i = 0; i < coverage->count; i++) {
        if (coverage->types[i] == d) return (int)i;
    }
    return -1;
}

// Adds a message type and every message type its fields use.
static void add_type(Coverage *coverage, const ProtobufCMessageDescriptor *d) {
    if (type_index(coverage, d) >= 0) return;
    if (coverage->count == MAX_TYPES || d->n_fields > MAX_FIELDS) {
        coverage->overflow = 1;
        return;
    }
    coverage->types[coverage->count++] = d;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE) add_type(coverage, d->fields[i].descriptor);
    }
}

static void add_service(Coverage *coverage, const ProtobufCServiceDescriptor *service) {
    for (unsigned i = 0; i < service->n_methods; i++) {
        add_type(coverage, service->methods[i].input);
        add_type(coverage, service->methods[i].output);
    }
}

static int is_set(const ProtobufCFieldDescriptor *field, const void *value) {
    switch (field->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)value;
        return s != NULL && s[0] != '\0';
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)value)->len > 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(const ProtobufCMessage *const *)value != NULL;
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)value != 0;
    default: {
        static const uint8_t zero[8] = {0};
        return memcmp(value, zero, element_size(field->type)) != 0;
    }
    }
}

static void cover_message(Coverage *coverage, const ProtobufCMessage *message) {
    const ProtobufCMessageDescriptor *d = message->descriptor;
    int index = type_index(coverage, d);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &d->fields[i];
        const char *member = (const char *)message + field->offset;
        int set = 0;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)message + field->quantifier_offset);
            set = n > 0;
            if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
                ProtobufCMessage *const *elements = *(ProtobufCMessage *const *const *)member;
                for (size_t j = 0; j < n; j++) cover_message(coverage, elements[j]);
            }
        } else {
            if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                set = *(const uint32_t *)((const char *)message + field->quantifier_offset) == field->id;
            } else {
                set = is_set(field, member);
            }
            if (set && field->type == PROTOBUF_C_TYPE_MESSAGE) {
                const ProtobufCMessage *child = *(const ProtobufCMessage *const *)member;
                if (child != NULL) cover_message(coverage, child);
            }
        }
        if (set && index >= 0) coverage->covered[index][i] = 1;
    }
}

int pif_uncovered_fields(char *out, size_t capacity) {
    Coverage coverage;
    memset(&coverage, 0, sizeof coverage);
    add_type(&coverage, &career__v1__frame__descriptor);
    add_service(&coverage, &career__v1__health__descriptor);
    add_service(&coverage, &career__v1__generation_service__descriptor);
    add_service(&coverage, &career__v1__coach_service__descriptor);

    for (int i = 0; i < FIXTURE_COUNT; i++) {
        Arena arena = {0};
        cover_message(&coverage, fixtures[i].build(&arena));
        arena_free(&arena);
    }

    size_t used = 0;
    if (out != NULL && capacity > 0) out[0] = '\0';
    int uncovered = 0;
    if (coverage.overflow) {
        uncovered++;
        if (out != NULL && used < capacity) {
            int n = snprintf(out + used, capacity - used, "(too many message types or fields to track)\n");
            if (n > 0) used += (size_t)n;
        }
    }
    for (size_t t = 0; t < coverage.count; t++) {
        const ProtobufCMessageDescriptor *d = coverage.types[t];
        for (unsigned i = 0; i < d->n_fields; i++) {
            if (coverage.covered[t][i]) continue;
            uncovered++;
            if (out != NULL && used < capacity) {
                int n = snprintf(out + used, capacity - used, "%s.%s\n", d->name, d->fields[i].name);
                if (n > 0) used += (size_t)n;
            }
        }
    }
    return uncovered;
}
