//! `promptledger embed`, `image`, `transcribe` and `speak`: the paid requests besides chat,
//! each estimated, budget-checked and recorded in the ledger by the core's run service exactly
//! as the app's Playground records them. The ledger keeps counts and the bill, never the
//! vectors, images or audio: those go where the user says.

use clap::Args;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::providers::operations::{
    EmbedRequest, ImageRequest, OperationRequest, SpeechRequest, TranscribeRequest,
};
use promptledger_core::runner::TargetRequest;
use promptledger_core::runner::operation::{OperationOutcome, OperationRunRequest};
use promptledger_core::runner::view::RunView;
use promptledger_core::{CoreError, ProviderKind, Result};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

use crate::shared::{NetArgs, print_alerts, run_until_done, service};

/// What every operation command takes: where to send it, with which key, and how to report.
#[derive(Debug, Args)]
pub struct Common {
    /// openai, gemini, ollama or an OpenAI-compatible preset (embeddings); openai or
    /// openai-compatible (images, transcription, speech)
    #[arg(long, short = 'p')]
    provider: String,
    /// Model id
    #[arg(long, short = 'm')]
    model: String,
    /// A saved key's id (default: the provider's default key)
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Tag or project the run is filed under
    #[arg(long)]
    tag: Option<String>,
    /// Send it even if a block-mode budget would be broken (this run only)
    #[arg(long)]
    override_budget: bool,
    /// Print the recorded run as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    net: NetArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  promptledger embed -p openai -m text-embedding-3-small \"invoice total due\"
  cut -f2 chunks.tsv | promptledger embed -p openai -m text-embedding-3-small - --json
  promptledger embed -p ollama -m nomic-embed-text \"hello\" --vectors > vectors.json")]
pub struct EmbedArgs {
    #[command(flatten)]
    common: Common,
    /// Output dimensions (models that can shorten their vectors)
    #[arg(long, value_name = "N")]
    dimensions: Option<u32>,
    /// Print the vectors as JSON on stdout (with --json: a `vectors` field beside the run)
    #[arg(long)]
    vectors: bool,
    /// The texts, one input each; `-` reads stdin, one input per non-empty line
    #[arg(value_name = "TEXT", required = true)]
    text: Vec<String>,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  promptledger image -p openai -m gpt-image-1 --size 1024x1024 --quality low \"a lighthouse at dawn\"
  promptledger image -p openai -m gpt-image-1 -n 2 --out ./renders \"an invoice, watercolour\"")]
