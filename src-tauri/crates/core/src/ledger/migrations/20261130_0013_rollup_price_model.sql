-- The what-if roll-up's narrow twin: the same sums by local day × provider × model × price key ×
-- prompt-size band only (a few rows a day however many keys, tags and statuses there are). A
-- what-if without a key, tag, status or project filter reads this one, as the dashboard reads
-- rollup_day_model.

CREATE TABLE rollup_price_model (
    day                   TEXT NOT NULL,
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,
    price_key             TEXT NOT NULL,
    band                  INTEGER NOT NULL,
    runs                  INTEGER NOT NULL,
    input_tokens          INTEGER NOT NULL,
    cached_input_tokens   INTEGER NOT NULL,
    cache_write_tokens    INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    output_tokens         INTEGER NOT NULL,
    reasoning_tokens      INTEGER NOT NULL,
    cost_nano             INTEGER NOT NULL,
    PRIMARY KEY (day, provider, model, price_key, band)
) STRICT, WITHOUT ROWID;

INSERT INTO rollup_price_model
SELECT day, provider, model, price_key, band, sum(runs), sum(input_tokens),
       sum(cached_input_tokens), sum(cache_write_tokens), sum(cache_write_1h_tokens),
       sum(output_tokens), sum(reasoning_tokens), sum(cost_nano)
FROM rollup_price GROUP BY 1, 2, 3, 4, 5;

-- Every change to rollup_price is made by the runs triggers of migration 12; these follow it.
CREATE TRIGGER rollup_price_model_insert AFTER INSERT ON rollup_price BEGIN
    INSERT INTO rollup_price_model VALUES (
        NEW.day, NEW.provider, NEW.model, NEW.price_key, NEW.band, NEW.runs, NEW.input_tokens,
        NEW.cached_input_tokens, NEW.cache_write_tokens, NEW.cache_write_1h_tokens,
        NEW.output_tokens, NEW.reasoning_tokens, NEW.cost_nano)
    ON CONFLICT DO UPDATE SET
        runs = runs + excluded.runs,
        input_tokens = input_tokens + excluded.input_tokens,
        cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
        cost_nano = cost_nano + excluded.cost_nano;
END;

CREATE TRIGGER rollup_price_model_update AFTER UPDATE ON rollup_price BEGIN
    UPDATE rollup_price_model SET
        runs = runs + NEW.runs - OLD.runs,
        input_tokens = input_tokens + NEW.input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens + NEW.cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens + NEW.cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens + NEW.cache_write_1h_tokens
                                - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens + NEW.output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens + NEW.reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano + NEW.cost_nano - OLD.cost_nano
    WHERE day = NEW.day AND provider = NEW.provider AND model = NEW.model
      AND price_key = NEW.price_key AND band = NEW.band;
END;

CREATE TRIGGER rollup_price_model_delete AFTER DELETE ON rollup_price BEGIN
    UPDATE rollup_price_model SET
        runs = runs - OLD.runs,
        input_tokens = input_tokens - OLD.input_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cache_write_tokens = cache_write_tokens - OLD.cache_write_tokens,
        cache_write_1h_tokens = cache_write_1h_tokens - OLD.cache_write_1h_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cost_nano = cost_nano - OLD.cost_nano
    WHERE day = OLD.day AND provider = OLD.provider AND model = OLD.model
      AND price_key = OLD.price_key AND band = OLD.band;
    DELETE FROM rollup_price_model
    WHERE day = OLD.day AND provider = OLD.provider AND model = OLD.model
      AND price_key = OLD.price_key AND band = OLD.band AND runs <= 0;
END;
