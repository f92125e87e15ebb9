//! `promptledger run`, `models` and `history`: send a prompt and record what it cost; list a
//! provider's models; list recorded runs.

use clap::Args;
use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::keys::KeyRecord;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{RunEvent, RunSpec, Runner};
use promptledger_core::vault::{KeyringStore, Secret};
use promptledger_core::{CoreError, NanoUsd, ProviderKind, Result};
use std::io::{IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::format;

/// Network settings shared by `run` and `models`.
#[derive(Debug, Clone, Args)]
pub struct NetArgs {
    /// Base URL (a proxy, a gateway, an OpenAI-compatible server; required for openai-compatible)
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Retries after a retryable failure (429, 5xx, 529, connection errors)
    #[arg(long, value_name = "N", default_value_t = 2)]
    max_retries: u32,
    /// Seconds to wait for a connection
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    connect_timeout: f64,
    /// Seconds the whole request may take
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    timeout: f64,
    /// Seconds of silence between stream chunks before giving up
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    idle_timeout: f64,
    /// Extra request header for gateways, e.g. `HTTP-Referer: https://example.org` (repeatable)
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
}

impl NetArgs {
    pub(crate) fn settings(&self) -> Result<HttpSettings> {
        let secs = |flag: &str, v: f64| {
            Duration::try_from_secs_f64(v)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    CoreError::invalid(flag, format!("`{v}` is not a number of seconds > 0"))
                })
        };
        Ok(HttpSettings {
            connect_timeout: secs("--connect-timeout", self.connect_timeout)?,
            overall_timeout: secs("--timeout", self.timeout)?,
            idle_timeout: secs("--idle-timeout", self.idle_timeout)?,
            max_retries: self.max_retries,
            ..HttpSettings::default()
        })
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Keys: until keys are saved in the keychain, the key comes from OPENAI_API_KEY,
ANTHROPIC_API_KEY or GEMINI_API_KEY for this one invocation (never stored). Ollama needs none
(OLLAMA_HOST or http://127.0.0.1:11434).

Examples:
  promptledger run -p openai -m gpt-4o-mini \"Write a haiku about invoices\"
  echo \"Summarize: …\" | promptledger run -p anthropic -m claude-haiku-4-5 --max-tokens 200 -
  promptledger run -p openai-compatible --base-url http://127.0.0.1:8000/v1 -m my-vllm-llama \"Hi\""
)]
pub struct RunArgs {
    /// openai, anthropic, gemini, ollama or openai-compatible
    #[arg(long, short = 'p')]
    provider: String,
    /// Model id
    #[arg(long, short = 'm')]
    model: String,
    /// A saved key's id (default: the provider's default key)
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// System prompt
    #[arg(long, short = 's')]
    system: Option<String>,
    /// Sampling temperature
    #[arg(long, short = 't')]
    temperature: Option<f64>,
    /// Most output tokens
    #[arg(long, value_name = "N")]
    max_tokens: Option<u32>,
    /// Tag or project the run is filed under
    #[arg(long)]
    tag: Option<String>,
    /// Wait for the whole answer instead of streaming it
    #[arg(long)]
    no_stream: bool,
    /// Print the recorded run as JSON instead of streaming text
    #[arg(long)]
    json: bool,
    /// Fill a saved template instead of giving a prompt
    #[arg(long, value_name = "NAME", conflicts_with = "prompt")]
    template: Option<String>,
    /// A template variable (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE", requires = "template")]
    vars: Vec<String>,
    /// Continue a conversation: earlier turns are sent along
    #[arg(
        long = "continue",
        value_name = "CONVERSATION_ID",
        conflicts_with = "conversation"
    )]
    continue_id: Option<i64>,
    /// Start a conversation with this run (continue it with --continue)
    #[arg(long)]
    conversation: bool,
    /// Send it even if a block-mode budget would be broken (this run only)
    #[arg(long)]
    override_budget: bool,
    /// Reuse the answer of an identical earlier request instead of paying again
    #[arg(long)]
    cache: bool,
    /// How long a cached answer is reused, in seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 86_400,
        requires = "cache"
    )]
    cache_ttl: u64,
    /// When the run fails after its retries (429, 5xx, 529, timeouts), try PROVIDER/MODEL next
    /// with that provider's default key (repeatable, tried in order)
    #[arg(long = "fallback", value_name = "PROVIDER/MODEL")]
    fallbacks: Vec<String>,
    /// Fail over on any provider error, not only retryable ones
    #[arg(long, requires = "fallbacks")]
    failover_any: bool,
    #[command(flatten)]
    net: NetArgs,
    /// The prompt; `-` (or nothing, with piped input) reads stdin
    prompt: Option<String>,
}

