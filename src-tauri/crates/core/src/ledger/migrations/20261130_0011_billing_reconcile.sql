-- Reconciliation with what providers bill (OpenAI and Anthropic admin APIs, OpenRouter's
-- /generation) and attribution of OpenAI runs to projects.
--
-- * admin_keys: credentials that read an organisation's billing. A kind of their own, never in
--   api_keys, so no inference path can pick one. The secret is in the OS keychain only.
-- * billed_usage / billed_costs: the provider's figures as fetched, per UTC day; a sync replaces
--   a provider's days whole. billing_days says which days were fetched, when, and how many rows
--   came back (zero rows means "no data yet", not $0).
-- * openai_projects / openai_project_keys: the organisation's projects and their keys' redacted
--   values; api_keys.provider_key_id / bound_project_id map a saved inference key onto them.
-- * runs.project_id: the OpenAI project a run was billed to (header, or the key's project).
-- * rollup_utc: runs by UTC day × provider × model × key × project, kept by triggers, so a year
--   is reconciled without reading the runs table. Cache hits are left out: nothing was sent.

CREATE TABLE admin_keys (
    id                   TEXT PRIMARY KEY,
    provider             TEXT NOT NULL CHECK (provider IN ('openai', 'anthropic')),
    label                TEXT NOT NULL,
    last_four            TEXT NOT NULL,
    base_url             TEXT,
    status               TEXT NOT NULL DEFAULT 'valid',
    created_at_ms        INTEGER NOT NULL,
    last_validated_at_ms INTEGER,
    last_synced_at_ms    INTEGER,
    last_error_code      TEXT,
    last_error_message   TEXT
) STRICT;
CREATE UNIQUE INDEX admin_keys_one_per_provider ON admin_keys (provider);

CREATE TABLE billed_usage (
    id                    INTEGER PRIMARY KEY,
    provider              TEXT NOT NULL,
    day                   TEXT NOT NULL,              -- UTC, YYYY-MM-DD
    model                 TEXT NOT NULL DEFAULT '',
    project_id            TEXT NOT NULL DEFAULT '',
    api_key_id            TEXT NOT NULL DEFAULT '',
    workspace_id          TEXT NOT NULL DEFAULT '',
    service_tier          TEXT NOT NULL DEFAULT '',
    batch                 INTEGER,
    requests              INTEGER,
    input_tokens          INTEGER NOT NULL DEFAULT 0, -- uncached, not cache writes
    cached_input_tokens   INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens    INTEGER NOT NULL DEFAULT 0,
    cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens         INTEGER NOT NULL DEFAULT 0, -- reasoning included
    total_tokens          INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX billed_usage_day ON billed_usage (provider, day);

CREATE TABLE billed_costs (
    id            INTEGER PRIMARY KEY,
    provider      TEXT NOT NULL,
    day           TEXT NOT NULL,
    project_id    TEXT NOT NULL DEFAULT '',
    workspace_id  TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    line_item     TEXT NOT NULL DEFAULT '',
    cost_type     TEXT NOT NULL DEFAULT '',
    service_tier  TEXT NOT NULL DEFAULT '',
    amount_nano   INTEGER NOT NULL,
    quantity      TEXT,
    quantity_unit TEXT
) STRICT;
CREATE INDEX billed_costs_day ON billed_costs (provider, day);

CREATE TABLE billing_days (
    provider      TEXT NOT NULL,
    day           TEXT NOT NULL,
    fetched_at_ms INTEGER NOT NULL,
    usage_rows    INTEGER NOT NULL,
    cost_rows     INTEGER NOT NULL,
    PRIMARY KEY (provider, day)
) STRICT;

-- OpenRouter: one generation looked up by id (`/generation?id=`) per run.
CREATE TABLE billed_generations (
    run_id            INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    generation_id     TEXT NOT NULL,
    fetched_at_ms     INTEGER NOT NULL,
    total_cost_nano   INTEGER,
    tokens_prompt     INTEGER,
    tokens_completion INTEGER,
    model             TEXT,
    provider_name     TEXT
) STRICT;

CREATE TABLE openai_projects (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   INTEGER,
    archived_at  INTEGER,
    synced_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE openai_project_keys (
    id             TEXT PRIMARY KEY,                 -- key_…, what usage calls api_key_id
    project_id     TEXT NOT NULL,
    name           TEXT,
    redacted_value TEXT NOT NULL,
    created_at     INTEGER,
    last_used_at   INTEGER
) STRICT;

ALTER TABLE api_keys ADD COLUMN provider_key_id TEXT;
ALTER TABLE api_keys ADD COLUMN bound_project_id TEXT;
ALTER TABLE runs ADD COLUMN project_id TEXT;
CREATE INDEX runs_project_time ON runs (project_id, started_at_ms) WHERE project_id IS NOT NULL;

CREATE TABLE rollup_utc (
    day                   TEXT NOT NULL,
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,
    key_id                TEXT NOT NULL,
    project_id            TEXT NOT NULL,
    runs                  INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    cached_input_tokens   INTEGER NOT NULL,
    cache_write_tokens    INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    reasoning_tokens      INTEGER NOT NULL,
    cost_nano             INTEGER NOT NULL,
    unpriced_runs         INTEGER NOT NULL,
    PRIMARY KEY (day, provider, model, key_id, project_id)
) STRICT, WITHOUT ROWID;

INSERT INTO rollup_utc
SELECT date(started_at_ms / 1000, 'unixepoch'), provider,
       COALESCE(model_resolved, model_requested), COALESCE(key_id, ''), COALESCE(project_id, ''),
       count(*), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
       sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens),
       COALESCE(sum(cost_total_nano), 0), sum(cost_total_nano IS NULL)
FROM runs WHERE cache_hit = 0 GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER runs_rollup_utc_insert AFTER INSERT ON runs WHEN NEW.cache_hit = 0 BEGIN
    INSERT INTO rollup_utc VALUES (
        date(NEW.started_at_ms / 1000, 'unixepoch'), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.key_id, ''),
        COALESCE(NEW.project_id, ''), 1, NEW.input_tokens, NEW.cached_input_tokens,
        NEW.cache_write_tokens, NEW.cache_write_1h_tokens, NEW.output_tokens,
        NEW.reasoning_tokens, COALESCE(NEW.cost_total_nano, 0), NEW.cost_total_nano IS NULL)
    ON CONFLICT DO UPDATE SET
        runs = runs + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano,
        unpriced_runs = unpriced_runs + excluded.unpriced_runs;
END;

CREATE TRIGGER runs_rollup_utc_delete AFTER DELETE ON runs WHEN OLD.cache_hit = 0 BEGIN
    UPDATE rollup_utc SET
        runs = runs - 1,
        input_tokens = input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano - COALESCE(OLD.cost_total_nano, 0),
        unpriced_runs = unpriced_runs - (OLD.cost_total_nano IS NULL)
    WHERE day = date(OLD.started_at_ms / 1000, 'unixepoch') AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND project_id = COALESCE(OLD.project_id, '');
    DELETE FROM rollup_utc
    WHERE day = date(OLD.started_at_ms / 1000, 'unixepoch') AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND project_id = COALESCE(OLD.project_id, '')
      AND runs <= 0;
END;

-- A run's project learned later (its key mapped to a project) or an unpriced run priced once:
-- its old contribution leaves, its new one joins.
CREATE TRIGGER runs_rollup_utc_update AFTER UPDATE OF project_id, cost_total_nano ON runs
    WHEN NEW.cache_hit = 0
BEGIN
    UPDATE rollup_utc SET
        runs = runs - 1,
        input_tokens = input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano - COALESCE(OLD.cost_total_nano, 0),
        unpriced_runs = unpriced_runs - (OLD.cost_total_nano IS NULL)
    WHERE day = date(OLD.started_at_ms / 1000, 'unixepoch') AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND project_id = COALESCE(OLD.project_id, '');
    DELETE FROM rollup_utc
    WHERE day = date(OLD.started_at_ms / 1000, 'unixepoch') AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND project_id = COALESCE(OLD.project_id, '')
      AND runs <= 0;
    INSERT INTO rollup_utc VALUES (
        date(NEW.started_at_ms / 1000, 'unixepoch'), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.key_id, ''),
        COALESCE(NEW.project_id, ''), 1, NEW.input_tokens, NEW.cached_input_tokens,
        NEW.cache_write_tokens, NEW.cache_write_1h_tokens, NEW.output_tokens,
        NEW.reasoning_tokens, COALESCE(NEW.cost_total_nano, 0), NEW.cost_total_nano IS NULL)
    ON CONFLICT DO UPDATE SET
        runs = runs + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano,
        unpriced_runs = unpriced_runs + excluded.unpriced_runs;
END;
