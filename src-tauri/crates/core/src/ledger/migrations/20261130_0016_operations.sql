-- Every paid operation, not only chat: a run is a chat, an embedding, an image generation, a
-- transcription or a speech request (`operation`), and what such a request is billed by besides
-- text tokens — images, pixels, seconds, characters, image or audio tokens — is one more line of
-- its bill: `unit`, `unit_quantity`, `rate_unit` (nano-USD per 1M units) and `cost_unit_nano`,
-- included in `cost_total_nano`. `items` counts an embedding request's inputs or a generation's
-- images. Runs recorded before this migration are chats.
--
-- The operation is a dimension of both analytics roll-ups (spend per operation, budgets scoped
-- to one): their primary keys change, so they are rebuilt from their own rows (every existing
-- row is a chat), and their triggers follow. The what-if roll-up keeps token-billed runs only
-- (a different token price says nothing about a per-image one). Budgets gain the `operation`
-- scope.

ALTER TABLE runs ADD COLUMN operation TEXT NOT NULL DEFAULT 'chat'
    CHECK (operation IN ('chat', 'embedding', 'image', 'transcription', 'speech'));
ALTER TABLE runs ADD COLUMN unit TEXT
    CHECK (unit IN ('image', 'pixel', 'second', 'character', 'image_token', 'audio_token'));
ALTER TABLE runs ADD COLUMN unit_quantity INTEGER NOT NULL DEFAULT 0 CHECK (unit_quantity >= 0);
ALTER TABLE runs ADD COLUMN rate_unit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN cost_unit_nano INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN items INTEGER CHECK (items >= 0);
CREATE INDEX runs_operation_time ON runs (operation, started_at_ms) WHERE operation <> 'chat';

ALTER TABLE runs_in_flight ADD COLUMN operation TEXT NOT NULL DEFAULT 'chat';

-- A batch job runs chats or embeddings (one input per row).
ALTER TABLE batch_jobs ADD COLUMN operation TEXT NOT NULL DEFAULT 'chat'
    CHECK (operation IN ('chat', 'embedding'));

DROP TRIGGER runs_billing_immutable;
DROP TRIGGER runs_cost_immutable;
CREATE TRIGGER runs_billing_immutable BEFORE UPDATE OF started_at_ms, provider, model_requested,
    model_resolved, key_id, tag, status, input_tokens, cached_input_tokens, cache_write_tokens,
    cache_write_1h_tokens, output_tokens, reasoning_tokens, latency_ms, saved_nano, cache_hit, operation, unit, unit_quantity, items
    ON runs
BEGIN
    SELECT RAISE(ABORT, 'a recorded run''s billing cannot change; delete it and record a new run');
END;

CREATE TRIGGER runs_cost_immutable BEFORE UPDATE OF price_key, price_table_version,
    rate_input, rate_cached_input, rate_cache_write, rate_cache_write_1h, rate_output,
    rate_reasoning, cost_input_nano, cost_cached_input_nano, cost_cache_write_nano,
    cost_cache_write_1h_nano, cost_output_nano, cost_reasoning_nano, cost_total_nano,
    provider_cost_nano, cost_source, price_tier, rate_set, multiplier_json, rate_unit, cost_unit_nano ON runs
    WHEN NOT (OLD.cost_source = 'unpriced' AND NEW.cost_source = 'computed')
BEGIN
    SELECT RAISE(ABORT, 'a recorded run''s billing cannot change; delete it and record a new run');
END;

-- The roll-ups, with the operation in their keys.
DROP TRIGGER runs_rollup_insert;
DROP TRIGGER runs_rollup_delete;
DROP TRIGGER runs_rollup_priced;