/// `provider/model` (the model may contain slashes: `openai-compatible/deepseek/deepseek-chat`).
pub(crate) fn target(flag: &str, text: &str) -> Result<(ProviderKind, String)> {
    let (p, m) = text
        .split_once('/')
        .filter(|(p, m)| !p.trim().is_empty() && !m.trim().is_empty())
        .ok_or_else(|| CoreError::invalid(flag, format!("`{text}` is not PROVIDER/MODEL")))?;
    Ok((p.trim().parse()?, m.trim().to_string()))
}

/// Prints budget alerts a run raised, one line each.
pub(crate) fn print_alerts(alerts: &[promptledger_core::ledger::budgets::BudgetAlert]) {
    for a in alerts {
        eprintln!("budget alert: {}", a.message());
    }
}

/// The key for one invocation, from the provider's environment variable.
fn env_key(provider: ProviderKind) -> Option<Secret> {
    let names: &[&str] = match provider {
        ProviderKind::Openai | ProviderKind::OpenaiCompatible => &["OPENAI_API_KEY"],
        ProviderKind::Anthropic => &["ANTHROPIC_API_KEY"],
        ProviderKind::Gemini => &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        ProviderKind::Ollama => &["OLLAMA_API_KEY"],
    };
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        .map(Secret::new)
}

fn env_var_name(provider: ProviderKind) -> &'static str {
    match provider {
        ProviderKind::Anthropic => "ANTHROPIC_API_KEY",
        ProviderKind::Gemini => "GEMINI_API_KEY",
        ProviderKind::Ollama => "OLLAMA_API_KEY",
        _ => "OPENAI_API_KEY",
    }
}

/// A key manager over the OS keychain and `ledger`.
pub fn key_manager(ledger: Ledger) -> Result<KeyManager> {
    Ok(KeyManager::new(
        Arc::new(KeyringStore),
        ProviderClient::new(HttpSettings::default())?,
        Arc::new(Mutex::new(ledger)),
    ))
}

/// The endpoint to call: `--key ID`, else the provider's environment variable (this invocation
/// only), else the provider's default saved key; flags then override base URL and headers.
pub(crate) fn endpoint(
    provider: ProviderKind,
    key: Option<&str>,
    net: &NetArgs,
    keys: &KeyManager,
) -> Result<(Endpoint, Option<KeyRecord>)> {
    let saved = |id: &str| -> Result<(Endpoint, Option<KeyRecord>)> {
        let (ep, rec) = keys.endpoint(id)?;
        if ep.provider != provider {
            return Err(CoreError::invalid(
                "--key",
                format!(
                    "key {id} is a {} key, not {}",
                    rec.provider,
                    provider.as_str()
                ),
            ));
        }
        Ok((ep, Some(rec)))
    };
    let (mut ep, rec) = if let Some(id) = key {
        saved(id)?
    } else if let Some(secret) = env_key(provider) {
        (
            Endpoint::new(provider, net.base_url.as_deref(), Some(secret))?,
            None,
        )
    } else if let Some(def) = keys.default_for(provider)? {
        saved(&def.id)?
    } else if matches!(
        provider,
        ProviderKind::Openai | ProviderKind::Anthropic | ProviderKind::Gemini
    ) {
        return Err(CoreError::invalid(
            "API key",
            format!(
                "no key for {}: save one with `promptledger keys add --provider {} --label NAME`, or \
                 set {} for this invocation",
                provider.display_name(),
                provider.as_str(),
                env_var_name(provider)
            ),
        ));
    } else {
        (
            Endpoint::new(provider, net.base_url.as_deref(), None)?,
            None,
        )
    };
    if let Some(url) = net.base_url.as_deref() {
        ep.base_url = Endpoint::new(provider, Some(url), None)?.base_url;
    }
    if provider == ProviderKind::Openai && rec.is_none() {
        // The OpenAI SDKs' variables, so runs can be attributed per organization and project.
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        ep.organization = var("OPENAI_ORG_ID");
        ep.project = var("OPENAI_PROJECT_ID");
    }
    for h in &net.headers {
        let (name, value) = h
            .split_once(':')
            .map(|(n, v)| (n.trim(), v.trim()))
            .filter(|(n, _)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            .ok_or_else(|| CoreError::invalid("--header", format!("`{h}` is not `Name: value`")))?;
        ep.extra_headers.push((name.to_string(), value.to_string()));
    }
    Ok((ep, rec))
}

pub(crate) fn read_prompt(arg: Option<String>) -> Result<String> {
    let text = match arg.as_deref() {
        Some("-") | None => {
            if arg.is_none() && std::io::stdin().is_terminal() {
                return Err(CoreError::invalid(
                    "prompt",
                    "give a prompt, or pipe one in with `-`",
                ));
            }
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|source| CoreError::Io {
                    action: "cannot read",
                    path: "stdin".into(),
                    source,
                })?;
            s
        }
        Some(p) => p.to_string(),
    };
    if text.trim().is_empty() {
        return Err(CoreError::invalid("prompt", "the prompt is empty"));
    }
    Ok(text)
}

