//! `promptledger otlp` and `export otlp`: send every run to the team's OpenTelemetry collector.
//! `configure` saves the endpoint, protocol and headers in the ledger (a secret header's value
//! in the OS keychain, read from a hidden prompt or stdin) and turns the export on: from then on
//! every run the CLI or the app records is queued with it and sent. A CLI process that recorded
//! runs spends at most 2 s sending before it exits and leaves the rest for the next process or
//! the app. `status` shows the backlog, `flush` sends it, `export otlp` backfills a period. The
//! standard `OTEL_EXPORTER_OTLP_*` variables override the saved endpoint, protocol and headers.

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use promptledger_core::analytics::{DayRange, Filters};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::otlp::{OtlpProtocol, OtlpSettings};
use promptledger_core::otel::{self, Exporter, SpanOptions};
use promptledger_core::vault::{KeyringStore, Secret, SecretStore};
use promptledger_core::{CoreError, Result};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::shared::runtime;

#[derive(Debug, Subcommand)]
pub enum OtlpCommand {
    /// Send every recorded run to a collector from now on
    Configure(ConfigureArgs),
    /// Stop queueing runs (the settings and the backlog are kept)
    Disable,
    /// Whether the export is on, where it goes, and what is waiting
    Status(StatusArgs),
    /// Send everything waiting now; exits 1 if anything is left
    Flush(StatusArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  promptledger otlp configure --endpoint http://127.0.0.1:4318
  promptledger otlp configure --endpoint https://cloud.langfuse.com/api/public/otel \\
      --header 'x-langfuse-ingestion-version: 4' --secret-header Authorization
      (then type `Basic <base64 of pk-lf-…:sk-lf-…>` at the hidden prompt)")]
pub struct ConfigureArgs {
    /// The collector's OTLP/HTTP base URL (`/v1/traces` is added) or its full traces URL
    #[arg(long, value_name = "URL")]
    endpoint: String,
    /// http/protobuf or http/json
    #[arg(long, default_value = "http/protobuf")]
    protocol: String,
    /// A header sent as it is, `Name: value` (repeatable; never a secret)
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// A header whose value is a secret: read from a hidden prompt (or one line of stdin each)
    /// and kept in the OS keychain (repeatable)
    #[arg(long = "secret-header", value_name = "NAME")]
    secret_headers: Vec<String>,
    /// Also send prompt and output text (off: only figures and ids leave this machine)
    #[arg(long)]
    include_text: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// `export otlp`'s destination (the period and filters come with it).
#[derive(Debug, Args)]
pub struct Destination {
    /// The collector (default: the configured one)
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// http/protobuf or http/json (default: the configured one)
    #[arg(long)]
    protocol: Option<String>,
    /// Print `{"sent", "accepted", "rejected"}` as JSON
    #[arg(long)]
    json: bool,
}

/// Runs an `otlp` subcommand; `Ok(false)` when a flush left runs waiting.
pub fn run(mut ledger: Ledger, cmd: OtlpCommand) -> Result<bool> {
    match cmd {
        OtlpCommand::Configure(a) => {
            let settings = configure(&mut ledger, a)?;
            eprintln!(
                "runs will be sent to {} ({}){}",
                otel::traces_url(&settings.endpoint)?,
                settings.protocol.as_str(),
                if settings.include_text {
                    ", with their prompt and output text"
                } else {
                    ""
                }
            );
            Ok(true)
        }
        OtlpCommand::Disable => {
            let mut s = ledger.otlp_settings()?;
            s.enabled = false;
            ledger.set_otlp_settings(&s)?;
            eprintln!("the export is off; runs recorded from now on are not queued");
            Ok(true)
        }
        OtlpCommand::Status(a) => {
            status(&ledger, a.json)?;
            Ok(true)
        }
        OtlpCommand::Flush(a) => {
            let settings = otel::with_env(ledger.otlp_settings()?)?;
            let salt = otel::salt(&mut ledger)?;
            let exporter = Exporter::new(&otel::target(&settings, &KeyringStore)?)?;
            let ledger = Arc::new(Mutex::new(ledger));
            let opts = SpanOptions {
                include_text: settings.include_text,
            };
            let deadline = Instant::now() + Duration::from_secs(60);
            let out = runtime()?.block_on(otel::drain(
                &ledger,
                &exporter,
                &salt,
                opts,
                Some(deadline),
            ))?;
            if a.json {
                crate::print_json(&out)?;
            } else {
                outln!(
                    "{} sent · {} accepted · {} refused · {} still waiting",
                    out.sent,
                    out.accepted,
                    out.rejected,
                    out.left
                );
                if let Some(e) = &out.error {
                    eprintln!("last error: {e}");
                }
            }
            Ok(out.left == 0)
        }
    }
}

fn configure(ledger: &mut Ledger, a: ConfigureArgs) -> Result<OtlpSettings> {
    otel::traces_url(&a.endpoint)?;
    let headers = a
        .headers
        .iter()
        .map(|h| promptledger_core::keys::parse_header(h))
        .collect::<Result<Vec<_>>>()?;
    let mut names = Vec::new();
    for name in &a.secret_headers {
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(CoreError::invalid(
                "--secret-header",
                format!("`{name}` is not a header name"),
            ));
        }
        let value = read_secret(name)?;
        KeyringStore.put(&otel::secret_entry(name), &Secret::new(value))?;
        names.push(name.to_string());
    }
    let settings = OtlpSettings {
        enabled: true,
        endpoint: a.endpoint.trim().to_string(),
        protocol: OtlpProtocol::parse(&a.protocol)?,
        headers,
        secret_headers: names,
        include_text: a.include_text,
    };
    ledger.set_otlp_settings(&settings)?;
    Ok(settings)
}

/// A secret header's value: a hidden prompt on a terminal, else one line of stdin.
fn read_secret(name: &str) -> Result<String> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("value of {name} (hidden): ")).map_err(|source| {
            CoreError::Io {
                action: "cannot read",
                path: "the terminal".into(),
                source,
            }
        })?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|source| CoreError::Io {
                action: "cannot read",
                path: "stdin".into(),
                source,
            })?;
        line
    };
    let value = value.trim().to_string();
    if value.is_empty() {
        return Err(CoreError::invalid(
            "--secret-header",
            format!("no value was given for {name}"),
        ));
    }
    if value.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(CoreError::invalid(
            "--secret-header",
            format!("the value of {name} holds a control character"),
        ));
    }
    Ok(value)
}