CREATE TABLE rollup_day_new (
    day                   TEXT NOT NULL,   -- YYYY-MM-DD, local to ledger_meta.time_zone
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,   -- resolved model, else the requested one
    key_id                TEXT NOT NULL,   -- '' when none
    tag                   TEXT NOT NULL,   -- '' when none
    status                TEXT NOT NULL,
    operation             TEXT NOT NULL,
    runs                  INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    cached_input_tokens   INTEGER NOT NULL,
    cache_write_tokens    INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    reasoning_tokens      INTEGER NOT NULL,
    cost_nano             INTEGER NOT NULL,
    saved_nano            INTEGER NOT NULL,
    cache_hits            INTEGER NOT NULL,
    latency_ms_sum        INTEGER NOT NULL,
    latency_count         INTEGER NOT NULL,
    latency_hist          BLOB,
    unpriced_runs         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, provider, model, key_id, tag, status, operation)
) STRICT, WITHOUT ROWID;

INSERT INTO rollup_day_new
SELECT day, provider, model, key_id, tag, status, 'chat', runs, input_tokens, cached_input_tokens,
       cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_nano,
       saved_nano, cache_hits, latency_ms_sum, latency_count, latency_hist, unpriced_runs
FROM rollup_day;
DROP TABLE rollup_day;
ALTER TABLE rollup_day_new RENAME TO rollup_day;

CREATE TABLE rollup_day_model_new (
    day                   TEXT NOT NULL,
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,
    operation             TEXT NOT NULL,
    runs                  INTEGER NOT NULL,
    ok_runs               INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    cached_input_tokens   INTEGER NOT NULL,
    cache_write_tokens    INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    reasoning_tokens      INTEGER NOT NULL,
    cost_nano             INTEGER NOT NULL,
    saved_nano            INTEGER NOT NULL,
    cache_hits            INTEGER NOT NULL,
    latency_ms_sum        INTEGER NOT NULL,
    latency_count         INTEGER NOT NULL,
    latency_hist          BLOB,
    unpriced_runs         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, provider, model, operation)
) STRICT, WITHOUT ROWID;

INSERT INTO rollup_day_model_new
SELECT day, provider, model, 'chat', runs, ok_runs, input_tokens, cached_input_tokens,
       cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_nano,
       saved_nano, cache_hits, latency_ms_sum, latency_count, latency_hist, unpriced_runs
FROM rollup_day_model;
DROP TABLE rollup_day_model;
ALTER TABLE rollup_day_model_new RENAME TO rollup_day_model;

CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs BEGIN
    INSERT INTO rollup_day VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.key_id, ''),
        COALESCE(NEW.tag, ''), NEW.status, NEW.operation, 1,
        NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens,
        COALESCE(NEW.cost_total_nano, 0),
        pl_saved(NEW.cached_input_tokens, NEW.rate_input, NEW.rate_cached_input, NEW.saved_nano),
        NEW.cache_hit, COALESCE(NEW.latency_ms, 0), NEW.latency_ms IS NOT NULL,
        pl_hist_add(NULL, NEW.latency_ms), NEW.cost_total_nano IS NULL)
    ON CONFLICT DO UPDATE SET
        runs = runs + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano,
        saved_nano = saved_nano + excluded.saved_nano,
        cache_hits = cache_hits + excluded.cache_hits,
        latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
        latency_count = latency_count + excluded.latency_count,
        latency_hist = pl_hist_add(latency_hist, NEW.latency_ms),
        unpriced_runs = unpriced_runs + excluded.unpriced_runs;
    INSERT INTO rollup_day_model VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), NEW.operation, 1, NEW.status = 'ok',
        NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens,
        COALESCE(NEW.cost_total_nano, 0),
        pl_saved(NEW.cached_input_tokens, NEW.rate_input, NEW.rate_cached_input, NEW.saved_nano),
        NEW.cache_hit, COALESCE(NEW.latency_ms, 0), NEW.latency_ms IS NOT NULL,
        pl_hist_add(NULL, NEW.latency_ms), NEW.cost_total_nano IS NULL)
    ON CONFLICT DO UPDATE SET
        runs = runs + 1,
        ok_runs = ok_runs + excluded.ok_runs,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano,
        saved_nano = saved_nano + excluded.saved_nano,
        cache_hits = cache_hits + excluded.cache_hits,
        latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
        latency_count = latency_count + excluded.latency_count,
        latency_hist = pl_hist_add(latency_hist, NEW.latency_ms),
        unpriced_runs = unpriced_runs + excluded.unpriced_runs;