/// A single-threaded async runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| CoreError::Io {
            action: "cannot start the async runtime",
            path: String::new(),
            source,
        })
}

/// Runs the prompt; the run is recorded whatever happens. Returns whether it completed.
pub fn run(ledger: Ledger, a: RunArgs) -> Result<bool> {
    let provider: ProviderKind = a.provider.parse()?;
    if let Some(t) = a.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
        return Err(CoreError::invalid(
            "--temperature",
            format!("{t} is outside 0–2"),
        ));
    }
    let pricer = ledger.pricer()?;
    // Template and conversation are read before anything is sent: bad input sends nothing.
    let (prompt, system, template) = match &a.template {
        Some(name) => {
            let t = ledger.template(name)?;
            let text = promptledger_core::templates::render(
                &t.body,
                &promptledger_core::templates::parse_vars(&a.vars)?,
            )?;
            (
                text,
                a.system.clone().or(t.system_prompt.clone()),
                Some((t.id, t.version)),
            )
        }
        None => (read_prompt(a.prompt)?, a.system.clone(), None),
    };
    let mut messages = match a.continue_id {
        Some(id) => ledger.conversation_messages(id)?,
        None => Vec::new(),
    };
    messages.push(Message {
        role: Role::User,
        content: prompt.clone(),
    });
    let ledger = Arc::new(Mutex::new(ledger));
    let client = ProviderClient::new(a.net.settings()?)?;
    let keys = KeyManager::new(Arc::new(KeyringStore), client.clone(), ledger.clone());
    let (ep, key) = endpoint(provider, a.key.as_deref(), &a.net, &keys)?;
    let runner = Runner::new(client, ledger.clone(), pricer);
    let mut spec = RunSpec::new(
        ep,
        ChatRequest {
            model: a.model,
            system,
            messages,
            temperature: a.temperature,
            max_tokens: a.max_tokens,
            stream: !a.no_stream,
        },
    );
    spec.key_id = key.as_ref().map(|k| k.id.clone());
    spec.key_label = key.as_ref().map(|k| k.label.clone());
    spec.tag = a.tag;
    spec.template = template;
    spec.policy.override_budget = a.override_budget;
    spec.policy.cache = a
        .cache
        .then(|| promptledger_core::ledger::cache::CachePolicy {
            ttl_ms: i64::try_from(a.cache_ttl.saturating_mul(1000)).unwrap_or(i64::MAX),
        });
    spec.policy.failover_on_any_error = a.failover_any;
    for f in &a.fallbacks {
        let (kind, model) = target("--fallback", f)?;
        let fallback_net = NetArgs {
            base_url: None,
            headers: Vec::new(),
            ..a.net.clone()
        };
        let (ep, key) = endpoint(kind, None, &fallback_net, &keys)?;
        spec.policy
            .fallbacks
            .push(promptledger_core::runner::Fallback {
                endpoint: ep,
                model,
                key_id: key.as_ref().map(|k| k.id.clone()),
                key_label: key.as_ref().map(|k| k.label.clone()),
            });
    }
    runner.estimate(&spec)?;
    spec.conversation_id = match (a.continue_id, a.conversation) {
        (Some(id), _) => Some(id),
        (None, true) => Some(
            ledger
                .lock()
                .map_err(|_| CoreError::invalid("ledger", "a previous writer panicked"))?
                .create_conversation(&prompt)?,
        ),
        (None, false) => None,
    };
    let json = a.json;
    let cancel = CancellationToken::new();
    let outcome = runtime()?.block_on(async {
        let stopper = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stopper.cancel();
            }
        });
        let mut stdout = std::io::stdout();
        let mut on_event = |ev: RunEvent| match (&ev, json) {
            (RunEvent::Text(t), false) => {
                let _ = stdout.write_all(t.as_bytes());
                let _ = stdout.flush();
            }
            (
                RunEvent::Failover {
                    from,
                    to,
                    error_code,
                },
                _,
            ) => {
                eprintln!("{from} failed ({error_code}); trying {to}");
            }
            (RunEvent::CacheHit, false) => eprintln!("(answer from the response cache)"),
            _ => {}
        };
        runner.run(&spec, &mut on_event, &cancel).await
    })?;
    let view = RunView::from(&outcome.record);
    print_alerts(&outcome.alerts);
    if json {
        crate::print_json(&view)?;
    } else {
        if !view.output.ends_with('\n') {
            println!();
        }
        eprintln!("{}", summary(&view));
    }
    Ok(view.status == RunStatus::Ok)
}

