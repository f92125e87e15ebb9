// Generated from the Rust types by src-tauri/src/ui_types.rs (ts-rs). Do not edit:
// run scripts/ui-types.sh after changing a type that crosses IPC.
// Money is integer nano-USD (`NanoUsd`); rates are nano-USD per 1M tokens (`RatePerMTok`).

// ---- Errors and money ----

/** An error as the UI receives it. */
export type UiError = {
  /** What kind of failure (`unknown_model`, `invalid_input`, `storage`, …). */
  code: ErrorCode;
  /** A sentence for the user. */
  message: string;
};

/** The small, stable set of codes the UI branches on (`{code, message}`). */
export type ErrorCode =
  | "unknown_model"
  | "invalid_input"
  | "not_found"
  | "storage"
  | "unsupported_database"
  | "internal"
  | "invalid_key"
  | "permission_denied"
  | "quota_exceeded"
  | "rate_limited"
  | "provider_unavailable"
  | "context_too_long"
  | "invalid_request"
  | "timeout"
  | "network"
  | "invalid_response"
  | "cancelled"
  | "keychain_unavailable"
  | "not_writable"
  | "budget_exceeded"
  | "process_ended"
  | "batch_expired";

/**
 * An amount of money in nano-USD (1e-9 USD).
 *
 * Like every newtype struct, it serializes as its bare number (`"cost_nano": 1234`), and the
 * generated TypeScript says `type NanoUsd = number`.
 */
export type NanoUsd = number;

/**
 * A price in nano-USD per one million tokens (so $2.50/M is 2,500,000,000).
 *
 * This unit keeps every rate in the bundled table exact: the cheapest there is 1.3e-10 USD per
 * token, which is 130,000 nano-USD per 1M tokens.
 */
export type RatePerMTok = number;

// ---- Providers ----

/**
 * A provider: the four with their own wire format (OpenAI, Anthropic, Gemini, Ollama), the
 * OpenAI-compatible services PromptLedger knows by name (presets: their base URL, key hint,
 * price-table entries and usage quirks), and any other OpenAI-compatible endpoint.
 */
export type ProviderKind =
  | "openai"
  | "anthropic"
  | "gemini"
  | "ollama"
  | "xai"
  | "deepseek"
  | "groq"
  | "mistral"
  | "openrouter"
  | "together"
  | "fireworks"
  | "openai_compatible";

// ---- App and settings ----

/** Facts about this installation. */
export type AppInfo = {
  /** App version. */
  version: string;
  /** The ledger file. */
  ledger_path: string | null;
  /** Its schema version. */
  schema_version: number | null;
  /** The price table in use. */
  price_table: TableVersion;
  /** Why the ledger could not be opened. */
  startup_error: UiError | null;
  /** A start-up notice for the user. */
  notice: string | null;
};

/** Where a table came from: bundled, or imported by the user. */
export type TableVersion = {
  /** `litellm-1.109.1+8f8060d8ce7a` or `import-20261121+1a2b3c4d5e6f`: recorded on every run. */
  id: string;
  /** Full SHA-256 of the file. */
  sha256: string;
  /** Number of token-priced models. */
  models: number;
};

/** Everything the user can set. */
export type Settings = {
  /** `system`, `light` or `dark`. */
  theme: string;
  /** The calculator's last provider. */
  calculator_provider: string;
  /** The calculator's last model. */
  calculator_model: string;
  /** Prices screen: show only chat models. */
  prices_chat_only: boolean;
  /** Retries after a retryable failure (429, 5xx, 529, connection errors). */
  max_retries: number;
  /** Seconds to wait for a connection. */
  connect_timeout_secs: number;
  /** Seconds a whole request may take. */
  overall_timeout_secs: number;
  /** Seconds of silence between stream chunks before a run is called interrupted. */
  idle_timeout_secs: number;
  /** Reuse answers to identical requests (each run can also opt in or out). */
  cache_enabled: boolean;
  /** How long a cached answer is reused, in hours. */
  cache_ttl_hours: number;
  /** Targets tried in order when a Playground run fails after its retries. */
  fallbacks: Array<FallbackSetting>;
  /** Fail over on any provider error, not only retryable ones. */
  failover_any: boolean;
  /** Check every key's model list this often, in minutes (0: off). */
  health_check_minutes: number;
  /** Desktop notifications for budget alerts. */
  notifications: boolean;
  /** Fetch what providers billed (admin keys) this often, in minutes (0: off, the default). */
  billing_sync_minutes: number;
  /**
   * Check for a newer price table at start-up once a week (off by default: no network
   * call unless the user turns it on).
   */
  price_check_weekly: boolean;
  /** Batch jobs: requests at once (live). */
  batch_concurrency: number;
  /** Batch jobs: requests per minute at most (live; 0: no limit). */
  batch_rpm: number;
  /** Batch jobs: tokens per minute at most (live; 0: no limit). */
  batch_tpm: number;
  /** Ask the providers how submitted batches are doing this often, in minutes (0: off). */
  batch_poll_minutes: number;
};

/** One target of the fallback chain. */
export type FallbackSetting = {
  /** Provider id. */
  provider: string;
  /** A saved key (else the provider's default). */
  key_id: string | null;
  /** Model. */
  model: string;
};

// ---- Prices (core pricing) ----

/** A model row for price lists. */
export type ModelRow = {
  /** Table key or custom model name. */
  key: string;
  /**
   * The id to send the provider: the key without its provider prefix
   * (`xai/grok-4.3` → `grok-4.3`).
   */
  model_id: string;
  /** LiteLLM provider id (`custom` for custom models). */
  litellm_provider: string;
  /** `chat`, `responses`, … */
  mode: string;
  /** Context window. */
  max_input_tokens: number | null;
  /** Output limit. */
  max_output_tokens: number | null;
  /** Input, nano-USD per 1M tokens. */
  input_nano_usd_per_mtok: RatePerMTok | null;
  /** Cache read. */
  cached_input_nano_usd_per_mtok: RatePerMTok | null;
  /** Cache write (5m). */
  cache_write_nano_usd_per_mtok: RatePerMTok | null;
  /** Cache write (1h). */
  cache_write_1h_nano_usd_per_mtok: RatePerMTok | null;
  /** Output. */
  output_nano_usd_per_mtok: RatePerMTok | null;
  /** Reasoning (own rate). */
  reasoning_nano_usd_per_mtok: RatePerMTok | null;
  /** Long-context tiers. */
  tiers: Array<TierView>;
  /** Whether tiered bands apply. */
  banded: boolean;
  /** `table`, `override` or `custom`. */
  source: string;
};

/** A long-context tier, for display. */
export type TierView = {
  /** Applies when the prompt exceeds this many tokens. */
  above_tokens: number;
  /** Input rate in the tier (nano-USD per 1M), if changed. */
  input_nano_usd_per_mtok: RatePerMTok | null;
  /** Output rate in the tier, if changed. */
  output_nano_usd_per_mtok: RatePerMTok | null;
};

/**
 * An override as a person types it (prices in USD per 1M tokens, as text): the CLI's flags and
 * the app's form both fill this. Empty fields mean "keep the table's price".
 */
export type OverrideText = {
  /** Model name. */
  model: string;
  /** Input price. */
  input: string | null;
  /** Output price. */
  output: string | null;
  /** Cached-input (cache read) price. */
  cached: string | null;
  /** Cache-write price (5-minute TTL). */
  cacheWrite: string | null;
  /** Cache-write price (1-hour TTL). */
  cacheWrite1h: string | null;
  /** Reasoning price. */
  reasoning: string | null;
  /** Context window in tokens. */
  contextWindow: number | null;
  /** Free text. */
  note: string | null;
};

/** Disjoint token counts, each billed at its own rate. */
export type TokenUsage = {
  /** Uncached input tokens. */
  input_tokens: number;
  /** Input tokens read from the provider's prompt cache. */
  cached_input_tokens: number;
  /** Input tokens written to the cache with the default (5-minute) TTL, or unattributed. */
  cache_write_tokens: number;
  /** Input tokens written to the cache with a 1-hour TTL. */
  cache_write_1h_tokens: number;
  /** Visible output tokens (reasoning excluded). */
  output_tokens: number;
  /** Reasoning / thinking tokens. */
  reasoning_tokens: number;
};

/** A priced run, as printed by `promptledger cost --json` and shown by the calculator. */
export type CostReport = {
  /** Provider id. */
  provider: string;
  /** Model as given. */
  model: string;
  /** Entry billed at. */
  price_key: string;
  /** How the name matched. */
  match_kind: MatchKind;
  /** Table version. */
  price_table_version: string;
  /** Total, nano-USD. */
  cost_nano_usd: NanoUsd;
  /** Total, USD. */
  cost_usd: number;
  /** Total as an exact decimal string. */
  cost_usd_exact: string;
  /** Computed, provider-reported or unmetered. */
  cost_source: CostSource;
  /** What the table's rates come to (absent for local, unmetered models). */
  computed_cost_nano_usd: NanoUsd | null;
  /** What the provider said it charged, when the usage carried it (then it is the cost). */
  provider_reported_cost_nano_usd: NanoUsd | null;
  /** Long-context tier applied. */
  tier: string | null;
  /** The rate set used: `standard`, or a windowed one such as `off-peak`. */
  rate_set: string;
  /** A service multiplier's surcharge (Anthropic geography / fast mode), in the total. */
  multiplier: Multiplier | null;
  /** Usage billed. */
  usage: TokenUsage;
  /** One line per component. */
  breakdown: Array<CostLineView>;
};

