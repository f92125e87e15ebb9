// Mirrors of the Rust structs the commands return (promptledger-core pricing::report, the app's
// commands). Money is integer nano-USD; rates are nano-USD per 1M tokens.

export interface UiError {
  code: string;
  message: string;
}

export interface TableVersion {
  id: string;
  sha256: string;
  models: number;
}

export interface AppInfo {
  version: string;
  ledger_path: string | null;
  schema_version: number | null;
  price_table: TableVersion;
  startup_error: UiError | null;
  notice: string | null;
}

export interface TierView {
  above_tokens: number;
  input_nano_usd_per_mtok: number | null;
  output_nano_usd_per_mtok: number | null;
}

export interface ModelRow {
  key: string;
  litellm_provider: string;
  mode: string;
  max_input_tokens: number | null;
  max_output_tokens: number | null;
  input_nano_usd_per_mtok: number | null;
  cached_input_nano_usd_per_mtok: number | null;
  cache_write_nano_usd_per_mtok: number | null;
  cache_write_1h_nano_usd_per_mtok: number | null;
  output_nano_usd_per_mtok: number | null;
  reasoning_nano_usd_per_mtok: number | null;
  tiers: TierView[];
  banded: boolean;
  source: "table" | "override" | "custom";
}

export interface TokenUsage {
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export interface CostLineView {
  component: string;
  label: string;
  tokens: number;
  rate_nano_usd_per_mtok: number;
  rate_usd_per_mtok: number;
  cost_nano_usd: number;
  cost_usd: number;
}

export interface CostReport {
  provider: string;
  model: string;
  price_key: string;
  match_kind: string;
  price_table_version: string;
  cost_nano_usd: number;
  cost_usd: number;
  cost_usd_exact: string;
  cost_source: "computed" | "provider_reported" | "estimated" | "unmetered";
  tier: string | null;
  usage: TokenUsage;
  breakdown: CostLineView[];
}

export interface OverrideInput {
  model: string;
  input?: string;
  output?: string;
  cached?: string;
  cacheWrite?: string;
  cacheWrite1h?: string;
  reasoning?: string;
  contextWindow?: number | null;
  note?: string;
}

export interface Settings {
  theme: "system" | "light" | "dark";
  calculator_provider: string;
  calculator_model: string;
  prices_chat_only: boolean;
}

export const PROVIDERS: { id: string; name: string }[] = [
  { id: "openai", name: "OpenAI" },
  { id: "anthropic", name: "Anthropic" },
  { id: "gemini", name: "Google Gemini" },
  { id: "ollama", name: "Ollama (local)" },
  { id: "openai_compatible", name: "OpenAI-compatible" },
];

export interface KeyRecord {
  id: string;
  provider: string;
  label: string;
  preview: string;
  base_url: string | null;
  organization: string | null;
  project: string | null;
  display_name: string | null;
  is_default: boolean;
  status: "valid" | "invalid" | "error" | "unvalidated";
  created_at_ms: number;
  last_used_at_ms: number | null;
  last_validated_at_ms: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  runs_this_month: number;
  spend_this_month_nano_usd: number;
  error_count: number;
}

export interface KeyInput {
  provider: string;
  label: string;
  secret: string;
  baseUrl?: string;
  organization?: string;
  project?: string;
  displayName?: string;
}
