-- Full-text search over prompts and outputs (FTS5, external content: the text lives in runs),
-- and indexes for the History screen's filters and sorts.

CREATE VIRTUAL TABLE runs_fts USING fts5(
    prompt, output, system_prompt,
    content = 'runs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

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

INSERT INTO runs_fts (runs_fts) VALUES ('rebuild');

CREATE INDEX runs_cost ON runs (cost_total_nano);
CREATE INDEX runs_latency ON runs (latency_ms);
CREATE INDEX runs_provider_time ON runs (provider, started_at_ms);
CREATE INDEX runs_model_time ON runs (model_requested, started_at_ms);
CREATE INDEX runs_template ON runs (template_id) WHERE template_id IS NOT NULL;
CREATE INDEX runs_key ON runs (key_id) WHERE key_id IS NOT NULL;
