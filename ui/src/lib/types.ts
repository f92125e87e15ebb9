// The UI's types. Everything that crosses IPC is generated from the Rust types (bindings.ts, see
// src-tauri/src/ui_types.rs) and re-exported here; only what lives in the UI alone is written by
// hand below. Money is integer nano-USD; rates are nano-USD per 1M tokens.
export type * from "./bindings";

export const PROVIDERS: { id: string; name: string }[] = [
  { id: "openai", name: "OpenAI" },
  { id: "anthropic", name: "Anthropic" },
  { id: "gemini", name: "Google Gemini" },
  { id: "ollama", name: "Ollama (local)" },
  { id: "openai_compatible", name: "OpenAI-compatible" },
];
