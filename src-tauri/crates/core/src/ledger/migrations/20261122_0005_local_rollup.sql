-- Analytics roll-up by *local* day (in the zone kept in ledger_meta.time_zone), with token
-- components, prompt-cache savings and a latency histogram per row, so every dashboard figure —
-- p50/p95 included — reads roll-up rows, never the runs table. It replaces the UTC daily roll-up.
-- pl_day(), pl_hist_add() and pl_hist_sub() are registered by PromptLedger on every connection;
-- changing the zone rebuilds this table.

DROP TRIGGER runs_rollup_insert;
DROP TRIGGER runs_rollup_delete;
DROP TABLE daily_rollup;

CREATE TABLE ledger_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE rollup_day (
    day                   TEXT NOT NULL,   -- YYYY-MM-DD, local to ledger_meta.time_zone
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,   -- resolved model, else the requested one
    key_id                TEXT NOT NULL,   -- '' when none
    tag                   TEXT NOT NULL,   -- '' when none
    status                TEXT NOT NULL,
    runs                  INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    cached_input_tokens   INTEGER NOT NULL,
    cache_write_tokens    INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    reasoning_tokens      INTEGER NOT NULL,
    cost_nano             INTEGER NOT NULL,
    saved_nano            INTEGER NOT NULL,  -- what cached input tokens would have cost at the input rate, minus what they cost
    cache_hits            INTEGER NOT NULL,
    latency_ms_sum        INTEGER NOT NULL,
    latency_count         INTEGER NOT NULL,
    latency_hist          BLOB,              -- see analytics/hist.rs
    PRIMARY KEY (day, provider, model, key_id, tag, status)
) STRICT, WITHOUT ROWID;

-- The same sums by day × provider × model only (about 10 rows a day however many runs there
-- are): the dashboard reads this one unless it filters by key, tag or status.
CREATE TABLE rollup_day_model (
    day                   TEXT NOT NULL,
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,
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
    PRIMARY KEY (day, provider, model)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs BEGIN
    INSERT INTO rollup_day VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.key_id, ''),
        COALESCE(NEW.tag, ''), NEW.status, 1,
        NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cost_total_nano,
        CASE WHEN NEW.rate_input > NEW.rate_cached_input
             THEN NEW.cached_input_tokens * (NEW.rate_input - NEW.rate_cached_input) / 1000000
             ELSE 0 END,
        NEW.cache_hit, COALESCE(NEW.latency_ms, 0), NEW.latency_ms IS NOT NULL,
        pl_hist_add(NULL, NEW.latency_ms))
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
        latency_hist = pl_hist_add(latency_hist, NEW.latency_ms);
    INSERT INTO rollup_day_model VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), 1, NEW.status = 'ok',
        NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cost_total_nano,
        CASE WHEN NEW.rate_input > NEW.rate_cached_input
             THEN NEW.cached_input_tokens * (NEW.rate_input - NEW.rate_cached_input) / 1000000
             ELSE 0 END,
        NEW.cache_hit, COALESCE(NEW.latency_ms, 0), NEW.latency_ms IS NOT NULL,
        pl_hist_add(NULL, NEW.latency_ms))
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
        latency_hist = pl_hist_add(latency_hist, NEW.latency_ms);
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
        cost_nano = cost_nano - OLD.cost_total_nano,
        saved_nano = saved_nano - CASE WHEN OLD.rate_input > OLD.rate_cached_input
             THEN OLD.cached_input_tokens * (OLD.rate_input - OLD.rate_cached_input) / 1000000
             ELSE 0 END,
        cache_hits = cache_hits - OLD.cache_hit,
        latency_ms_sum = latency_ms_sum - COALESCE(OLD.latency_ms, 0),
        latency_count = latency_count - (OLD.latency_ms IS NOT NULL),
        latency_hist = pl_hist_sub(latency_hist, OLD.latency_ms)
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
        cost_nano = cost_nano - OLD.cost_total_nano,
        saved_nano = saved_nano - CASE WHEN OLD.rate_input > OLD.rate_cached_input
             THEN OLD.cached_input_tokens * (OLD.rate_input - OLD.rate_cached_input) / 1000000
             ELSE 0 END,
        cache_hits = cache_hits - OLD.cache_hit,
        latency_ms_sum = latency_ms_sum - COALESCE(OLD.latency_ms, 0),
        latency_count = latency_count - (OLD.latency_ms IS NOT NULL),
        latency_hist = pl_hist_sub(latency_hist, OLD.latency_ms)
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested);
    DELETE FROM rollup_day_model
    WHERE day = pl_day(OLD.started_at_ms) AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested) AND runs <= 0;
END;

-- The runs filter indexes for analytics' "most expensive" list and exports.
CREATE INDEX runs_tag_time ON runs (tag, started_at_ms) WHERE tag IS NOT NULL;

-- Runs recorded before this migration are rolled up by PromptLedger right after it (the
-- statement is shared with "rebuild analytics", see ledger/rollup.rs).
