//! Finding a model's price-table entry from the names users and APIs use: exact keys, provider
//! prefixed keys (`gemini/gemini-2.5-pro`), `provider/model`, `models/…` (Gemini), dated ids the
//! table lists and, failing those, the undated id. An unknown name gets the closest known ids.

use serde::{Deserialize, Serialize};

use crate::pricing::table::{ModelPrice, PriceTable};
use crate::provider::ProviderKind;

/// How a name was matched to a table entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The name is a table key of the provider's own.
    Exact,
    /// The provider's prefix was added (`gemini-2.5-pro` → `gemini/gemini-2.5-pro`).
    ProviderPrefixed,
    /// A `provider/` prefix was removed (`openai/gpt-4o` → `gpt-4o`).
    PrefixRemoved,
    /// The name is a key of another provider's entry (no entry of the provider's own).
    OtherProvider,
    /// A date suffix the table does not list was removed (`…-2031-01-01` → `…`).
    Undated,
    /// A table entry with the user's price override on top.
    Override,
    /// A custom model the user priced.
    Custom,
    /// A local model (Ollama): no per-token charge.
    Unmetered,
    /// A model the table does not know, run through an OpenAI-compatible service: no price.
    Unpriced,
}

impl MatchKind {
    /// Stable snake_case id.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::ProviderPrefixed => "provider_prefixed",
            MatchKind::PrefixRemoved => "prefix_removed",
            MatchKind::OtherProvider => "other_provider",
            MatchKind::Undated => "undated",
            MatchKind::Override => "override",
            MatchKind::Custom => "custom",
            MatchKind::Unmetered => "unmetered",
            MatchKind::Unpriced => "unpriced",
        }
    }
}

/// Strips a trailing snapshot date: `-2024-07-18`, `-20250929`, `@20250929`.
pub fn undated(model: &str) -> Option<&str> {
    let b = model.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if b.len() > 11
        && (b[b.len() - 9] == b'-' || b[b.len() - 9] == b'@')
        && digits(&b[b.len() - 8..])
    {
        return Some(&model[..model.len() - 9]);
    }
    if b.len() > 11 {
        let tail = &b[b.len() - 11..];
        if tail[0] == b'-'
            && tail[5] == b'-'
            && tail[8] == b'-'
            && digits(&tail[1..5])
            && digits(&tail[6..8])
            && digits(&tail[9..11])
        {
            return Some(&model[..model.len() - 11]);
        }
    }
    None
}

impl PriceTable {
    /// Finds the entry `provider` bills `model` at.
    pub fn resolve(
        &self,
        provider: Option<ProviderKind>,
        model: &str,
    ) -> Option<(&ModelPrice, MatchKind)> {
        let model = model.trim();
        let model = model.strip_prefix("models/").unwrap_or(model);
        if let Some(hit) = self.resolve_name(provider, model) {
            return Some(hit);
        }
        // `openai/gpt-4o`, `anthropic/claude-sonnet-4-5`: the prefix names the provider.
        if let Some((prefix, rest)) = model.split_once('/') {
            let named = prefix.parse::<ProviderKind>().ok().or(provider);
            if let Some((p, kind)) = self.resolve_name(named, rest) {
                let kind = if kind == MatchKind::Exact {
                    MatchKind::PrefixRemoved
                } else {
                    kind
                };
                return Some((p, kind));
            }
        }
        let bare = undated(model)?;
        self.resolve_name(provider, bare)
            .map(|(p, _)| (p, MatchKind::Undated))
    }

    fn resolve_name(
        &self,
        provider: Option<ProviderKind>,
        name: &str,
    ) -> Option<(&ModelPrice, MatchKind)> {
        let own = |p: &ModelPrice| match provider {
            Some(k) if !k.litellm_providers().is_empty() => {
                k.litellm_providers().contains(&p.litellm_provider.as_str())
            }
            _ => true,
        };
        // As LiteLLM does when the provider is known: its own `provider/model` entry first (where
        // it and the bare id disagree, e.g. `gemini/gemini-exp-1206`, the prefixed one is the
        // provider's price), then the bare id of the provider's own, then anyone's.
        if let Some(prefix) = provider.and_then(ProviderKind::key_prefix)
            && !name.starts_with(&format!("{prefix}/"))
            && let Some(p) = self.get(&format!("{prefix}/{name}"))
        {
            return Some((p, MatchKind::ProviderPrefixed));
        }
        if let Some(p) = self.get(name).filter(|p| own(p)) {
            return Some((p, MatchKind::Exact));
        }
        self.get(name).map(|p| (p, MatchKind::OtherProvider))
    }

