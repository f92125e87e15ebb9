-- PromptLedger ledger, first schema. Money is integer nano-USD; rates are nano-USD per 1M tokens;
-- times are integer milliseconds since the Unix epoch, UTC.

CREATE TABLE api_keys (
    id                 TEXT PRIMARY KEY,
    provider           TEXT NOT NULL,
    label              TEXT NOT NULL,
    last_four          TEXT NOT NULL,          -- shown as "…abcd"; the secret lives in the OS keychain only
    base_url           TEXT,
    organization       TEXT,
    project            TEXT,
    display_name       TEXT,
    is_default         INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    status             TEXT NOT NULL DEFAULT 'unvalidated',
    created_at_ms      INTEGER NOT NULL,
    last_used_at_ms    INTEGER,
    last_validated_at_ms INTEGER,
    last_error_code    TEXT,
    last_error_message TEXT,
    removed_at_ms      INTEGER
) STRICT;

CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE comparisons (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    prompt        TEXT NOT NULL,
    notes         TEXT,
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE templates (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE template_versions (
    template_id   INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    body          TEXT NOT NULL,
    system_prompt TEXT,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (template_id, version)
) STRICT;

CREATE TABLE runs (
    id                  INTEGER PRIMARY KEY,
    started_at_ms       INTEGER NOT NULL,
    provider            TEXT NOT NULL,
    model_requested     TEXT NOT NULL,
    model_resolved      TEXT,
    price_key           TEXT,
    price_table_version TEXT,
    key_id              TEXT REFERENCES api_keys(id) ON DELETE SET NULL,
    key_label           TEXT,
    status              TEXT NOT NULL CHECK (status IN ('ok', 'error', 'interrupted', 'cancelled')),
    error_code          TEXT,
    error_message       TEXT,
    -- tokens, disjoint, each billed at its own rate
    input_tokens          INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    cached_input_tokens   INTEGER NOT NULL DEFAULT 0 CHECK (cached_input_tokens >= 0),
    cache_write_tokens    INTEGER NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
    cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cache_write_1h_tokens >= 0),
    output_tokens         INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    reasoning_tokens      INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
    -- rates used (nano-USD per 1M tokens)
    rate_input          INTEGER NOT NULL DEFAULT 0,
    rate_cached_input   INTEGER NOT NULL DEFAULT 0,
    rate_cache_write    INTEGER NOT NULL DEFAULT 0,
    rate_cache_write_1h INTEGER NOT NULL DEFAULT 0,
    rate_output         INTEGER NOT NULL DEFAULT 0,
    rate_reasoning      INTEGER NOT NULL DEFAULT 0,
    -- cost breakdown (nano-USD)
    cost_input_nano          INTEGER NOT NULL DEFAULT 0,
    cost_cached_input_nano   INTEGER NOT NULL DEFAULT 0,
    cost_cache_write_nano    INTEGER NOT NULL DEFAULT 0,
    cost_cache_write_1h_nano INTEGER NOT NULL DEFAULT 0,
    cost_output_nano         INTEGER NOT NULL DEFAULT 0,
    cost_reasoning_nano      INTEGER NOT NULL DEFAULT 0,
    cost_total_nano          INTEGER NOT NULL DEFAULT 0,
    provider_cost_nano       INTEGER,
    cost_source         TEXT NOT NULL CHECK (cost_source IN ('provider_reported', 'computed', 'estimated', 'unmetered')),
    price_tier          TEXT,
    latency_ms          INTEGER,
    ttft_ms             INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 1,
    request_id          TEXT,
    system_prompt       TEXT,
    prompt              TEXT,
    output              TEXT,
    params_json         TEXT,
    conversation_id     INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    comparison_id       INTEGER REFERENCES comparisons(id) ON DELETE SET NULL,
    template_id         INTEGER REFERENCES templates(id) ON DELETE SET NULL,
    template_version    INTEGER,
    tag                 TEXT,
    cache_hit           INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1))
) STRICT;

CREATE INDEX runs_started ON runs (started_at_ms);
CREATE INDEX runs_conversation ON runs (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX runs_comparison ON runs (comparison_id) WHERE comparison_id IS NOT NULL;

CREATE TABLE price_overrides (
    model               TEXT PRIMARY KEY,
    rate_input          INTEGER,
    rate_output         INTEGER,
    rate_cached_input   INTEGER,
    rate_cache_write    INTEGER,
    rate_cache_write_1h INTEGER,
    rate_reasoning      INTEGER,
    max_input_tokens    INTEGER,
    note                TEXT,
    updated_at          TEXT NOT NULL
) STRICT;

CREATE TABLE price_tables (
    id          INTEGER PRIMARY KEY,
    version     TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    file_name   TEXT,
    imported_at TEXT NOT NULL,
    models      INTEGER NOT NULL,
    content     BLOB NOT NULL
) STRICT;
