-- Team export over OpenTelemetry: every run recorded while the export is on is queued here by
-- trigger, in the same transaction that records it — whichever process writes it (the app, the
-- CLI, a batch job, the recovery of a killed run) — and leaves only once a collector accepted it
-- (a 2xx). A run the collector refused (400, 413) stays, marked, and is not sent again.

CREATE TABLE otlp_outbox (
    run_id        INTEGER PRIMARY KEY,
    queued_at_ms  INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at_ms    INTEGER NOT NULL DEFAULT 0,   -- not before (backoff, Retry-After)
    rejected      TEXT                          -- why the collector refused it: not retried
) STRICT;
-- No index besides the run id: the outbox is short when the collector is up, and every index
-- would be one more B-tree write on the run path (issue #18 allows it 20 µs).

CREATE TRIGGER otlp_outbox_queue AFTER INSERT ON runs
WHEN (SELECT value FROM ledger_meta WHERE key = 'otlp.enabled') = '1'
BEGIN
    INSERT OR IGNORE INTO otlp_outbox (run_id, queued_at_ms)
    VALUES (NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER otlp_outbox_forget AFTER DELETE ON runs BEGIN
    DELETE FROM otlp_outbox WHERE run_id = OLD.id;
END;
