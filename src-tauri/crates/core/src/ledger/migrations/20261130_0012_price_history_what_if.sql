-- Price history and what-if re-pricing.
--
-- price_tables keeps every table the ledger has priced with: the bundled one (recorded the first
-- time it is used), imports and updates. A reset withdraws the imports instead of deleting them,
-- so a run's recorded table version always names a table whose rates can still be read.
--
-- rollup_price sums the exact token components of priced runs (response-cache hits excluded: no
-- provider call, nothing to re-price) by local day × provider × model × price key × key × tag ×
-- status × prompt-size band. pl_band() (registered by PromptLedger) numbers the bands so that
-- every long-context threshold and tier edge a price table uses falls on a band's border: a whole
-- row is on one side of each, and re-pricing it at another model's rates is exact.

ALTER TABLE price_tables ADD COLUMN origin TEXT NOT NULL DEFAULT 'import'
    CHECK (origin IN ('bundled', 'import', 'update'));
ALTER TABLE price_tables ADD COLUMN source_url TEXT;
ALTER TABLE price_tables ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1));
CREATE INDEX price_tables_version ON price_tables (version);

CREATE TABLE rollup_price (
    day                   TEXT NOT NULL,   -- YYYY-MM-DD, local to ledger_meta.time_zone
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,   -- resolved model, else the requested one
    price_key             TEXT NOT NULL,   -- the table entry the run was priced at, '' if none
    key_id                TEXT NOT NULL,
    tag                   TEXT NOT NULL,
    status                TEXT NOT NULL,
    band                  INTEGER NOT NULL, -- pl_band(prompt tokens)
    runs                  INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    cached_input_tokens   INTEGER NOT NULL,
    cache_write_tokens    INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    reasoning_tokens      INTEGER NOT NULL,
    cost_nano             INTEGER NOT NULL,
    PRIMARY KEY (day, provider, model, price_key, key_id, tag, status, band)
) STRICT, WITHOUT ROWID;

INSERT INTO rollup_price
SELECT pl_day(started_at_ms), provider, COALESCE(model_resolved, model_requested),
       COALESCE(price_key, ''), COALESCE(key_id, ''), COALESCE(tag, ''), status,
       pl_band(input_tokens + cached_input_tokens + cache_write_tokens + cache_write_1h_tokens),
       count(*), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
       sum(cache_write_1h_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_total_nano)
FROM runs WHERE cache_hit = 0 AND cost_total_nano IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

CREATE TRIGGER runs_rollup_price_insert AFTER INSERT ON runs
    WHEN NEW.cache_hit = 0 AND NEW.cost_total_nano IS NOT NULL
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

-- An unpriced run priced once joins the what-if roll-up then.
CREATE TRIGGER runs_rollup_price_priced AFTER UPDATE OF cost_total_nano ON runs
    WHEN NEW.cache_hit = 0 AND OLD.cost_total_nano IS NULL AND NEW.cost_total_nano IS NOT NULL
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
    WHEN OLD.cache_hit = 0 AND OLD.cost_total_nano IS NOT NULL
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
