//! What `run`, `compare`, `models` and `keys` share: the network flags, the one HTTP client
//! and run service per process, the async runtime, reading the prompt, printing alerts.

use clap::Args;
use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::Ledger;
use promptledger_core::providers::{HttpSettings, ProviderClient};
use promptledger_core::runner::{KeySource, PromptInput, RunService, Runner, TargetRequest};
use promptledger_core::vault::KeyringStore;
use promptledger_core::{CoreError, Result};
use std::io::{IsTerminal, Read};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

impl Default for NetArgs {
    /// The flags' defaults (a resumed job keeps its targets' base URLs and headers).
    fn default() -> NetArgs {
        NetArgs {
            base_url: None,
            max_retries: 2,
            connect_timeout: 10.0,
            timeout: 600.0,
            idle_timeout: 60.0,
            headers: Vec::new(),
        }
    }
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

impl NetArgs {
    /// `target` with these flags' base URL and headers.
    pub(crate) fn apply(&self, mut target: TargetRequest) -> TargetRequest {
        target.base_url = self.base_url.clone();
        target.headers = self.headers.clone();
        target
    }
}

/// The run service over `ledger`: one HTTP client for the process, saved keys from the OS
/// keychain, and a provider's environment variable for this invocation.
pub fn service(ledger: Ledger, http: HttpSettings) -> Result<RunService> {
    let pricer = ledger.pricer()?;
    let ledger = Arc::new(Mutex::new(ledger));
    let client = ProviderClient::new(http)?;
    let keys = KeyManager::new(Arc::new(KeyringStore), client.clone(), ledger.clone());
    Ok(RunService::new(
        Runner::new(client, ledger, pricer),
        keys,
        KeySource::KeychainOrEnv,
    ))
}

/// A key manager over the OS keychain and `ledger`, with the process's one HTTP client.
pub fn key_manager(ledger: Ledger, http: HttpSettings) -> Result<KeyManager> {
    Ok(KeyManager::new(
        Arc::new(KeyringStore),
        ProviderClient::new(http)?,
        Arc::new(Mutex::new(ledger)),
    ))
}

/// Prints budget alerts a run raised, one line each.
pub(crate) fn print_alerts(alerts: &[promptledger_core::ledger::budgets::BudgetAlert]) {
    for a in alerts {
        eprintln!("budget alert: {}", a.message());
    }
}

/// The prompt argument; `-` (or nothing, with piped input) reads stdin.
pub(crate) fn read_prompt(arg: Option<String>) -> Result<String> {
    let text = match arg.as_deref() {
        Some("-") | None => {
            if arg.is_none() && std::io::stdin().is_terminal() {
                return Err(CoreError::invalid(
                    "prompt",
                    "give a prompt, or pipe one in with `-`",
                ));
            }
            read_stdin()?
        }
        Some(p) => p.to_string(),
    };
    if text.trim().is_empty() {
        return Err(CoreError::invalid("prompt", "the prompt is empty"));
    }
    Ok(text)
}

/// All of standard input.
pub(crate) fn read_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|source| CoreError::Io {
            action: "cannot read",
            path: "stdin".into(),
            source,
        })?;
    Ok(s)
}

/// `--template NAME --var k=v …`, else the prompt argument (or stdin).
pub(crate) fn prompt_input(
    template: Option<String>,
    vars: &[String],
    prompt: Option<String>,
) -> Result<PromptInput> {
    Ok(match template {
        Some(name) => PromptInput::Template {
            name,
            vars: promptledger_core::templates::parse_vars(vars)?,
        },
        None => PromptInput::Text(read_prompt(prompt)?),
    })
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

/// Runs `work` to its end on a fresh runtime; Ctrl-C, SIGTERM (`kill`, a service manager) and
/// SIGHUP (the terminal closed) cancel `cancel`: what arrived is kept and the run is recorded
/// as `cancelled` before the process exits.
pub fn run_until_done<T>(
    cancel: &tokio_util::sync::CancellationToken,
    work: impl std::future::Future<Output = T>,
) -> Result<T> {
    Ok(runtime()?.block_on(async {
        let stopper = cancel.clone();
        tokio::spawn(async move {
            stop_requested().await;
            stopper.cancel();
        });
        work.await
    }))
}

/// Resolves on the first Ctrl-C, SIGTERM or SIGHUP.
pub(crate) async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let hup = signal(SignalKind::hangup());
        if let (Ok(mut term), Ok(mut hup)) = (term, hup) {
            tokio::select! {
                r = tokio::signal::ctrl_c() => { let _ = r; }
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
