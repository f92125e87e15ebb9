-- Comparisons: one prompt on several targets. Each column is a run; the column keeps its place,
-- label, rating and whether it is hidden or marked best. Retrying a column points it at the new
-- run; the old run stays in the ledger (it was paid for).

ALTER TABLE comparisons ADD COLUMN system_prompt TEXT;
ALTER TABLE comparisons ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;

CREATE TABLE comparison_columns (
    comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    label         TEXT NOT NULL,
    run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    rating        INTEGER CHECK (rating BETWEEN 1 AND 5),
    is_best       INTEGER NOT NULL DEFAULT 0 CHECK (is_best IN (0, 1)),
    hidden        INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    PRIMARY KEY (comparison_id, position)
) STRICT;