/** One line of a cost report. */
export type CostLineView = {
  /** Component id. */
  component: Component;
  /** Human label. */
  label: string;
  /** Tokens billed. */
  tokens: number;
  /** Rate, nano-USD per 1M tokens. */
  rate_nano_usd_per_mtok: RatePerMTok;
  /** Rate, USD per 1M tokens. */
  rate_usd_per_mtok: number;
  /** Cost, nano-USD. */
  cost_nano_usd: NanoUsd;
  /** Cost, USD. */
  cost_usd: number;
};

/** How a name was matched to a table entry. */
export type MatchKind =
  | "exact"
  | "provider_prefixed"
  | "prefix_removed"
  | "other_provider"
  | "undated"
  | "override"
  | "custom"
  | "unmetered"
  | "unpriced";

/** How a cost was obtained. */
export type CostSource = "provider_reported" | "computed" | "estimated" | "unmetered" | "unpriced";

/** One billed part of a run. */
export type Component =
  | "input"
  | "cached_input"
  | "cache_write"
  | "cache_write1h"
  | "output"
  | "reasoning";

/** One line of the bill. */
export type CostLine = {
  /** What is billed. */
  component: Component;
  /** How many tokens. */
  tokens: number;
  /** The rate used, in nano-USD per 1M tokens. */
  rate_nano_usd_per_mtok: RatePerMTok;
  /** tokens × rate, rounded half-up to the nano-USD. */
  cost_nano_usd: NanoUsd;
};

/** The bill's line for the non-token unit of an operation. */
export type UnitLine = {
  /** What is billed. */
  unit: BilledUnit;
  /** How many. */
  quantity: number;
  /** The rate used, in nano-USD per 1M units. */
  rate_nano_usd_per_munit: RatePerMTok;
  /** quantity × rate, rounded half-up to the nano-USD. */
  cost_nano_usd: NanoUsd;
};

/** A billed unit other than a text token. */
export type BilledUnit = "image" | "pixel" | "second" | "character" | "image_token" | "audio_token";

/**
 * What one operation used, as the provider reported it or as measured locally: the input the
 * pricer needs for every operation.
 */
export type Metered = {
  /** Which operation. */
  operation: Operation;
  /**
   * Text tokens (embedding inputs; an image or transcription model's text input and
   * output; speech text).
   */
  tokens: TokenUsage;
  /** The provider reported a token usage (else `tokens` is a local count or empty). */
  tokens_reported: boolean;
  /** How many inputs (embeddings) or images (generation) the request had. */
  items: number;
  /** Requested image size, `(width, height)`. */
  image_size: [number, number] | null;
  /** Requested image quality (`low`, `medium`, `high`, `standard`, `hd`). */
  image_quality: string | null;
  /** Seconds of audio (transcription input, speech output). */
  seconds: number;
  /** Characters of text (speech input). */
  characters: number;
  /** Input image tokens (image models). */
  image_input_tokens: number;
  /** Input audio tokens (transcription models billed by tokens). */
  audio_input_tokens: number;
};

/** The kind of paid request a run is. */
export type Operation = "chat" | "embedding" | "image" | "transcription" | "speech";

/** A run's bill: one line per component (all six, zero ones included) and their sum. */
export type CostBreakdown = {
  /** Lines in [`Component::ALL`] order. */
  lines: Array<CostLine>;
  /** Sum of the lines. */
  total_nano_usd: NanoUsd;
  /** The long-context tier applied, e.g. `above_200k_tokens`, or `tier_256001_1000000_tokens`. */
  tier: string | null;
  /** Computed, or unmetered for local models. */
  cost_source: CostSource;
  /** Which rate set priced it: `standard`, or a windowed one such as `off-peak`. */
  rate_set: string;
  /** A service multiplier's surcharge, included in the total. */
  multiplier: Multiplier | null;
  /**
   * The line for an operation billed by images, seconds, characters or image/audio tokens,
   * included in the total.
   */
  unit: UnitLine | null;
};

/** The surcharge line of a bill. */
export type Multiplier = {
  /** The combined factor as an exact decimal: `"1.1"`, `"2.2"`. */
  factor: string;
  /** Why: `inference_geo us ×1.1`, `speed fast ×2`. */
  reasons: Array<string>;
  /** What it adds on top of the input, output and reasoning lines. */
  extra_nano_usd: NanoUsd;
};

/** What pricing a model's unpriced runs did. */
export type Repriced = {
  /** The model. */
  model: string;
  /** Runs priced. */
  runs: number;
  /** Their total at the new price, nano-USD. */
  cost_nano: NanoUsd;
  /** The price-table version recorded on them (`custom+<when the price was set>`). */
  price_table_version: string | null;
  /** Unpriced runs of the model that still have no price (none once it is priced). */
  still_unpriced: number;
};

// ---- Keys ----

/** The add-key form. */
export type KeyInput = {
  provider: string;
  label: string;
  secret: string;
  baseUrl: string | null;
  organization: string | null;
  project: string | null;
  displayName: string | null;
};

/** A saved key's metadata and this month's use. */
export type KeyRecord = {
  /** Id (the keychain account name). */
  id: string;
  /** Provider id. */
  provider: string;
  /** The user's label. */
  label: string;
  /** `…abcd`. */
  preview: string;
  /** Base URL, when not the provider's default. */
  base_url: string | null;
  /** OpenAI organization. */
  organization: string | null;
  /** OpenAI project. */
  project: string | null;
  /** Display name of an OpenAI-compatible endpoint. */
  display_name: string | null;
  /** The provider's default key. */
  is_default: boolean;
  /** `valid`, `invalid`, `error` (could not check), `unvalidated`. */
  status: string;
  /** When it was added (ms, UTC). */
  created_at_ms: number;
  /** Last run with it. */
  last_used_at_ms: number | null;
  /** Last successful or failed check. */
  last_validated_at_ms: number | null;
  /** Last error code (from a check or a run). */
  last_error_code: string | null;
  /** Last error message. */
  last_error_message: string | null;
  /** Runs this calendar month (local time). */
  runs_this_month: number;
  /** Spend this month, nano-USD. */
  spend_this_month_nano_usd: NanoUsd;
  /** Failed runs, all time. */
  error_count: number;
};

// ---- Runs and conversations (core runner, ledger) ----

/** The Playground form. */
export type PlayInput = {
  /** Client-chosen id, used to cancel. */
  runToken: string;
  provider: string;
  keyId: string | null;
  model: string;
  system: string | null;
  prompt: string;
  temperature: number | null;
  maxTokens: number | null;
  tag: string | null;
  /** Continue this conversation (its earlier turns are sent along). */
  conversationId: number | null;
  /** Start a conversation with this run. */
  newConversation: boolean;
  /** Fill this template instead of using `prompt`. */
  template: string | null;
  vars: { [key in string]: string };
  /** The user's explicit one-time override of a block-mode budget. */
  overrideBudget: boolean;
  /** Use the response cache for this run (`None`: the setting). */
  cache: boolean | null;
};

/** The Playground form in one of its non-chat modes. */
export type OperationInput = {
  /** Client-chosen id, used to cancel (`run_cancel`). */
  runToken: string;
  operation: Operation;
  provider: string;
  keyId: string | null;
  model: string;
  tag: string | null;
  overrideBudget: boolean;
  /** Embed: one input per non-empty line. */
  text: string;
  /** Embed: output dimensions. */
  dimensions: number | null;
  /** Image: how many. */
  n: number | null;
  /** Image: `1024x1024`… */
  size: string | null;
  /** Image: `low`, `medium`, `high`, `standard`, `hd`. */
  quality: string | null;
  /** Transcribe: the audio file. */
  file: string | null;
  /** Transcribe: the spoken language. */
  language: string | null;
  /** Speak: voice. */
  voice: string | null;
  /** Speak: `mp3`, `wav`… */
  format: string | null;
  /** Image: the folder images are saved in; Speak: the folder the audio is saved in. */
  saveDir: string | null;
};

/** The estimate and the budgets its worst case counts against. */
export type OperationEstimateView = {
  estimate: OperationEstimate;
  budgets: Array<BudgetCheck>;
};

/** A finished operation: the recorded run and what it produced. */
export type OperationResult = {
  run: RunView;
  /** Files written (images, audio). */
  files: Array<string>;
  /** Generated images as `data:` URLs, to show them. */
  images: Array<string>;
  /** A transcription's text. */
  transcript: string | null;
  /** Embeddings: how many vectors and of how many dimensions. */
  vectors: [number, number] | null;
};

