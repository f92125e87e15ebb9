//! Token estimates with `tiktoken-rs` (o200k, embedded, offline): for the pre-flight estimate
//! and for usage a cut stream never reported. Approximate for non-OpenAI tokenizers.

use crate::providers::ChatRequest;

/// Tokens in `text`.
pub fn count(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    tiktoken_rs::o200k_base_singleton()
        .encode_ordinary(text)
        .len() as u64
}

/// Input tokens of a request: every message plus a few tokens of framing each.
pub fn prompt_tokens(req: &ChatRequest) -> u64 {
    let framing = 4;
    let system = req.system.as_deref().map_or(0, |s| count(s) + framing);
    let messages: u64 = req
        .messages
        .iter()
        .map(|m| count(&m.content) + framing)
        .sum();
    system + messages + 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_plausible() {
        assert_eq!(count(""), 0);
        let n = count("The quick brown fox jumps over the lazy dog.");
        assert!((8..=12).contains(&n), "{n}");
    }
}
