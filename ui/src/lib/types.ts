// The UI's types. Everything that crosses IPC is generated from the Rust types (bindings.ts, see
// src-tauri/src/ui_types.rs) and re-exported here, the provider list included; what lives in the
// UI alone would be written by hand below. Money is integer nano-USD; rates are nano-USD per 1M
// tokens.
export type * from "./bindings";
export { PROVIDERS, UNPRICED_NOTICE } from "./bindings";