/** The estimate before sending. */
export type OperationEstimate = {
  /** Which operation. */
  operation: Operation;
  /**
   * What was measured locally: tokens of the inputs, images asked for, the audio's seconds,
   * characters.
   */
  measured: Metered;
  /** The cheapest it can cost (an image of unknown quality: the cheapest quality). */
  min_cost: NanoUsd;
  /** The most it can cost. */
  max_cost: NanoUsd;
  /** The price entry. */
  price_key: string | null;
  /** No price is known: it will be recorded as unpriced (budgets see no upper bound). */
  unpriced: boolean;
  /** A local model: no charge. */
  unmetered: boolean;
};

/** Live events of a run, for the UI. */
export type PlayEvent =
  | {
    "kind": "estimate";
    /** The estimate. */
    estimate: Estimate;
  }
  | {
    "kind": "text";
    /** The delta. */
    text: string;
  }
  | {
    "kind": "usage";
    /** Tokens. */
    usage: TokenUsage;
  }
  | {
    "kind": "failover";
    /** `provider/model` that failed. */
    from: string;
    /** `provider/model` tried next. */
    to: string;
    /** Why. */
    error_code: string;
  }
  | { "kind": "cache_hit" }
  | {
    "kind": "budget_alerts";
    /** The alerts. */
    alerts: Array<BudgetAlert>;
  };

/** The pre-flight estimate: input tokens counted locally, output up to the limit. */
export type Estimate = {
  /** Estimated input tokens. */
  input_tokens: number;
  /** The output limit the estimate assumes. */
  max_output_tokens: number;
  /** Cost of the input alone. */
  min_cost: NanoUsd;
  /** Cost if the answer uses every allowed output token (the worst case). */
  max_cost: NanoUsd;
  /** The price entry used. */
  price_key: string;
  /** The model's context window, if known. */
  context_window: number | null;
  /**
   * The long-context price tier this prompt falls into, if any (its rates apply to the whole
   * request).
   */
  long_context_tier: string | null;
  /** The rate set in force now: `standard`, or a windowed one such as `off-peak`. */
  rate_set: string;
  /**
   * No price is known for the model (an OpenAI-compatible gateway's alias): both costs are
   * 0 here, the run's cost will be recorded as `unpriced`, and its worst case is unbounded.
   */
  unpriced: boolean;
};

/**
 * The Playground's figures while the user types: the estimate and the budgets its worst case
 * counts against.
 */
export type RunEstimate = {
  /** Each matching budget, checked against the worst case. */
  budgets: Array<BudgetCheck>;
  /** Estimated input tokens. */
  input_tokens: number;
  /** The output limit the estimate assumes. */
  max_output_tokens: number;
  /** Cost of the input alone. */
  min_cost: NanoUsd;
  /** Cost if the answer uses every allowed output token (the worst case). */
  max_cost: NanoUsd;
  /** The price entry used. */
  price_key: string;
  /** The model's context window, if known. */
  context_window: number | null;
  /**
   * The long-context price tier this prompt falls into, if any (its rates apply to the whole
   * request).
   */
  long_context_tier: string | null;
  /** The rate set in force now: `standard`, or a windowed one such as `off-peak`. */
  rate_set: string;
  /**
   * No price is known for the model (an OpenAI-compatible gateway's alias): both costs are
   * 0 here, the run's cost will be recorded as `unpriced`, and its worst case is unbounded.
   */
  unpriced: boolean;
};

/** One run. */
export type RunView = {
  /** Ledger id. */
  run_id: number;
  /** Start, RFC 3339 UTC. */
  started_at: string;
  /** Provider id. */
  provider: string;
  /** Model as requested. */
  model: string;
  /** Model the provider reported. */
  resolved_model: string | null;
  /** `ok`, `error`, `interrupted`, `cancelled`. */
  status: RunStatus;
  /** The user's prompt (the last turn). */
  prompt: string;
  /** Output text (partial for cut runs). */
  output: string;
  /** Tokens. */
  usage: UsageView;
  /**
   * Cost, nano-USD; `null` for an unpriced run (the model has no price: the cost is
   * unknown, never 0).
   */
  cost_nano_usd: NanoUsd | null;
  /** Cost, USD; `null` when unpriced. */
  cost_usd: number | null;
  /** How the cost was obtained. */
  cost_source: CostSource;
  /** What the provider or gateway said it charged, when it said (then it is the cost). */
  provider_reported_cost_nano_usd: NanoUsd | null;
  /**
   * What the price table's rates come to, when the model is priced (beside a reported cost,
   * the difference shows how far the table is from the bill).
   */
  computed_cost_nano_usd: NanoUsd | null;
  /** The rate set it was priced at: `standard`, or a windowed one such as `off-peak`. */
  rate_set: string;
  /** A service multiplier's surcharge (Anthropic geography / fast mode), in the cost. */
  multiplier: Multiplier | null;
  /** Price entry and table version. */
  price_key: string | null;
  /** Price table version. */
  price_table_version: string | null;
  /** Latency, ms. */
  latency_ms: number | null;
  /** Time to first token, ms. */
  ttft_ms: number | null;
  /** HTTP attempts. */
  attempts: number;
  /** Provider request id. */
  request_id: string | null;
  /** Label of the saved key used, if any. */
  key_label: string | null;
  /** Conversation it is a turn of. */
  conversation_id: number | null;
  /** Error, when it did not complete. */
  error: ErrorView | null;
  /** What kind of request it was: `chat`, `embedding`, `image`, `transcription`, `speech`. */
  operation: Operation;
  /** Inputs (embeddings) or images (generation) it had. */
  items: number | null;
  /** The bill's line for images, seconds, characters or image/audio tokens, when it has one. */
  unit: UnitLine | null;
};

/** Token counts of a run, disjoint. */
export type UsageView = {
  /** Uncached input. */
  input_tokens: number;
  /** Cache reads. */
  cached_input_tokens: number;
  /** Cache writes (5-minute TTL). */
  cache_write_tokens: number;
  /** Cache writes (1-hour TTL). */
  cache_write_1h_tokens: number;
  /** Visible output. */
  output_tokens: number;
  /** Reasoning. */
  reasoning_tokens: number;
};

/** A typed error. */
export type ErrorView = {
  /** Code (`rate_limited`, `invalid_key`…). */
  code: string;
  /** Message. */
  message: string;
};

/** How a run ended. */
export type RunStatus = "ok" | "error" | "interrupted" | "cancelled";

/** A run as stored (the fields later screens need are added as they come). */
export type RunRecord = {
  /** Row id. */
  id: number;
  /** Start, ms since the epoch (UTC). */
  started_at_ms: number;
  /** Provider id. */
  provider: string;
  /** Model as requested. */
  model_requested: string;
  /** Model the provider reported. */
  model_resolved: string | null;
  /** Price-table key billed at. */
  price_key: string | null;
  /** Price-table version billed at. */
  price_table_version: string | null;
  /** How it ended. */
  status: RunStatus;
  /** Error code, when it failed. */
  error_code: string | null;
  /** Error message, when it failed. */
  error_message: string | null;
  /** Tokens. */
  usage: TokenUsage;
  /** Rates and costs per component, and the total. */
  breakdown: CostBreakdown;
  /** Latency (ms). */
  latency_ms: number | null;
  /** Time to first token (ms). */
  ttft_ms: number | null;
  /** Attempts (1 + retries). */
  attempts: number;
  /** Tag / project. */
  tag: string | null;
  /** Key metadata id. */
  key_id: string | null;
  /** The key's label when the run was made. */
  key_label: string | null;
  /** System prompt. */
  system_prompt: string | null;
  /** Request parameters (JSON). */
  params_json: string | null;
  /** Conversation it is a turn of. */
  conversation_id: number | null;
  /** Template id and version. */
  template: [number, number] | null;
  /** Cost the provider reported (the total is this when present). */
  provider_cost: NanoUsd | null;
  /**
   * What the table's rates come to (lines + multiplier), when the model was priced; beside a
   * reported cost it shows the difference.
   */
  computed_cost: NanoUsd | null;
  /** The provider's request id. */
  request_id: string | null;
  /** The user's prompt (last turn). */
  prompt: string | null;
  /** The output text. */
  output: string | null;
  /** Answered from the response cache (cost 0). */
  cache_hit: boolean;
  /** What a cache hit saved, nano-USD. */
  saved_nano: NanoUsd;
  /** Every target tried when the run failed over (empty otherwise). */
  tried: Array<TargetAttempt>;
  /** The batch job row × target it answers, when it is part of one. */
  batch: BatchLink | null;
  /** The comparison it is a column of. */
  comparison_id: number | null;
  /** The OpenAI project it was billed to. */
  project_id: string | null;
  /** What kind of request it was. */
  operation: Operation;
  /** How many inputs (embeddings) or images (generation) it had. */
  items: number | null;
};

/** One target a failed-over run tried (the last one is the target that answered, or failed). */
export type TargetAttempt = {
  /** Provider id. */
  provider: string;
  /** Model. */
  model: string;
  /** Key label, when a saved key was used. */
  key_label: string | null;
  /** `ok`, `error`, `interrupted` or `cancelled`. */
  status: string;
  /** Error code, when it failed. */
  error_code: string | null;
  /** Error message, when it failed. */
  error_message: string | null;
  /** How long it took (ms). */
  latency_ms: number;
  /** HTTP attempts on it (1 + retries). */
  http_attempts: number;
};

