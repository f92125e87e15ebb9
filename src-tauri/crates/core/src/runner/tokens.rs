//! Token estimates with `tiktoken-rs` (o200k, embedded, offline): for the pre-flight estimate
//! and for usage a cut stream never reported. Approximate for non-OpenAI tokenizers.
//!
//! Building the o200k table takes about 250 ms of CPU, once per process, so callers that only
//! need a ceiling use [`prompt_tokens_upper_bound`], which never builds it.

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
    prompt_with(req, count)
}

/// A ceiling on [`prompt_tokens`] without the tokenizer: a BPE token is at least one byte, so a
/// text has at most as many tokens as UTF-8 bytes.
pub fn prompt_tokens_upper_bound(req: &ChatRequest) -> u64 {
    prompt_with(req, |s| s.len() as u64)
}

/// Tokens each message (the system prompt included) adds around its text.
pub(crate) const FRAMING: u64 = 4;
/// Tokens every request adds once (the reply's priming).
pub(crate) const PRIMING: u64 = 3;

fn prompt_with(req: &ChatRequest, count: impl Fn(&str) -> u64) -> u64 {
    let system = req.system.as_deref().map_or(0, |s| count(s) + FRAMING);
    let messages: u64 = req
        .messages
        .iter()
        .map(|m| count(&m.content) + FRAMING)
        .sum();
    system + messages + PRIMING
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

    #[test]
    fn the_byte_bound_is_never_below_the_count() {
        use crate::providers::{ChatRequest, Message, Role};
        for text in [
            "Hi",
            "naïve café — 東京 🚀🚀",
            "    spaces\n\n\ttabs",
            &"x".repeat(5000),
        ] {
            let req = ChatRequest {
                model: "gpt-4o".into(),
                system: Some("Be brief.".into()),
                messages: vec![Message {
                    role: Role::User,
                    content: text.to_string(),
                }],
                temperature: None,
                max_tokens: None,
                stream: false,
            };
            assert!(
                prompt_tokens_upper_bound(&req) >= prompt_tokens(&req),
                "{text}"
            );
        }
    }
}