END;

CREATE TRIGGER runs_rollup_delete AFTER DELETE ON runs BEGIN
    UPDATE rollup_day SET
        runs = runs - 1,
        input_tokens = input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano - COALESCE(OLD.cost_total_nano, 0),
        saved_nano = saved_nano
            - pl_saved(OLD.cached_input_tokens, OLD.rate_input, OLD.rate_cached_input, OLD.saved_nano),
        cache_hits = cache_hits - OLD.cache_hit,
        latency_ms_sum = latency_ms_sum - COALESCE(OLD.latency_ms, 0),
        latency_count = latency_count - (OLD.latency_ms IS NOT NULL),
        latency_hist = pl_hist_sub(latency_hist, OLD.latency_ms),
        unpriced_runs = unpriced_runs - (OLD.cost_total_nano IS NULL)
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND tag = COALESCE(OLD.tag, '')
      AND status = OLD.status AND operation = OLD.operation;
    DELETE FROM rollup_day
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND tag = COALESCE(OLD.tag, '')
      AND status = OLD.status AND operation = OLD.operation AND runs <= 0;
    UPDATE rollup_day_model SET
        runs = runs - 1,
        ok_runs = ok_runs - (OLD.status = 'ok'),
        input_tokens = input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano - COALESCE(OLD.cost_total_nano, 0),
        saved_nano = saved_nano
            - pl_saved(OLD.cached_input_tokens, OLD.rate_input, OLD.rate_cached_input, OLD.saved_nano),
        cache_hits = cache_hits - OLD.cache_hit,
        latency_ms_sum = latency_ms_sum - COALESCE(OLD.latency_ms, 0),
        latency_count = latency_count - (OLD.latency_ms IS NOT NULL),
        latency_hist = pl_hist_sub(latency_hist, OLD.latency_ms),
        unpriced_runs = unpriced_runs - (OLD.cost_total_nano IS NULL)
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND operation = OLD.operation;
    DELETE FROM rollup_day_model
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND operation = OLD.operation AND runs <= 0;
END;

-- An unpriced run priced once: its cost (and prompt-cache saving) joins the roll-ups.
CREATE TRIGGER runs_rollup_priced AFTER UPDATE OF cost_total_nano ON runs
    WHEN OLD.cost_total_nano IS NULL AND NEW.cost_total_nano IS NOT NULL
BEGIN
    UPDATE rollup_day SET
        cost_nano = cost_nano + NEW.cost_total_nano,
        saved_nano = saved_nano
            + pl_saved(NEW.cached_input_tokens, NEW.rate_input, NEW.rate_cached_input, NEW.saved_nano)
            - pl_saved(OLD.cached_input_tokens, OLD.rate_input, OLD.rate_cached_input, OLD.saved_nano),
        unpriced_runs = unpriced_runs - 1
    WHERE day = pl_day(NEW.started_at_ms) AND provider = NEW.provider
      AND model = COALESCE(NEW.model_resolved, NEW.model_requested)
      AND key_id = COALESCE(NEW.key_id, '') AND tag = COALESCE(NEW.tag, '')
      AND status = NEW.status AND operation = NEW.operation;
    UPDATE rollup_day_model SET
        cost_nano = cost_nano + NEW.cost_total_nano,
        saved_nano = saved_nano
            + pl_saved(NEW.cached_input_tokens, NEW.rate_input, NEW.rate_cached_input, NEW.saved_nano)
            - pl_saved(OLD.cached_input_tokens, OLD.rate_input, OLD.rate_cached_input, OLD.saved_nano),
        unpriced_runs = unpriced_runs - 1
    WHERE day = pl_day(NEW.started_at_ms) AND provider = NEW.provider
      AND model = COALESCE(NEW.model_resolved, NEW.model_requested)
      AND operation = NEW.operation;