/** The batch job row × target a run answers. */
export type BatchLink = {
  /** The job. */
  job_id: number;
  /** The dataset row, 1-based. */
  row: number;
  /** The job's target, 0-based. */
  target: number;
};

/** Filters and paging. Empty strings count as "no filter". */
export type HistoryQuery = {
  /**
   * Words to find in prompts, system prompts and outputs (all must match; the last is a
   * prefix).
   */
  search: string | null;
  /** Provider id. */
  provider: string | null;
  /** Requested or resolved model. */
  model: string | null;
  /** `ok`, `error`, `interrupted`, `cancelled`. */
  status: string | null;
  /** Tag / project. */
  tag: string | null;
  /** Saved key id. */
  key_id: string | null;
  /** Operation (`chat`, `embedding`, `image`, `transcription`, `speech`). */
  operation: string | null;
  /** Conversation id. */
  conversation_id: number | null;
  /** From this time (ms, inclusive). */
  from_ms: number | null;
  /** Until this time (ms, exclusive). */
  to_ms: number | null;
  /** Order. */
  sort: HistorySort;
  /** Ascending instead of descending. */
  ascending: boolean;
  /** Page size (1–1000, default 100). */
  limit: number | null;
  /** Rows to skip. */
  offset: number;
};

/** How to order runs. */
export type HistorySort = "time" | "cost" | "latency";

/** One row of the History table. */
export type RunSummary = {
  /** Run id. */
  id: number;
  /** Start (ms, UTC). */
  started_at_ms: number;
  /** Provider id. */
  provider: string;
  /** Model (resolved, else requested). */
  model: string;
  /** Tag. */
  tag: string | null;
  /** All input tokens (uncached + cached + cache writes). */
  input_tokens: number;
  /** All output tokens (visible + reasoning). */
  output_tokens: number;
  /** Cost, nano-USD; `None` for an unpriced run (the cost is unknown). */
  cost_nano_usd: NanoUsd | null;
  /** How the cost was obtained. */
  cost_source: string;
  /** Latency (ms). */
  latency_ms: number | null;
  /** Status. */
  status: string;
  /** Error code. */
  error_code: string | null;
  /** The start of the prompt. */
  prompt_preview: string;
  /** Conversation, if the run is a turn of one. */
  conversation_id: number | null;
  /** Label of the saved key used. */
  key_label: string | null;
  /** Operation. */
  operation: Operation;
};

/** A conversation and its running totals. */
export type ConversationRecord = {
  /** Id. */
  id: number;
  /** Title. */
  title: string;
  /** Turns (runs). */
  turns: number;
  /** Cumulative cost, nano-USD. */
  cost_nano_usd: NanoUsd;
  /** Context tokens of the latest turn (its whole prompt). */
  last_context_tokens: number;
  /** Last activity (ms). */
  updated_at_ms: number;
};

/** A template at its latest version, with its use. */
export type TemplateRecord = {
  /** Id. */
  id: number;
  /** Unique name. */
  name: string;
  /** Latest version number (1, 2, …). */
  version: number;
  /** Body with `{{variables}}`. */
  body: string;
  /** System prompt. */
  system_prompt: string | null;
  /** Variables, in order of first use. */
  variables: Array<string>;
  /** Runs made from any version. */
  usage_count: number;
  /** Their total cost, nano-USD. */
  spend_nano_usd: NanoUsd;
  /** When the latest version was saved (ms). */
  updated_at_ms: number;
};

/** A model a provider offers. */
export type ModelInfo = {
  /** Id to send. */
  id: string;
  /** Human name, when the provider gives one. */
  display_name: string | null;
  /** Context window, when the provider gives it (Gemini). */
  context_window: number | null;
};

// ---- Compare ----

/** One target: a key (or provider), a model and its settings. */
export type TargetInput = {
  provider: string;
  keyId: string | null;
  model: string;
  temperature: number | null;
  maxTokens: number | null;
  system: string | null;
};

/** The Compare form. */
export type CompareInput = {
  runToken: string;
  prompt: string;
  system: string | null;
  targets: Array<TargetInput>;
  /** Fill this template (for every target) instead of using `prompt`. */
  template: string | null;
  vars: { [key in string]: string };
  /** The user's explicit one-time override of a block-mode budget. */
  overrideBudget: boolean;
};

/** A column's event. */
export type ColumnEvent = {
  /** Column position. */
  column: number;
  /** The event. */
  event: PlayEvent;
};

/** A comparison with each column's run and the summary. */
export type ComparisonView = {
  comparison: ComparisonRecord;
  runs: Array<RunView | null>;
  summary: Summary;
};

/** One column of a comparison. */
export type ColumnRecord = {
  /** Place, 0-based. */
  position: number;
  /** What the column is ("openai/gpt-4o-mini · t=0.2"). */
  label: string;
  /** Its latest run. */
  run_id: number | null;
  /** The user's rating, 1–5. */
  rating: number | null;
  /** Marked as the best answer. */
  is_best: boolean;
  /** Hidden from view. */
  hidden: boolean;
};

/** A comparison with its columns. */
export type ComparisonRecord = {
  /** Id. */
  id: number;
  /** Title (the prompt's first line). */
  title: string;
  /** The prompt all columns were given. */
  prompt: string;
  /** Shared system prompt. */
  system_prompt: string | null;
  /** Notes. */
  notes: string | null;
  /** Created (ms). */
  created_at_ms: number;
  /** Columns in order. */
  columns: Array<ColumnRecord>;
  /** Total cost of the columns' current runs, nano-USD. */
  cost_nano_usd: NanoUsd;
};

/** The pre-flight for a whole comparison. */
export type CompareEstimate = {
  /** Per column. */
  columns: Array<Estimate>;
  /** Sum of the columns' input cost. */
  min_total: NanoUsd;
  /** Sum of the columns' worst case. */
  max_total: NanoUsd;
  /** The budgets the columns count against, checked with their worst cases summed. */
  budgets: Array<BudgetCheck>;
};

/** The summary row: which column wins what (positions). */
export type Summary = {
  /** Lowest cost among completed columns. */
  cheapest: number | null;
  /** Lowest latency among completed columns. */
  fastest: number | null;
  /** Most output tokens per dollar (a free local model wins outright). */
  most_output_per_dollar: number | null;
};

// ---- Analytics, charts and export (core analytics, charts, export) ----

/** Which ledger a screen reads. */
export type Source = "ledger" | "demo";

/** A period the user picks. */
export type Preset = "7d" | "30d" | "90d" | "1y" | "custom";

/** A period: a preset, or a custom inclusive range of local days. */
export type Period = {
  /** Which period. */
  preset: Preset;
  /** First day (custom). */
  from: string | null;
  /** Last day, inclusive (custom). */
  to: string | null;
};

/** Which runs count (each `None` is "all"). */
export type Filters = {
  /** Provider id. */
  provider: string | null;
  /** Model (resolved, else requested). */
  model: string | null;
  /** Key id. */
  key_id: string | null;
  /** Tag / project. */
  tag: string | null;
  /** Status (`ok`, `error`, `interrupted`, `cancelled`). */
  status: string | null;
  /**
   * OpenAI project (`proj_…`): runs sent with a saved key of that project (its
   * `OpenAI-Project`, or the project its key was mapped to by a billing sync).
   */
  project: string | null;
  /** Operation (`chat`, `embedding`, `image`, `transcription`, `speech`). */
  operation: string | null;
};

/** A dashboard request. */
export type DashboardQuery = {
  /** The period. */
  period: Period;
  /** Filters. */
  filters: Filters;
  /** How many of the most expensive runs to list (default 10, at most 100). */
  top: number | null;
};

/** Token counts by billing component. */
export type Tokens = {
  /** Uncached input. */
  input: number;
  /** Cached input (cache reads). */
  cached_input: number;
  /** Cache writes (5 min). */
  cache_write: number;
  /** Cache writes (1 h). */
  cache_write_1h: number;
  /** Output (reasoning excluded). */
  output: number;
  /** Reasoning. */
  reasoning: number;
};

/** Sums over a set of runs. */
export type Totals = {
  /** Runs. */
  runs: number;
  /** Runs that completed (`ok`). */
  ok_runs: number;
  /** Tokens by component. */
  tokens: Tokens;
  /** All tokens. */
  total_tokens: number;
  /** Cost, nano-USD, of the runs whose cost is known. */
  cost_nano: NanoUsd;
  /**
   * Runs whose cost is unknown (their model has no price): counted in `runs`, not in the
   * cost — shown beside it, never summed as 0.
   */
  unpriced_runs: number;
  /** Average cost per priced run, nano-USD (rounded down). */
  avg_cost_nano: NanoUsd;
  /** `ok_runs / runs`, `0.0..=1.0`; `None` without runs. */
  success_rate: number | null;
  /** Mean latency (ms) of runs with a latency. */
  latency_avg_ms: number | null;
  /** Median latency (ms, ±5 %). */
  latency_p50_ms: number | null;
  /** 95th percentile latency (ms, ±5 %). */
  latency_p95_ms: number | null;
  /** What cached input tokens saved against the plain input rate, nano-USD. */
  cache_saved_nano: NanoUsd;
  /** Runs answered from the response cache. */
  cache_hits: number;
};

