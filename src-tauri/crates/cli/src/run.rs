//! `promptledger run`: send a prompt, stream the answer, and record what it cost. The flags
//! become one [`RunRequest`]; the core's run service checks and prepares it.

use clap::Args;
use promptledger_core::ledger::cache::CachePolicy;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::pricing::CostSource;
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{
    ConversationChoice, RunEvent, RunRequest, TargetRequest, UNPRICED_NOTICE,
};
use promptledger_core::{ProviderKind, Result};
use std::io::Write;
use tokio_util::sync::CancellationToken;

use crate::format;
use crate::shared::{NetArgs, print_alerts, prompt_input, run_until_done, service};

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
    /// openai, anthropic, gemini, ollama, xai, deepseek, groq, mistral, openrouter, together,
    /// fireworks or openai-compatible
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

/// Runs the prompt; the run is recorded whatever happens. Returns whether it completed.
pub fn run(ledger: promptledger_core::ledger::Ledger, a: RunArgs) -> Result<bool> {
    let provider: ProviderKind = a.provider.parse()?;
    let prompt = prompt_input(a.template, &a.vars, a.prompt)?;
    let target = TargetRequest {
        key_id: a.key,
        temperature: a.temperature,
        max_tokens: a.max_tokens,
        ..a.net.apply(TargetRequest::new(provider, a.model))
    };
    let req = RunRequest {
        system: a.system,
        conversation: match (a.continue_id, a.conversation) {
            (Some(id), _) => ConversationChoice::Continue(id),
            (None, true) => ConversationChoice::Start,
            (None, false) => ConversationChoice::None,
        },
        stream: !a.no_stream,
        tag: a.tag,
        override_budget: a.override_budget,
        cache: a.cache.then(|| CachePolicy {
            ttl_ms: i64::try_from(a.cache_ttl.saturating_mul(1000)).unwrap_or(i64::MAX),
        }),
        fallbacks: a
            .fallbacks
            .iter()
            .map(|f| TargetRequest::parse("--fallback", f))
            .collect::<Result<_>>()?,
        failover_on_any_error: a.failover_any,
        ..RunRequest::new(target, prompt)
    };
    let service = service(ledger, a.net.settings()?)?;
    let prepared = service.prepare(&req)?;
    let json = a.json;
    if prepared.unpriced() && !json {
        eprintln!("{}", UNPRICED_NOTICE);
    }
    let cancel = CancellationToken::new();
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
    let outcome = run_until_done(&cancel, service.run(prepared, &mut on_event, &cancel))??;
    let view = RunView::from(&outcome.record);
    print_alerts(&outcome.alerts);
    if json {
        crate::print_json(&view)?;
    } else {
        if !view.output.ends_with('\n') {
            outln!();
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
        "{} · run {} · {} in / {} out tokens · {} · {:.2} s",
        v.resolved_model.as_deref().unwrap_or(&v.model),
        v.run_id,
        format::thousands(input),
        format::thousands(u.output_tokens + u.reasoning_tokens),
        match v.cost_nano_usd {
            Some(c) => format!("{c} ({})", v.cost_source.as_str()),
            None => "cost unknown (unpriced)".into(),
        },
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
    if v.cost_source == CostSource::Unpriced {
        s += &format!(
            "\nno price known for {m}: the tokens are recorded, the cost is unknown. Price it once \
             with: promptledger prices set {m} --input-per-mtok USD --output-per-mtok USD \
             --reprice-unpriced",
            m = v.model
        );
    }
    if let Some(e) = &v.error {
        s += &format!("\nerror[{}]: {}", e.code, e.message);
    } else if v.status == RunStatus::Cancelled {
        s += "\ncancelled: the partial answer and its estimated cost were recorded";
    }
    s
}
