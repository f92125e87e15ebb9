-- Unpriced runs: a model the price table does not know, run through an OpenAI-compatible service,
-- is recorded with its tokens and cost_source 'unpriced', and its cost is NULL (unknown), never 0.
-- When the user later prices the model, such a run may be priced once (cost_source 'computed');
-- every other run's bill stays immutable.
--
-- SQLite cannot relax a NOT NULL or a CHECK in place, so runs is rebuilt (PromptLedger runs its
-- migrations with foreign keys off, so the tables that point at runs keep their links), with the
-- same ids: the full-text index (external content, by rowid) stays valid. Its indexes and
-- triggers are recreated; the roll-ups gain a count of unpriced runs.

CREATE TABLE runs_new (
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
    -- NULL exactly when the run is unpriced
    cost_total_nano          INTEGER,
    provider_cost_nano       INTEGER,
    cost_source         TEXT NOT NULL CHECK (cost_source IN
                            ('provider_reported', 'computed', 'estimated', 'unmetered', 'unpriced')),
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
    cache_hit           INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1)),
    saved_nano          INTEGER NOT NULL DEFAULT 0 CHECK (saved_nano >= 0),
    attempts_json       TEXT,
    rate_set            TEXT NOT NULL DEFAULT 'standard',
    multiplier_json     TEXT,
    CHECK ((cost_total_nano IS NULL) = (cost_source = 'unpriced'))
) STRICT;

INSERT INTO runs_new (id, started_at_ms, provider, model_requested, model_resolved, price_key,
    price_table_version, key_id, key_label, status, error_code, error_message,
    input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,
    reasoning_tokens, rate_input, rate_cached_input, rate_cache_write, rate_cache_write_1h,
    rate_output, rate_reasoning, cost_input_nano, cost_cached_input_nano, cost_cache_write_nano,
    cost_cache_write_1h_nano, cost_output_nano, cost_reasoning_nano, cost_total_nano,
    provider_cost_nano, cost_source, price_tier, latency_ms, ttft_ms, attempts, request_id,
    system_prompt, prompt, output, params_json, conversation_id, comparison_id, template_id,
    template_version, tag, cache_hit, saved_nano, attempts_json, rate_set, multiplier_json)
SELECT id, started_at_ms, provider, model_requested, model_resolved, price_key,
    price_table_version, key_id, key_label, status, error_code, error_message,
    input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,
    reasoning_tokens, rate_input, rate_cached_input, rate_cache_write, rate_cache_write_1h,
    rate_output, rate_reasoning, cost_input_nano, cost_cached_input_nano, cost_cache_write_nano,
    cost_cache_write_1h_nano, cost_output_nano, cost_reasoning_nano, cost_total_nano,
    provider_cost_nano, cost_source, price_tier, latency_ms, ttft_ms, attempts, request_id,
    system_prompt, prompt, output, params_json, conversation_id, comparison_id, template_id,
    template_version, tag, cache_hit, saved_nano, attempts_json, rate_set, multiplier_json
FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;

CREATE INDEX runs_started ON runs (started_at_ms);
CREATE INDEX runs_conversation ON runs (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX runs_comparison ON runs (comparison_id) WHERE comparison_id IS NOT NULL;
CREATE INDEX runs_cost ON runs (cost_total_nano);
CREATE INDEX runs_latency ON runs (latency_ms);
CREATE INDEX runs_provider_time ON runs (provider, started_at_ms);
CREATE INDEX runs_model_time ON runs (model_requested, started_at_ms);
CREATE INDEX runs_template ON runs (template_id) WHERE template_id IS NOT NULL;
CREATE INDEX runs_key ON runs (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX runs_tag_time ON runs (tag, started_at_ms) WHERE tag IS NOT NULL;
CREATE INDEX runs_key_time ON runs (key_id, started_at_ms) WHERE key_id IS NOT NULL;
-- "Price the unpriced runs of this model" finds them without a scan.
CREATE INDEX runs_unpriced ON runs (model_requested) WHERE cost_source = 'unpriced';

CREATE TRIGGER runs_fts_insert AFTER INSERT ON runs BEGIN
    INSERT INTO runs_fts (rowid, prompt, output, system_prompt)
    VALUES (NEW.id, NEW.prompt, NEW.output, NEW.system_prompt);
END;
CREATE TRIGGER runs_fts_delete AFTER DELETE ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt, output, system_prompt)
    VALUES ('delete', OLD.id, OLD.prompt, OLD.output, OLD.system_prompt);
END;
CREATE TRIGGER runs_fts_update AFTER UPDATE OF prompt, output, system_prompt ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt, output, system_prompt)
    VALUES ('delete', OLD.id, OLD.prompt, OLD.output, OLD.system_prompt);
    INSERT INTO runs_fts (rowid, prompt, output, system_prompt)
    VALUES (NEW.id, NEW.prompt, NEW.output, NEW.system_prompt);
END;

-- What a run is and what it used can never change.
CREATE TRIGGER runs_billing_immutable BEFORE UPDATE OF started_at_ms, provider, model_requested,
    model_resolved, key_id, tag, status, input_tokens, cached_input_tokens, cache_write_tokens,
    cache_write_1h_tokens, output_tokens, reasoning_tokens, latency_ms, saved_nano, cache_hit
    ON runs
BEGIN
    SELECT RAISE(ABORT, 'a recorded run''s billing cannot change; delete it and record a new run');
END;

-- Its bill can change once: an unpriced run priced at the model's new price (computed).
CREATE TRIGGER runs_cost_immutable BEFORE UPDATE OF price_key, price_table_version,
    rate_input, rate_cached_input, rate_cache_write, rate_cache_write_1h, rate_output,
    rate_reasoning, cost_input_nano, cost_cached_input_nano, cost_cache_write_nano,
    cost_cache_write_1h_nano, cost_output_nano, cost_reasoning_nano, cost_total_nano,
    provider_cost_nano, cost_source, price_tier, rate_set, multiplier_json ON runs
    WHEN NOT (OLD.cost_source = 'unpriced' AND NEW.cost_source = 'computed')
BEGIN
    SELECT RAISE(ABORT, 'a recorded run''s billing cannot change; delete it and record a new run');
END;

ALTER TABLE rollup_day ADD COLUMN unpriced_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_day_model ADD COLUMN unpriced_runs INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs BEGIN
    INSERT INTO rollup_day VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.key_id, ''),
        COALESCE(NEW.tag, ''), NEW.status, 1,
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
        COALESCE(NEW.model_resolved, NEW.model_requested), 1, NEW.status = 'ok',
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
      AND status = OLD.status;
    DELETE FROM rollup_day
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND tag = COALESCE(OLD.tag, '')
      AND status = OLD.status AND runs <= 0;
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
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested);
    DELETE FROM rollup_day_model
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested) AND runs <= 0;
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
      AND status = NEW.status;
    UPDATE rollup_day_model SET
        cost_nano = cost_nano + NEW.cost_total_nano,
        saved_nano = saved_nano
            + pl_saved(NEW.cached_input_tokens, NEW.rate_input, NEW.rate_cached_input, NEW.saved_nano)
            - pl_saved(OLD.cached_input_tokens, OLD.rate_input, OLD.rate_cached_input, OLD.saved_nano),
        unpriced_runs = unpriced_runs - 1
    WHERE day = pl_day(NEW.started_at_ms) AND provider = NEW.provider
      AND model = COALESCE(NEW.model_resolved, NEW.model_requested);
END;
