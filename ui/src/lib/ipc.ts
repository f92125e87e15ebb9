// The ONLY module that calls Tauri's invoke(). Every command is typed here; errors arrive as
// {code, message} and are rethrown as IpcError so screens can branch on the code.
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  AppInfo,
  Repriced,
  ColumnRecord,
  CompareEstimate,
  CompareInput,
  ComparisonRecord,
  ComparisonView,
  ConversationRecord,
  HistoryQuery,
  ModelInfo,
  PlayEvent,
  PlayInput,
  Operation,
  OperationInput,
  OperationEstimateView,
  OperationResult,
  RunRecord,
  RunSummary,
  RunView,
  TemplateRecord,
  CostReport,
  KeyInput,
  KeyRecord,
  ModelRow,
  OverrideText,
  Settings,
  TokenUsage,
  UiError,
  AnalyticsView,
  DashboardQuery,
  DemoInfo,
  ExportDone,
  ExportFormat,
  ExportProgress,
  FilterChoices,
  RunExport,
  RunEstimate,
  ColumnEvent,
  ErrorCode,
  Source,
  BudgetAlert,
  BudgetStatus,
  CacheStats,
  HealthReport,
  NewBudget,
  AdminKeyInput,
  AdminKeyRecord,
  AdminKeysView,
  OpenAiProject,
  ProjectsView,
  ReconcileView,
  SyncOutcome,
  PriceUpdateInfo,
  TableDiff,
  ImportedTable,
  PriceHistoryView,
  WhatIf,
  WhatIfSpec,
  Advice,
  BatchInput,
  BatchResults,
  JobEstimate,
  JobSummary,
  Drained,
  OtlpInput,
  OtlpView,
  TestSpan,
} from "./types";