/**
 * Relative change against the previous period (`0.25` = +25 %); `None` when the previous
 * period had nothing to compare with.
 */
export type Change = {
  /** Runs. */
  runs: number | null;
  /** Cost. */
  cost: number | null;
  /** Tokens. */
  tokens: number | null;
  /** Average cost per run. */
  avg_cost: number | null;
  /** Success rate, in percentage points (`-2.0` = two points lower). */
  success_rate_points: number | null;
  /** Median latency. */
  latency_p50: number | null;
};

/** One line of a per-model or per-provider breakdown. */
export type BreakdownRow = {
  /** Model id (per model) or provider id (per provider). */
  name: string;
  /** The model's provider (per model); the provider itself otherwise. */
  provider: string;
  /** Sums. */
  totals: Totals;
  /** Share of the period's cost, `0.0..=1.0`. */
  cost_share: number;
};

/** One local day. */
export type DayPoint = {
  /** `YYYY-MM-DD`. */
  day: string;
  /** Runs. */
  runs: number;
  /** Completed runs. */
  ok_runs: number;
  /** Cost, nano-USD. */
  cost_nano: NanoUsd;
  /** Tokens by component. */
  tokens: Tokens;
  /** Cost per provider, nano-USD. */
  cost_by_provider: { [key in string]: NanoUsd };
  /** Cost per model, nano-USD. */
  cost_by_model: { [key in string]: NanoUsd };
  /** Cost per operation, nano-USD. */
  cost_by_operation: { [key in string]: NanoUsd };
};

/** One of the period's most expensive runs. */
export type TopRun = {
  /** Run id. */
  id: number;
  /** Start, ms (UTC). */
  started_at_ms: number;
  /** Provider id. */
  provider: string;
  /** Model. */
  model: string;
  /** Key label at the time. */
  key_label: string | null;
  /** Status. */
  status: string;
  /** Cost, nano-USD. */
  cost_nano: NanoUsd;
  /** Tokens, all components. */
  tokens: number;
  /** The prompt's first 160 characters. */
  prompt_preview: string;
};

/** An inclusive range of local days. */
export type DayRange = {
  /** First day. */
  from: string;
  /** Last day (inclusive). */
  to: string;
};

/** One latency histogram bucket. */
export type LatencyBucket = {
  /** Lower bound, ms (inclusive). */
  low_ms: number;
  /** Upper bound, ms (exclusive). */
  high_ms: number;
  /** Runs. */
  runs: number;
};

/** What the Analytics screen (and `promptledger report`) shows. */
export type Dashboard = {
  /** Zone the days are counted in. */
  time_zone: Zone;
  /** The period. */
  range: DayRange;
  /** The previous period of the same length. */
  previous_range: DayRange;
  /** Filters applied. */
  filters: Filters;
  /** Sums for the period. */
  totals: Totals;
  /** Sums for the previous period. */
  previous: Totals;
  /** Change against the previous period. */
  change: Change;
  /** Per model, most expensive first. */
  by_model: Array<BreakdownRow>;
  /** Per provider, most expensive first. */
  by_provider: Array<BreakdownRow>;
  /**
   * Per operation (chat, embedding, image, transcription, speech), most expensive first;
   * `name` is the operation's id.
   */
  by_operation: Array<BreakdownRow>;
  /**
   * Per OpenAI project (runs with a saved key of a project), most expensive first; empty
   * when no saved key has a project.
   */
  by_project: Array<BreakdownRow>;
  /**
   * What the providers billed beside what was recorded here (days with a fetched bill, UTC);
   * only without model, key, tag, status or project filters (a bill has no such split).
   */
  billed: BilledBeside | null;
  /** Every day of the period, in order (days without runs included, at zero). */
  days: Array<DayPoint>;
  /** Latency histogram of the period. */
  latency: Array<LatencyBucket>;
  /** The most expensive runs, most expensive first. */
  top_runs: Array<TopRun>;
  /**
   * Requests sent and not yet recorded (now, whatever the period): not in any figure above
   * until they are.
   */
  in_flight_runs: number;
};

/**
 * An IANA time zone (`Europe/Paris`, `Asia/Kolkata`, `UTC`…).
 * Serialized as its IANA name.
 */
export type Zone = string;

/** Which chart. */
export type ChartKind =
  | "spend_by_provider"
  | "spend_by_model"
  | "spend_by_operation"
  | "cost_per_model"
  | "tokens"
  | "latency"
  | "success_rate"
  | "reconcile"
  | "rate_history";

/** A rendered chart. */
export type Chart = {
  /** Which chart. */
  kind: ChartKind;
  /** Title. */
  title: string;
  /** The SVG document. */
  svg: string;
  /** SVG width and height (px). */
  width: number;
  /** Height. */
  height: number;
  /** Where the data is drawn. */
  plot: PlotBox;
  /** `true` when categories run down the y axis (horizontal bars). */
  horizontal: boolean;
  /**
   * `true` when a category's series add up to a whole (stacked bars): a readout may show
   * their total.
   */
  stacked: boolean;
  /** One label per category (day, model, latency range). */
  labels: Array<string>;
  /** The data, for the hover readout and the legend. */
  series: Array<Series>;
  /** Unit of the values. */
  unit: Unit;
};

/** The plot area in SVG pixels (`left ≤ x < right`, `top ≤ y < bottom`). */
export type PlotBox = {
  /** Left edge. */
  left: number;
  /** Top edge. */
  top: number;
  /** Right edge. */
  right: number;
  /** Bottom edge. */
  bottom: number;
};

/** One series, with one value per category (`None`: nothing that day). */
export type Series = {
  /** Legend name. */
  name: string;
  /** `#rrggbb`. */
  color: string;
  /** Values, one per label. */
  values: Array<number | null>;
};

/** What a series' values measure. */
export type Unit = "usd" | "tokens" | "runs" | "percent";

/** The dashboard and its charts. */
export type AnalyticsView = {
  dashboard: Dashboard;
  charts: Array<Chart>;
  /** Time the figures took (ms), for the footer. */
  took_ms: number;
};

/** One choice in a filter menu. */
export type Choice = {
  value: string;
  label: string;
};

/** What the filter menus offer: the values that occur in the ledger. */
export type FilterChoices = {
  providers: Array<Choice>;
  models: Array<Choice>;
  keys: Array<Choice>;
  tags: Array<Choice>;
  /** OpenAI projects that saved keys belong to. */
  projects: Array<Choice>;
  time_zone: string;
  demo: boolean;
};

/** Which runs to export. */
export type RunExport = {
  /** Local days (all runs when `None`). */
  range: DayRange | null;
  /** Filters. */
  filters: Filters;
  /** Adds the prompt and output columns. */
  include_text: boolean;
};

/** CSV or JSON. */
export type ExportFormat = "csv" | "json";

/** Progress of an export. */
export type ExportProgress = {
  done: number;
  total: number;
};

/** A finished export. */
export type ExportDone = {
  path: string;
  rows: number;
  cost_nano: NanoUsd;
  /** Runs without a price (not in `cost_nano`). */
  unpriced_runs: number;
};

/** The sample ledger as opened. */
export type DemoInfo = {
  runs: number;
  path: string;
};

// ---- Budgets, cache and health ----

/** What a budget covers. */
export type BudgetScope =
  | { "kind": "all" }
  | { "kind": "provider", "value": string }
  | { "kind": "model", "value": string }
  | { "kind": "key", "value": string }
  | { "kind": "tag", "value": string }
  | { "kind": "operation", "value": string };

/** A budget's period, in local time. */
export type BudgetPeriod = "day" | "week" | "month";

/** Warn only, or refuse runs that would break the budget. */
export type BudgetMode = "warn" | "block";

/** A budget to create. */
export type NewBudget = {
  /** Name shown in alerts. */
  name: string;
  /** What it covers. */
  scope: BudgetScope;
  /** Its period. */
  period: BudgetPeriod;
  /** The limit. */
  limit_nano: NanoUsd;
  /** Warn or block. */
  mode: BudgetMode;
};

/** A saved budget. */
export type Budget = {
  /** Id. */
  id: number;
  /** Name. */
  name: string;
  /** What it covers. */
  scope: BudgetScope;
  /** Its period. */
  period: BudgetPeriod;
  /** The limit, nano-USD. */
  limit_nano: NanoUsd;
  /** Warn or block. */
  mode: BudgetMode;
  /** Created. */
  created_at_ms: number;
};

/** A budget with its spend in the current period. */
export type BudgetStatus = {
  /** The budget. */
  budget: Budget;
  /** First day of the current period. */
  period_start: string;
  /** Last day of it. */
  period_end: string;
  /** Spent so far in it, nano-USD. */
  spent_nano: NanoUsd;
  /** The worst cases of the runs in flight it covers (released when they are recorded). */
  reserved_nano: NanoUsd;
  /** Left after spend and reservations (never below zero). */
  remaining_nano: NanoUsd;
  /** `spent / limit` (can pass 1.0). */
  used: number;
};

