//! Downloading a newer price table. Only the download lives here; validating it, showing what
//! it changes and applying it are the ledger's ([`crate::ledger::Ledger::preview_price_table`],
//! [`crate::ledger::Ledger::store_price_table`]), shared by the app and the CLI.

use std::time::Duration;

use crate::error::{CoreError, Result};
use crate::providers::ProviderErrorKind;

/// LiteLLM's table on its main branch: where updates come from unless the user says otherwise.
pub const DEFAULT_URL: &str =
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json";

/// How long a download may take in all (the table is about 3 MB).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// No price table is this large (today's is 3 MB): a larger answer is not one.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Checks that `url` is an http(s) URL.
pub fn check_url(url: &str) -> Result<String> {
    let url = url.trim();
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(url.to_string())
        }
        _ => Err(CoreError::invalid(
            "url",
            format!("`{url}` is not an http:// or https:// address"),
        )),
    }
}

/// `url` as messages show it: without a user name, password or query (they may hold a token).
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

fn failed(url: &str, kind: ProviderErrorKind, message: impl Into<String>) -> CoreError {
    CoreError::Download {
        url: shown(url),
        kind,
        message: message.into(),
    }
}

/// The body at `url`, within `timeout` in all. A non-2xx answer, a refused connection, a
/// timeout or an oversized body is a [`CoreError::Download`]; nothing else happens.
pub async fn download(url: &str, timeout: Duration) -> Result<Vec<u8>> {
    let url = check_url(url)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(15)))
        .timeout(timeout)
        .user_agent(concat!("PromptLedger/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CoreError::invalid("HTTP client", e.to_string()))?;
    let transport = |e: reqwest::Error| {
        let kind = if e.is_timeout() {
            ProviderErrorKind::Timeout
        } else {
            ProviderErrorKind::Network
        };
        let what = if e.is_timeout() {
            format!("no answer within {} s", timeout.as_secs().max(1))
        } else if e.is_connect() {
            "could not connect (offline, or the address is wrong)".to_string()
        } else {
            "the connection failed".to_string()
        };
        failed(&url, kind, what)
    };
    let mut resp = client.get(&url).send().await.map_err(transport)?;
    let status = resp.status();
    if !status.is_success() {
        let kind = if status.as_u16() == 404 {
            ProviderErrorKind::NotFound
        } else {
            ProviderErrorKind::InvalidResponse
        };
        return Err(failed(
            &url,
            kind,
            format!("the server answered HTTP {}", status.as_u16()),
        ));
    }
    let mut body = Vec::with_capacity(4 * 1024 * 1024);
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(failed(
                &url,
                ProviderErrorKind::InvalidResponse,
                format!(
                    "the answer is over {} MB, no price table is",
                    MAX_BYTES >> 20
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
