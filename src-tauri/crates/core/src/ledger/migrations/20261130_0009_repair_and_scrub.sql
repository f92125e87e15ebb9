-- A version mark: ledgers at this version have been repaired once by PromptLedger right after
-- this migration (see ledger/repair.rs):
-- * a run a server reported impossible usage for (10^18 tokens, say) used to be recorded at a
--   saturated cost of i64::MAX, after which the roll-up overflowed and no other run of that day
--   could be recorded; such runs become `invalid_response` errors with an unknown cost, their
--   figures kept in the error message, and the roll-up is rebuilt;
-- * provider error text stored before redaction existed has its key shapes masked.
SELECT 1;
