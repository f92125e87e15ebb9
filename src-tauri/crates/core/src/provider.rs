//! The provider families PromptLedger speaks to, and how their names map to price-table entries.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::CoreError;

/// A wire format family. OpenAI-compatible endpoints (OpenRouter, Groq, DeepSeek, Mistral,
/// LM Studio, vLLM…) speak OpenAI's format at another base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// Any OpenAI-compatible endpoint.
    OpenaiCompatible,
}

impl ProviderKind {
    /// Every provider, in display order.
    pub const ALL: [ProviderKind; 5] = [
        ProviderKind::Openai,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
        ProviderKind::Ollama,
        ProviderKind::OpenaiCompatible,
    ];

    /// Stable snake_case id, as stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Ollama => "ollama",
            ProviderKind::OpenaiCompatible => "openai_compatible",
        }
    }

    /// Human name.
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Openai => "OpenAI",
            ProviderKind::Anthropic => "Anthropic",
            ProviderKind::Gemini => "Google Gemini",
            ProviderKind::Ollama => "Ollama (local)",
            ProviderKind::OpenaiCompatible => "OpenAI-compatible",
        }
    }

    /// The `litellm_provider` values in the price table whose prices this provider bills at.
    pub fn litellm_providers(self) -> &'static [&'static str] {
        match self {
            ProviderKind::Openai => &["openai", "text-completion-openai"],
            ProviderKind::Anthropic => &["anthropic"],
            ProviderKind::Gemini => &["gemini"],
            ProviderKind::Ollama => &["ollama"],
            ProviderKind::OpenaiCompatible => &[],
        }
    }

    /// The key prefix the price table uses for this provider's models (`gemini/…`).
    pub fn key_prefix(self) -> Option<&'static str> {
        match self {
            ProviderKind::Openai => Some("openai"),
            ProviderKind::Anthropic => Some("anthropic"),
            ProviderKind::Gemini => Some("gemini"),
            ProviderKind::Ollama => Some("ollama"),
            ProviderKind::OpenaiCompatible => None,
        }
    }

    /// The environment variables the CLI reads a one-off key from, first found wins.
    pub fn env_key_vars(self) -> &'static [&'static str] {
        match self {
            ProviderKind::Openai | ProviderKind::OpenaiCompatible => &["OPENAI_API_KEY"],
            ProviderKind::Anthropic => &["ANTHROPIC_API_KEY"],
            ProviderKind::Gemini => &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
            ProviderKind::Ollama => &["OLLAMA_API_KEY"],
        }
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
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Ok(match norm.as_str() {
            "openai" => ProviderKind::Openai,
            "anthropic" | "claude" => ProviderKind::Anthropic,
            "gemini" | "google" | "google_gemini" => ProviderKind::Gemini,
            "ollama" => ProviderKind::Ollama,
            "openai_compatible" | "compatible" | "custom" => ProviderKind::OpenaiCompatible,
            _ => {
                return Err(CoreError::invalid(
                    "provider",
                    format!(
                        "`{s}` is not a provider; use one of openai, anthropic, gemini, ollama, \
                         openai-compatible"
                    ),
                ));
            }
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
    }
}
