-- A run a server reported impossible usage for (10^18 tokens, say) used to be recorded at a
-- saturated cost of i64::MAX, after which the roll-up overflowed and no other run of that day
-- could be recorded. This version marks ledgers that PromptLedger has repaired: right after this
-- migration it turns such runs into `invalid_response` errors with an unknown cost, their
-- figures kept in the error message, and rebuilds the roll-up (see ledger/repair.rs).
SELECT 1;
