//! The provider families PromptLedger speaks to, and how their names map to price-table entries.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::CoreError;

/// A provider: the four with their own wire format (OpenAI, Anthropic, Gemini, Ollama), the
/// OpenAI-compatible services PromptLedger knows by name (presets: their base URL, key hint,
/// price-table entries and usage quirks), and any other OpenAI-compatible endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// api.openai.com.
    Openai,
    /// api.anthropic.com.
    Anthropic,
    /// Google's Generative Language API (Gemini).
    Gemini,
    /// A local Ollama server: unmetered.
    Ollama,
    /// xAI (Grok): reasoning tokens are reported outside `completion_tokens`.
    Xai,
    /// DeepSeek: cache hits as `prompt_cache_hit_tokens`; off-peak hours.
    Deepseek,
    /// Groq.
    Groq,
    /// Mistral AI.
    Mistral,
    /// OpenRouter: a gateway that reports what it charged (`usage.cost`).
    Openrouter,
    /// Together AI.
    Together,
    /// Fireworks AI.
    Fireworks,
    /// Any other OpenAI-compatible endpoint (LiteLLM proxy, vLLM, LM Studio…).
    OpenaiCompatible,
}

/// How a provider's usage object counts tokens, where it differs from OpenAI's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageDialect {
    /// OpenAI Chat Completions / Responses (and DeepSeek's extra cache-hit fields).
    OpenAi,
    /// xAI: `completion_tokens` excludes `reasoning_tokens`.
    OpenAiReasoningApart,
    /// Anthropic Messages.
    Anthropic,
    /// Gemini `usageMetadata`.
    Gemini,
    /// Ollama's final object.
    Ollama,
}

/// Everything that differs between providers besides the wire format: one row each.
struct Info {
    id: &'static str,
    name: &'static str,
    /// Price-table `litellm_provider` values it bills at (empty: any).
    litellm: &'static [&'static str],
    /// Price-table key prefix of its own entries (`gemini/…`).
    key_prefix: Option<&'static str>,
    env_vars: &'static [&'static str],
    /// Public endpoint (None: the user must give one).
    base_url: Option<&'static str>,
    /// How its keys start, to help the user paste the right one.
    key_hint: Option<&'static str>,
    /// Speaks OpenAI's Chat Completions.
    openai_wire: bool,
    usage: UsageDialect,
    /// Names users type for it, besides the id.
    aliases: &'static [&'static str],
}

const fn compatible(
    id: &'static str,
    name: &'static str,
    litellm: &'static [&'static str],
    env: &'static [&'static str],
    base_url: &'static str,
    key_hint: Option<&'static str>,
) -> Info {
    Info {
        id,
        name,
        litellm,
        key_prefix: match litellm.first() {
            Some(p) => Some(*p),
            None => None,
        },
        env_vars: env,
        base_url: Some(base_url),
        key_hint,
        openai_wire: true,
        usage: UsageDialect::OpenAi,
        aliases: &[],
    }
}

impl ProviderKind {
    /// Every provider, in display order.
    pub const ALL: [ProviderKind; 12] = [
        ProviderKind::Openai,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
        ProviderKind::Ollama,
        ProviderKind::Xai,
        ProviderKind::Deepseek,
        ProviderKind::Groq,
        ProviderKind::Mistral,
        ProviderKind::Openrouter,
        ProviderKind::Together,
        ProviderKind::Fireworks,
        ProviderKind::OpenaiCompatible,
    ];

