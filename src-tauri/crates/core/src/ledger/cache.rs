//! The response cache: answers already paid for, keyed by a hash of the canonical request
//! (provider, base URL, model, system prompt, messages and sampling parameters — never the key),
//! kept for a time-to-live. A hit is recorded as a run that cost nothing and saved what the
//! answer cost when it was paid for.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::ledger::Ledger;
use crate::money::NanoUsd;
use crate::providers::{ChatRequest, Endpoint};

/// Opt-in caching for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// How long a stored answer is reused (ms).
    pub ttl_ms: i64,
}

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedAnswer {
    /// The run that paid for it.
    pub run_id: Option<i64>,
    /// The model that answered.
    pub model_resolved: Option<String>,
    /// The answer.
    pub output: String,
    /// What it cost then, nano-USD.
    pub cost_nano: NanoUsd,
}

/// What the cache holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CacheStats {
    /// Live entries.
    pub entries: i64,
    /// Hits served by live entries.
    pub hits: i64,
}

/// The canonical request's hash (hex SHA-256). Streaming and the key do not change the answer,
/// so they are left out; everything that does is in.
pub fn request_hash(endpoint: &Endpoint, chat: &ChatRequest) -> String {
    let canonical = serde_json::json!({
        "v": 1,
        "provider": endpoint.provider.as_str(),
        "base_url": endpoint.base_url.trim_end_matches('/'),
        "model": chat.model,
        "system": chat.system,
        "messages": chat.messages.iter().map(|m| serde_json::json!([m.role, m.content])).collect::<Vec<_>>(),
        "temperature": chat.temperature,
        "max_tokens": chat.max_tokens,
    });
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Ledger {
    /// A live answer for `hash` (counting the hit), or `None`.
    pub fn cache_lookup(&mut self, hash: &str, now_ms: i64) -> Result<Option<CachedAnswer>> {
        let found = self
            .conn()
            .query_row(
                "SELECT run_id, model_resolved, output, cost_nano FROM response_cache
                 WHERE request_hash = ?1 AND expires_at_ms > ?2",
                params![hash, now_ms],
                |r| {
                    Ok(CachedAnswer {
                        run_id: r.get(0)?,
                        model_resolved: r.get(1)?,
                        output: r.get(2)?,
                        cost_nano: r.get(3)?,
                    })
                },
            )
            .optional()?;
        if found.is_some() {
            self.conn().execute(
                "UPDATE response_cache SET hits = hits + 1 WHERE request_hash = ?1",
                [hash],
            )?;
        }
        Ok(found)
    }

    /// Stores a paid answer (replacing an older one for the same request) and drops expired
    /// entries.
    #[allow(clippy::too_many_arguments)]
    pub fn cache_store(
        &mut self,
        hash: &str,
        provider: &str,
        model: &str,
        run_id: i64,
        model_resolved: Option<&str>,
        output: &str,
        cost_nano: i64,
        now_ms: i64,
        policy: CachePolicy,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO response_cache (request_hash, provider, model, run_id, model_resolved,
                 output, cost_nano, created_at_ms, expires_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (request_hash) DO UPDATE SET run_id = excluded.run_id,
                 model_resolved = excluded.model_resolved, output = excluded.output,
                 cost_nano = excluded.cost_nano, created_at_ms = excluded.created_at_ms,
                 expires_at_ms = excluded.expires_at_ms, hits = 0",
            params![
                hash,
                provider,
                model,
                run_id,
                model_resolved,
                output,
                cost_nano,
                now_ms,
                now_ms.saturating_add(policy.ttl_ms.max(0))
            ],
        )?;
        self.conn().execute(
            "DELETE FROM response_cache WHERE expires_at_ms <= ?1",
            [now_ms],
        )?;
        Ok(())
    }

    /// Empties the cache; returns how many answers were dropped.
    pub fn cache_clear(&mut self) -> Result<usize> {
        Ok(self.conn().execute("DELETE FROM response_cache", [])?)
    }

    /// Live entries and their hits.
    pub fn cache_stats(&self) -> Result<CacheStats> {
        Ok(self.conn().query_row(
            "SELECT count(*), COALESCE(sum(hits), 0) FROM response_cache WHERE expires_at_ms > ?1",
            [crate::ledger::now_ms()],
            |r| {
                Ok(CacheStats {
                    entries: r.get(0)?,
                    hits: r.get(1)?,
                })
            },
        )?)
    }
}