    /// Up to `n` known ids closest to `model`, best first (the provider's own ids preferred).
    pub fn suggest(&self, provider: Option<ProviderKind>, model: &str, n: usize) -> Vec<String> {
        let needle = model.trim().to_ascii_lowercase();
        let needle = needle.rsplit('/').next().unwrap_or(&needle).to_string();
        let mut scored: Vec<(f64, &str)> = self
            .iter()
            .map(|p| {
                let bare = p
                    .key
                    .rsplit('/')
                    .next()
                    .unwrap_or(&p.key)
                    .to_ascii_lowercase();
                let mut score = strsim::jaro_winkler(&needle, &bare);
                if bare.contains(&needle) || needle.contains(&bare) {
                    score += 0.1;
                }
                if provider
                    .is_some_and(|k| k.litellm_providers().contains(&p.litellm_provider.as_str()))
                {
                    score += 0.05;
                }
                (score, p.key.as_str())
            })
            .filter(|(s, _)| *s > 0.75)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.len().cmp(&b.1.len())));
        scored
            .into_iter()
            .take(n)
            .map(|(_, k)| k.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(p: Option<ProviderKind>, m: &str) -> Option<(String, MatchKind)> {
        PriceTable::bundled()
            .resolve(p, m)
            .map(|(p, k)| (p.key.clone(), k))
    }

    #[test]
    fn resolves_the_names_people_use() {
        use MatchKind::*;
        use ProviderKind::*;
        let cases: &[(Option<ProviderKind>, &str, &str, MatchKind)] = &[
            (Some(Openai), "gpt-4o", "gpt-4o", Exact),
            (
                Some(Openai),
                "gpt-4o-mini-2024-07-18",
                "gpt-4o-mini-2024-07-18",
                Exact,
            ),
            (
                Some(Anthropic),
                "claude-sonnet-4-5",
                "claude-sonnet-4-5",
                Exact,
            ),
            (
                Some(Gemini),
                "gemini-2.5-pro",
                "gemini/gemini-2.5-pro",
                ProviderPrefixed,
            ),
            (
                Some(Gemini),
                "models/gemini-2.5-flash",
                "gemini/gemini-2.5-flash",
                ProviderPrefixed,
            ),
            (
                Some(Gemini),
                "gemini/gemini-2.5-pro",
                "gemini/gemini-2.5-pro",
                Exact,
            ),
            (None, "openai/gpt-4o", "gpt-4o", PrefixRemoved),
            (Some(Openai), "gpt-4o-2031-01-01", "gpt-4o", Undated),
            (
                Some(Anthropic),
                "claude-sonnet-4-5-20990101",
                "claude-sonnet-4-5",
                Undated,
            ),
        ];
        for (p, m, want, kind) in cases {
            assert_eq!(key(*p, m), Some((want.to_string(), *kind)), "{p:?} {m}");
        }
        assert_eq!(key(Some(Openai), "no-such-model"), None);
    }

    #[test]
    fn the_dated_id_the_table_lists_wins_over_the_alias() {
        // gpt-4o-2024-05-13 is priced higher than gpt-4o: it must not be undated.
        let t = PriceTable::bundled();
        let (p, k) = t
            .resolve(Some(ProviderKind::Openai), "gpt-4o-2024-05-13")
            .unwrap();
        assert_eq!((p.key.as_str(), k), ("gpt-4o-2024-05-13", MatchKind::Exact));
        assert_ne!(p.base.input, t.get("gpt-4o").unwrap().base.input);
    }

    #[test]
    fn suggestions_are_close() {
        let s = PriceTable::bundled().suggest(Some(ProviderKind::Openai), "gpt-4oo", 5);
        assert!(s.iter().any(|k| k == "gpt-4o"), "{s:?}");
        assert!(undated("gpt-4o").is_none());
    }
}
