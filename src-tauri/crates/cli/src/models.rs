//! `promptledger models`: a provider's model list (this also checks the key; it costs no
//! tokens).

use clap::Args;
use promptledger_core::keys::{KeySource, Secrets};
use promptledger_core::pricing::MatchKind;
use promptledger_core::runner::TargetRequest;
use promptledger_core::{ProviderKind, Result};

use crate::format;
use crate::shared::{NetArgs, key_manager, runtime};

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// openai, anthropic, gemini, ollama, xai, deepseek, groq, mistral, openrouter, together,
    /// fireworks or openai-compatible
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
pub fn models(ledger: promptledger_core::ledger::Ledger, a: ModelsArgs) -> Result<()> {
    let provider: ProviderKind = a.provider.parse()?;
    let pricer = ledger.pricer()?;
    let keys = key_manager(ledger, a.net.settings()?)?;
    let target = TargetRequest {
        key_id: a.key.clone(),
        ..a.net.apply(TargetRequest::new(provider, ""))
    };
    let (ep, _) = keys.resolve(&target, KeySource::KeychainOrEnv, Secrets::Read)?;
    let models = runtime()?.block_on(keys.client().list_models(&ep))?;
    if a.json {
        return crate::print_json(&models);
    }
    for m in &models {
        // A gateway's alias without a price still runs; say so before the user finds out.
        let unpriced = if pricer
            .quote_for_run(provider, &m.id)
            .is_ok_and(|q| q.match_kind == MatchKind::Unpriced)
        {
            "  · no price: runs are recorded unpriced"
        } else {
            ""
        };
        match (&m.display_name, m.context_window) {
            (Some(n), Some(c)) => outln!(
                "{}  ({n}, {} context){unpriced}",
                m.id,
                format::context(Some(c))
            ),
            (Some(n), None) => outln!("{}  ({n}){unpriced}", m.id),
            _ => outln!("{}{unpriced}", m.id),
        }
    }
    eprintln!("{} models", models.len());
    Ok(())
}
