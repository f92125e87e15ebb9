-- Write-ahead runs: a row here is written (with its budget reservation) before a request's first
-- byte is sent, and deleted in the same transaction that records the run. A row whose process is
-- gone (killed, crashed, power lost) becomes an `interrupted` run, priced as `estimated` from its
-- prompt, the next time PromptLedger opens the ledger: a request a provider saw is never lost.
-- Rows are not runs: analytics count them apart; block budgets count their reservations.
CREATE TABLE runs_in_flight (
    id               INTEGER PRIMARY KEY,
    owner            TEXT NOT NULL,      -- the process: `linux:PID:START` or `pid:PID:NONCE`
    started_at_ms    INTEGER NOT NULL,
    provider         TEXT NOT NULL,
    model_requested  TEXT NOT NULL,
    key_id           TEXT,
    key_label        TEXT,
    tag              TEXT,
    conversation_id  INTEGER,
    comparison_id    INTEGER,
    template_id      INTEGER,
    template_version INTEGER,
    prompt           TEXT,
    system_prompt    TEXT,
    params_json      TEXT,
    estimate_json    TEXT NOT NULL,      -- the prompt's priced usage (PricedUsage), for recovery
    reserved_nano    INTEGER NOT NULL CHECK (reserved_nano >= 0)
) STRICT;
