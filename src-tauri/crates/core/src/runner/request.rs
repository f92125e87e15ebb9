//! What the user asked for, as a face (the app's commands, the CLI) hands it to the
//! [`RunService`](crate::runner::RunService): targets, the prompt or a template with its
//! variables, the conversation, parameters, tag, and the cache / failover / budget choices.
//! Nothing here is checked yet; the service checks all of it, the same way for every face.

use std::collections::BTreeMap;

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::ledger::cache::CachePolicy;

/// One place to send a prompt: a provider, a key, a model and that target's own settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetRequest {
    /// The wire format.
    pub provider: ProviderKind,
    /// A saved key's id; `None` picks the one-off environment key (CLI), else the provider's
    /// default key, else none for keyless providers.
    pub key_id: Option<String>,
    /// Model id.
    pub model: String,
    /// Another base URL than the key's (a proxy, a gateway, a local server).
    pub base_url: Option<String>,
    /// Extra request headers for gateways, as `Name: value`.
    pub headers: Vec<String>,
    /// Sampling temperature (0–2).
    pub temperature: Option<f64>,
    /// Most output tokens.
    pub max_tokens: Option<u32>,
    /// This target's own system prompt (Compare); wins over the run's.
    pub system: Option<String>,
}

impl TargetRequest {
    /// `provider` / `model` with nothing else set.
    pub fn new(provider: ProviderKind, model: impl Into<String>) -> TargetRequest {
        TargetRequest {
            provider,
            key_id: None,
            model: model.into(),
            base_url: None,
            headers: Vec::new(),
            temperature: None,
            max_tokens: None,
            system: None,
        }
    }

    /// Parses `provider/model` (the model may hold slashes: `openai-compatible/deepseek/x`).
    pub fn parse(flag: &str, text: &str) -> Result<TargetRequest> {
        let (p, m) = text
            .split_once('/')
            .filter(|(p, m)| !p.trim().is_empty() && !m.trim().is_empty())
            .ok_or_else(|| CoreError::invalid(flag, format!("`{text}` is not PROVIDER/MODEL")))?;
        Ok(TargetRequest::new(p.trim().parse()?, m.trim()))
    }

    /// Takes a shared key (a comparison's or a batch job's `--key`) when this target names
    /// none and the key is for its provider; other targets keep their provider's default key.
    pub fn adopt_shared_key(&mut self, shared: Option<&crate::ledger::keys::KeyRecord>) {
        if self.key_id.is_none()
            && let Some(k) = shared.filter(|k| k.provider == self.provider.as_str())
        {
            self.key_id = Some(k.id.clone());
        }
    }

    /// How a comparison column names this target: `provider/model`, then what differs.
    pub fn label(&self) -> String {
        let mut l = format!("{}/{}", self.provider.as_str(), self.model.trim());
        if let Some(x) = self.temperature {
            l += &format!(" · t={x}");
        }
        if let Some(n) = self.max_tokens {
            l += &format!(" · max {n}");
        }
        if non_empty(&self.system).is_some() {
            l += " · own system prompt";
        }
        l
    }
}

/// The prompt: text, or a saved template filled with variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptInput {
    /// The prompt as typed.
    Text(String),
    /// A saved template (its latest version) and a value for each of its variables.
    Template {
        /// The template's name.
        name: String,
        /// Its variables' values.
        vars: BTreeMap<String, String>,
    },
}

impl PromptInput {
    /// A template when `template` names one, else the text.
    pub fn from_parts(
        text: impl Into<String>,
        template: Option<&str>,
        vars: BTreeMap<String, String>,
    ) -> PromptInput {
        match template.map(str::trim).filter(|t| !t.is_empty()) {
            Some(name) => PromptInput::Template {
                name: name.to_string(),
                vars,
            },
            None => PromptInput::Text(text.into()),
        }
    }
}

/// Which conversation a run belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConversationChoice {
    /// None: a one-off run.
    #[default]
    None,
    /// Continue this conversation: its earlier turns are sent along.
    Continue(i64),
    /// Start a conversation with this run.
    Start,
}

/// One run as the user asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    /// Where to send it.
    pub target: TargetRequest,
    /// What to ask.
    pub prompt: PromptInput,
    /// System prompt (a template's own is used when this is empty).
    pub system: Option<String>,
    /// The conversation it joins.
    pub conversation: ConversationChoice,
    /// Stream the answer.
    pub stream: bool,
    /// Tag or project.
    pub tag: Option<String>,
    /// The user's explicit one-time override of a block-mode budget.
    pub override_budget: bool,
    /// Reuse an identical request's paid answer (opt-in).
    pub cache: Option<CachePolicy>,
    /// Targets tried in order when the run fails after its retries.
    pub fallbacks: Vec<TargetRequest>,
    /// Fail over on any provider error, not only retryable ones.
    pub failover_on_any_error: bool,
    /// The face shows the pre-flight estimate, so count its tokens exactly (else they are
    /// bounded, and counted only when a budget needs it).
    pub show_estimate: bool,
}

impl RunRequest {
    /// A streamed one-off run of `prompt` at `target`, with nothing else chosen.
    pub fn new(target: TargetRequest, prompt: PromptInput) -> RunRequest {
        RunRequest {
            target,
            prompt,
            system: None,
            conversation: ConversationChoice::None,
            stream: true,
            tag: None,
            override_budget: false,
            cache: None,
            fallbacks: Vec::new(),
            failover_on_any_error: false,
            show_estimate: false,
        }
    }
}

/// One prompt on several targets at once.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRequest {
    /// 2 to 6 targets.
    pub targets: Vec<TargetRequest>,
    /// What to ask every target.
    pub prompt: PromptInput,
    /// System prompt for every target without its own.
    pub system: Option<String>,
    /// A saved key used for the targets of its provider (the others use their default).
    pub shared_key: Option<String>,
    /// Stream the answers.
    pub stream: bool,
    /// The user's explicit one-time override of a block-mode budget.
    pub override_budget: bool,
}

impl CompareRequest {
    /// A streamed comparison of `prompt` on `targets`.
    pub fn new(targets: Vec<TargetRequest>, prompt: PromptInput) -> CompareRequest {
        CompareRequest {
            targets,
            prompt,
            system: None,
            shared_key: None,
            stream: true,
            override_budget: false,
        }
    }
}

/// `Some(text)` unless it is missing or blank.
pub(crate) fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_targets_name_presets_and_keep_gateway_model_paths() {
        let t = TargetRequest::parse("--model", "xai/grok-4.3").unwrap();
        assert_eq!(
            (t.provider, t.model.as_str()),
            (ProviderKind::Xai, "grok-4.3")
        );
        let r = TargetRequest::parse("--model", "openrouter/anthropic/claude-sonnet-4-5").unwrap();
        assert_eq!(r.provider, ProviderKind::Openrouter);
        assert_eq!(r.model, "anthropic/claude-sonnet-4-5");
        assert!(TargetRequest::parse("--model", "azure/gpt-4o").is_err());
    }
}