export class IpcError extends Error {
  code: ErrorCode;
  constructor(e: UiError) {
    super(e.message);
    this.code = e.code;
  }
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (e && typeof e === "object" && "code" in e && "message" in e) {
      throw new IpcError(e as UiError);
    }
    throw new IpcError({ code: "internal", message: String(e) });
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>("app_info"),
  pricesList: (search: string, provider: string, chatOnly: boolean) =>
    call<ModelRow[]>("prices_list", {
      search: search || null,
      provider: provider || null,
      chatOnly,
    }),
  priceShow: (model: string, provider?: string) =>
    call<ModelRow>("price_show", { model, provider: provider || null }),
  priceOverrideSet: (input: OverrideText) => call<ModelRow>("price_override_set", { input }),
  priceOverrideRemove: (model: string) => call<void>("price_override_remove", { model }),
  priceUnpricedCount: (model: string) => call<number>("price_unpriced_count", { model }),
  priceRepriceUnpriced: (model: string) => call<Repriced>("price_reprice_unpriced", { model }),
  pricesUpdateInfo: () => call<PriceUpdateInfo>("prices_update_info"),
  pricesUpdateUrlSet: (url: string) => call<string>("prices_update_url_set", { url }),
  pricesUpdateCheck: () => call<TableDiff>("prices_update_check"),
  pricesUpdateApply: (toVersion: string) => call<ImportedTable>("prices_update_apply", { toVersion }),
  pricesUpdateDecline: () => call<void>("prices_update_decline"),
  pricesUpdateStartup: () => call<TableDiff | null>("prices_update_startup"),
  priceHistory: (model: string, theme: "light" | "dark", chartWidth: number) =>
    call<PriceHistoryView>("price_history", { model, theme, chartWidth }),
  analyticsAdvice: (source: Source, query: DashboardQuery) =>
    call<Advice[]>("analytics_advice", { source, query }),
  analyticsWhatIf: (source: Source, query: DashboardQuery, spec: WhatIfSpec) =>
    call<WhatIf>("analytics_what_if", { source, query, spec }),
  costCalculate: (provider: string, model: string, usage: TokenUsage, at: string | null) =>
    call<CostReport>("cost_calculate", { provider, model, usage, at }),
  keysList: () => call<KeyRecord[]>("keys_list"),
  // The secret crosses IPC here, inbound only; no command ever returns it.
  keyAdd: (input: KeyInput) => call<KeyRecord>("key_add", { input }),
  keyTest: (id: string) => call<KeyRecord>("key_test", { id }),
  keyRotate: (id: string, secret: string) => call<KeyRecord>("key_rotate", { id, secret }),
  keySetDefault: (id: string) => call<KeyRecord>("key_set_default", { id }),
  keyRename: (id: string, label: string) => call<KeyRecord>("key_rename", { id, label }),
  keyRemove: (id: string) => call<void>("key_remove", { id }),
  runEstimate: (input: PlayInput) => call<RunEstimate>("run_estimate", { input }),
  runStart: (input: PlayInput, onEvent: (e: PlayEvent) => void) => {
    const channel = new Channel<PlayEvent>();
    channel.onmessage = onEvent;
    return call<RunView>("run_start", { input, channel });
  },
  runCancel: (runToken: string) => call<void>("run_cancel", { runToken }),
  operationEstimate: (input: OperationInput) => call<OperationEstimateView>("operation_estimate", { input }),
  operationStart: (input: OperationInput) => call<OperationResult>("operation_start", { input }),
  operationPickAudio: () => call<string | null>("operation_pick_audio"),
  operationPickFolder: () => call<string | null>("operation_pick_folder"),
  operationDefaultDir: (operation: Operation) => call<string>("operation_default_dir", { operation }),
  ollamaModels: () => call<ModelInfo[]>("ollama_models"),
  historyQuery: (query: HistoryQuery) => call<RunSummary[]>("history_query", { query }),
  runDetail: (id: number) => call<RunRecord>("run_detail", { id }),
  runDelete: (id: number) => call<void>("run_delete", { id }),
  conversationsList: () => call<ConversationRecord[]>("conversations_list"),
  conversationTurns: (id: number) => call<RunView[]>("conversation_turns", { id }),
  conversationRename: (id: number, title: string) => call<void>("conversation_rename", { id, title }),
  conversationDelete: (id: number) => call<void>("conversation_delete", { id }),
  templatesList: () => call<TemplateRecord[]>("templates_list"),
  templateSave: (name: string, body: string, system: string | null) =>
    call<TemplateRecord>("template_save", { name, body, system }),
  compareEstimate: (input: CompareInput) => call<CompareEstimate>("compare_estimate", { input }),
  compareStart: (input: CompareInput, onEvent: (column: number, e: PlayEvent) => void) => {
    const channel = new Channel<ColumnEvent>();
    channel.onmessage = (m) => onEvent(m.column, m.event);
    return call<ComparisonView>("compare_start", { input, channel });
  },
  compareRetry: (id: number, position: number, input: CompareInput, onEvent: (column: number, e: PlayEvent) => void) => {
    const channel = new Channel<ColumnEvent>();
    channel.onmessage = (m) => onEvent(m.column, m.event);
    return call<ComparisonView>("compare_retry", { id, position, input, channel });
  },
  comparisonGet: (id: number) => call<ComparisonView>("comparison_get", { id }),
  comparisonsList: () => call<ComparisonRecord[]>("comparisons_list"),
  comparisonUpdate: (id: number, columns: ColumnRecord[], notes: string | null) =>
    call<ComparisonView>("comparison_update", { id, columns, notes }),
  comparisonExportCsv: (id: number) => call<string | null>("comparison_export_csv", { id }),
  settingsGet: () => call<Settings>("settings_get"),
  settingsSet: (settings: Settings) => call<Settings>("settings_set", { settings }),
  analyticsDashboard: (source: Source, query: DashboardQuery, theme: "light" | "dark", chartWidth: number) =>
    call<AnalyticsView>("analytics_dashboard", { source, query, theme, chartWidth }),
  analyticsChoices: (source: Source) => call<FilterChoices>("analytics_choices", { source }),
  analyticsRebuild: (source: Source) => call<void>("analytics_rebuild", { source }),
  demoOpen: () => call<DemoInfo>("demo_open"),
  demoClose: () => call<void>("demo_close"),
  exportRuns: (
    source: Source,
    exportReq: RunExport,
    format: ExportFormat,
    onProgress: (p: ExportProgress) => void,
  ) => {
    const channel = new Channel<ExportProgress>();
    channel.onmessage = onProgress;
    return call<ExportDone | null>("export_runs_file", { source, export: exportReq, format, onProgress: channel });
  },
  exportReport: (source: Source, query: DashboardQuery, format: ExportFormat) =>
    call<ExportDone | null>("export_report_file", { source, query, format }),
  chartSave: (name: string, format: "svg" | "png", data: string) =>
    call<string | null>("chart_save", { name, format, data }),
  budgetsList: () => call<BudgetStatus[]>("budgets_list"),
  budgetAdd: (budget: NewBudget) => call<BudgetStatus[]>("budget_add", { budget }),
  budgetRemove: (id: number) => call<BudgetStatus[]>("budget_remove", { id }),
  budgetAlerts: () => call<BudgetAlert[]>("budget_alerts"),
  budgetAlertsDismiss: () => call<void>("budget_alerts_dismiss"),
  cacheStats: () => call<CacheStats>("cache_stats"),
  cacheClear: () => call<number>("cache_clear"),
  healthReport: () => call<HealthReport>("health_report"),
  adminKeysList: () => call<AdminKeysView>("admin_keys_list"),
  // The admin secret crosses IPC here, inbound only.
  adminKeyAdd: (input: AdminKeyInput) => call<AdminKeyRecord>("admin_key_add", { input }),
  adminKeyRemove: (id: string) => call<void>("admin_key_remove", { id }),
  reconcileSync: (provider: string | null, from: string | null, to: string | null) =>
    call<SyncOutcome[]>("reconcile_sync", { provider, from, to }),
  reconcileView: (provider: string | null, from: string, to: string, theme: "light" | "dark", chartWidth: number) =>
    call<ReconcileView>("reconcile_view", { provider, from, to, theme, chartWidth }),
  reconcileExportCsv: (provider: string | null, from: string, to: string) =>
    call<string | null>("reconcile_export_csv", { provider, from, to }),
  openaiProjects: () => call<ProjectsView>("openai_projects"),
  openaiProjectCreate: (name: string) => call<OpenAiProject>("openai_project_create", { name }),
  batchPickDataset: () => call<string | null>("batch_pick_dataset"),
  batchEstimate: (input: BatchInput) => call<JobEstimate>("batch_estimate", { input }),
  batchStart: (input: BatchInput) => call<JobSummary>("batch_start", { input }),
  batchJobs: () => call<JobSummary[]>("batch_jobs"),
  batchPause: (id: number) => call<JobSummary>("batch_pause", { id }),
  batchResume: (id: number) => call<JobSummary>("batch_resume", { id }),
  batchCancel: (id: number) => call<JobSummary>("batch_cancel", { id }),
  batchResults: (id: number, offset: number, limit: number) =>
    call<BatchResults>("batch_results", { id, offset, limit }),
  batchExport: (id: number, format: "csv" | "jsonl") => call<string | null>("batch_export", { id, format }),
  // A link in an answer: opened in the system browser (http, https, mailto only).
  openLink: (url: string) => call<void>("open_link", { url }),
  // A start-up milestone for scripts/measure-startup.sh (written only when it asks).
  startupMark: (mark: string, atMs?: number) => call<void>("startup_mark", { mark, atMs: atMs ?? null }),
  otlpGet: () => call<OtlpView>("otlp_get"),
  // Secret header values cross IPC here, inbound only; no command returns them.
  otlpSet: (input: OtlpInput) => call<OtlpView>("otlp_set", { input }),
  otlpLangfuse: (host: string, publicKey: string, secretKey: string) =>
    call<OtlpView>("otlp_langfuse", { host, publicKey, secretKey }),
  otlpTestSpan: () => call<TestSpan>("otlp_test_span"),
  otlpFlush: (retryRefused: boolean) => call<Drained>("otlp_flush", { retryRefused }),
  otlpExportHistory: (query: DashboardQuery, onProgress: (p: ExportProgress) => void) => {
    const channel = new Channel<ExportProgress>();
    channel.onmessage = onProgress;
    return call<Drained>("otlp_export_history", { query, channel });
  },
};
