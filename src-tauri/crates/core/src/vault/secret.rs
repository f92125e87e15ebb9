//! `Secret`: an API key that prints as `…abcd` and is zeroized when dropped.

use std::fmt;
use zeroize::Zeroizing;

/// An API key. Debug and Display show only its last four characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a key (surrounding whitespace, e.g. a pasted newline, is dropped).
    /// The process remembers it, so provider text that echoes it is masked
    /// ([`crate::redact`]).
    pub fn new(key: impl Into<String>) -> Secret {
        let key: String = key.into();
        let trimmed = key.trim();
        let secret = if trimmed.len() == key.len() {
            Secret(Zeroizing::new(key))
        } else {
            let t = trimmed.to_string();
            drop(Zeroizing::new(key));
            Secret(Zeroizing::new(t))
        };
        crate::redact::remember(secret.expose());
        secret
    }

    /// The key itself, only for putting it in a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `…abcd`.
    pub fn preview(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        format!("…{tail}")
    }

    /// True for an empty key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.preview())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.preview())
    }
}

/// A secret can be received (the UI sends it once, inbound) but never serialized back out.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_key() {
        let s = Secret::new("sk-test-abcdefghijklmnop1234\n");
        assert_eq!(s.to_string(), "…1234");
        assert_eq!(format!("{s:?}"), "Secret(…1234)");
        assert_eq!(s.expose(), "sk-test-abcdefghijklmnop1234");
        assert_eq!(Secret::new("ab").preview(), "…ab");
    }
}
