//! Prompt templates with `{{variable}}` placeholders: finding the variables, and filling them in
//! — every variable must get a value, and a value for a variable the template does not use is
//! an error (a typo would otherwise be sent silently).

use std::collections::BTreeMap;

use crate::error::{CoreError, Result};

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Each `{{ name }}` in `body`: (start, end, name).
fn placeholders(body: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = body[from..].find("{{").map(|i| from + i) {
        let Some(close) = body[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        let name = body[open + 2..close].trim();
        if is_name(name) {
            out.push((open, close + 2, name));
        }
        from = close + 2;
    }
    out
}

/// The template's variables, in order of first use.
pub fn variables(body: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for (_, _, n) in placeholders(body) {
        if !seen.iter().any(|s| s == n) {
            seen.push(n.to_string());
        }
    }
    seen
}

/// Fills every placeholder. Missing values and unknown variables are `invalid_input` errors.
pub fn render(body: &str, values: &BTreeMap<String, String>) -> Result<String> {
    let vars = variables(body);
    if let Some(unknown) = values.keys().find(|k| !vars.contains(k)) {
        let known = if vars.is_empty() {
            "none".to_string()
        } else {
            vars.join(", ")
        };
        return Err(CoreError::invalid(
            "template variable",
            format!("`{unknown}` is not in the template (its variables: {known})"),
        ));
    }
    let missing: Vec<&str> = vars
        .iter()
        .filter(|v| !values.contains_key(*v))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(CoreError::invalid(
            "template variable",
            format!("give a value for {}", missing.join(", ")),
        ));
    }
    Ok(Compiled::new(body).fill(|name| values.get(name).map(String::as_str)))
}

/// A template split once at its placeholders, to fill many times (a batch job's rows).
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Literal text before each placeholder, and the placeholder's name.
    parts: Vec<(String, String)>,
    /// The text after the last placeholder.
    tail: String,
}

impl Compiled {
    /// Splits `body` at its placeholders.
    pub fn new(body: &str) -> Compiled {
        let mut parts = Vec::new();
        let mut last = 0;
        for (start, end, name) in placeholders(body) {
            parts.push((body[last..start].to_string(), name.to_string()));
            last = end;
        }
        Compiled {
            parts,
            tail: body[last..].to_string(),
        }
    }

    /// Fills every placeholder with `value(name)` (empty when it has none; callers check that
    /// every variable has a value first).
    pub fn fill<'a>(&self, value: impl Fn(&str) -> Option<&'a str>) -> String {
        let mut out = String::new();
        for (text, name) in &self.parts {
            out.push_str(text);
            out.push_str(value(name).unwrap_or(""));
        }
        out.push_str(&self.tail);
        out
    }
}

/// Parses `key=value` pairs (the CLI's `--var`).
pub fn parse_vars(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .filter(|(k, _)| is_name(k.trim()))
            .ok_or_else(|| CoreError::invalid("--var", format!("`{p}` is not name=value")))?;
        out.insert(k.trim().to_string(), v.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn finds_and_fills_variables() {
        let body =
            "Translate {{text}} into {{ language }}. Keep {{text}} short. {{ not a var }} {{";
        assert_eq!(variables(body), vec!["text", "language"]);
        let out = render(body, &vals(&[("text", "hi"), ("language", "French")])).unwrap();
        assert_eq!(
            out,
            "Translate hi into French. Keep hi short. {{ not a var }} {{"
        );
    }

    #[test]
    fn unknown_and_missing_variables_are_errors() {
        let body = "Hello {{name}}";
        let e = render(body, &vals(&[("name", "a"), ("nmae", "b")])).unwrap_err();
        assert!(
            e.to_string()
                .contains("`nmae` is not in the template (its variables: name)"),
            "{e}"
        );
        let e = render(body, &vals(&[])).unwrap_err();
        assert!(e.to_string().contains("give a value for name"), "{e}");
        assert!(parse_vars(&["x".into()]).is_err());
        assert_eq!(parse_vars(&["a=b=c".into()]).unwrap()["a"], "b=c");
    }
}
