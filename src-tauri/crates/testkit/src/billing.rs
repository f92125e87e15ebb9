//! A loopback server speaking the providers' billing APIs as `billing-apis.md` describes them:
//! OpenAI's Administration API (costs in float dollars, completions usage, projects with `after`
//! cursors and their keys), Anthropic's Admin API (usage, and costs as cent strings, with
//! `group_by[]`), and OpenRouter's `/generation?id=`. Every day of the asked range gets a bucket
//! (an empty one where there is no data); grouping fields are null unless grouped by; buckets are
//! split over pages (`has_more`, `next_page` → `page=`). Wrong keys get each provider's 401.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::{FakeServer, Recorded, Reply};

/// One OpenAI completions usage row (finest grain).
#[derive(Debug, Clone, Default)]
pub struct OpenAiUsage {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Project.
    pub project_id: String,
    /// Key id (`key_…`).
    pub api_key_id: String,
    /// Dated model.
    pub model: String,
    /// Batch.
    pub batch: bool,
    /// Input tokens, cached and cache writes included.
    pub input_tokens: i64,
    /// Cached.
    pub input_cached_tokens: i64,
    /// Cache writes.
    pub input_cache_write_tokens: i64,
    /// Output.
    pub output_tokens: i64,
    /// Requests.
    pub requests: i64,
}

/// One OpenAI cost line.
#[derive(Debug, Clone, Default)]
pub struct OpenAiCost {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Project.
    pub project_id: String,
    /// Line item.
    pub line_item: String,
    /// Dollars, as the JSON number text to send (`0.13080438`).
    pub value: String,
}

/// One Anthropic usage row.
#[derive(Debug, Clone, Default)]
pub struct AnthropicUsage {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Key id (`apikey_…`), or empty for Console usage (null).
    pub api_key_id: String,
    /// Model.
    pub model: String,
    /// `standard` / `batch`.
    pub service_tier: String,
    /// Uncached input.
    pub uncached_input_tokens: i64,
    /// Cache reads.
    pub cache_read_input_tokens: i64,
    /// 5-minute cache writes.
    pub cache_5m: i64,
    /// 1-hour cache writes.
    pub cache_1h: i64,
    /// Output.
    pub output_tokens: i64,
}

/// One Anthropic cost line.
#[derive(Debug, Clone, Default)]
pub struct AnthropicCost {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Workspace (empty: default workspace, null).
    pub workspace_id: String,
    /// Model (empty for non-token costs).
    pub model: String,
    /// Description.
    pub description: String,
    /// `tokens`, `web_search`…
    pub cost_type: String,
    /// Cents, as a decimal string (`"123.78912"`).
    pub amount: String,
}

/// What the billing server knows.
#[derive(Debug, Clone, Default)]
pub struct BillingData {
    /// The one admin key accepted (both providers).
    pub admin_key: String,
    /// OpenAI usage.
    pub openai_usage: Vec<OpenAiUsage>,
    /// OpenAI costs.
    pub openai_costs: Vec<OpenAiCost>,
    /// `(id, name, status)`.
    pub projects: Vec<(String, String, String)>,
    /// `(key id, project id, name, redacted value)`.
    pub project_keys: Vec<(String, String, String, String)>,
    /// Anthropic usage.
    pub anthropic_usage: Vec<AnthropicUsage>,
    /// Anthropic costs.
    pub anthropic_costs: Vec<AnthropicCost>,
    /// `generation id` → `(total_cost text, native prompt tokens, native completion tokens)`;
    /// the normalised `tokens_*` are sent a little different, as OpenRouter's own count is.
    pub generations: BTreeMap<String, (String, i64, i64)>,
    /// OpenRouter inference key accepted for `/generation`.
    pub openrouter_key: String,
    /// Buckets per page (0: the request's `limit`).
    pub buckets_per_page: usize,
    /// The first this many billing requests get a 429 with `retry-after: 0`.
    pub throttle_first: usize,
}

/// A running billing server.
pub struct BillingServer {
    server: FakeServer,
    data: Arc<Mutex<BillingData>>,
}

impl BillingServer {
    /// Starts serving `data`.
    pub fn start(data: BillingData) -> BillingServer {
        let data = Arc::new(Mutex::new(data));
        let d = data.clone();
        let served = Arc::new(Mutex::new(0usize));
        let server = FakeServer::with_handler(move |req| {
            let mut n = served.lock().unwrap();
            *n += 1;
            let throttle = d.lock().unwrap().throttle_first;
            if *n <= throttle {
                return Reply::status_json(
                    429,
                    r#"{"error":{"type":"rate_limit_error","message":"slow down"}}"#,
                )
                .header("retry-after", "0");
            }
            drop(n);
            route(&d.lock().unwrap(), req)
        });
        BillingServer { server, data }
    }