fn status(ledger: &Ledger, json: bool) -> Result<()> {
    let s = ledger.otlp_settings()?;
    let b = ledger.otlp_backlog()?;
    let at = |ms: Option<i64>| {
        ms.and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    if json {
        return crate::print_json(&serde_json::json!({
            "enabled": s.enabled,
            "endpoint": (!s.endpoint.is_empty()).then_some(&s.endpoint),
            "backlog": b.waiting,
            "last_error": b.last_error,
            "last_success_at": at(b.last_success_at_ms),
            "protocol": s.protocol.as_str(),
            "rejected": b.rejected,
            "failing_since": at(b.failing_since_ms),
            "include_text": s.include_text,
            "headers": s.headers.iter().map(|(k, _)| k).chain(&s.secret_headers).collect::<Vec<_>>(),
        }));
    }
    if s.endpoint.is_empty() {
        outln!("not configured: promptledger otlp configure --endpoint URL");
        return Ok(());
    }
    outln!(
        "{} → {} ({})",
        if s.enabled { "on" } else { "off" },
        s.endpoint,
        s.protocol.as_str()
    );
    outln!(
        "{} run{} waiting{}",
        b.waiting,
        if b.waiting == 1 { "" } else { "s" },
        if b.rejected > 0 {
            format!(
                " · {} refused by the collector (not sent again)",
                b.rejected
            )
        } else {
            String::new()
        }
    );
    if let Some(t) = at(b.last_success_at_ms) {
        outln!("last accepted: {t}");
    }
    if let Some(e) = &b.last_error {
        outln!(
            "failing{}: {e}",
            at(b.failing_since_ms).map_or(String::new(), |t| format!(" since {t}"))
        );
    }
    Ok(())
}

/// `export otlp`: sends every run of the period and filters (the outbox is not touched).
pub fn backfill(
    mut ledger: Ledger,
    range: Option<DayRange>,
    filters: Filters,
    d: Destination,
) -> Result<bool> {
    let mut settings = otel::with_env(ledger.otlp_settings()?)?;
    if let Some(e) = d.endpoint {
        settings.endpoint = e;
        settings.headers.clear();
        settings.secret_headers.clear();
    }
    if let Some(p) = d.protocol {
        settings.protocol = OtlpProtocol::parse(&p)?;
    }
    let salt = otel::salt(&mut ledger)?;
    let exporter = Exporter::new(&otel::target(&settings, &KeyringStore)?)?;
    let ledger = Arc::new(Mutex::new(ledger));
    let bar = if d.json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} spans · ETA {eta}")
        {
            bar.set_style(style.progress_chars("█▉ "));
        }
        bar
    };
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let opts = SpanOptions {
        include_text: settings.include_text,
    };
    let out = runtime()?.block_on(otel::backfill(
        &ledger,
        &exporter,
        &salt,
        opts,
        range.as_ref(),
        &filters,
        &mut progress,
    ))?;
    bar.finish_and_clear();
    if d.json {
        crate::print_json(&serde_json::json!({
            "sent": out.sent, "accepted": out.accepted, "rejected": out.rejected,
            "error": out.error,
        }))?;
    } else {
        outln!(
            "{} sent · {} accepted · {} rejected",
            out.sent,
            out.accepted,
            out.rejected
        );
        if let Some(e) = &out.error {
            eprintln!("error: {e}");
        }
    }
    Ok(out.error.is_none() && out.rejected == 0)
}

/// After a command that recorded runs: when the export is on, sends what is waiting for at
/// most 2 s (the rest waits for the next process or the app). Quiet: `otlp status` tells.
pub fn flush_briefly(db: Option<&std::path::Path>) {
    let Ok(path) = promptledger_core::ledger::resolve_path(db) else {
        return;
    };
    let Ok(mut ledger) = Ledger::open(&path) else {
        return;
    };
    let waiting = ledger.otlp_backlog().map(|b| b.waiting).unwrap_or(0);
    let Ok(settings) = ledger.otlp_settings().and_then(otel::with_env) else {
        return;
    };
    if !settings.enabled || waiting == 0 {
        return;
    }
    let (Ok(salt), Ok(target)) = (
        otel::salt(&mut ledger),
        otel::target(&settings, &KeyringStore),
    ) else {
        return;
    };
    let Ok(exporter) = Exporter::new(&promptledger_core::otel::Target {
        timeout: otel::CLI_FLUSH,
        ..target
    }) else {
        return;
    };
    let ledger = Arc::new(Mutex::new(ledger));
    let deadline = Instant::now() + otel::CLI_FLUSH;
    let opts = SpanOptions {
        include_text: settings.include_text,
    };
    if let Ok(rt) = runtime() {
        let _ = rt.block_on(async {
            tokio::time::timeout(
                otel::CLI_FLUSH,
                otel::drain(&ledger, &exporter, &salt, opts, Some(deadline)),
            )
            .await
        });
    }
}
