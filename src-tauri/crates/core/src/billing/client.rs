//! [`BillingClient`]: an admin credential and the shared HTTP client (its retries and
//! `retry-after` handling), paging through a provider's billing API. [`BillingSource`] says which
//! API: OpenAI's Administration API or Anthropic's Admin API (whose "legacy" usage and cost
//! endpoints are kept behind this one type, so a move to the analytics beta stays local).

use serde::de::DeserializeOwned;

use crate::ProviderKind;
use crate::billing::{BillingFetch, DayRange, anthropic, openai};
use crate::billing::{OpenAiProject, OpenAiProjectKey};
use crate::error::{CoreError, Result};
use crate::providers::{Endpoint, ProviderClient, invalid_response};
use crate::vault::Secret;

/// Anthropic's API version header value.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Pages read from one endpoint before giving up (a server that never says "no more").
const MAX_PAGES: u32 = 1000;

/// Which billing API a credential reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingSource {
    /// `/v1/organization/costs` and `/v1/organization/usage/completions`.
    OpenAiAdmin,
    /// `/v1/organizations/usage_report/messages` and `/v1/organizations/cost_report`.
    AnthropicAdmin,
}

/// The billing API of `provider`, if it has one an admin key reads.
pub fn admin_source(provider: ProviderKind) -> Option<BillingSource> {
    match provider {
        ProviderKind::Openai => Some(BillingSource::OpenAiAdmin),
        ProviderKind::Anthropic => Some(BillingSource::AnthropicAdmin),
        _ => None,
    }
}

/// An admin credential at its base URL, ready to read billing.
#[derive(Debug, Clone)]
pub struct BillingClient {
    http: ProviderClient,
    ep: Endpoint,
    source: BillingSource,
}

/// `key=value&…`, percent-encoding everything but unreserved characters.
fn query(pairs: &[(&str, String)]) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

impl BillingClient {
    /// A client for `provider`'s billing API with `secret` at `base_url` (or the provider's).
    pub fn new(
        http: ProviderClient,
        provider: ProviderKind,
        base_url: Option<&str>,
        secret: Secret,
    ) -> Result<BillingClient> {
        let source = admin_source(provider).ok_or_else(|| {
            CoreError::invalid(
                "provider",
                format!(
                    "{} has no billing API an admin key can read (admin keys: openai, anthropic)",
                    provider.display_name()
                ),
            )
        })?;
        Ok(BillingClient {
            http,
            ep: Endpoint::new(provider, base_url, Some(secret))?,
            source,
        })
    }