/// One line: tokens, cost, latency, and the error if any.
fn summary(v: &RunView) -> String {
    let u = &v.usage;
    let input =
        u.input_tokens + u.cached_input_tokens + u.cache_write_tokens + u.cache_write_1h_tokens;
    let mut s = format!(
        "{} · run {} · {} in / {} out tokens · {} ({}) · {:.2} s",
        v.resolved_model.as_deref().unwrap_or(&v.model),
        v.run_id,
        format::thousands(input),
        format::thousands(u.output_tokens + u.reasoning_tokens),
        NanoUsd(v.cost_nano_usd),
        v.cost_source.as_str(),
        v.latency_ms.unwrap_or(0) as f64 / 1000.0,
    );
    if let Some(t) = v.ttft_ms {
        s += &format!(", first token {:.2} s", t as f64 / 1000.0);
    }
    if v.attempts > 1 {
        s += &format!(", {} attempts", v.attempts);
    }
    if let Some(c) = v.conversation_id {
        s += &format!(", conversation {c}");
    }
    if let Some(k) = &v.key_label {
        s += &format!(", key “{k}”");
    }
    if let Some(e) = &v.error {
        s += &format!("\nerror[{}]: {}", e.code, e.message);
    } else if v.status == RunStatus::Cancelled {
        s += "\ncancelled: the partial answer and its estimated cost were recorded";
    }
    s
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// openai, anthropic, gemini, ollama or openai-compatible
    #[arg(long, short = 'p')]
    provider: String,
    /// A saved key's id (default: the provider's default key)
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Print JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    net: NetArgs,
}

/// Lists the provider's models (this also checks the key; it costs no tokens).
pub fn models(ledger: Ledger, a: ModelsArgs) -> Result<()> {
    let provider: ProviderKind = a.provider.parse()?;
    let keys = key_manager(ledger)?;
    let (ep, _) = endpoint(provider, a.key.as_deref(), &a.net, &keys)?;
    let client = ProviderClient::new(a.net.settings()?)?;
    let models = runtime()?.block_on(client.list_models(&ep))?;
    if a.json {
        return crate::print_json(&models);
    }
    for m in &models {
        match (&m.display_name, m.context_window) {
            (Some(n), Some(c)) => println!("{}  ({n}, {} context)", m.id, format::context(Some(c))),
            (Some(n), None) => println!("{}  ({n})", m.id),
            _ => println!("{}", m.id),
        }
    }
    eprintln!("{} models", models.len());
    Ok(())
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Words to find in prompts and outputs
    #[arg(long, short = 's')]
    search: Option<String>,
    /// Only this provider
    #[arg(long, short = 'p')]
    provider: Option<String>,
    /// Only this model (requested or resolved id)
    #[arg(long, short = 'm')]
    model: Option<String>,
    /// Only this status: ok, error, interrupted, cancelled
    #[arg(long)]
    status: Option<String>,
    /// Only this tag
    #[arg(long)]
    tag: Option<String>,
    /// From this day (YYYY-MM-DD, local time)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Through this day (YYYY-MM-DD, local time)
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Order: time, cost or latency (largest first)
    #[arg(long, default_value = "time")]
    sort: String,
    /// How many runs
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// Local midnight of `YYYY-MM-DD` (+ `days`), in ms.
fn day_ms(flag: &str, text: &str, days: i64) -> Result<i64> {
    use chrono::TimeZone;
    let d = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(flag, format!("`{text}` is not a date (YYYY-MM-DD)")))?;
    let d = d + chrono::Duration::days(days);
    chrono::Local
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| CoreError::invalid(flag, format!("`{text}` has no local midnight")))
}