/** A budget checked against a run's worst case. */
export type BudgetCheck = {
  /** The budget and its spend. */
  status: BudgetStatus;
  /** The run's worst-case cost, nano-USD. */
  estimate_nano: NanoUsd;
  /** Whether spend plus the worst case passes the limit. */
  would_exceed: boolean;
};

/** A threshold a budget crossed. */
export type BudgetAlert = {
  /** Budget id. */
  budget_id: number;
  /** Budget name. */
  budget: string;
  /** 50, 80 or 100 (%). */
  threshold: number;
  /** Spent when it fired, nano-USD. */
  spent_nano: NanoUsd;
  /** The limit, nano-USD. */
  limit_nano: NanoUsd;
  /** First day of the period it fired in. */
  period_start: string;
  /** When it fired (ms). */
  fired_at_ms: number;
  /** The user dismissed its banner. */
  dismissed: boolean;
};

/** What the cache holds. */
export type CacheStats = {
  /** Live entries. */
  entries: number;
  /** Hits served by live entries. */
  hits: number;
};

/** The health of one provider or key. */
export type Health = {
  /** Provider id. */
  provider: string;
  /** Key id (`None` for the provider as a whole). */
  key_id: string | null;
  /** Runs looked at (at most [`HEALTH_WINDOW`]). */
  runs: number;
  /** Of those, completed. */
  ok_runs: number;
  /** `ok_runs / runs`. */
  success_rate: number | null;
  /** Median latency of the completed ones (ms). */
  p50_latency_ms: number | null;
  /** The latest failure's code. */
  last_error_code: string | null;
  /** Its message. */
  last_error_message: string | null;
  /** When it happened (ms). */
  last_error_at_ms: number | null;
  /** Fewer than 80 % of at least 5 runs completed, or the last 3 all failed. */
  degraded: boolean;
};

/** Health of every provider and key with runs. */
export type HealthReport = {
  /** Per provider. */
  providers: Array<Health>;
  /** Per key. */
  keys: Array<Health>;
};

// ---- Reconcile and admin keys (core billing) ----

/** The add-admin-key form. */
export type AdminKeyInput = {
  provider: string;
  label: string;
  secret: string;
  baseUrl: string | null;
};

/** Saved admin keys, with what they can do. */
export type AdminKeysView = {
  keys: Array<AdminKeyRecord>;
  warning: string;
};

/** A saved admin key's metadata. */
export type AdminKeyRecord = {
  /** Id (the keychain account name). */
  id: string;
  /** `openai` or `anthropic`. */
  provider: string;
  /** Label. */
  label: string;
  /** `…abcd`. */
  preview: string;
  /** Base URL, when not the provider's. */
  base_url: string | null;
  /** `valid`, `invalid`, `error`. */
  status: string;
  /** Added (ms). */
  created_at_ms: number;
  /** Last check (ms). */
  last_validated_at_ms: number | null;
  /** Last successful sync (ms). */
  last_synced_at_ms: number | null;
  /** Last error code. */
  last_error_code: string | null;
  /** Last error message. */
  last_error_message: string | null;
};

/** The comparison and its chart. */
export type ReconcileView = {
  report: ReconcileReport;
  chart: Chart;
  /** Each saved admin key's provider and when it last synced (ms); empty without one. */
  last_synced: Array<[string, number | null]>;
  took_ms: number;
};

/** The whole comparison for a period. */
export type ReconcileReport = {
  /** First UTC day. */
  from: string;
  /** Last UTC day. */
  to: string;
  /** Rows, by day, provider, model, project, key. */
  rows: Array<ReconcileRow>;
  /** Totals on top. */
  totals: ReconcileTotals;
  /** Per day, for the chart. */
  days: Array<ReconcileDay>;
};

/** One compared group. */
export type ReconcileRow = {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** Provider id. */
  provider: string;
  /** Model; `null` on a money row of a provider that bills money without a model. */
  model: string | null;
  /** OpenAI project. */
  project_id: string | null;
  /** The provider's key id (`key_…`). */
  api_key_id: string | null;
  /** Cost recorded here, nano-USD. */
  ledger_nano_usd: number | null;
  /** Cost billed, nano-USD (`null` where the provider gives none for this row). */
  billed_nano_usd: number | null;
  /** Tokens recorded here. */
  ledger_tokens: number | null;
  /** Tokens billed. */
  billed_tokens: number | null;
  /** The comparison. */
  status: ReconcileStatus;
  /** Billed − recorded, nano-USD. */
  difference_nano_usd: number | null;
  /** That difference as a share of what was recorded, in %. */
  difference_pct: number | null;
  /** Runs recorded here. */
  ledger_runs: number;
  /** Today or yesterday (UTC): the provider may still add to it. */
  provisional: boolean;
  /** False for spend the ledger has no run for ("not made here"). */
  made_here: boolean;
  /** The project's name, when known. */
  project_name: string | null;
  /** The key's name (a saved key's label, or the provider's name for it). */
  api_key_name: string | null;
  /** Why, in a sentence. */
  note: string | null;
};

/** How a row's two sides compare. */
export type ReconcileStatus = "matches" | "billed_more" | "ledger_more" | "pending" | "unavailable";

/** The period's totals. */
export type ReconcileTotals = {
  /** Everything recorded here in the period (providers without a bill included). */
  ledger_nano_usd: number;
  /** Everything billed in the period (`null` when nothing was fetched). */
  billed_nano_usd: number | null;
  /** What was recorded for the providers and days that have a bill. */
  compared_ledger_nano_usd: number;
  /** Billed − compared recorded. */
  difference_nano_usd: number | null;
  /** Tokens recorded here. */
  ledger_tokens: number;
  /** Tokens billed. */
  billed_tokens: number | null;
  /** Rows. */
  rows: number;
  /** Rows that match. */
  matches: number;
  /** Rows billed more. */
  billed_more: number;
  /** Rows recorded more. */
  ledger_more: number;
  /** Pending rows. */
  pending: number;
  /** Rows without a bill to compare with. */
  unavailable: number;
};

/** One day of the chart: recorded vs billed for the providers that bill. */
export type ReconcileDay = {
  /** UTC day. */
  day: string;
  /** Recorded for providers with billing data that day. */
  ledger_nano_usd: number;
  /** Billed. */
  billed_nano_usd: number | null;
  /** The day's worst status. */
  status: ReconcileStatus;
};

/** What a sync did. */
export type SyncOutcome = {
  /** Provider id. */
  provider: string;
  /** First UTC day fetched. */
  from: string;
  /** Last UTC day fetched. */
  to: string;
  /** Days stored. */
  days: number;
  /** Token rows stored. */
  usage_rows: number;
  /** Money rows stored. */
  cost_rows: number;
  /** HTTP pages read. */
  pages: number;
  /** OpenAI projects listed. */
  projects: number;
  /** Saved keys mapped onto a project key. */
  keys_mapped: number;
  /** Runs newly attributed to a project. */
  runs_attributed: number;
  /** OpenRouter runs looked up. */
  generations_checked: number;
  /** OpenRouter runs not found (OpenRouter does not know them yet, or their key was removed). */
  generations_missing: number;
};

/** The OpenAI organisation's projects and keys, and which saved key is which. */
export type ProjectsView = {
  projects: Array<OpenAiProject>;
  keys: Array<OpenAiProjectKey>;
  /** `(saved key id, its label, provider key id)` of every mapped saved key. */
  mapped: Array<[string, string, string]>;
};

/** An organisation's project. */
export type OpenAiProject = {
  /** `proj_…`. */
  id: string;
  /** Name. */
  name: string;
  /** `active` or `archived`. */
  status: string;
  /** Created (Unix seconds). */
  created_at: number | null;
  /** Archived (Unix seconds). */
  archived_at: number | null;
};

/** A key of a project, as the admin API shows it (never the full value). */
export type OpenAiProjectKey = {
  /** `key_…`: what usage calls `api_key_id`. */
  id: string;
  /** Its project (filled in by the client). */
  project_id: string;
  /** Name. */
  name: string | null;
  /** `sk-abc...def`. */
  redacted_value: string;
  /** Created (Unix seconds). */
  created_at: number | null;
  /** Last used (Unix seconds). */
  last_used_at: number | null;
};

/**
 * What the providers billed beside what was recorded here, for Analytics: the days of a period
 * that have a fetched bill (UTC days), for the providers that bill.
 */
export type BilledBeside = {
  /** Providers with a bill in the period. */
  providers: Array<string>;
  /** Days (UTC) with a fetched bill. */
  days: number;
  /** Billed on those days, nano-USD. */
  billed_nano_usd: number;
  /** Recorded here on those days for those providers, nano-USD. */
  recorded_nano_usd: number;
};

// ---- Price updates, price history and what-if ----

