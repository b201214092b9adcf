-- The gateway's tables in the embedded database (SQLite), the same as PostgreSQL's
-- (../postgres/0001_create_tables.sql) in SQLite's types: ids and user ids are UUID text,
-- times are microseconds since 1970 (UTC), answers are their exact JSON text.

-- Each successful AI answer saved for its user ("Saved results" in the spec).
CREATE TABLE saved_results (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('documents','analysis','careerPath','networkingBrief','reachOut','interviewQuestions','thankYouNote')),
    title TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    thoughts_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    result TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- History pages: a user's items newest first, keyset on (created_at, id).
CREATE INDEX saved_results_by_user ON saved_results (user_id, created_at DESC, id DESC);
CREATE INDEX saved_results_by_user_kind ON saved_results (user_id, kind, created_at DESC, id DESC);

-- The usage ledger: one row per gateway call that reached a service.
CREATE TABLE usage_calls (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok','error','blocked','cancelled')),
    reason TEXT,
    models TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    thoughts_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    streamed INTEGER NOT NULL,
    replayed INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX usage_calls_by_user ON usage_calls (user_id, created_at);

-- A call's tokens per model that spent them (an answer can mix models).
CREATE TABLE usage_tokens (
    call_id TEXT NOT NULL REFERENCES usage_calls (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    thoughts_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    PRIMARY KEY (call_id, model)
);
