-- Which rate set priced a run (`standard`, or a windowed one such as `off-peak`), and a service
-- multiplier's surcharge line (Anthropic geo / fast mode) as JSON: {factor, reasons,
-- extra_nano_usd}. Runs recorded before this migration were priced at standard rates.
ALTER TABLE runs ADD COLUMN rate_set TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE runs ADD COLUMN multiplier_json TEXT;
