-- Budgets and their alerts, the response cache, failover attempts, and provider health.

-- A run answered from the response cache costs nothing; saved_nano is what the answer cost when
-- it was paid for. attempts_json lists every target a failed-over run tried, in order.
ALTER TABLE runs ADD COLUMN saved_nano INTEGER NOT NULL DEFAULT 0 CHECK (saved_nano >= 0);
ALTER TABLE runs ADD COLUMN attempts_json TEXT;

-- saved_nano is part of the bill: it cannot change either.
DROP TRIGGER runs_billing_immutable;
CREATE TRIGGER runs_billing_immutable BEFORE UPDATE OF started_at_ms, provider, model_requested,
    model_resolved, key_id, tag, status, input_tokens, cached_input_tokens, cache_write_tokens,
    cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_total_nano, latency_ms,
    saved_nano, cache_hit ON runs
BEGIN
    SELECT RAISE(ABORT, 'a recorded run''s billing cannot change; delete it and record a new run');
END;

-- The roll-up's savings now count cache hits too: what a run saved is its prompt-cache saving
-- plus saved_nano. Both triggers are recreated with that one change.
DROP TRIGGER runs_rollup_insert;
DROP TRIGGER runs_rollup_delete;

CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs BEGIN
    INSERT INTO rollup_day VALUES (
        pl_day(NEW.started_at_ms), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.key_id, ''),
        COALESCE(NEW.tag, ''), NEW.status, 1,
        NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cost_total_nano,
        pl_saved(NEW.cached_input_tokens, NEW.rate_input, NEW.rate_cached_input, NEW.saved_nano),
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
        pl_saved(NEW.cached_input_tokens, NEW.rate_input, NEW.rate_cached_input, NEW.saved_nano),
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
        saved_nano = saved_nano
            - pl_saved(OLD.cached_input_tokens, OLD.rate_input, OLD.rate_cached_input, OLD.saved_nano),
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
        saved_nano = saved_nano
            - pl_saved(OLD.cached_input_tokens, OLD.rate_input, OLD.rate_cached_input, OLD.saved_nano),
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

-- A budget: what it covers (everything, or one provider, model, key or tag), its period in local
-- time, its limit, and whether it only warns or blocks runs that would break it.
CREATE TABLE budgets (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    scope         TEXT NOT NULL CHECK (scope IN ('all', 'provider', 'model', 'key', 'tag')),
    scope_value   TEXT,
    period        TEXT NOT NULL CHECK (period IN ('day', 'week', 'month')),
    limit_nano    INTEGER NOT NULL CHECK (limit_nano > 0),
    mode          TEXT NOT NULL CHECK (mode IN ('warn', 'block')),
    created_at_ms INTEGER NOT NULL,
    CHECK ((scope = 'all') = (scope_value IS NULL))
) STRICT;

-- Each threshold fires once per budget period.
CREATE TABLE budget_alerts (
    budget_id    INTEGER NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
    period_start TEXT NOT NULL,   -- the local day the period began
    threshold    INTEGER NOT NULL CHECK (threshold IN (50, 80, 100)),
    spent_nano   INTEGER NOT NULL,
    fired_at_ms  INTEGER NOT NULL,
    dismissed    INTEGER NOT NULL DEFAULT 0 CHECK (dismissed IN (0, 1)),
    PRIMARY KEY (budget_id, period_start, threshold)
) STRICT;

-- Answers already paid for, by a hash of the canonical request.
CREATE TABLE response_cache (
    request_hash   TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    model          TEXT NOT NULL,
    run_id         INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    model_resolved TEXT,
    output         TEXT NOT NULL,
    cost_nano      INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    hits           INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX response_cache_expiry ON response_cache (expires_at_ms);

-- Health reads each key's and provider's latest runs.
CREATE INDEX runs_key_time ON runs (key_id, started_at_ms) WHERE key_id IS NOT NULL;