END;

-- The what-if roll-up: token-billed runs only.
DROP TRIGGER runs_rollup_price_insert;
DROP TRIGGER runs_rollup_price_priced;
DROP TRIGGER runs_rollup_price_delete;
CREATE TRIGGER runs_rollup_price_insert AFTER INSERT ON runs
    WHEN NEW.cache_hit = 0 AND NEW.cost_total_nano IS NOT NULL AND NEW.unit IS NULL
BEGIN
    INSERT INTO rollup_price VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.price_key, ''),
        COALESCE(NEW.key_id, ''), COALESCE(NEW.tag, ''), NEW.status,
        pl_band(NEW.input_tokens + NEW.cached_input_tokens + NEW.cache_write_tokens
                + NEW.cache_write_1h_tokens),
        1, NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cost_total_nano)
    ON CONFLICT DO UPDATE SET
        runs = runs + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano;
END;

CREATE TRIGGER runs_rollup_price_priced AFTER UPDATE OF cost_total_nano ON runs
    WHEN NEW.cache_hit = 0 AND NEW.unit IS NULL AND OLD.cost_total_nano IS NULL AND NEW.cost_total_nano IS NOT NULL
BEGIN
    INSERT INTO rollup_price VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.price_key, ''),
        COALESCE(NEW.key_id, ''), COALESCE(NEW.tag, ''), NEW.status,
        pl_band(NEW.input_tokens + NEW.cached_input_tokens + NEW.cache_write_tokens
                + NEW.cache_write_1h_tokens),
        1, NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cost_total_nano)
    ON CONFLICT DO UPDATE SET
        runs = runs + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano;
END;

CREATE TRIGGER runs_rollup_price_delete AFTER DELETE ON runs
    WHEN OLD.cache_hit = 0 AND OLD.cost_total_nano IS NOT NULL AND OLD.unit IS NULL
BEGIN
    UPDATE rollup_price SET
        runs = runs - 1,
        input_tokens = input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano - OLD.cost_total_nano
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND price_key = COALESCE(OLD.price_key, '') AND key_id = COALESCE(OLD.key_id, '')
      AND tag = COALESCE(OLD.tag, '') AND status = OLD.status
      AND band = pl_band(OLD.input_tokens + OLD.cached_input_tokens + OLD.cache_write_tokens
                         + OLD.cache_write_1h_tokens);
    DELETE FROM rollup_price
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND price_key = COALESCE(OLD.price_key, '') AND key_id = COALESCE(OLD.key_id, '')
      AND tag = COALESCE(OLD.tag, '') AND status = OLD.status
      AND band = pl_band(OLD.input_tokens + OLD.cached_input_tokens + OLD.cache_write_tokens
                         + OLD.cache_write_1h_tokens)
      AND runs <= 0;
END;

-- Budgets may be scoped to one operation.
CREATE TABLE budgets_new (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    scope         TEXT NOT NULL
                  CHECK (scope IN ('all', 'provider', 'model', 'key', 'tag', 'operation')),
    scope_value   TEXT,
    period        TEXT NOT NULL CHECK (period IN ('day', 'week', 'month')),
    limit_nano    INTEGER NOT NULL CHECK (limit_nano > 0),
    mode          TEXT NOT NULL CHECK (mode IN ('warn', 'block')),
    created_at_ms INTEGER NOT NULL,
    CHECK ((scope = 'all') = (scope_value IS NULL))
) STRICT;
INSERT INTO budgets_new (id, name, scope, scope_value, period, limit_nano, mode, created_at_ms)
SELECT id, name, scope, scope_value, period, limit_nano, mode, created_at_ms FROM budgets;
DROP TABLE budgets;
ALTER TABLE budgets_new RENAME TO budgets;
