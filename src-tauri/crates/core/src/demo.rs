//! Sample data: a separate demo ledger with a realistic mix — five providers, ten models, a few
//! keys and tags, prompt caching, reasoning tokens, failures (and one provider incident), weekday
//! rhythm and growth, and about one run in ten an embedding, image, transcription or speech
//! request — so a new user sees every chart before spending anything. The generator is
//! deterministic for a seed, and refuses any file that holds real runs.

use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::runs::{NewRun, RunStatus};
use crate::money::NanoUsd;
use crate::operation::Operation;
use crate::pricing::{Billing, CostSource, Metered, TokenUsage};
use crate::provider::ProviderKind;

/// How much sample data to make.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Runs to create.
    pub runs: u64,
    /// Days they spread over, ending at `end_ms`.
    pub days: u32,
    /// The newest run's time (ms since the epoch).
    pub end_ms: i64,
    /// Seed: the same seed gives the same ledger.
    pub seed: u64,
}

impl DemoOptions {
    /// 90 days ending now, `runs` runs.
    pub fn recent(runs: u64) -> DemoOptions {
        DemoOptions {
            runs,
            days: 90,
            end_ms: crate::ledger::now_ms(),
            seed: 7,
        }
    }
}

/// What was created.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// Runs written.
    pub runs: u64,
    /// Their total cost, nano-USD.
    pub cost_nano: NanoUsd,
    /// First run (ms).
    pub from_ms: i64,
    /// Last run (ms).
    pub to_ms: i64,
}

struct ModelMix {
    kind: ProviderKind,
    model: &'static str,
    weight: u32,
    input_median: f64,
    output_median: f64,
    cache_share: f64,
    reasoning: bool,
    ttft_ms: f64,
    ms_per_token: f64,
    keys: &'static [(&'static str, &'static str)],
}

const MIX: &[ModelMix] = &[
    ModelMix {
        kind: ProviderKind::Openai,
        model: "gpt-4o",
        weight: 14,
        input_median: 1800.0,
        output_median: 420.0,
        cache_share: 0.25,
        reasoning: false,
        ttft_ms: 450.0,
        ms_per_token: 12.0,
        keys: &[
            ("demo-openai-work", "Work"),
            ("demo-openai-personal", "Personal"),
        ],
    },
    ModelMix {
        kind: ProviderKind::Openai,
        model: "gpt-4o-mini",
        weight: 22,
        input_median: 1200.0,
        output_median: 300.0,
        cache_share: 0.2,
        reasoning: false,
        ttft_ms: 300.0,
        ms_per_token: 7.0,
        keys: &[
            ("demo-openai-work", "Work"),
            ("demo-openai-personal", "Personal"),
        ],
    },
    ModelMix {
        kind: ProviderKind::Openai,
        model: "o4-mini",
        weight: 5,
        input_median: 2500.0,
        output_median: 600.0,
        cache_share: 0.1,
        reasoning: true,
        ttft_ms: 2500.0,
        ms_per_token: 9.0,
        keys: &[("demo-openai-work", "Work")],
    },
    ModelMix {
        kind: ProviderKind::Openai,
        model: "gpt-4.1",
        weight: 7,
        input_median: 6000.0,
        output_median: 500.0,
        cache_share: 0.35,
        reasoning: false,
        ttft_ms: 500.0,
        ms_per_token: 11.0,
        keys: &[("demo-openai-work", "Work")],
    },
    ModelMix {
        kind: ProviderKind::Anthropic,
        model: "claude-sonnet-4-5",
        weight: 14,
        input_median: 4000.0,
        output_median: 650.0,
        cache_share: 0.45,
        reasoning: false,
        ttft_ms: 700.0,
        ms_per_token: 14.0,
        keys: &[("demo-anthropic-work", "Team")],
    },
    ModelMix {
        kind: ProviderKind::Anthropic,
        model: "claude-haiku-4-5",
        weight: 10,
        input_median: 1500.0,
        output_median: 300.0,
        cache_share: 0.3,
        reasoning: false,
        ttft_ms: 350.0,
        ms_per_token: 6.0,
        keys: &[("demo-anthropic-work", "Team")],
    },
    ModelMix {
        kind: ProviderKind::Gemini,
        model: "gemini-2.5-flash",
        weight: 12,
        input_median: 2200.0,
        output_median: 400.0,
        cache_share: 0.15,
        reasoning: true,
        ttft_ms: 400.0,
        ms_per_token: 5.0,
        keys: &[("demo-gemini", "Personal")],
    },
    ModelMix {
        kind: ProviderKind::Gemini,
        model: "gemini-2.5-pro",
        weight: 4,
        input_median: 5000.0,
        output_median: 800.0,
        cache_share: 0.15,
        reasoning: true,
        ttft_ms: 1800.0,
        ms_per_token: 10.0,
        keys: &[("demo-gemini", "Personal")],
    },
    ModelMix {
        kind: ProviderKind::Ollama,
        model: "llama3.1",
        weight: 6,
        input_median: 900.0,
        output_median: 350.0,
        cache_share: 0.0,
        reasoning: false,
        ttft_ms: 250.0,
        ms_per_token: 25.0,
        keys: &[],
    },
    ModelMix {
        kind: ProviderKind::OpenaiCompatible,
        model: "deepseek/deepseek-chat",
        weight: 6,
        input_median: 2000.0,
        output_median: 500.0,
        cache_share: 0.3,
        reasoning: false,
        ttft_ms: 900.0,
        ms_per_token: 16.0,
        keys: &[("demo-deepseek", "DeepSeek")],
    },
];