pub struct ImageArgs {
    #[command(flatten)]
    common: Common,
    /// How many images
    #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 1)]
    n: u32,
    /// Size, e.g. 1024x1024, 1536x1024 (default: the provider's)
    #[arg(long)]
    size: Option<String>,
    /// Quality: low, medium, high (gpt-image), standard, hd (dall-e-3)
    #[arg(long)]
    quality: Option<String>,
    /// Folder the images are saved in (created if missing)
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// What to draw; `-` reads stdin
    prompt: String,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  promptledger transcribe -p openai -m whisper-1 meeting.wav
  promptledger transcribe -p openai -m gpt-4o-transcribe call.mp3 --language en --json")]
pub struct TranscribeArgs {
    #[command(flatten)]
    common: Common,
    /// The spoken language (ISO-639-1, e.g. en)
    #[arg(long)]
    language: Option<String>,
    /// The audio file (WAV, FLAC or MP3 give an estimate before sending)
    file: PathBuf,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  promptledger speak -p openai -m tts-1 --voice alloy --out hello.mp3 \"Hello there\"
  cat notice.txt | promptledger speak -p openai -m tts-1-hd --format wav --out notice.wav -")]
pub struct SpeakArgs {
    #[command(flatten)]
    common: Common,
    /// Voice (alloy, ash, coral, echo, fable, nova, onyx, sage, shimmer…)
    #[arg(long, default_value = "alloy")]
    voice: String,
    /// Audio format: mp3, wav, flac, pcm, opus or aac
    #[arg(long, default_value = "mp3")]
    format: String,
    /// Where to save the audio (default: speech-RUN.FORMAT in the current folder)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The text to speak; `-` reads stdin
    text: String,
}

fn stdin_text() -> Result<String> {
    if std::io::stdin().is_terminal() {
        return Err(CoreError::invalid(
            "input",
            "`-` reads stdin, but nothing is piped in",
        ));
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| CoreError::invalid("input", format!("cannot read stdin: {e}")))?;
    Ok(s)
}

fn text_or_stdin(arg: String) -> Result<String> {
    if arg == "-" { stdin_text() } else { Ok(arg) }
}

/// Sends one operation and records it; prints the summary (or the run as JSON).
fn send(
    ledger: promptledger_core::ledger::Ledger,
    c: &Common,
    request: OperationRequest,
) -> Result<OperationOutcome> {
    let provider: ProviderKind = c.provider.parse()?;
    let target = TargetRequest {
        key_id: c.key.clone(),
        ..c.net.apply(TargetRequest::new(provider, c.model.clone()))
    };
    let req = OperationRunRequest {
        target,
        request,
        tag: c.tag.clone(),
        override_budget: c.override_budget,
    };
    let service = service(ledger, c.net.settings()?)?;
    let prepared = service.prepare_operation(&req)?;
    if prepared.estimate.unpriced && !c.json {
        eprintln!("{}", promptledger_core::runner::UNPRICED_NOTICE);
    }
    let cancel = CancellationToken::new();
    let outcome = run_until_done(&cancel, service.run_operation(prepared, &cancel))??;
    print_alerts(&outcome.alerts);
    Ok(outcome)
}

/// One line: operation, what it used, cost, latency, the error if any.
fn summary(v: &RunView) -> String {
    let mut s = format!("run {} · {}", v.run_id, v.operation);
    if let Some(n) = v.items {
        s += &format!(" · {n} item{}", if n == 1 { "" } else { "s" });
    }
    let tokens = v.usage.input_tokens + v.usage.output_tokens;
    if tokens > 0 {
        s += &format!(" · {} tokens", crate::format::thousands(tokens));
    }
    if let Some(u) = &v.unit {
        s += &format!(
            " · {} {}",
            crate::format::thousands(u.quantity),
            u.unit.plural()
        );
    }
    s += &match v.cost_nano_usd {
        Some(c) => format!(" · {c}"),
        None => " · cost unknown (unpriced)".to_string(),
    };
    if let Some(ms) = v.latency_ms {
        s += &format!(" · {ms} ms");
    }
    if let Some(e) = &v.error {
        s += &format!("\nerror[{}]: {}", e.code, e.message);
    }
    s
}

fn report(c: &Common, view: &RunView, extra: Option<(&str, serde_json::Value)>) -> Result<bool> {
    if c.json {
        let mut v =
            serde_json::to_value(view).map_err(|e| CoreError::invalid("output", e.to_string()))?;
        if let Some((k, x)) = extra {
            v[k] = x;
        }
        crate::print_json(&v)?;
    } else {
        eprintln!("{}", summary(view));
    }
    Ok(view.status == RunStatus::Ok)
}

pub fn embed(ledger: promptledger_core::ledger::Ledger, a: EmbedArgs) -> Result<bool> {
    let mut inputs = Vec::new();
    for t in a.text {
        if t == "-" {
            inputs.extend(EmbedRequest::inputs_from_lines(&stdin_text()?));
        } else {
            inputs.push(t);
        }
    }
    let request = OperationRequest::Embed(EmbedRequest {
        model: a.common.model.clone(),
        inputs,
        dimensions: a.dimensions,
    });
    let outcome = send(ledger, &a.common, request)?;
    let view = RunView::from(&outcome.record);
    let vectors = outcome.answer.as_ref().map(|x| &x.vectors);
    match (a.vectors, a.common.json) {
        (true, true) => report(
            &a.common,
            &view,
            Some(("vectors", serde_json::json!(vectors))),
        ),
        (true, false) => {
            crate::print_json(&vectors)?;
            eprintln!("{}", summary(&view));
            Ok(view.status == RunStatus::Ok)
        }
        _ => report(&a.common, &view, None),
    }
}

pub fn image(ledger: promptledger_core::ledger::Ledger, a: ImageArgs) -> Result<bool> {
    let request = OperationRequest::Image(ImageRequest {
        model: a.common.model.clone(),
        prompt: text_or_stdin(a.prompt)?,
        n: a.n,
        size: a.size,
        quality: a.quality,
    });
    // Refuse a folder that cannot be written before paying for images.
    std::fs::create_dir_all(&a.out).map_err(|e| not_writable(&a.out, &e))?;
    let outcome = send(ledger, &a.common, request)?;
    let view = RunView::from(&outcome.record);
    let mut saved = Vec::new();
    if let Some(answer) = &outcome.answer {
        for (i, img) in answer.images.iter().enumerate() {
            let path = a.out.join(img.file_name(view.run_id, i));
            std::fs::write(&path, &img.bytes).map_err(|e| not_writable(&path, &e))?;
            saved.push(path.display().to_string());
        }
    }
    if !a.common.json {
        for p in &saved {
            outln!("{p}");
        }
    }
    report(&a.common, &view, Some(("files", serde_json::json!(saved))))
}

pub fn transcribe(ledger: promptledger_core::ledger::Ledger, a: TranscribeArgs) -> Result<bool> {
    let audio = std::fs::read(&a.file).map_err(|e| {
        CoreError::invalid("file", format!("cannot read {}: {e}", a.file.display()))
    })?;
    let request = OperationRequest::Transcribe(TranscribeRequest {
        model: a.common.model.clone(),
        file_name: a
            .file
            .file_name()
            .map_or_else(|| "audio".into(), |n| n.to_string_lossy().to_string()),
        audio,
        language: a.language,
    });
    let outcome = send(ledger, &a.common, request)?;
    let view = RunView::from(&outcome.record);
    if !a.common.json
        && let Some(t) = outcome.answer.as_ref().and_then(|x| x.text.as_deref())
    {
        outln!("{t}");
    }
    report(&a.common, &view, None)
}

pub fn speak(ledger: promptledger_core::ledger::Ledger, a: SpeakArgs) -> Result<bool> {
    let speech = SpeechRequest {
        model: a.common.model.clone(),
        input: text_or_stdin(a.text)?,
        voice: a.voice,
        format: a.format,
    };
    let outcome = send(ledger, &a.common, OperationRequest::Speak(speech.clone()))?;
    let view = RunView::from(&outcome.record);
    let mut file = None;
    if let Some(audio) = outcome.answer.as_ref().and_then(|x| x.audio.as_ref()) {
        let path = a
            .out
            .unwrap_or_else(|| PathBuf::from(speech.file_name(view.run_id)));
        std::fs::write(&path, audio).map_err(|e| not_writable(&path, &e))?;
        if !a.common.json {
            outln!("{}", path.display());
        }
        file = Some(path.display().to_string());
    }
    report(&a.common, &view, Some(("file", serde_json::json!(file))))
}

fn not_writable(path: &Path, e: &std::io::Error) -> CoreError {
    CoreError::NotWritable {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}
