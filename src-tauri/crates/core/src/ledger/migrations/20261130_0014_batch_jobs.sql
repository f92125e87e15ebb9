-- Batch jobs: one prompt (a template, or text with {{column}} placeholders) over every row of a
-- dataset, on one or more targets, live (through the normal run pipeline) or through a
-- provider's Batch API. The job keeps everything a resume needs — its rows, targets and limits —
-- so `batch resume ID` takes no flags. Every row × target ends as one run, tagged with the job,
-- the row and the target: the job's progress, results and cost are read from `runs`.

CREATE TABLE batch_jobs (
    id                INTEGER PRIMARY KEY,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    name              TEXT NOT NULL,             -- the dataset's file name, or what the user typed
    mode              TEXT NOT NULL CHECK (mode IN ('live', 'provider')),
    status            TEXT NOT NULL CHECK (status IN
                          ('running', 'paused', 'submitted', 'done', 'cancelled')),
    note              TEXT,                      -- why it paused or stopped, when it did
    owner             TEXT,                      -- the process running a live job (runs_in_flight.owner)
    template_name     TEXT,
    template_id       INTEGER,
    template_version  INTEGER,
    body              TEXT NOT NULL,             -- the prompt with its {{placeholders}}
    system_prompt     TEXT,
    columns_json      TEXT NOT NULL,             -- the dataset's column names, in order
    rows              INTEGER NOT NULL CHECK (rows > 0),
    targets_json      TEXT NOT NULL,             -- provider, key id, model, base URL, parameters
    concurrency       INTEGER NOT NULL CHECK (concurrency > 0),
    rpm               INTEGER,                   -- requests per minute, when limited
    tpm               INTEGER,                   -- tokens per minute, when limited
    tag               TEXT,
    override_budget   INTEGER NOT NULL DEFAULT 0,
    estimate_json     TEXT NOT NULL              -- the pre-flight as the user saw it
) STRICT;

-- The dataset as it was when the job started: one JSON array of cell values per row.
CREATE TABLE batch_rows (
    job_id     INTEGER NOT NULL REFERENCES batch_jobs(id) ON DELETE CASCADE,
    row_index  INTEGER NOT NULL,               -- 1-based, as the user counts data rows
    values_json TEXT NOT NULL,
    PRIMARY KEY (job_id, row_index)
) STRICT, WITHOUT ROWID;

-- A provider batch: up to the provider's limit of one target's rows. Written (with its budget
-- reservation) before anything is uploaded; `remote_id` is set once the provider created it. A
-- submission still `preparing` after a crash is looked up at the provider before anything is
-- sent again.
CREATE TABLE batch_submissions (
    id               INTEGER PRIMARY KEY,
    job_id           INTEGER NOT NULL REFERENCES batch_jobs(id) ON DELETE CASCADE,
    target_index     INTEGER NOT NULL,
    first_row        INTEGER NOT NULL,
    last_row         INTEGER NOT NULL,
    nonce            TEXT NOT NULL,              -- names this submission in the provider's metadata
    status           TEXT NOT NULL CHECK (status IN
                         ('preparing', 'submitted', 'cancelling', 'recorded', 'failed')),
    remote_id        TEXT,                       -- batch_… / msgbatch_…
    input_file_id    TEXT,                       -- OpenAI's uploaded JSONL
    remote_status    TEXT,                       -- as the provider last said it
    counts_json      TEXT,                       -- the provider's request counts
    error_message    TEXT,
    prepared_at_ms   INTEGER NOT NULL,
    submitted_at_ms  INTEGER,
    polled_at_ms     INTEGER,
    ended_at_ms      INTEGER,
    provider         TEXT NOT NULL,
    model            TEXT NOT NULL,
    key_id           TEXT,
    tag              TEXT,
    reserved_nano    INTEGER NOT NULL CHECK (reserved_nano >= 0)  -- counted by block budgets until recorded
) STRICT;
CREATE INDEX batch_submissions_job ON batch_submissions (job_id, target_index);

ALTER TABLE runs ADD COLUMN batch_job_id INTEGER;
ALTER TABLE runs ADD COLUMN batch_row INTEGER;
ALTER TABLE runs ADD COLUMN batch_target INTEGER;
CREATE INDEX runs_batch ON runs (batch_job_id, batch_row, batch_target)
    WHERE batch_job_id IS NOT NULL;

ALTER TABLE runs_in_flight ADD COLUMN batch_job_id INTEGER;
ALTER TABLE runs_in_flight ADD COLUMN batch_row INTEGER;
ALTER TABLE runs_in_flight ADD COLUMN batch_target INTEGER;