const TAGS: &[(Option<&str>, u32)] = &[
    (Some("support"), 35),
    (Some("research"), 25),
    (Some("marketing"), 15),
    (None, 25),
];

const PROMPTS: &[&str] = &[
    "Summarize support ticket #{n}: the customer cannot log in after a password reset",
    "Draft a friendly reply to the refund request in ticket #{n}",
    "Classify the sentiment of app-store review #{n}",
    "Translate the release notes for v2.{n} into German",
    "Extract the invoice number, date and total from document {n}",
    "Write a SQL query for monthly revenue by region, fiscal year {n}",
    "Explain the stack trace from CI build #{n} and suggest a fix",
    "Generate five subject lines for newsletter issue {n}",
    "Compare the two pricing pages and list the differences (case {n})",
    "Review pull request #{n} for security issues",
    "Outline a blog post about prompt caching, draft {n}",
    "Turn meeting notes {n} into action items with owners",
];

const ERRORS: &[(&str, &str)] = &[
    (
        "rate_limited",
        "429 Too Many Requests: rate limit reached for requests",
    ),
    ("server_error", "500 Internal Server Error"),
    (
        "overloaded",
        "529 Overloaded: the provider is temporarily overloaded",
    ),
    ("timeout", "no response within 60 s"),
    (
        "context_length",
        "400: prompt is too long for the model's context window",
    ),
];

/// A small deterministic PRNG (SplitMix64): sample data needs no cryptography.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// Log-normal around `median` with spread `sigma`.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        median * (sigma * z).exp()
    }
    fn pick<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (item, w) in items {
            if r < *w {
                return item;
            }
            r -= w;
        }
        &items[items.len() - 1].0
    }
}

const DAY_MS: i64 = 86_400_000;
/// Share of a day's runs in each UTC hour (a working day across a few time zones).
const HOURS: [u32; 24] = [
    2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 12, 11, 9, 7, 5, 4, 3, 3, 2,
];

/// Marks a ledger as sample data.
pub fn mark_demo(ledger: &mut Ledger) -> Result<()> {
    ledger.set_meta("demo", "sample data")
}

/// Whether a ledger holds sample data.
pub fn is_demo(ledger: &Ledger) -> Result<bool> {
    Ok(ledger.meta("demo")?.is_some())
}