    /// OpenAI base URL (`…/v1`).
    pub fn openai_url(&self) -> String {
        format!("{}/v1", self.server.url())
    }

    /// Anthropic base URL.
    pub fn anthropic_url(&self) -> String {
        self.server.url().to_string()
    }

    /// OpenRouter base URL (`…/api/v1`).
    pub fn openrouter_url(&self) -> String {
        format!("{}/api/v1", self.server.url())
    }

    /// Requests so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// Changes the data (a later sync sees it).
    pub fn update(&self, f: impl FnOnce(&mut BillingData)) {
        f(&mut self.data.lock().unwrap());
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of a day number.
pub fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

fn day_number(day: &str) -> i64 {
    let p: Vec<i64> = day.split('-').map(|x| x.parse().unwrap_or(0)).collect();
    days_from_civil(p[0], p[1], p[2])
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// Path and decoded query pairs.
fn split(path: &str) -> (String, Vec<(String, String)>) {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let pairs = q
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect();
    (p.to_string(), pairs)
}

fn get<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn all<'a>(q: &'a [(String, String)], k: &str) -> Vec<&'a str> {
    q.iter()
        .filter(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn rfc3339_day(s: &str) -> i64 {
    day_number(&s[..10.min(s.len())])
}

fn route(d: &BillingData, req: &Recorded) -> Reply {
    let (path, q) = split(&req.path);
    if let Some(rest) = path.strip_prefix("/v1/organization/") {
        if req.header("authorization") != Some(&format!("Bearer {}", d.admin_key)) {
            return Reply::status_json(
                401,
                r#"{"error":{"message":"Incorrect API key provided. You must be an organization owner with an admin key.","type":"invalid_request_error","code":"invalid_api_key"}}"#,
            );
        }
        return openai(d, rest, &q, req);
    }
    if let Some(rest) = path.strip_prefix("/v1/organizations/") {
        if req.header("x-api-key") != Some(d.admin_key.as_str())
            || req.header("anthropic-version") != Some("2023-06-01")
        {
            return Reply::status_json(
                401,
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
            );
        }
        return anthropic(d, rest, &q);
    }
    if path == "/api/v1/generation" {
        if req.header("authorization") != Some(&format!("Bearer {}", d.openrouter_key)) {
            return Reply::status_json(
                401,
                r#"{"error":{"code":401,"message":"No auth credentials found"}}"#,
            );
        }
        let id = get(&q, "id").unwrap_or_default();
        return match d.generations.get(id) {
            Some((cost, p, c)) => Reply::json(format!(
                r#"{{"data":{{"id":"{id}","total_cost":{cost},"tokens_prompt":{},"tokens_completion":{},"native_tokens_prompt":{p},"native_tokens_completion":{c},"model":"openai/gpt-4o-mini","provider_name":"OpenAI","streamed":false}}}}"#,
                p + 3,
                c + 1
            )),
            None => Reply::status_json(
                404,
                r#"{"error":{"code":404,"message":"Generation not found"}}"#,
            ),
        };
    }
    Reply::status_json(404, r#"{"error":{"message":"no such route"}}"#)
}

/// Buckets `first..last` (day numbers), paged; `make(day)` gives a bucket's results.
fn paged<B>(
    first: i64,
    last_excl: i64,
    limit: usize,
    per_page: usize,
    page: Option<&str>,
    bucket: impl Fn(i64) -> B,
) -> (Vec<B>, bool, Option<String>) {
    let per = if per_page == 0 {
        limit.max(1)
    } else {
        per_page.min(limit.max(1))
    };
    let start: i64 = page
        .and_then(|p| p.strip_prefix("page_"))
        .and_then(|p| p.parse().ok())
        .unwrap_or(first);
    let end = (start + per as i64).min(last_excl);
    let data = (start..end).map(bucket).collect();
    let more = end < last_excl;
    (data, more, more.then(|| format!("page_{end}")))
}

fn openai(d: &BillingData, rest: &str, q: &[(String, String)], req: &Recorded) -> Reply {
    let group = all(q, "group_by");
    let limit: usize = get(q, "limit").and_then(|l| l.parse().ok()).unwrap_or(7);
    let secs = |k: &str| get(q, k).and_then(|v| v.parse::<i64>().ok());
    let first = secs("start_time").unwrap_or(0).div_euclid(86_400);
    let last = secs("end_time").map_or(first + limit as i64, |e| (e + 86_399).div_euclid(86_400));
    let on = |g: &str| group.contains(&g);
    match rest {
        "costs" => {
            let (data, more, next) = paged(
                first,
                last,
                limit,
                d.buckets_per_page,
                get(q, "page"),
                |day| {
                    // Rows grouped by what was asked; the value text is kept exact by summing only
                    // rows that are alone in their group (the fixtures never collide).
                    let mut results = Vec::new();
                    for c in d.openai_costs.iter().filter(|c| day_number(&c.day) == day) {
                        results.push(format!(
                        r#"{{"object":"organization.costs.result","amount":{{"value":{},"currency":"usd"}},"line_item":{},"project_id":{},"api_key_id":null,"quantity":{},"quantity_unit":{}}}"#,
                        c.value,
                        if on("line_item") { json!(c.line_item) } else { Value::Null },
                        if on("project_id") { json!(c.project_id) } else { Value::Null },
                        if on("line_item") { "1000" } else { "null" },
                        if on("line_item") { "\"tokens\"" } else { "null" },
                    ));
                    }
                    // Written as text, so float dollars go out exactly as the fixture has them.
                    format!(
                        r#"{{"object":"bucket","start_time":{},"end_time":{},"results":[{}]}}"#,
                        day * 86_400,
                        (day + 1) * 86_400,
                        results.join(",")
                    )
                },
            );
            Reply::json(format!(
                r#"{{"object":"page","data":[{}],"has_more":{more},"next_page":{}}}"#,
                data.join(","),
                next.map_or("null".into(), |n| format!("\"{n}\""))
            ))
        }
        "usage/completions" => {
            let (data, more, next) = paged(
                first,
                last,
                limit,
                d.buckets_per_page,
                get(q, "page"),
                |day| {
                    let mut groups: BTreeMap<(String, String, String, String), OpenAiUsage> =
                        BTreeMap::new();
                    for u in d.openai_usage.iter().filter(|u| day_number(&u.day) == day) {
                        let k = (
                            if on("project_id") {
                                u.project_id.clone()
                            } else {
                                String::new()
                            },
                            if on("api_key_id") {
                                u.api_key_id.clone()
                            } else {
                                String::new()
                            },
                            if on("model") {
                                u.model.clone()
                            } else {
                                String::new()
                            },
                            if on("batch") {
                                u.batch.to_string()
                            } else {
                                String::new()
                            },
                        );
                        let g = groups.entry(k).or_default();
                        g.input_tokens += u.input_tokens;
                        g.input_cached_tokens += u.input_cached_tokens;
                        g.input_cache_write_tokens += u.input_cache_write_tokens;
                        g.output_tokens += u.output_tokens;
                        g.requests += u.requests;
                    }
                    let nz = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
                    let results: Vec<Value> = groups
                    .into_iter()
                    .map(|((p, k, m, b), g)| {
                        json!({
                            "object": "organization.usage.completions.result",
                            "input_tokens": g.input_tokens,
                            "input_cached_tokens": g.input_cached_tokens,
                            "input_cache_write_tokens": g.input_cache_write_tokens,
                            "input_uncached_tokens": g.input_tokens - g.input_cached_tokens - g.input_cache_write_tokens,
                            "output_tokens": g.output_tokens,
                            "num_model_requests": g.requests,
                            "project_id": nz(&p), "user_id": null, "api_key_id": nz(&k),
                            "model": nz(&m),
                            "batch": if b.is_empty() { Value::Null } else { json!(b == "true") },
                            "service_tier": null,
                        })
                    })
                    .collect();
                    json!({"object": "bucket", "start_time": day * 86_400,
                       "end_time": (day + 1) * 86_400, "results": results})
                },
            );
            Reply::json(
                json!({"object": "page", "data": data, "has_more": more, "next_page": next})
                    .to_string(),
            )
        }
        "projects" if req.method == "POST" => {
            let name = req.json()["name"].as_str().unwrap_or_default().to_string();
            Reply::json(json!({"id": "proj_new", "object": "organization.project", "name": name,
                               "created_at": 1_764_460_800, "archived_at": null, "status": "active"}).to_string())
        }
        "projects" => {
            let after = get(q, "after");
            let limit: usize = get(q, "limit").and_then(|l| l.parse().ok()).unwrap_or(20);
            let start = after
                .and_then(|a| d.projects.iter().position(|p| p.0 == a))
                .map_or(0, |i| i + 1);
            let items: Vec<Value> = d.projects[start..]
                .iter()
                .take(limit)
                .map(|(id, name, status)| json!({"id": id, "object": "organization.project",
                    "name": name, "created_at": 1_730_419_200, "archived_at": null, "status": status}))
                .collect();
            let more = start + items.len() < d.projects.len();
            Reply::json(json!({"object": "list", "data": items,
                "first_id": d.projects.get(start).map(|p| p.0.clone()),
                "last_id": d.projects.get(start + limit.min(d.projects.len() - start).max(1) - 1).map(|p| p.0.clone()),
                "has_more": more}).to_string())
        }
        other => {
            let Some(project) = other
                .strip_prefix("projects/")
                .and_then(|r| r.strip_suffix("/api_keys"))
            else {
                return Reply::status_json(404, r#"{"error":{"message":"no such route"}}"#);
            };
            let items: Vec<Value> = d
                .project_keys
                .iter()
                .filter(|k| k.1 == project)
                .map(|(id, _, name, red)| {
                    json!({"object": "organization.project.api_key", "id": id,
                    "name": name, "redacted_value": red, "created_at": 1_730_419_200,
                    "last_used_at": null, "owner": {"type": "user"}})
                })
                .collect();
            Reply::json(
                json!({"object": "list", "data": items, "first_id": null, "last_id": null,
                "has_more": false})
                .to_string(),
            )
        }
    }
}

fn anthropic(d: &BillingData, rest: &str, q: &[(String, String)]) -> Reply {
    let group = all(q, "group_by[]");
    let on = |g: &str| group.contains(&g);
    let limit: usize = get(q, "limit").and_then(|l| l.parse().ok()).unwrap_or(7);
    let first = get(q, "starting_at").map_or(0, rfc3339_day);
    let last = get(q, "ending_at").map_or(first + limit as i64, rfc3339_day);
    let stamp = |day: i64| format!("{}T00:00:00Z", civil(day));
    let nz = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
    let (data, more, next) = match rest {
        "usage_report/messages" => paged(
            first,
            last,
            limit,
            d.buckets_per_page,
            get(q, "page"),
            |day| {
                let results: Vec<Value> = d
                .anthropic_usage
                .iter()
                .filter(|u| day_number(&u.day) == day)
                .map(|u| json!({
                    "uncached_input_tokens": u.uncached_input_tokens,
                    "cache_read_input_tokens": u.cache_read_input_tokens,
                    "cache_creation": {"ephemeral_1h_input_tokens": u.cache_1h,
                                       "ephemeral_5m_input_tokens": u.cache_5m},
                    "output_tokens": u.output_tokens,
                    "server_tool_use": {"web_search_requests": 0},
                    "api_key_id": if on("api_key_id") { nz(&u.api_key_id) } else { Value::Null },
                    "workspace_id": null,
                    "model": if on("model") { nz(&u.model) } else { Value::Null },
                    "service_tier": if on("service_tier") { nz(&u.service_tier) } else { Value::Null },
                    "context_window": null,
                }))
                .collect();
                json!({"starting_at": stamp(day), "ending_at": stamp(day + 1), "results": results})
            },
        ),
        "cost_report" => paged(
            first,
            last,
            limit,
            d.buckets_per_page,
            get(q, "page"),
            |day| {
                let results: Vec<Value> = d
                .anthropic_costs
                .iter()
                .filter(|c| day_number(&c.day) == day)
                .map(|c| json!({
                    "currency": "USD", "amount": c.amount,
                    "workspace_id": if on("workspace_id") { nz(&c.workspace_id) } else { Value::Null },
                    "description": if on("description") { nz(&c.description) } else { Value::Null },
                    "cost_type": c.cost_type,
                    "context_window": null,
                    "model": if on("description") { nz(&c.model) } else { Value::Null },
                    "service_tier": if on("description") && !c.model.is_empty() { json!("standard") } else { Value::Null },
                    "token_type": null,
                }))
                .collect();
                json!({"starting_at": stamp(day), "ending_at": stamp(day + 1), "results": results})
            },
        ),
        _ => {
            return Reply::status_json(
                404,
                r#"{"type":"error","error":{"type":"not_found_error","message":"no such route"}}"#,
            );
        }
    };
    Reply::json(json!({"data": data, "has_more": more, "next_page": next}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(2024, 11, 1) * 86_400, 1_730_419_200);
        assert_eq!(civil(days_from_civil(2026, 2, 28) + 1), "2026-03-01");
        assert_eq!(civil(0), "1970-01-01");
    }
}