    fn info(self) -> Info {
        use UsageDialect as U;
        match self {
            ProviderKind::Openai => Info {
                id: "openai",
                name: "OpenAI",
                litellm: &["openai", "text-completion-openai"],
                key_prefix: Some("openai"),
                env_vars: &["OPENAI_API_KEY"],
                base_url: Some("https://api.openai.com/v1"),
                key_hint: Some("sk-…"),
                openai_wire: true,
                usage: U::OpenAi,
                aliases: &[],
            },
            ProviderKind::Anthropic => Info {
                id: "anthropic",
                name: "Anthropic",
                litellm: &["anthropic"],
                key_prefix: Some("anthropic"),
                env_vars: &["ANTHROPIC_API_KEY"],
                base_url: Some("https://api.anthropic.com"),
                key_hint: Some("sk-ant-…"),
                openai_wire: false,
                usage: U::Anthropic,
                aliases: &["claude"],
            },
            ProviderKind::Gemini => Info {
                id: "gemini",
                name: "Google Gemini",
                litellm: &["gemini"],
                key_prefix: Some("gemini"),
                env_vars: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
                base_url: Some("https://generativelanguage.googleapis.com"),
                key_hint: Some("AIza…"),
                openai_wire: false,
                usage: U::Gemini,
                aliases: &["google", "google_gemini"],
            },
            ProviderKind::Ollama => Info {
                id: "ollama",
                name: "Ollama (local)",
                litellm: &["ollama"],
                key_prefix: Some("ollama"),
                env_vars: &["OLLAMA_API_KEY"],
                base_url: None, // $OLLAMA_HOST or 127.0.0.1:11434, see Endpoint
                key_hint: None,
                openai_wire: false,
                usage: U::Ollama,
                aliases: &[],
            },
            ProviderKind::Xai => Info {
                usage: U::OpenAiReasoningApart,
                aliases: &["grok", "x_ai"],
                ..compatible(
                    "xai",
                    "xAI",
                    &["xai"],
                    &["XAI_API_KEY"],
                    "https://api.x.ai/v1",
                    Some("xai-…"),
                )
            },
            ProviderKind::Deepseek => compatible(
                "deepseek",
                "DeepSeek",
                &["deepseek"],
                &["DEEPSEEK_API_KEY"],
                "https://api.deepseek.com",
                Some("sk-…"),
            ),
            ProviderKind::Groq => compatible(
                "groq",
                "Groq",
                &["groq"],
                &["GROQ_API_KEY"],
                "https://api.groq.com/openai/v1",
                Some("gsk_…"),
            ),
            ProviderKind::Mistral => Info {
                aliases: &["mistral_ai", "mistralai"],
                ..compatible(
                    "mistral",
                    "Mistral AI",
                    &["mistral"],
                    &["MISTRAL_API_KEY"],
                    "https://api.mistral.ai/v1",
                    None,
                )
            },
            ProviderKind::Openrouter => Info {
                // OpenRouter names models `vendor/model`; the vendor's own entry prices them.
                litellm: &[],
                key_prefix: None,
                aliases: &["open_router"],
                ..compatible(
                    "openrouter",
                    "OpenRouter",
                    &[],
                    &["OPENROUTER_API_KEY"],
                    "https://openrouter.ai/api/v1",
                    Some("sk-or-…"),
                )
            },
            ProviderKind::Together => Info {
                aliases: &["together_ai", "togetherai"],
                ..compatible(
                    "together",
                    "Together AI",
                    &["together_ai"],
                    &["TOGETHER_API_KEY", "TOGETHERAI_API_KEY"],
                    "https://api.together.xyz/v1",
                    None,
                )
            },
            ProviderKind::Fireworks => Info {
                aliases: &["fireworks_ai"],
                ..compatible(
                    "fireworks",
                    "Fireworks AI",
                    &["fireworks_ai"],
                    &["FIREWORKS_API_KEY"],
                    "https://api.fireworks.ai/inference/v1",
                    Some("fw_…"),
                )
            },
            ProviderKind::OpenaiCompatible => Info {
                id: "openai_compatible",
                name: "OpenAI-compatible",
                litellm: &[],
                key_prefix: None,
                env_vars: &["OPENAI_API_KEY"],
                base_url: None,
                key_hint: None,
                openai_wire: true,
                usage: U::OpenAi,
                aliases: &["compatible", "custom"],
            },
        }
    }

