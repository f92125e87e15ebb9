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
  max_retries: number;
  connect_timeout_secs: number;
  overall_timeout_secs: number;
  idle_timeout_secs: number;
  cache_enabled: boolean;
  cache_ttl_hours: number;
  fallbacks: FallbackSetting[];
  failover_any: boolean;
  health_check_minutes: number;
  notifications: boolean;
}

export interface FallbackSetting {
  provider: string;
  key_id: string | null;
  model: string;
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

export interface Estimate {
  input_tokens: number;
  max_output_tokens: number;
  min_cost: number;
  max_cost: number;
  price_key: string;
  context_window: number | null;
  long_context_tier: string | null;
  /** Budgets the run counts against, checked against its worst case (run_estimate only). */
  budgets?: BudgetCheck[];
}

export interface RunView {
  run_id: number;
  started_at: string;
  provider: string;
  model: string;
  resolved_model: string | null;
  status: "ok" | "error" | "interrupted" | "cancelled";
  prompt: string;
  output: string;
  usage: {
    input_tokens: number;
    cached_input_tokens: number;
    cache_write_tokens: number;
    cache_write_1h_tokens: number;
    output_tokens: number;
    reasoning_tokens: number;
  };
  cost_nano_usd: number;
  cost_usd: number;
  cost_source: string;
  price_key: string | null;
  price_table_version: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  attempts: number;
  request_id: string | null;
  error: { code: string; message: string } | null;
  key_label: string | null;
  conversation_id: number | null;
}

export type PlayEvent =
  | { kind: "estimate"; estimate: Estimate }
  | { kind: "text"; text: string }
  | { kind: "usage"; usage: TokenUsage }
  | { kind: "failover"; from: string; to: string; error_code: string }
  | { kind: "cache_hit" }
  | { kind: "budget_alerts"; alerts: BudgetAlert[] };

export interface PlayInput {
  runToken: string;
  provider: string;
  keyId?: string | null;
  model: string;
  system?: string;
  prompt: string;
  temperature?: number | null;
  maxTokens?: number | null;
  tag?: string;
  conversationId?: number | null;
  newConversation?: boolean;
  template?: string | null;
  vars?: Record<string, string>;
  overrideBudget?: boolean;
  cache?: boolean | null;
}

export interface RunSummary {
  id: number;
  started_at_ms: number;
  provider: string;
  model: string;
  tag: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_nano_usd: number;
  cost_source: string;
  latency_ms: number | null;
  status: string;
  error_code: string | null;
  prompt_preview: string;
  conversation_id: number | null;
  key_label: string | null;
}

export interface HistoryQuery {
  search?: string;
  key_id?: string;
  provider?: string;
  model?: string;
  status?: string;
  tag?: string;
  from_ms?: number | null;
  to_ms?: number | null;
  conversation_id?: number | null;
  sort?: "time" | "cost" | "latency";
  ascending?: boolean;
  limit?: number;
  offset?: number;
}

export interface CostLine {
  component: string;
  tokens: number;
  rate_nano_usd_per_mtok: number;
  cost_nano_usd: number;
}

export interface RunRecord {
  id: number;
  started_at_ms: number;
  provider: string;
  model_requested: string;
  model_resolved: string | null;
  price_key: string | null;
  price_table_version: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  usage: TokenUsage;
  breakdown: { lines: CostLine[]; total_nano_usd: number; tier: string | null; cost_source: string };
  latency_ms: number | null;
  ttft_ms: number | null;
  attempts: number;
  tag: string | null;
  key_id: string | null;
  key_label: string | null;
  system_prompt: string | null;
  params_json: string | null;
  conversation_id: number | null;
  template: [number, number] | null;
  provider_cost: number | null;
  request_id: string | null;
  prompt: string | null;
  output: string | null;
  cache_hit: boolean;
  saved_nano: number;
  tried: {
    provider: string;
    model: string;
    key_label: string | null;
    status: string;
    error_code: string | null;
    error_message: string | null;
    latency_ms: number;
    http_attempts: number;
  }[];
}

export interface ConversationRecord {
  id: number;
  title: string;
  turns: number;
  cost_nano_usd: number;
  last_context_tokens: number;
  updated_at_ms: number;
}

export interface TemplateRecord {
  id: number;
  name: string;
  version: number;
  body: string;
  system_prompt: string | null;
  variables: string[];
  usage_count: number;
  spend_nano_usd: number;
  updated_at_ms: number;
}

export interface ModelInfo {
  id: string;
  display_name: string | null;
  context_window: number | null;
}

export interface TargetInput {
  provider: string;
  keyId: string | null;
  model: string;
  temperature: number | null;
  maxTokens: number | null;
  system: string | null;
}

export interface CompareInput {
  runToken: string;
  prompt: string;
  system: string | null;
  targets: TargetInput[];
  template: string | null;
  vars: Record<string, string>;
  overrideBudget?: boolean;
}

export interface ColumnRecord {
  position: number;
  label: string;
  run_id: number | null;
  rating: number | null;
  is_best: boolean;
  hidden: boolean;
}

export interface ComparisonRecord {
  id: number;
  title: string;
  prompt: string;
  system_prompt: string | null;
  notes: string | null;
  created_at_ms: number;
  columns: ColumnRecord[];
  cost_nano_usd: number;
}

export interface ComparisonView {
  comparison: ComparisonRecord;
  runs: (RunView | null)[];
  summary: { cheapest: number | null; fastest: number | null; most_output_per_dollar: number | null };
}

export interface CompareEstimate {
  columns: Estimate[];
  min_total: number;
  max_total: number;
  budgets: BudgetCheck[];
}

// ---- Analytics (core analytics/, charts/, export/) ----

export type Preset = "7d" | "30d" | "90d" | "1y" | "custom";
export type Source = "ledger" | "demo";

export interface Period {
  preset: Preset;
  from: string | null;
  to: string | null;
}

export interface AnalyticsFilters {
  provider: string | null;
  model: string | null;
  key_id: string | null;
  tag: string | null;
  status: string | null;
}

export interface DashboardQuery {
  period: Period;
  filters: AnalyticsFilters;
  top: number | null;
}

export interface Tokens {
  input: number;
  cached_input: number;
  cache_write: number;
  cache_write_1h: number;
  output: number;
  reasoning: number;
}

export interface Totals {
  runs: number;
  ok_runs: number;
  tokens: Tokens;
  total_tokens: number;
  cost_nano: number;
  avg_cost_nano: number;
  success_rate: number | null;
  latency_avg_ms: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  cache_saved_nano: number;
  cache_hits: number;
}

export interface Change {
  runs: number | null;
  cost: number | null;
  tokens: number | null;
  avg_cost: number | null;
  success_rate_points: number | null;
  latency_p50: number | null;
}

export interface BreakdownRow {
  name: string;
  provider: string;
  totals: Totals;
  cost_share: number;
}

export interface DayPoint {
  day: string;
  runs: number;
  ok_runs: number;
  cost_nano: number;
  tokens: Tokens;
  cost_by_provider: Record<string, number>;
  cost_by_model: Record<string, number>;
}

export interface TopRun {
  id: number;
  started_at_ms: number;
  provider: string;
  model: string;
  key_label: string | null;
  status: string;
  cost_nano: number;
  tokens: number;
  prompt_preview: string;
}

export interface DayRange {
  from: string;
  to: string;
}

export interface Dashboard {
  time_zone: string;
  range: DayRange;
  previous_range: DayRange;
  filters: AnalyticsFilters;
  totals: Totals;
  previous: Totals;
  change: Change;
  by_model: BreakdownRow[];
  by_provider: BreakdownRow[];
  days: DayPoint[];
  latency: { low_ms: number; high_ms: number; runs: number }[];
  top_runs: TopRun[];
}

export type ChartKind =
  | "spend_by_provider"
  | "spend_by_model"
  | "cost_per_model"
  | "tokens"
  | "latency"
  | "success_rate";

export interface ChartSeries {
  name: string;
  color: string;
  values: (number | null)[];
}

export interface Chart {
  kind: ChartKind;
  title: string;
  svg: string;
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  horizontal: boolean;
  labels: string[];
  series: ChartSeries[];
  unit: "usd" | "tokens" | "runs" | "percent";
}

export interface AnalyticsView {
  dashboard: Dashboard;
  charts: Chart[];
  took_ms: number;
}

export interface Choice {
  value: string;
  label: string;
}

export interface FilterChoices {
  providers: Choice[];
  models: Choice[];
  keys: Choice[];
  tags: Choice[];
  time_zone: string;
  demo: boolean;
}

export interface RunExportRequest {
  range: DayRange | null;
  filters: AnalyticsFilters;
  include_text: boolean;
}

export type ExportFormat = "csv" | "json";

export interface ExportProgress {
  done: number;
  total: number;
}

export interface ExportDone {
  path: string;
  rows: number;
  cost_nano: number;
}

export interface DemoInfo {
  runs: number;
  path: string;
}

// ---- Budgets, cache, health (core ledger/budgets, cache, health) ----

export type BudgetScope =
  | { kind: "all" }
  | { kind: "provider"; value: string }
  | { kind: "model"; value: string }
  | { kind: "key"; value: string }
  | { kind: "tag"; value: string };

export type BudgetPeriod = "day" | "week" | "month";
export type BudgetMode = "warn" | "block";

export interface NewBudget {
  name: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  limit_nano: number;
  mode: BudgetMode;
}

export interface Budget extends NewBudget {
  id: number;
  created_at_ms: number;
}

export interface BudgetStatus {
  budget: Budget;
  period_start: string;
  period_end: string;
  spent_nano: number;
  remaining_nano: number;
  used: number;
}

export interface BudgetCheck {
  status: BudgetStatus;
  estimate_nano: number;
  would_exceed: boolean;
}

export interface BudgetAlert {
  budget_id: number;
  budget: string;
  threshold: number;
  spent_nano: number;
  limit_nano: number;
  period_start: string;
  fired_at_ms: number;
  dismissed: boolean;
}

export interface CacheStats {
  entries: number;
  hits: number;
}

export interface Health {
  provider: string;
  key_id: string | null;
  runs: number;
  ok_runs: number;
  success_rate: number | null;
  p50_latency_ms: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at_ms: number | null;
  degraded: boolean;
}

export interface HealthReport {
  providers: Health[];
  keys: Health[];
}