/// Opens `path` for sample data — the one safety rule of the app and the CLI: never the
/// user's own ledger (`$PROMPTLEDGER_DB`, else the default file), never a file that holds real
/// runs. The ledger counts days in the system's time zone.
pub fn open_sample(path: &std::path::Path) -> Result<Ledger> {
    if let Ok(real) = crate::ledger::resolve_path(None)
        && same_file(path, &real)
    {
        return Err(CoreError::invalid(
            "db",
            format!(
                "{} is your real ledger; give another file for sample data",
                path.display()
            ),
        ));
    }
    let mut ledger = Ledger::open(path)?;
    ledger.set_time_zone(crate::ledger::Zone::system())?;
    if ledger.run_count()? > 0 && !is_demo(&ledger)? {
        return Err(CoreError::invalid(
            "db",
            format!("{} holds real runs; it is not sample data", path.display()),
        ));
    }
    Ok(ledger)
}

/// Whether two paths name the same file (as given, when either does not exist yet).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Fills a demo ledger. Refuses a ledger with runs that is not marked as sample data, so a real
/// ledger is never touched. `progress(done, total)` is called after each batch.
pub fn fill(
    ledger: &mut Ledger,
    opts: &DemoOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<DemoSummary> {
    if ledger.run_count()? > 0 && !is_demo(ledger)? {
        return Err(CoreError::invalid(
            "demo",
            "this ledger holds real runs; sample data goes into its own file",
        ));
    }
    if opts.runs > 100_000_000 || opts.days == 0 || opts.days > 3660 {
        return Err(CoreError::invalid(
            "demo",
            "choose up to 100,000,000 runs over 1 to 3660 days",
        ));
    }
    mark_demo(ledger)?;
    // The sample keys exist as metadata only (no secret anywhere), so runs can point at them.
    for m in MIX {
        for (id, label) in m.keys {
            ledger.insert_sample_key(
                id,
                m.kind.as_str(),
                label,
                opts.end_ms - i64::from(opts.days) * DAY_MS,
            )?;
        }
    }
    let pricer = ledger.pricer()?;
    let mut rng = Rng(opts.seed ^ 0x5EED);
    let days = i64::from(opts.days);
    let first_day_ms = opts.end_ms - days * DAY_MS;
    // Day weights: weekends quieter, usage growing over the period.
    let weights: Vec<f64> = (0..days)
        .map(|d| {
            let weekday = (first_day_ms / DAY_MS + d + 4).rem_euclid(7); // 0 = Sunday
            let weekend = if weekday == 0 || weekday == 6 {
                0.4
            } else {
                1.0
            };
            weekend * (0.6 + 0.8 * d as f64 / days as f64)
        })
        .collect();
    let total_w: f64 = weights.iter().sum();
    let incident_day = days * 3 / 5;
    let models: Vec<(usize, u32)> = MIX.iter().enumerate().map(|(i, m)| (i, m.weight)).collect();
    let hours: Vec<(i64, u32)> = HOURS
        .iter()
        .enumerate()
        .map(|(h, w)| (h as i64, *w))
        .collect();

    let mut made: u64 = 0;
    let mut cost: i64 = 0;
    let mut batch: Vec<NewRun> = Vec::with_capacity(10_000);
    let mut carry = 0.0;
    let (mut from_ms, mut to_ms) = (i64::MAX, i64::MIN);
    for (d, w) in weights.iter().enumerate() {
        let exact = opts.runs as f64 * w / total_w + carry;
        let mut n = exact.floor() as u64;
        carry = exact - n as f64;
        if d as i64 == days - 1 {
            n = opts.runs - made; // the rounding remainder lands on the last day
        }
        let day_ms = first_day_ms + d as i64 * DAY_MS;
        let mut times: Vec<i64> = (0..n)
            .map(|_| {
                let h = *rng.pick(&hours);
                (day_ms + h * 3_600_000 + rng.below(3_600_000) as i64).min(opts.end_ms)
            })
            .collect();
        times.sort_unstable();
        for t in times {
            let m = &MIX[*rng.pick(&models)];
            // About one run in ten is not a chat: embeddings, images, transcription, speech.
            let run = match sample_operation(&mut rng, t, &pricer)? {
                Some(op) => op,
                None => sample_run(&mut rng, m, t, d as i64 == incident_day, &pricer)?,
            };
            cost += run.provider_cost.map_or_else(
                || {
                    run.priced
                        .as_ref()
                        .map_or(0, |p| p.breakdown.total_nano_usd.0)
                },
                |c| c.0,
            );
            from_ms = from_ms.min(t);
            to_ms = to_ms.max(t);
            batch.push(run);
            made += 1;
            if batch.len() == batch.capacity() {
                ledger.insert_runs(&batch)?;
                batch.clear();
                progress(made, opts.runs);
            }
        }
    }
    ledger.insert_runs(&batch)?;
    progress(made, opts.runs);
    Ok(DemoSummary {
        runs: made,
        cost_nano: NanoUsd(cost),
        from_ms: if made > 0 { from_ms } else { opts.end_ms },
        to_ms: if made > 0 { to_ms } else { opts.end_ms },
    })
}

/// The sample's other operations, each with the share of all runs it takes.
const OPERATIONS: [(Operation, &str, f64); 4] = [
    (Operation::Embedding, "text-embedding-3-small", 0.07),
    (Operation::Image, "gpt-image-1", 0.015),
    (Operation::Transcription, "whisper-1", 0.01),
    (Operation::Speech, "tts-1", 0.005),
];

/// A non-chat run on the sample's OpenAI keys, or `None` (a chat run) for ~90 % of rolls.
fn sample_operation(
    rng: &mut Rng,
    t: i64,
    pricer: &crate::pricing::Pricer,
) -> Result<Option<NewRun>> {
    let roll = rng.unit();
    let mut acc = 0.0;
    let Some(&(op, model, _)) = OPERATIONS.iter().find(|(_, _, share)| {
        acc += share;
        roll < acc
    }) else {
        return Ok(None);
    };
    let key = if rng.unit() < 0.7 {
        ("demo-openai-work", "Work")
    } else {
        ("demo-openai-personal", "Personal")
    };
    let mut m = Metered {
        operation: op,
        tokens_reported: true,
        ..Metered::default()
    };
    let (prompt, output, latency) = match op {
        Operation::Embedding => {
            m.items = 1 + rng.below(64);
            m.tokens.input_tokens = (rng.lognormal(300.0, 0.7) as u64).max(8) * m.items;
            (
                "(sample: document chunks for the search index)".to_string(),
                format!("{} embeddings × 1536 dimensions", m.items),
                rng.lognormal(250.0, 0.4) as i64,
            )
        }
        Operation::Image => {
            let quality = ["low", "medium", "high"][rng.below(3) as usize];
            m.items = 1 + rng.below(2);
            m.image_size = Some((1024, 1024));
            m.image_quality = Some(quality.to_string());
            m.tokens.input_tokens = 20 + rng.below(40);
            let per = match quality {
                "low" => 272,
                "medium" => 1056,
                _ => 4160,
            };
            m.tokens.output_tokens = per * m.items;
            (
                "(sample: a product photo, studio light)".to_string(),
                format!(
                    "{} image{}, 1024×1024",
                    m.items,
                    if m.items == 1 { "" } else { "s" }
                ),
                rng.lognormal(9_000.0, 0.3) as i64,
            )
        }
        Operation::Transcription => {
            m.tokens_reported = false;
            m.seconds = (rng.lognormal(300.0, 0.9) as u64).clamp(5, 3_600);
            (
                "meeting.m4a".to_string(),
                "(sample transcript)".to_string(),
                (m.seconds as f64 * rng.lognormal(60.0, 0.3)) as i64,
            )
        }
        _ => {
            m.tokens_reported = false;
            m.characters = (rng.lognormal(800.0, 0.6) as u64).clamp(20, 4_096);
            (
                "(sample: a notice read aloud)".to_string(),
                format!("{} s of mp3 audio", m.characters / 15),
                rng.lognormal(1_500.0, 0.3) as i64,
            )
        }
    };
    let priced = pricer.price_operation(ProviderKind::Openai, model, &m, &Billing::at(t))?;
    Ok(Some(NewRun {
        started_at_ms: t,
        provider: ProviderKind::Openai.as_str().to_string(),
        model_requested: model.to_string(),
        status: Some(RunStatus::Ok),
        latency_ms: Some(latency.max(1)),
        attempts: 1,
        key_id: Some(key.0.to_string()),
        key_label: Some(key.1.to_string()),
        tag: Some("rag-index".to_string()).filter(|_| op == Operation::Embedding),
        prompt: Some(prompt),
        output: Some(output),
        priced: Some(priced),
        operation: op,
        items: Some(m.items).filter(|n| *n > 0),
        ..NewRun::default()
    }))
}

fn sample_run(
    rng: &mut Rng,
    m: &ModelMix,
    t: i64,
    incident: bool,
    pricer: &crate::pricing::Pricer,
) -> Result<NewRun> {
    let tag = *rng.pick(TAGS);
    let key = (!m.keys.is_empty()).then(|| m.keys[rng.below(m.keys.len() as u64) as usize]);
    let error_share = if incident && m.kind == ProviderKind::Anthropic {
        0.35
    } else {
        0.035
    };
    let roll = rng.unit();
    let status = if roll < error_share {
        RunStatus::Error
    } else if roll < error_share + 0.012 {
        RunStatus::Interrupted
    } else if roll < error_share + 0.022 {
        RunStatus::Cancelled
    } else {
        RunStatus::Ok
    };
    let prompt_total = rng.lognormal(m.input_median, 0.8).clamp(20.0, 150_000.0) as u64;
    let mut out = rng.lognormal(m.output_median, 0.6).clamp(5.0, 8000.0) as u64;
    if status != RunStatus::Ok {
        out = (out as f64 * rng.unit() * 0.6) as u64;
    }
    let cached = if rng.unit() < m.cache_share {
        (prompt_total as f64 * (0.5 + 0.4 * rng.unit())) as u64
    } else {
        0
    };
    let cache_write = if m.kind == ProviderKind::Anthropic && cached == 0 && rng.unit() < 0.15 {
        prompt_total / 2
    } else {
        0
    };
    let reasoning = if m.reasoning {
        (out as f64 * (0.5 + 2.0 * rng.unit())) as u64
    } else {
        0
    };
    let usage = TokenUsage {
        input_tokens: prompt_total - cached - cache_write,
        cached_input_tokens: cached,
        cache_write_tokens: cache_write,
        output_tokens: out,
        reasoning_tokens: reasoning,
        ..TokenUsage::default()
    };
    let ttft = rng.lognormal(m.ttft_ms, 0.35);
    let latency =
        (ttft + (out + reasoning) as f64 * m.ms_per_token * rng.lognormal(1.0, 0.2)) as i64;
    let prompt = PROMPTS[rng.below(PROMPTS.len() as u64) as usize]
        .replace("{n}", &(1000 + rng.below(9000)).to_string());
    let mut run = NewRun {
        started_at_ms: t,
        provider: m.kind.as_str().to_string(),
        model_requested: m.model.to_string(),
        status: Some(status),
        latency_ms: Some(latency.max(1)),
        ttft_ms: (status != RunStatus::Error).then_some(ttft as i64),
        attempts: 1,
        key_id: key.map(|k| k.0.to_string()),
        key_label: Some(key.map_or("local", |k| k.1).to_string()),
        tag: tag.map(str::to_string),
        prompt: Some(prompt),
        ..NewRun::default()
    };
    match status {
        RunStatus::Error => {
            let (code, message) = if incident && m.kind == ProviderKind::Anthropic {
                ERRORS[2]
            } else {
                ERRORS[rng.below(ERRORS.len() as u64) as usize]
            };
            run.error_code = Some(code.to_string());
            run.error_message = Some(message.to_string());
            run.latency_ms = Some(rng.lognormal(600.0, 0.6) as i64 + 1);
            run.attempts = if code == "rate_limited" || code == "overloaded" {
                3
            } else {
                1
            };
        }
        _ => {
            // Priced at the sample run's own start, as a real run is (windowed rates).
            let billing = Billing::at(run.started_at_ms);
            run.priced = Some(pricer.price_as(m.kind, m.model, &usage, &billing)?);
            if status != RunStatus::Ok {
                run.cost_source = Some(CostSource::Estimated);
                run.error_code = Some(
                    if status == RunStatus::Cancelled {
                        "cancelled"
                    } else {
                        "stream_cut"
                    }
                    .to_string(),
                );
            }
            run.output = Some(format!("(sample output: {} tokens from {})", out, m.model));
        }
    }
    Ok(run)
}