    /// Stable snake_case id, as stored in the ledger.
    pub fn as_str(self) -> &'static str {
        self.info().id
    }

    /// Human name.
    pub fn display_name(self) -> &'static str {
        self.info().name
    }

    /// The `litellm_provider` values in the price table whose prices this provider bills at
    /// (empty: any entry).
    pub fn litellm_providers(self) -> &'static [&'static str] {
        self.info().litellm
    }

    /// The key prefix the price table uses for this provider's models (`gemini/…`).
    pub fn key_prefix(self) -> Option<&'static str> {
        self.info().key_prefix
    }

    /// The environment variables the CLI reads a one-off key from, first found wins.
    pub fn env_key_vars(self) -> &'static [&'static str] {
        self.info().env_vars
    }

    /// The public endpoint, when the provider has one (Ollama's is local; see `Endpoint`).
    pub fn default_base_url(self) -> Option<&'static str> {
        self.info().base_url
    }

    /// How the provider's keys start (`xai-…`), when they have a recognisable prefix.
    pub fn key_hint(self) -> Option<&'static str> {
        self.info().key_hint
    }

    /// Speaks OpenAI's Chat Completions wire format.
    pub fn speaks_openai(self) -> bool {
        self.info().openai_wire
    }

    /// How its usage object counts tokens.
    pub fn usage_dialect(self) -> UsageDialect {
        self.info().usage
    }

    /// Whether a run can go without any key (a local server; an OpenAI-compatible endpoint
    /// that may not need one).
    pub fn keyless_ok(self) -> bool {
        matches!(self, ProviderKind::Ollama | ProviderKind::OpenaiCompatible)
    }

    /// The CLI's spelling of the id (`openai-compatible`).
    pub fn cli_name(self) -> &'static str {
        match self {
            ProviderKind::OpenaiCompatible => "openai-compatible",
            other => other.as_str(),
        }
    }

    /// Local models cost nothing per token: their runs are recorded as `unmetered`.
    pub fn is_unmetered(self) -> bool {
        matches!(self, ProviderKind::Ollama)
    }

    /// Whether a model the price table does not know may still run (and be recorded as
    /// `unpriced`): true for OpenAI-compatible services and gateways, whose model names are
    /// often aliases; false for the native providers, where an unknown name is a typo.
    pub fn may_run_unpriced(self) -> bool {
        self.speaks_openai() && self != ProviderKind::Openai
    }

    /// Every CLI name, for messages: `openai, anthropic, …, openai-compatible`.
    pub fn cli_names() -> String {
        Self::ALL.map(ProviderKind::cli_name).join(", ")
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' ', '.'], "_");
        ProviderKind::ALL
            .into_iter()
            .find(|k| k.as_str() == norm || k.info().aliases.contains(&norm.as_str()))
            .ok_or_else(|| {
                CoreError::invalid(
                    "provider",
                    format!(
                        "`{s}` is not a provider; use one of {}",
                        ProviderKind::cli_names()
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_users_type() {
        assert_eq!(
            "OpenAI".parse::<ProviderKind>().unwrap(),
            ProviderKind::Openai
        );
        assert_eq!(
            "google".parse::<ProviderKind>().unwrap(),
            ProviderKind::Gemini
        );
        assert_eq!(
            "openai-compatible".parse::<ProviderKind>().unwrap(),
            ProviderKind::OpenaiCompatible
        );
        assert!("azure".parse::<ProviderKind>().is_err());
        for (typed, kind) in [
            ("xai", ProviderKind::Xai),
            ("Grok", ProviderKind::Xai),
            ("deepseek", ProviderKind::Deepseek),
            ("together_ai", ProviderKind::Together),
            ("fireworks-ai", ProviderKind::Fireworks),
            ("OpenRouter", ProviderKind::Openrouter),
        ] {
            assert_eq!(typed.parse::<ProviderKind>().unwrap(), kind, "{typed}");
        }
    }

    #[test]
    fn every_id_round_trips_and_presets_speak_openai() {
        for k in ProviderKind::ALL {
            assert_eq!(k.as_str().parse::<ProviderKind>().unwrap(), k);
            assert_eq!(k.cli_name().parse::<ProviderKind>().unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for k in [
            ProviderKind::Xai,
            ProviderKind::Deepseek,
            ProviderKind::Openrouter,
        ] {
            assert!(k.speaks_openai() && k.default_base_url().is_some() && !k.keyless_ok());
        }
    }
}