/** Settings → Prices. */
export type PriceUpdateInfo = {
  /** Where updates come from. */
  url: string;
  /** LiteLLM's main branch. */
  default_url: string;
  /** When updates were last checked for (RFC 3339). */
  checked_at: string | null;
  /** The table in use. */
  in_use: string;
  /** Every table the ledger has used, oldest first. */
  tables: Array<ImportedTable>;
  /** A checked update not yet applied or declined. */
  pending: TableDiff | null;
};

/** The difference between the table in use and a candidate. */
export type TableDiff = {
  /** The table in use. */
  from_version: string;
  /** The candidate. */
  to_version: string;
  /** Models only the candidate prices, by key. */
  added: Array<string>;
  /** Models only the table in use prices (those with recent spend first). */
  removed: Array<string>;
  /** Every changed rate, the most of recent spend first, then by model and field. */
  changed: Array<RateChange>;
  /** Models priced alike in both. */
  unchanged: number;
  /** The unit of `old` and `new`. */
  unit: string;
  /** Whether the candidate was applied (set by whoever applies it). */
  applied: boolean;
};

/** One rate that differs between the tables. */
export type RateChange = {
  /** The table key. */
  model: string;
  /** LiteLLM's field name. */
  field: string;
  /** The rate in the table in use, nano-USD per 1M tokens; `null` when it had none. */
  old: number | null;
  /** The rate in the new table; `null` when it drops it. */
  new: number | null;
  /** `(new − old) / old × 100`, when both exist and old is not zero. */
  change_pct: number | null;
  /** The user's spend on this model over the last 30 days, nano-USD (the ranking). */
  spend_30d_nano: number;
};

/** One stored table, without its content. */
export type ImportedTable = {
  /** The version id recorded on runs priced with it. */
  version: string;
  /** Bundled, imported or updated. */
  origin: TableOrigin;
  /** The file name it came from (imports). */
  file_name: string | null;
  /** The address it was downloaded from (updates). */
  source_url: string | null;
  /** When the ledger first used it (RFC 3339, UTC). */
  imported_at: string;
  /** Token-priced models in it. */
  models: number;
  /** A reset took it out of use. */
  withdrawn: boolean;
};

/** Where a table came from. */
export type TableOrigin = "bundled" | "import" | "update";

/** One model's rates in one table of the history. */
export type RatePoint = {
  /** The table. */
  version: string;
  /** Where it came from. */
  origin: TableOrigin;
  /** When the ledger first used it (RFC 3339, UTC). */
  since: string;
  /** The table key the model resolved to, `null` when this table did not price it. */
  key: string | null;
  /** Its rates by LiteLLM field name, nano-USD per 1M tokens (empty when not priced). */
  rates: Record<string, number>;
};

/** A model's rates in every table the ledger used, and their step chart. */
export type PriceHistoryView = {
  points: Array<RatePoint>;
  chart: Chart;
};

/** "Runs of `from` as if on `to`". */
export type ModelSwap = {
  /** The model the runs used (a model name or its table key). */
  from: string;
  /** The model to price them at. */
  to: string;
};

/** What to re-price, and how. */
export type WhatIfSpec = {
  /** Model swaps (several at once: A → B, C → D); other models stay as they were. */
  swaps: Array<ModelSwap>;
  /** Price at this table version instead of the table in use (its rates only, no overrides). */
  at_table: string | null;
  /** Price as Batch API requests. */
  batch: boolean;
};

/** Actual vs what-if for a period. */
export type WhatIf = {
  /** What the compared runs cost. */
  actual_nano: number;
  /** What they would have cost. */
  what_if_nano: number;
  /** `what_if − actual` (negative: a saving). */
  difference_nano: number;
  /** Per model and swap, the largest actual cost first. */
  by_model: Array<WhatIfRow>;
  /** Runs left out of both totals. */
  skipped: Array<WhatIfSkipped>;
  /** The table the what-if priced at. */
  table_version: string;
  /** Whether it priced as Batch API requests. */
  batch: boolean;
  /** Roll-up groups re-priced run by run because a tier edge of the table cuts their band. */
  groups_repriced_by_run: number;
  /** What the figures assume. */
  note: string;
};

/** One model's runs, actual vs what-if. */
export type WhatIfRow = {
  /** The model the runs used. */
  model: string;
  /** The entry they are priced at in the what-if (`gpt-4o-mini`, `gpt-4o (batch)`). */
  as: string;
  /** Runs. */
  runs: number;
  /** What they cost. */
  actual_nano: number;
  /** What they would have cost. */
  what_if_nano: number;
};

/** Runs left out because their what-if has no price. */
export type WhatIfSkipped = {
  /** The model. */
  model: string;
  /** Runs. */
  runs: number;
  /** Why. */
  reason: string;
};

/** One suggestion. */
export type Advice = {
  /** The rule. */
  kind: AdviceKind;
  /** One line, with the figure. */
  title: string;
  /** How it was computed and what to do. */
  detail: string;
  /** What the period would have cost less, nano-USD. */
  saving_nano: number;
  /** How many runs it concerns. */
  runs: number;
  /** The runs behind it, the most expensive first (at most 20). */
  examples: Array<AdviceRun>;
};

/** Which rule found it. */
export type AdviceKind = "cheaper_model" | "prompt_caching" | "long_context" | "response_cache";

/** One run behind a suggestion. */
export type AdviceRun = {
  /** Run id. */
  id: number;
  /** Start, ms. */
  started_at_ms: number;
  /** Model. */
  model: string;
  /** What it cost. */
  cost_nano: number;
};

// ---- Batch jobs (core batch) ----

/** The Batch form. */
export type BatchInput = {
  /** The dataset file (CSV with a header row, or JSON Lines). */
  path: string;
  /** The prompt with `{{column}}` placeholders (when no template is chosen). */
  prompt: string;
  /** A saved template instead of `prompt`. */
  template: string | null;
  system: string | null;
  targets: Array<TargetInput>;
  /** `live` or `provider`. */
  mode: string;
  concurrency: number;
  rpm: number | null;
  tpm: number | null;
  tag: string | null;
  overrideBudget: boolean;
};

/** A page of a job's results. */
export type BatchResults = {
  job: BatchJob;
  summary: JobSummary;
  /** Per target: runs, failures, tokens, cost and what batch prices saved. */
  targets: Array<TargetTotals>;
  rows: Array<ResultRow>;
};

/** How a job's rows are sent. */
export type BatchMode = "live" | "provider";

/** Where a job stands. */
export type JobStatus = "running" | "interrupted" | "paused" | "submitted" | "done" | "cancelled";

/** One place to send a prompt: a provider, a key, a model and that target's own settings. */
export type TargetRequest = {
  /** The wire format. */
  provider: ProviderKind;
  /**
   * A saved key's id; `None` picks the one-off environment key (CLI), else the provider's
   * default key, else none for keyless providers.
   */
  key_id: string | null;
  /** Model id. */
  model: string;
  /** Another base URL than the key's (a proxy, a gateway, a local server). */
  base_url: string | null;
  /** Extra request headers for gateways, as `Name: value`. */
  headers: Array<string>;
  /** Sampling temperature (0–2). */
  temperature: number | null;
  /** Most output tokens. */
  max_tokens: number | null;
  /** This target's own system prompt (Compare); wins over the run's. */
  system: string | null;
};

/** A stored job. */
export type BatchJob = {
  /** Id. */
  id: number;
  /** Created, ms since the epoch. */
  created_at_ms: number;
  /** Last change, ms since the epoch. */
  updated_at_ms: number;
  /** The dataset's file name, or the user's title. */
  name: string;
  /** Live or provider. */
  mode: BatchMode;
  /** Where it stands. */
  status: JobStatus;
  /** Why it paused or stopped. */
  note: string | null;
  /** The saved template it renders, when one. */
  template_name: string | null;
  /** The prompt with its placeholders. */
  body: string;
  /** The system prompt for every target without its own. */
  system_prompt: string | null;
  /** The dataset's columns. */
  columns: Array<string>;
  /** Data rows. */
  rows: number;
  /** Targets. */
  targets: Array<TargetRequest>;
  /** Requests at once (live). */
  concurrency: number;
  /** Requests per minute (live), when limited. */
  rpm: number | null;
  /** Tokens per minute (live), when limited. */
  tpm: number | null;
  /** Tag on every run. */
  tag: string | null;
  /** The user overrode a block budget for this job. */
  override_budget: boolean;
  /** The pre-flight as the user saw it. */
  estimate: JobEstimate;
  /** Chat, or embedding (each row's text is one input). */
  operation: Operation;
};

