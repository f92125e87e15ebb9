//! One redaction step for every text that comes from a provider (error messages and bodies)
//! before it is stored, logged or shown: some servers and proxies echo the key they were sent.
//!
//! - every secret this process has handled ([`Secret`](crate::vault::Secret) registers itself),
//!   and the ones a call passes in (the key in use, gateway header values), becomes `…abcd`;
//! - common key shapes become `…abcd` too: `sk-…` (OpenAI, Anthropic `sk-ant-…`, OpenRouter
//!   `sk-or-…`, DeepSeek), `xai-…`, `gsk_…` (Groq), `fw_…` (Fireworks), `AIza…` (Google) and the
//!   token after `Bearer`;
//! - an HTML error page becomes one line: `HTTP 502 from the server: 502 Bad Gateway`;
//! - the result is one line, at most [`MAX_CHARS`] characters.

use std::sync::{Mutex, OnceLock};
use zeroize::Zeroizing;

/// The longest message kept, in characters.
pub const MAX_CHARS: usize = 500;

/// Key prefixes masked wherever they start a run of at least [`MIN_SECRET`] key characters.
const SHAPES: [&str; 6] = ["sk-", "xai-", "gsk_", "fw_", "AIza", "Bearer "];

/// Shorter runs are not secrets (and would mask ordinary words).
const MIN_SECRET: usize = 12;

fn known() -> &'static Mutex<Vec<Zeroizing<String>>> {
    static KNOWN: OnceLock<Mutex<Vec<Zeroizing<String>>>> = OnceLock::new();
    KNOWN.get_or_init(|| Mutex::new(Vec::new()))
}

/// Remembers a secret this process handles, so any text that echoes it is masked.
pub fn remember(secret: &str) {
    if secret.len() < MIN_SECRET {
        return;
    }
    if let Ok(mut list) = known().lock()
        && !list.iter().any(|s| s.as_str() == secret)
    {
        list.push(Zeroizing::new(secret.to_string()));
    }
}

/// `…abcd`: how a secret is shown.
pub fn masked(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

/// `text` with every known secret, every one in `extra`, and every key shape masked, on one
/// line of at most [`MAX_CHARS`] characters.
pub fn redact(text: &str, extra: &[&str]) -> String {
    one_line(&mask(text, extra))
}

/// [`redact`] without changing the text's layout (for stored JSON).
pub fn mask(text: &str, extra: &[&str]) -> String {
    let mut out = text.to_string();
    let mut secrets: Vec<String> = extra
        .iter()
        .filter(|s| s.len() >= MIN_SECRET)
        .map(|s| s.to_string())
        .collect();
    if let Ok(list) = known().lock() {
        secrets.extend(list.iter().map(|s| s.to_string()));
    }
    // Longest first, so a key that contains another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in &secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), &masked(s));
        }
    }
    mask_shapes(&out)
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Masks every run of key characters that starts with a known prefix and is long enough.
fn mask_shapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for prefix in SHAPES {
            if let Some(after) = rest.strip_prefix(prefix) {
                let at_word_start = out.chars().last().is_none_or(|c| !is_key_char(c));
                let len = after.find(|c: char| !is_key_char(c)).unwrap_or(after.len());
                let body = &after[..len];
                let whole = if prefix == "Bearer " {
                    body.len()
                } else {
                    prefix.len() + len
                };
                if at_word_start && whole >= MIN_SECRET {
                    if prefix == "Bearer " {
                        out.push_str(prefix);
                    }
                    out.push_str(&masked(body));
                    rest = &after[len..];
                    continue 'scan;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// Whitespace runs (newlines included) become one space; long text is cut with `…`.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= MAX_CHARS {
        joined
    } else {
        let mut cut: String = joined.chars().take(MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// An HTML page (a proxy's or load balancer's error page) as one line: its title, else its
/// first heading. `None` when `body` is not HTML.
pub fn html_summary(status: u16, body: &str) -> Option<String> {
    let head = body.trim_start();
    let lower: String = head
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    if !(lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.contains("<body"))
    {
        return None;
    }
    let lower_all = head.to_ascii_lowercase();
    let inner = |tag: &str| -> Option<String> {
        let open = lower_all.find(&format!("<{tag}"))?;
        let start = open + lower_all[open..].find('>')? + 1;
        let end = start + lower_all[start..].find(&format!("</{tag}"))?;
        let text = head.get(start..end)?;
        let text = one_line(text);
        (!text.is_empty()).then_some(text)
    };
    Some(match inner("title").or_else(|| inner("h1")) {
        Some(t) => format!("HTTP {status} from the server: {t}"),
        None => format!("HTTP {status} from the server (an HTML page)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake key in a key's shape, built at run time so no key-shaped literal is tracked.
    fn fake(prefix: &str, body: &str) -> String {
        format!("{prefix}{body}")
    }

    #[test]
    fn secrets_and_key_shapes_are_masked() {
        let key = fake("sk-proj-", "CANARY0123456789abcdefWXYZ");
        let text = format!("Incorrect API key provided: {key}. You can find your key at …");
        assert_eq!(
            redact(&text, &[&key]),
            "Incorrect API key provided: …WXYZ. You can find your key at …"
        );
        // Shapes, without knowing the key.
        for (raw, want) in [
            (
                format!("key {} bad", fake("sk-ant-", "api03-AAAAbbbbCCCCdddd1234")),
                "key …1234 bad",
            ),
            (
                format!("Authorization: {}", fake("Bearer ", "abcdefghijklmnop9876")),
                "Authorization: Bearer …9876",
            ),
            (fake("xai-", "0123456789abcdefQRST"), "…QRST"),
            (fake("gsk_", "0123456789abcdef5555"), "…5555"),
            (fake("AIza", "SyA0123456789abcdefghij-kl"), "…j-kl"),
            (
                format!("({})", fake("sk-or-", "v1-0123456789abcdef")),
                "(…cdef)",
            ),
        ] {
            assert_eq!(redact(&raw, &[]), want, "{raw}");
        }
        // Ordinary words and short ids stay.
        for plain in [
            "task-runner failed",
            "risk-free",
            "sk-short",
            "ask-me-anything",
        ] {
            assert_eq!(redact(plain, &[]), plain);
        }
    }

    #[test]
    fn a_remembered_secret_is_masked_anywhere() {
        let secret = "custom-gateway-token-CANARY-7777";
        remember(secret);
        assert_eq!(
            redact(&format!("proxy said:\n\n  token={secret}!"), &[]),
            "proxy said: token=…7777!"
        );
    }

    #[test]
    fn html_pages_become_one_line() {
        let page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
                    <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>\
                    </body></html>";
        assert_eq!(
            html_summary(502, page).as_deref(),
            Some("HTTP 502 from the server: 502 Bad Gateway")
        );
        assert_eq!(
            html_summary(503, "<html><body><p>down</p></body></html>").as_deref(),
            Some("HTTP 503 from the server (an HTML page)")
        );
        assert_eq!(html_summary(500, r#"{"error":"x"}"#), None);
    }

    #[test]
    fn long_text_is_cut_to_one_line() {
        let long = "word ".repeat(400);
        let r = redact(&long, &[]);
        assert_eq!(r.chars().count(), MAX_CHARS);
        assert!(r.ends_with('…') && !r.contains('\n'));
    }
}