/// Lists recorded runs.
pub fn history(ledger: &Ledger, a: HistoryArgs) -> Result<()> {
    use promptledger_core::ledger::history::{HistoryQuery, HistorySort};
    let sort = match a.sort.as_str() {
        "time" => HistorySort::Time,
        "cost" => HistorySort::Cost,
        "latency" => HistorySort::Latency,
        other => {
            return Err(CoreError::invalid(
                "--sort",
                format!("`{other}` is not time, cost or latency"),
            ));
        }
    };
    let q = HistoryQuery {
        search: a.search,
        provider: a
            .provider
            .map(|p| p.parse::<ProviderKind>().map(|k| k.as_str().to_string()))
            .transpose()?,
        model: a.model,
        status: a.status,
        tag: a.tag,
        from_ms: a
            .from
            .as_deref()
            .map(|d| day_ms("--from", d, 0))
            .transpose()?,
        to_ms: a.to.as_deref().map(|d| day_ms("--to", d, 1)).transpose()?,
        sort,
        limit: Some(a.limit),
        ..HistoryQuery::default()
    };
    let rows = ledger.history(&q)?;
    if a.json {
        return crate::print_json(&rows);
    }
    println!(
        "{:>6}  {:<16}  {:<10} {:<26} {:<11} {:>9} {:>9} {:>12} {:>8}  prompt",
        "run", "time", "provider", "model", "status", "in", "out", "cost", "latency"
    );
    for r in &rows {
        let local = chrono::DateTime::from_timestamp_millis(r.started_at_ms)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let model: String = r.model.chars().take(26).collect();
        let prompt: String = r
            .prompt_preview
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        println!(
            "{:>6}  {:<16}  {:<10} {:<26} {:<11} {:>9} {:>9} {:>12} {:>7.2}s  {prompt}",
            r.id,
            local,
            r.provider,
            model,
            r.status,
            format::thousands(u64::try_from(r.input_tokens).unwrap_or(0)),
            format::thousands(u64::try_from(r.output_tokens).unwrap_or(0)),
            NanoUsd(r.cost_nano_usd).to_string(),
            r.latency_ms.unwrap_or(0) as f64 / 1000.0
        );
    }
    if rows.is_empty() {
        eprintln!("no runs match");
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Run id
    run_id: i64,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// One run in full: prompt, output, parameters, usage and cost breakdown with rates.
pub fn show(ledger: &Ledger, a: ShowArgs) -> Result<()> {
    let r = ledger.run(a.run_id)?;
    if a.json {
        #[derive(serde::Serialize)]
        struct Full<'a> {
            #[serde(flatten)]
            view: RunView,
            prompt: &'a Option<String>,
            system_prompt: &'a Option<String>,
            params: Option<serde_json::Value>,
            breakdown: &'a promptledger_core::pricing::CostBreakdown,
            template: Option<(i64, i64)>,
        }
        return crate::print_json(&Full {
            view: RunView::from(&r),
            prompt: &r.prompt,
            system_prompt: &r.system_prompt,
            params: r
                .params_json
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok()),
            breakdown: &r.breakdown,
            template: r.template,
        });
    }
    let v = RunView::from(&r);
    println!(
        "run {} · {} · {} · {}",
        v.run_id,
        v.started_at,
        v.provider,
        v.resolved_model.as_deref().unwrap_or(&v.model)
    );
    println!(
        "status {}{}",
        v.status.as_str(),
        v.error
            .as_ref()
            .map(|e| format!(" — {}: {}", e.code, e.message))
            .unwrap_or_default()
    );
    if let Some(s) = &r.system_prompt {
        println!("\n# system\n{s}");
    }
    println!("\n# prompt\n{}", r.prompt.as_deref().unwrap_or(""));
    println!("\n# output\n{}", v.output);
    println!(
        "\n# cost ({}, table {})",
        v.cost_source.as_str(),
        v.price_table_version.as_deref().unwrap_or("—")
    );
    for l in r.breakdown.lines.iter().filter(|l| l.tokens > 0) {
        println!(
            "  {:<18} {:>10} × {:>10}/1M = {:>12}",
            l.component.label(),
            format::thousands(l.tokens),
            format::rate(Some(l.rate_nano_usd_per_mtok.0)),
            l.cost_nano_usd.to_string()
        );
    }
    println!(
        "  {:<18} {:>40}",
        "total",
        NanoUsd(v.cost_nano_usd).to_string()
    );
    println!(
        "\nlatency {:.2} s · first token {} · attempts {} · request id {}",
        v.latency_ms.unwrap_or(0) as f64 / 1000.0,
        v.ttft_ms
            .map_or("—".into(), |t| format!("{:.2} s", t as f64 / 1000.0)),
        v.attempts,
        v.request_id.as_deref().unwrap_or("—")
    );
    if let Some(p) = &r.params_json {
        println!("parameters {p}");
    }
    Ok(())
}
