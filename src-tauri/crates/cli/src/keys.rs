//! `promptledger keys …`: add (validated first), list, test, rotate, set default, rename and
//! remove saved keys. A secret is read from stdin or a hidden prompt — never from the command
//! line — and goes only to the OS keychain.

use clap::Subcommand;
use promptledger_core::keys::admin::NewAdminKey;
use promptledger_core::keys::{KeyManager, NewKey};
use promptledger_core::ledger::billing::{ADMIN_KEY_WARNING, AdminKeyRecord};
use promptledger_core::ledger::keys::KeyRecord;
use promptledger_core::vault::Secret;
use promptledger_core::{CoreError, ProviderKind, Result};
use std::io::{IsTerminal, Read};

use crate::format;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Save a key: it is checked against the provider first (its model list, no tokens), then
    /// stored in the OS keychain. The secret is read from stdin or a hidden prompt.
    Add {
        /// openai, anthropic, gemini, ollama, xai, deepseek, groq, mistral, openrouter, together,
        /// fireworks or openai-compatible
        #[arg(long, short = 'p')]
        provider: String,
        /// A name for the key ("work", "side project")
        #[arg(long, short = 'l')]
        label: String,
        /// Base URL (required for openai-compatible)
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// OpenAI organization id (sent as OpenAI-Organization)
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        /// OpenAI project id (sent as OpenAI-Project)
        #[arg(long, value_name = "PROJECT")]
        project: Option<String>,
        /// Name of an OpenAI-compatible service ("OpenRouter", "Groq")
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        /// An admin key (OpenAI `sk-admin-…`, Anthropic `sk-ant-admin…`): it reads the
        /// organisation's billing for `reconcile` and is never used to run prompts
        #[arg(long, conflicts_with_all = ["org", "project", "display_name"])]
        admin: bool,
    },
    /// List saved keys with their health and this month's spend.
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// List the admin keys (billing) instead
        #[arg(long)]
        admin: bool,
    },
    /// Check a key against its provider now.
    Test {
        /// Key id
        id: String,
    },
    /// Replace a key's secret (checked first), keeping its id, label and history.
    Rotate {
        /// Key id
        id: String,
    },
    /// Make a key its provider's default (what `run` uses without --key).
    Default {
        /// Key id
        id: String,
    },
    /// Rename a key.
    Rename {
        /// Key id
        id: String,
        /// New label
        label: String,
    },
    /// Delete a key (or an admin key) from the keychain; its runs keep the label.
    Remove {
        /// Key id
        id: String,
    },
}

/// Reads a secret: a hidden prompt on a terminal, else the first line of stdin.
fn read_secret(prompt: &str) -> Result<Secret> {
    let io = |source| CoreError::Io {
        action: "cannot read the key from",
        path: "stdin".into(),
        source,
    };
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(io)?
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(io)?;
        s.lines().next().unwrap_or_default().to_string()
    };
    Ok(Secret::new(text))
}

fn print_keys(keys: &[KeyRecord]) {
    outln!(
        "{:<30} {:<18} {:<16} {:>7} {:<8} {:>6} {:>12} {:>6}  last used",
        "id",
        "provider",
        "label",
        "key",
        "status",
        "runs",
        "spend (mo.)",
        "errors"
    );
    for k in keys {
        let last_used = k
            .last_used_at_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_else(|| "never".into());
        let label: String = k.label.chars().take(16).collect();
        outln!(
            "{:<30} {:<18} {:<16} {:>7} {:<8} {:>6} {:>12} {:>6}  {last_used}{}",
            k.id,
            k.provider,
            label,
            k.preview,
            k.status,
            format::thousands(u64::try_from(k.runs_this_month).unwrap_or(0)),
            k.spend_this_month_nano_usd.to_string(),
            k.error_count,
            if k.is_default { "  (default)" } else { "" }
        );
    }
}

fn print_admin_keys(keys: &[AdminKeyRecord]) {
    outln!("Admin keys (billing only; never used to run prompts):");
    for k in keys {
        let synced = k
            .last_synced_at_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_else(|| "never".into());
        outln!(
            "{:<40} {:<10} {:<16} {:>7} {:<8} synced {synced}{}",
            k.id,
            k.provider,
            k.label.chars().take(16).collect::<String>(),
            k.preview,
            k.status,
            k.last_error_message
                .as_deref()
                .map(|m| format!(" — {m}"))
                .unwrap_or_default()
        );
    }
    outln!("{ADMIN_KEY_WARNING}");
}

pub fn run(keys: &KeyManager, rt: &tokio::runtime::Runtime, cmd: KeysCommand) -> Result<()> {
    match cmd {
        KeysCommand::Add {
            provider,
            label,
            base_url,
            org,
            project,
            display_name,
            admin,
        } => {
            let provider: ProviderKind = provider.parse()?;
            if admin {
                let secret =
                    read_secret(&format!("{} admin key (hidden): ", provider.display_name()))?;
                let k = rt.block_on(keys.add_admin(NewAdminKey {
                    provider,
                    label,
                    secret,
                    base_url,
                }))?;
                outln!(
                    "saved {} admin key {} as {} (checked with a billing call)",
                    provider.display_name(),
                    k.preview,
                    k.id
                );
                eprintln!("note: {ADMIN_KEY_WARNING}");
                return Ok(());
            }
            let secret = read_secret(&format!("{} API key (hidden): ", provider.display_name()))?;
            let k = rt.block_on(keys.add(NewKey {
                provider,
                label,
                secret,
                base_url,
                organization: org,
                project,
                display_name,
            }))?;
            outln!(
                "saved {} key {} ({}) as {}{}",
                provider.display_name(),
                k.preview,
                k.status,
                k.id,
                if k.is_default { ", the default" } else { "" }
            );
        }
        KeysCommand::List { json, admin: true } => {
            let list = keys.admin_keys()?;
            if json {
                return crate::print_json(&list);
            }
            print_admin_keys(&list);
        }
        KeysCommand::List { json, admin: false } => {
            let list = keys.list()?;
            if json {
                return crate::print_json(&list);
            }
            print_keys(&list);
            let admin = keys.admin_keys()?;
            if !admin.is_empty() {
                outln!();
                print_admin_keys(&admin);
            }
        }
        KeysCommand::Test { id } => {
            let k = rt.block_on(keys.test(&id))?;
            match k.status.as_str() {
                "valid" => outln!("{} {}: valid", k.id, k.preview),
                _ => {
                    return Err(CoreError::invalid(
                        "key",
                        format!(
                            "{} {} is {}: {}",
                            k.id,
                            k.preview,
                            k.status,
                            k.last_error_message.unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        KeysCommand::Rotate { id } => {
            let secret = read_secret("New API key (hidden): ")?;
            let k = rt.block_on(keys.rotate(&id, secret))?;
            outln!("rotated {}: now {}", k.id, k.preview);
        }
        KeysCommand::Default { id } => {
            let k = keys.set_default(&id)?;
            outln!(
                "{} ({}) is now the default {} key",
                k.id,
                k.label,
                k.provider
            );
        }
        KeysCommand::Rename { id, label } => {
            let k = keys.rename(&id, &label)?;
            outln!("{} is now “{}”", k.id, k.label);
        }
        KeysCommand::Remove { id } => {
            keys.remove(&id)?;
            outln!("removed {id} from the keychain; its runs keep their label");
        }
    }
    Ok(())
}
