-- Daily roll-up (UTC day × provider × model × key × tag × status), kept current by triggers on
-- every insert and delete of runs, so dashboards read a few thousand rows instead of millions of runs.

CREATE TABLE daily_rollup (
    day                   TEXT NOT NULL,   -- YYYY-MM-DD, UTC
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
    latency_ms_sum        INTEGER NOT NULL,
    latency_count         INTEGER NOT NULL,
    PRIMARY KEY (day, provider, model, key_id, tag, status)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER runs_rollup_insert AFTER INSERT ON runs BEGIN
    INSERT INTO daily_rollup VALUES (
        date(NEW.started_at_ms / 1000, 'unixepoch'), NEW.provider,
        COALESCE(NEW.model_resolved, NEW.model_requested), COALESCE(NEW.key_id, ''),
        COALESCE(NEW.tag, ''), NEW.status, 1,
        NEW.input_tokens, NEW.cached_input_tokens, NEW.cache_write_tokens,
        NEW.cache_write_1h_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cost_total_nano,
        COALESCE(NEW.latency_ms, 0), NEW.latency_ms IS NOT NULL)
    ON CONFLICT DO UPDATE SET
        runs = runs + 1,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano,
        latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
        latency_count = latency_count + excluded.latency_count;
END;

CREATE TRIGGER runs_rollup_delete AFTER DELETE ON runs BEGIN
    UPDATE daily_rollup SET
        runs = runs - 1,
        input_tokens = input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano - OLD.cost_total_nano,
        latency_ms_sum = latency_ms_sum - COALESCE(OLD.latency_ms, 0),
        latency_count = latency_count - (OLD.latency_ms IS NOT NULL)
    WHERE day = date(OLD.started_at_ms / 1000, 'unixepoch') AND provider = OLD.provider
      AND model = COALESCE(OLD.model_resolved, OLD.model_requested)
      AND key_id = COALESCE(OLD.key_id, '') AND tag = COALESCE(OLD.tag, '')
      AND status = OLD.status;
    DELETE FROM daily_rollup WHERE runs <= 0;
END;

-- A recorded run is an accounting entry: what it was billed cannot change afterwards (a correction
-- is a delete plus a new run). This also keeps the roll-up exact without an update trigger.
CREATE TRIGGER runs_billing_immutable BEFORE UPDATE OF started_at_ms, provider, model_requested,
    model_resolved, key_id, tag, status, input_tokens, cached_input_tokens, cache_write_tokens,
    cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_total_nano, latency_ms ON runs
BEGIN
    SELECT RAISE(ABORT, 'a recorded run''s billing cannot change; delete it and record a new run');
END;

-- Runs recorded before this migration are rolled up once.
INSERT INTO daily_rollup
SELECT date(started_at_ms / 1000, 'unixepoch'), provider, COALESCE(model_resolved, model_requested),
       COALESCE(key_id, ''), COALESCE(tag, ''), status, count(*),
       sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
       sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_total_nano),
       sum(COALESCE(latency_ms, 0)), sum(latency_ms IS NOT NULL)
FROM runs GROUP BY 1, 2, 3, 4, 5, 6;