    /// The provider.
    pub fn provider(&self) -> ProviderKind {
        self.ep.provider
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, q: &[(&str, String)]) -> Result<T> {
        let url = if q.is_empty() {
            format!("{}{path}", self.ep.base_url)
        } else {
            format!("{}{path}?{}", self.ep.base_url, query(q))
        };
        let secret = self.ep.api_key.clone();
        let source = self.source;
        let bytes = self
            .http
            .fetch(&self.ep, |c| {
                let rb = c.get(&url);
                let key = secret.as_ref().map_or("", |s| s.expose());
                match source {
                    BillingSource::OpenAiAdmin => rb.bearer_auth(key),
                    BillingSource::AnthropicAdmin => rb
                        .header("x-api-key", key)
                        .header("anthropic-version", ANTHROPIC_VERSION),
                }
            })
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            invalid_response(
                self.ep.provider,
                format!("{path} answered something that is not its documented format: {e}"),
            )
        })
    }

    fn bad(&self, path: &str, reason: String) -> CoreError {
        invalid_response(self.ep.provider, format!("{path}: {reason}"))
    }

    /// A cheap call that only an admin key may make: how a key is checked before it is saved.
    pub async fn validate(&self) -> Result<()> {
        match self.source {
            BillingSource::OpenAiAdmin => {
                let _: openai::ListPage<OpenAiProject> = self
                    .get("/organization/projects", &[("limit", "1".into())])
                    .await?;
            }
            BillingSource::AnthropicAdmin => {
                let today = crate::billing::today_utc();
                let r = DayRange::new(today, today)?;
                let _: anthropic::Page<serde_json::Value> = self
                    .get(
                        "/v1/organizations/cost_report",
                        &[
                            ("starting_at", rfc3339(r.start_secs())),
                            ("limit", "1".into()),
                        ],
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Every usage and cost row of `range`, all pages.
    pub async fn fetch(&self, range: DayRange) -> Result<BillingFetch> {
        let mut f = BillingFetch::default();
        match self.source {
            BillingSource::OpenAiAdmin => {
                let base = |limit: &str| -> Vec<(&'static str, String)> {
                    vec![
                        ("start_time", range.start_secs().to_string()),
                        ("end_time", range.end_secs().to_string()),
                        ("bucket_width", "1d".into()),
                        ("limit", limit.to_string()),
                    ]
                };
                let path = "/organization/costs";
                let mut q = base("180");
                q.extend([
                    ("group_by", "project_id".into()),
                    ("group_by", "line_item".into()),
                ]);
                self.pages(
                    path,
                    &q,
                    &mut f.pages,
                    |p: &openai::Page<openai::CostResult>| {
                        f.costs.extend(openai::costs(p)?);
                        Ok((p.has_more, p.next_page.clone()))
                    },
                )
                .await?;
                let path = "/organization/usage/completions";
                let mut q = base("31");
                for g in ["project_id", "api_key_id", "model", "batch"] {
                    q.push(("group_by", g.into()));
                }
                self.pages(
                    path,
                    &q,
                    &mut f.pages,
                    |p: &openai::Page<openai::UsageResult>| {
                        f.usage.extend(openai::usage(p)?);
                        Ok((p.has_more, p.next_page.clone()))
                    },
                )
                .await?;
            }
            BillingSource::AnthropicAdmin => {
                let base = || -> Vec<(&'static str, String)> {
                    vec![
                        ("starting_at", rfc3339(range.start_secs())),
                        ("ending_at", rfc3339(range.end_secs())),
                        ("bucket_width", "1d".into()),
                        ("limit", "31".into()),
                    ]
                };
                let path = "/v1/organizations/usage_report/messages";
                let mut q = base();
                for g in ["api_key_id", "model", "service_tier"] {
                    q.push(("group_by[]", g.into()));
                }
                self.pages(
                    path,
                    &q,
                    &mut f.pages,
                    |p: &anthropic::Page<anthropic::UsageResult>| {
                        f.usage.extend(anthropic::usage(p)?);
                        Ok((p.has_more, p.next_page.clone()))
                    },
                )
                .await?;
                let path = "/v1/organizations/cost_report";
                let mut q = base();
                for g in ["description", "workspace_id"] {
                    q.push(("group_by[]", g.into()));
                }
                self.pages(
                    path,
                    &q,
                    &mut f.pages,
                    |p: &anthropic::Page<anthropic::CostResult>| {
                        f.costs.extend(anthropic::costs(p)?);
                        Ok((p.has_more, p.next_page.clone()))
                    },
                )
                .await?;
            }
        }
        // A server may answer buckets outside what was asked (a bucket that straddles an end).
        f.usage.retain(|u| range.contains(u.day));
        f.costs.retain(|c| range.contains(c.day));
        Ok(f)
    }

    /// Reads `path` page after page (`page=<next_page>`) until `has_more` is false.
    async fn pages<P: DeserializeOwned>(
        &self,
        path: &str,
        q: &[(&str, String)],
        pages: &mut u32,
        mut take: impl FnMut(&P) -> std::result::Result<(bool, Option<String>), String>,
    ) -> Result<()> {
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut q = q.to_vec();
            if let Some(c) = &cursor {
                q.push(("page", c.clone()));
            }
            let page: P = self.get(path, &q).await?;
            *pages += 1;
            let (more, next) = take(&page).map_err(|r| self.bad(path, r))?;
            match (more, next) {
                (false, _) => return Ok(()),
                (true, Some(n)) if Some(&n) != cursor.as_ref() && !n.is_empty() => {
                    cursor = Some(n);
                }
                (true, _) => {
                    return Err(self.bad(
                        path,
                        "has_more is true but next_page is missing or repeats".into(),
                    ));
                }
            }
        }
        Err(self.bad(path, format!("more than {MAX_PAGES} pages")))
    }

    /// The organisation's projects (archived ones too) and every project's keys (OpenAI).
    pub async fn openai_projects(&self) -> Result<(Vec<OpenAiProject>, Vec<OpenAiProjectKey>)> {
        self.openai_only()?;
        let projects: Vec<OpenAiProject> = self
            .list(
                "/organization/projects",
                &[("include_archived", "true".into())],
            )
            .await?;
        let mut keys = Vec::new();
        for p in &projects {
            let path = format!("/organization/projects/{}/api_keys", p.id);
            let mut ks: Vec<OpenAiProjectKey> = self.list(&path, &[]).await?;
            for k in &mut ks {
                k.project_id.clone_from(&p.id);
            }
            keys.extend(ks);
        }
        Ok((projects, keys))
    }

    /// Creates a project (OpenAI; projects can be archived but never deleted).
    pub async fn create_openai_project(&self, name: &str) -> Result<OpenAiProject> {
        self.openai_only()?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid(
                "project name",
                "give the project a name of 1 to 100 characters",
            ));
        }
        let url = format!("{}/organization/projects", self.ep.base_url);
        let secret = self.ep.api_key.clone();
        let body = serde_json::json!({ "name": name });
        let bytes = self
            .http
            .fetch(&self.ep, |c| {
                c.post(&url)
                    .bearer_auth(secret.as_ref().map_or("", |s| s.expose()))
                    .json(&body)
            })
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            self.bad(
                "/organization/projects",
                format!("the new project is not in the documented format: {e}"),
            )
        })
    }

    fn openai_only(&self) -> Result<()> {
        if self.source == BillingSource::OpenAiAdmin {
            Ok(())
        } else {
            Err(CoreError::invalid(
                "provider",
                "projects are an OpenAI organisation's; Anthropic has workspaces",
            ))
        }
    }

    /// Every item of an `after`-cursor list.
    async fn list<T: DeserializeOwned + HasId>(
        &self,
        path: &str,
        q: &[(&str, String)],
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut q = q.to_vec();
            q.push(("limit", "100".into()));
            if let Some(a) = &after {
                q.push(("after", a.clone()));
            }
            let page: openai::ListPage<T> = self.get(path, &q).await?;
            let last = page
                .last_id
                .clone()
                .or_else(|| page.data.last().map(|t| t.id().to_string()));
            let empty = page.data.is_empty();
            out.extend(page.data);
            if !page.has_more || empty {
                return Ok(out);
            }
            match last {
                Some(l) if Some(&l) != after.as_ref() => after = Some(l),
                _ => return Err(self.bad(path, "has_more is true but the cursor repeats".into())),
            }
        }
        Err(self.bad(path, format!("more than {MAX_PAGES} pages")))
    }
}

/// Items of an `after`-cursor list.
trait HasId {
    fn id(&self) -> &str;
}

impl HasId for OpenAiProject {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for OpenAiProjectKey {
    fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_repeat_keys_and_encode_brackets_and_padding() {
        let q = query(&[
            ("group_by", "a".into()),
            ("group_by", "b".into()),
            ("group_by[]", "model".into()),
            ("page", "page_MjAy=".into()),
            ("starting_at", "2025-08-01T00:00:00Z".into()),
        ]);
        assert_eq!(
            q,
            "group_by=a&group_by=b&group_by%5B%5D=model&page=page_MjAy%3D&starting_at=2025-08-01T00%3A00%3A00Z"
        );
    }
}