/** A job's progress and totals — the CLI contract's fields first. */
export type JobSummary = {
  /** Id. */
  job_id: number;
  /** Data rows. */
  rows: number;
  /** Targets. */
  targets: number;
  /** `live` or `provider`. */
  mode: BatchMode;
  /** Where it stands. */
  status: JobStatus;
  /** Row × target runs that completed. */
  done: number;
  /** Row × target runs that did not (errors, expired, cancelled, interrupted). */
  failed: number;
  /** What its runs cost so far (priced runs). */
  cost_nano_usd: NanoUsd;
  /** Row × target pairs in all. */
  total: number;
  /** Pairs without a run yet. */
  remaining: number;
  /** Runs whose cost is unknown (no price for the model). */
  unpriced: number;
  /** What batch prices saved against standard prices. */
  saved_nano_usd: NanoUsd;
  /**
   * The total projected from the average cost so far (the estimate's midpoint before any
   * row is recorded).
   */
  projected_nano_usd: NanoUsd;
  /** Its name. */
  name: string;
  /** Created, ms since the epoch. */
  created_at_ms: number;
  /** Why it paused or stopped. */
  note: string | null;
  /** Each target's label. */
  target_labels: Array<string>;
  /** Seconds until every pair is recorded at the pace so far (a live job that is running). */
  eta_secs: number | null;
};

/** The pre-flight of a whole job — the CLI contract's fields first. */
export type JobEstimate = {
  /** Data rows. */
  rows: number;
  /** Targets. */
  targets: number;
  /** Every row × target live. */
  live: CostRange;
  /** Every row × target as provider batches (`None` when a target cannot go as one). */
  batch: CostRange | null;
  /** Input tokens of every row (once; each target sends them all). */
  input_tokens: number;
  /** Per target. */
  per_target: Array<TargetEstimate>;
  /** The mode asked for. */
  mode: BatchMode | null;
  /**
   * The budgets the job counts against, checked with the chosen mode's worst case summed
   * over every row × target.
   */
  budgets: Array<BudgetCheck>;
  /** The first rows, rendered. */
  preview: Array<PreviewRow>;
  /** The dataset's columns. */
  columns: Array<string>;
};

/** A cost range: the input alone, and every allowed output token used. */
export type CostRange = {
  /** The input alone. */
  min_nano: NanoUsd;
  /** The worst case. */
  max_nano: NanoUsd;
};

/** One target's share of a job's estimate. */
export type TargetEstimate = {
  /** `provider/model` and what differs. */
  label: string;
  /** The price entry. */
  price_key: string;
  /** Every row live, at standard prices. */
  live: CostRange;
  /**
   * Every row as a provider batch, when the provider has a Batch API and a batch price is
   * known.
   */
  batch: CostRange | null;
  /**
   * How the batch price was found: `batch` (the table's batch rates) or the documented
   * discount.
   */
  batch_rates: string | null;
  /** Why this target cannot go as a provider batch, when it cannot. */
  batch_unavailable: string | null;
  /** No price is known for the model: its cost will be recorded as unpriced. */
  unpriced: boolean;
  /** The output limit each row's worst case assumes. */
  max_output_tokens: number;
};

/** A row as the preview shows it. */
export type PreviewRow = {
  /** 1-based. */
  row: number;
  /** Its cells, in column order. */
  values: Array<string | null>;
  /** The prompt it renders. */
  prompt: string;
  /** Its input tokens. */
  input_tokens: number;
};

/** One dataset row × target. */
export type ResultRow = {
  /** Data row, 1-based. */
  row: number;
  /** Its cells, in column order. */
  values: Array<string | null>;
  /** The job's target, 0-based. */
  target: number;
  /** Its label. */
  target_label: string;
  /** The run's status, or `pending`. */
  status: string;
  /** The answer. */
  output: string | null;
  /** Prompt tokens billed (uncached, cached and cache writes). */
  input_tokens: number | null;
  /** Output tokens billed (reasoning included). */
  output_tokens: number | null;
  /** What it cost (`None`: pending, or no price known). */
  cost_nano: NanoUsd | null;
  /** The run. */
  run_id: number | null;
  /** Why it failed. */
  error: string | null;
};

/** One target's share of a job's runs. */
export type TargetTotals = {
  /** The job's target, 0-based. */
  target: number;
  /** Completed runs. */
  ok: number;
  /** Runs that did not complete. */
  failed: number;
  /** Runs without a price. */
  unpriced: number;
  /** Prompt tokens billed (uncached, cached and cache writes). */
  input_tokens: number;
  /** Output tokens billed (reasoning included). */
  output_tokens: number;
  /** What its priced runs cost. */
  cost_nano: NanoUsd;
  /** What batch prices saved against standard prices. */
  saved_nano: NanoUsd;
};

// ---- Team export (OTLP) ----

/** One header as the form edits it. */
export type HeaderInput = {
  name: string;
  /** The value; for a secret header `None` keeps the saved one. */
  value: string | null;
  /** Kept in the OS keychain, never shown again. */
  secret: boolean;
};

/** The Team export form. */
export type OtlpInput = {
  enabled: boolean;
  endpoint: string;
  /** `http/protobuf` or `http/json`. */
  protocol: string;
  headers: Array<HeaderInput>;
  includeText: boolean;
};

/** The Team export section: settings (secret values never included) and the backlog. */
export type OtlpView = {
  settings: OtlpSettings;
  backlog: OtlpBacklog;
  /** The traces URL the settings resolve to, when valid. */
  traces_url: string | null;
};

/** What *Send test span* found. */
export type TestSpan = {
  accepted: boolean;
  message: string;
};

/** Where and how runs are exported. */
export type OtlpSettings = {
  /** Every recorded run is queued and sent. */
  enabled: boolean;
  /** The collector's base URL (`/v1/traces` is added) or its full traces URL. */
  endpoint: string;
  /** The encoding. */
  protocol: OtlpProtocol;
  /** Headers sent as they are (`Name`, `value`), never secrets. */
  headers: Array<[string, string]>;
  /** Names of the headers whose values are kept in the OS keychain. */
  secret_headers: Array<string>;
  /** Send prompt and output text too (off: only figures and ids leave the machine). */
  include_text: boolean;
};

/** How spans are encoded on the wire. */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** The outbox and the last attempts, as Settings and `otlp status` show them. */
export type OtlpBacklog = {
  /** Runs waiting to be sent. */
  waiting: number;
  /** Runs the collector refused (400, 413): not sent again. */
  rejected: number;
  /** When the oldest waiting run was queued, ms. */
  oldest_queued_at_ms: number | null;
  /** The last time a collector accepted spans, ms. */
  last_success_at_ms: number | null;
  /** What went wrong last, while it still does. */
  last_error: string | null;
  /** Since when sending has failed, ms. */
  failing_since_ms: number | null;
};

/** What a drain did. */
export type Drained = {
  /** Spans sent (in requests that got an answer or not). */
  sent: number;
  /** Spans the collector accepted. */
  accepted: number;
  /** Spans it refused (not sent again). */
  rejected: number;
  /** Runs still waiting. */
  left: number;
  /** The last error, when the drain stopped on one. */
  error: string | null;
};

// ---- Values ----

/** Every provider, in display order (from the core's registry, `provider.rs`). */
export const PROVIDERS: ReadonlyArray<{
  id: ProviderKind;
  name: string;
  /** The public endpoint; null: the user must give one (or Ollama's local default). */
  baseUrl: string | null;
  /** How its keys start, when they have a prefix. */
  keyHint: string | null;
  /** Runs may go without a key. */
  keyless: boolean;
  /** Speaks OpenAI's Chat Completions (a base URL may point at a proxy). */
  openaiWire: boolean;
}> = [
  { id: "openai", name: "OpenAI", baseUrl: "https://api.openai.com/v1", keyHint: "sk-…", keyless: false, openaiWire: true },
  { id: "anthropic", name: "Anthropic", baseUrl: "https://api.anthropic.com", keyHint: "sk-ant-…", keyless: false, openaiWire: false },
  { id: "gemini", name: "Google Gemini", baseUrl: "https://generativelanguage.googleapis.com", keyHint: "AIza…", keyless: false, openaiWire: false },
  { id: "ollama", name: "Ollama (local)", baseUrl: null, keyHint: null, keyless: true, openaiWire: false },
  { id: "xai", name: "xAI", baseUrl: "https://api.x.ai/v1", keyHint: "xai-…", keyless: false, openaiWire: true },
  { id: "deepseek", name: "DeepSeek", baseUrl: "https://api.deepseek.com", keyHint: "sk-…", keyless: false, openaiWire: true },
  { id: "groq", name: "Groq", baseUrl: "https://api.groq.com/openai/v1", keyHint: "gsk_…", keyless: false, openaiWire: true },
  { id: "mistral", name: "Mistral AI", baseUrl: "https://api.mistral.ai/v1", keyHint: null, keyless: false, openaiWire: true },
  { id: "openrouter", name: "OpenRouter", baseUrl: "https://openrouter.ai/api/v1", keyHint: "sk-or-…", keyless: false, openaiWire: true },
  { id: "together", name: "Together AI", baseUrl: "https://api.together.xyz/v1", keyHint: null, keyless: false, openaiWire: true },
  { id: "fireworks", name: "Fireworks AI", baseUrl: "https://api.fireworks.ai/inference/v1", keyHint: "fw_…", keyless: false, openaiWire: true },
  { id: "openai_compatible", name: "OpenAI-compatible", baseUrl: null, keyHint: null, keyless: true, openaiWire: true },
];

/** What the pre-flight of a model without a price says (the core's `UNPRICED_NOTICE`). */
export const UNPRICED_NOTICE = "no price known — the cost will be recorded as unpriced";
