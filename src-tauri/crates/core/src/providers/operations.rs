//! The paid requests besides chat, on each provider's own wire: embeddings (OpenAI and
//! compatible `/embeddings`, Gemini `embedContent` / `batchEmbedContents`, Ollama `/api/embed`),
//! image generation (`/images/generations`), transcription (`/audio/transcriptions`,
//! multipart) and speech (`/audio/speech`, audio bytes back). Retries, `retry-after`, typed
//! errors and key scrubbing are the chat client's ([`ProviderClient::send`]).
//!
//! What each answer says it used is read into a [`Metered`]: OpenAI's `usage.prompt_tokens`;
//! Gemini's `usageMetadata.promptTokenCount` when it sends one (older answers have none: the
//! runner then counts the inputs itself and records the cost as estimated); Ollama's
//! `prompt_eval_count`; an image model's token `usage` (text and image input, output); a
//! transcription's `usage` of `type: tokens` (audio and text input, output) or
//! `type: duration` (`seconds`).

use base64::Engine;
use reqwest::RequestBuilder;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::operation::Operation;
use crate::pricing::{Metered, TokenUsage};
use crate::providers::error::{invalid_response, scrubbed, transport_error};
use crate::providers::http::request_id;
use crate::providers::shared::{self, Auth};
use crate::providers::{Endpoint, ProviderClient, gemini, openai};

/// Embeddings of one or many inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedRequest {
    /// Model.
    pub model: String,
    /// The texts, one vector each.
    pub inputs: Vec<String>,
    /// Output dimensions, for models that can shorten their vectors.
    pub dimensions: Option<u32>,
}

impl EmbedRequest {
    /// The inputs a block of text holds: one per line, blank lines and surrounding spaces
    /// dropped (the Playground's text box and the CLI's stdin both read inputs this way).
    pub fn inputs_from_lines(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Images from a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRequest {
    /// Model.
    pub model: String,
    /// What to draw.
    pub prompt: String,
    /// How many images.
    pub n: u32,
    /// `1024x1024`, `1536x1024`…; the provider's default when `None`.
    pub size: Option<String>,
    /// `low`, `medium`, `high` (gpt-image), `standard`, `hd` (dall-e-3).
    pub quality: Option<String>,
}

/// Speech to text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscribeRequest {
    /// Model.
    pub model: String,
    /// The file's name (its extension tells the provider the format).
    pub file_name: String,
    /// The audio.
    #[serde(skip)]
    pub audio: Vec<u8>,
    /// The spoken language (ISO-639-1), when known.
    pub language: Option<String>,
}

/// Text to speech.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeechRequest {
    /// Model.
    pub model: String,
    /// The text to speak.
    pub input: String,
    /// Voice (`alloy`, `coral`…).
    pub voice: String,
    /// `mp3`, `wav`, `flac`, `pcm`, `opus` or `aac`.
    pub format: String,
}

/// A paid request that is not a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationRequest {
    /// Embeddings.
    Embed(EmbedRequest),
    /// Image generation.
    Image(ImageRequest),
    /// Transcription.
    Transcribe(TranscribeRequest),
    /// Speech.
    Speak(SpeechRequest),
}

impl OperationRequest {
    /// Which operation.
    pub fn operation(&self) -> Operation {
        match self {
            OperationRequest::Embed(_) => Operation::Embedding,
            OperationRequest::Image(_) => Operation::Image,
            OperationRequest::Transcribe(_) => Operation::Transcription,
            OperationRequest::Speak(_) => Operation::Speech,
        }
    }

    /// The model.
    pub fn model(&self) -> &str {
        match self {
            OperationRequest::Embed(r) => &r.model,
            OperationRequest::Image(r) => &r.model,
            OperationRequest::Transcribe(r) => &r.model,
            OperationRequest::Speak(r) => &r.model,
        }
    }

    /// The model, changed (a failover or a resolved alias).
    pub fn model_mut(&mut self) -> &mut String {
        match self {
            OperationRequest::Embed(r) => &mut r.model,
            OperationRequest::Image(r) => &mut r.model,
            OperationRequest::Transcribe(r) => &mut r.model,
            OperationRequest::Speak(r) => &mut r.model,
        }
    }
}

/// One generated image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedImage {
    /// The image file's bytes (`b64_json` decoded, or downloaded from `url`).
    pub bytes: Vec<u8>,
    /// `png`, `jpeg` or `webp`.
    pub format: String,
    /// The prompt the provider actually used, when it rewrote it (dall-e-3).
    pub revised_prompt: Option<String>,
}

impl GeneratedImage {
    /// The file an image is saved as, in both faces: `image-RUN-N.FORMAT` (N from 1).
    pub fn file_name(&self, run_id: i64, index: usize) -> String {
        format!("image-{run_id}-{}.{}", index + 1, self.format)
    }
}

impl SpeechRequest {
    /// The file its audio is saved as when the user names none: `speech-RUN.FORMAT`.
    pub fn file_name(&self, run_id: i64) -> String {
        format!("speech-{run_id}.{}", self.format)
    }
}

/// What a provider answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationAnswer {
    /// What it says it used (the runner fills what it measured itself).
    pub metered: Metered,
    /// Embedding vectors, in input order.
    pub vectors: Vec<Vec<f32>>,
    /// Generated images.
    pub images: Vec<GeneratedImage>,
    /// A transcription's text.
    pub text: Option<String>,
    /// Speech audio.
    pub audio: Option<Vec<u8>>,
    /// The model the provider reports.
    pub resolved_model: Option<String>,
    /// The provider's request id.
    pub request_id: Option<String>,
}

/// One operation's call: how many HTTP attempts it took, and the answer or the typed error.
#[derive(Debug)]
pub struct OperationCall {
    /// HTTP attempts (1 + retries).
    pub attempts: u32,
    /// The provider accepted the request (a 2xx answer came back), so it did — and billed —
    /// the work even when its answer then could not be read.
    pub answered: bool,
    /// The answer, or why there is none.
    pub result: Result<OperationAnswer>,
}

/// `Err(invalid_input)` when `provider` has no API for `op` that PromptLedger speaks.
pub fn check_support(provider: ProviderKind, op: Operation) -> Result<()> {
    let ok = match op {
        Operation::Chat => true,
        Operation::Embedding => {
            provider.speaks_openai()
                || matches!(provider, ProviderKind::Gemini | ProviderKind::Ollama)
        }
        Operation::Image | Operation::Transcription | Operation::Speech => provider.speaks_openai(),
    };
    if ok {
        Ok(())
    } else {
        Err(unsupported(provider, op))
    }
}

fn unsupported(provider: ProviderKind, op: Operation) -> CoreError {
    CoreError::invalid(
        "operation",
        format!(
            "{} has no {} API that PromptLedger can call (embeddings: OpenAI and \
             OpenAI-compatible services, Gemini, Ollama; images, transcription and speech: \
             OpenAI and compatible services)",
            provider.display_name(),
            op.as_str()
        ),
    )
}

impl ProviderClient {
    /// Sends `req` to `ep` (retrying as a chat run does) and reads what it answered.
    pub async fn operation(
        &self,
        ep: &Endpoint,
        req: &OperationRequest,
        cancel: &CancellationToken,
    ) -> OperationCall {
        let (mut attempts, mut answered) = (0, false);
        let result = self
            .operation_unscrubbed(ep, req, cancel, &mut attempts, &mut answered)
            .await
            .map_err(|e| scrubbed(e, ep));
        OperationCall {
            attempts: attempts.max(1),
            answered,
            result,
        }
    }

    async fn operation_unscrubbed(
        &self,
        ep: &Endpoint,
        req: &OperationRequest,
        cancel: &CancellationToken,
        attempts: &mut u32,
        answered: &mut bool,
    ) -> Result<OperationAnswer> {
        let p = ep.provider;
        let openai_like = p.speaks_openai();
        let build: Box<dyn Fn(&reqwest::Client) -> RequestBuilder + Send + Sync> = match req {
            OperationRequest::Embed(r) => match p {
                ProviderKind::Gemini => Box::new(move |c| gemini_embed(c, ep, r)),
                ProviderKind::Ollama => Box::new(move |c| {
                    let mut body = json!({"model": r.model, "input": r.inputs});
                    if let Some(d) = r.dimensions {
                        body["dimensions"] = json!(d);
                    }
                    shared::authed(
                        c.post(format!("{}/api/embed", ep.base_url)),
                        ep,
                        Auth::Bearer,
                    )
                    .json(&body)
                }),
                _ if openai_like => Box::new(move |c| {
                    let mut body =
                        json!({"model": r.model, "input": r.inputs, "encoding_format": "float"});
                    if let Some(d) = r.dimensions {
                        body["dimensions"] = json!(d);
                    }
                    openai::authed(c.post(format!("{}/embeddings", ep.base_url)), ep).json(&body)
                }),
                _ => return Err(unsupported(p, req.operation())),
            },
            _ if !openai_like => return Err(unsupported(p, req.operation())),
            OperationRequest::Image(r) => Box::new(move |c| {
                let mut body = json!({"model": r.model, "prompt": r.prompt, "n": r.n.max(1)});
                if let Some(s) = r.size.as_deref().filter(|s| !s.trim().is_empty()) {
                    body["size"] = json!(s.trim());
                }
                if let Some(q) = r.quality.as_deref().filter(|q| !q.trim().is_empty()) {
                    body["quality"] = json!(q.trim());
                }
                // gpt-image models always answer base64 and refuse the field; dall-e needs it.
                if r.model.starts_with("dall-e") {
                    body["response_format"] = json!("b64_json");
                }
                openai::authed(c.post(format!("{}/images/generations", ep.base_url)), ep)
                    .json(&body)
            }),
            OperationRequest::Transcribe(r) => Box::new(move |c| {
                let (boundary, body) = multipart(r);
                openai::authed(c.post(format!("{}/audio/transcriptions", ep.base_url)), ep)
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(body)
            }),
            OperationRequest::Speak(r) => Box::new(move |c| {
                openai::authed(c.post(format!("{}/audio/speech", ep.base_url)), ep).json(&json!({
                    "model": r.model, "input": r.input, "voice": r.voice,
                    "response_format": r.format,
                }))
            }),
        };
        let resp = self.send(p, build, cancel, attempts).await?;
        *answered = true;
        let rid = request_id(resp.headers());
        let bytes = tokio::select! {
            b = resp.bytes() => b.map_err(|e| transport_error(p, &e))?,
            () = cancel.cancelled() => return Err(CoreError::Cancelled),
        };
        let mut answer = if let OperationRequest::Speak(_) = req {
            OperationAnswer {
                audio: Some(bytes.to_vec()),
                ..OperationAnswer::default()
            }
        } else {
            let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
                invalid_response(
                    p,
                    format!("the {} answer is not JSON: {e}", req.operation()),
                )
            })?;
            match req {
                OperationRequest::Embed(r) => read_embeddings(p, &v, r.inputs.len())?,
                OperationRequest::Image(r) => self.read_images(p, &v, r, cancel).await?,
                OperationRequest::Transcribe(_) => read_transcription(p, &v)?,
                OperationRequest::Speak(_) => OperationAnswer::default(),
            }
        };
        answer.metered.operation = req.operation();
        answer.request_id = rid;
        Ok(answer)
    }

    async fn read_images(
        &self,
        p: ProviderKind,
        v: &Value,
        r: &ImageRequest,
        cancel: &CancellationToken,
    ) -> Result<OperationAnswer> {
        let data = v
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid_response(p, "the image answer has no `data` list".into()))?;
        let format = v
            .get("output_format")
            .and_then(Value::as_str)
            .unwrap_or("png")
            .to_string();
        let mut images = Vec::with_capacity(data.len());
        for d in data {
            let bytes = if let Some(b64) = d.get("b64_json").and_then(Value::as_str) {
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| invalid_response(p, format!("an image is not base64: {e}")))?
            } else if let Some(url) = d.get("url").and_then(Value::as_str) {
                // A URL answer (dall-e without b64_json) is fetched before it expires.
                let get = self.http.get(url).send();
                let resp = tokio::select! {
                    r = get => r.map_err(|e| transport_error(p, &e))?,
                    () = cancel.cancelled() => return Err(CoreError::Cancelled),
                };
                resp.bytes()
                    .await
                    .map_err(|e| transport_error(p, &e))?
                    .to_vec()
            } else {
                return Err(invalid_response(
                    p,
                    "an image has neither `b64_json` nor `url`".into(),
                ));
            };
            images.push(GeneratedImage {
                bytes,
                format: format.clone(),
                revised_prompt: d
                    .get("revised_prompt")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
        let mut metered = Metered {
            items: images.len() as u64,
            image_size: r
                .size
                .as_deref()
                .and_then(crate::pricing::units::parse_size),
            image_quality: r.quality.clone(),
            ..Metered::default()
        };
        // The size and quality the provider chose, when the request left them open.
        if let Some(s) = v
            .get("size")
            .and_then(Value::as_str)
            .and_then(crate::pricing::units::parse_size)
        {
            metered.image_size = Some(s);
        }
        if let Some(q) = v.get("quality").and_then(Value::as_str) {
            metered.image_quality = Some(q.to_string());
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            let input = count(p, u, &["input_tokens"])?;
            let image_in = count(p, u, &["input_tokens_details", "image_tokens"])?;
            let text_in = match u.pointer("/input_tokens_details/text_tokens") {
                Some(_) => count(p, u, &["input_tokens_details", "text_tokens"])?,
                None => input.saturating_sub(image_in),
            };
            metered.tokens = TokenUsage {
                input_tokens: text_in,
                output_tokens: count(p, u, &["output_tokens"])?,
                ..TokenUsage::default()
            };
            metered.image_input_tokens = image_in;
            metered.tokens_reported = true;
        }
        Ok(OperationAnswer {
            metered,
            images,
            ..OperationAnswer::default()
        })
    }
}

fn gemini_embed(c: &reqwest::Client, ep: &Endpoint, r: &EmbedRequest) -> RequestBuilder {
    let model = r.model.strip_prefix("models/").unwrap_or(&r.model);
    let one = |text: &str| {
        let mut o =
            json!({"model": format!("models/{model}"), "content": {"parts": [{"text": text}]}});
        if let Some(d) = r.dimensions {
            o["outputDimensionality"] = json!(d);
        }
        o
    };
    if let [single] = r.inputs.as_slice() {
        gemini::authed(
            c.post(format!(
                "{}/v1beta/models/{model}:embedContent",
                ep.base_url
            )),
            ep,
        )
        .json(&one(single))
    } else {
        let requests: Vec<Value> = r.inputs.iter().map(|t| one(t)).collect();
        gemini::authed(
            c.post(format!(
                "{}/v1beta/models/{model}:batchEmbedContents",
                ep.base_url
            )),
            ep,
        )
        .json(&json!({"requests": requests}))
    }
}

/// A whole number ≥ 0 at `path` (absent or null: 0), as the usage readers check it.
fn count(p: ProviderKind, v: &Value, path: &[&str]) -> Result<u64> {
    let mut cur = v;
    for k in path {
        match cur.get(k) {
            Some(next) => cur = next,
            None => return Ok(0),
        }
    }
    match cur {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_u64()
            .filter(|c| *c <= crate::pricing::usage::MAX_TOKENS)
            .ok_or_else(|| {
                invalid_response(
                    p,
                    format!("`{}` must be a whole number ≥ 0, got {n}", path.join(".")),
                )
            }),
        other => Err(invalid_response(
            p,
            format!("`{}` must be a number, got {other}", path.join(".")),
        )),
    }
}

fn vector(p: ProviderKind, v: Option<&Value>) -> Result<Vec<f32>> {
    v.and_then(Value::as_array)
        .ok_or_else(|| invalid_response(p, "an embedding is not a list of numbers".into()))?
        .iter()
        .map(|x| {
            x.as_f64()
                .map(|f| f as f32)
                .ok_or_else(|| invalid_response(p, "an embedding holds a non-number".into()))
        })
        .collect()
}

fn read_embeddings(p: ProviderKind, v: &Value, inputs: usize) -> Result<OperationAnswer> {
    let mut metered = Metered {
        items: inputs as u64,
        ..Metered::default()
    };
    let vectors: Vec<Vec<f32>> = match p {
        ProviderKind::Gemini => {
            let list: Vec<&Value> = match (v.get("embeddings"), v.get("embedding")) {
                (Some(Value::Array(a)), _) => a.iter().collect(),
                (_, Some(one)) => vec![one],
                _ => {
                    return Err(invalid_response(
                        p,
                        "the answer has neither `embedding` nor `embeddings`".into(),
                    ));
                }
            };
            let vs = list
                .iter()
                .map(|e| vector(p, e.get("values")))
                .collect::<Result<Vec<_>>>()?;
            if let Some(u) = v.get("usageMetadata").filter(|u| u.is_object()) {
                metered.tokens.input_tokens = count(p, u, &["promptTokenCount"])?;
                metered.tokens_reported = true;
            }
            vs
        }
        ProviderKind::Ollama => {
            let vs = v
                .get("embeddings")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid_response(p, "the answer has no `embeddings`".into()))?
                .iter()
                .map(|e| vector(p, Some(e)))
                .collect::<Result<Vec<_>>>()?;
            if v.get("prompt_eval_count").is_some() {
                metered.tokens.input_tokens = count(p, v, &["prompt_eval_count"])?;
                metered.tokens_reported = true;
            }
            vs
        }
        _ => {
            let mut data: Vec<(u64, Vec<f32>)> = v
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid_response(p, "the answer has no `data` list".into()))?
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let at = d.get("index").and_then(Value::as_u64).unwrap_or(i as u64);
                    Ok((at, vector(p, d.get("embedding"))?))
                })
                .collect::<Result<Vec<_>>>()?;
            data.sort_by_key(|(i, _)| *i);
            if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
                metered.tokens.input_tokens = count(p, u, &["prompt_tokens"])?;
                metered.tokens_reported = true;
            }
            data.into_iter().map(|(_, e)| e).collect()
        }
    };
    if vectors.len() != inputs {
        return Err(invalid_response(
            p,
            format!(
                "{} inputs were sent but {} embeddings came back",
                inputs,
                vectors.len()
            ),
        ));
    }
    Ok(OperationAnswer {
        metered,
        vectors,
        resolved_model: v.get("model").and_then(Value::as_str).map(str::to_string),
        ..OperationAnswer::default()
    })
}

fn read_transcription(p: ProviderKind, v: &Value) -> Result<OperationAnswer> {
    let text = v
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_response(p, "the transcription has no `text`".into()))?;
    let mut metered = Metered::default();
    match v.get("usage").filter(|u| u.is_object()) {
        Some(u) if u.get("type").and_then(Value::as_str) == Some("duration") => {
            let s = u.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
            if !(0.0..=1e7).contains(&s) {
                return Err(invalid_response(p, format!("`usage.seconds` is {s}")));
            }
            metered.seconds = s.round() as u64;
        }
        Some(u) => {
            let input = count(p, u, &["input_tokens"])?;
            let audio = count(p, u, &["input_token_details", "audio_tokens"])?;
            let text_in = match u.pointer("/input_token_details/text_tokens") {
                Some(_) => count(p, u, &["input_token_details", "text_tokens"])?,
                None => input.saturating_sub(audio),
            };
            metered.tokens = TokenUsage {
                input_tokens: text_in,
                output_tokens: count(p, u, &["output_tokens"])?,
                ..TokenUsage::default()
            };
            metered.audio_input_tokens = audio;
            metered.tokens_reported = true;
        }
        None => {
            // verbose_json answers carry the duration.
            if let Some(d) = v
                .get("duration")
                .and_then(Value::as_f64)
                .filter(|d| *d >= 0.0)
            {
                metered.seconds = crate::audio::billed_seconds((d * 1000.0) as u64);
            }
        }
    }
    Ok(OperationAnswer {
        metered,
        text: Some(text.to_string()),
        ..OperationAnswer::default()
    })
}

/// The multipart body of a transcription: `file`, `model`, `response_format=json` and the
/// language when given.
fn multipart(r: &TranscribeRequest) -> (String, Vec<u8>) {
    let boundary = format!("promptledger-{:016x}", crate::ledger::now_ms());
    let mut b = Vec::with_capacity(r.audio.len() + 512);
    let mut field = |name: &str, value: &str| {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    field("model", &r.model);
    field("response_format", "json");
    if let Some(l) = r.language.as_deref().filter(|l| !l.trim().is_empty()) {
        field("language", l.trim());
    }
    let name: String = r
        .file_name
        .chars()
        .filter(|c| !matches!(c, '"' | '\r' | '\n' | '/' | '\\'))
        .collect();
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(&r.audio);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (boundary, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_per_provider() {
        let o = read_embeddings(
            ProviderKind::Openai,
            &json!({"data":[{"index":1,"embedding":[0.5]},{"index":0,"embedding":[0.25]}],
                    "model":"text-embedding-3-small","usage":{"prompt_tokens":12,"total_tokens":12}}),
            2,
        )
        .unwrap();
        assert_eq!(o.vectors, vec![vec![0.25], vec![0.5]]);
        assert_eq!(o.metered.tokens.input_tokens, 12);
        let g = read_embeddings(
            ProviderKind::Gemini,
            &json!({"embedding":{"values":[1.0, 2.0]}}),
            1,
        )
        .unwrap();
        assert!(!g.metered.tokens_reported);
        let bad = read_embeddings(ProviderKind::Openai, &json!({"data":[]}), 2).unwrap_err();
        assert!(bad.to_string().contains("2 inputs"), "{bad}");
        let t = read_transcription(
            ProviderKind::Openai,
            &json!({"text":"hi","usage":{"type":"tokens","input_tokens":14,
                    "input_token_details":{"text_tokens":4,"audio_tokens":10},"output_tokens":3}}),
        )
        .unwrap();
        assert_eq!(
            (t.metered.tokens.input_tokens, t.metered.audio_input_tokens),
            (4, 10)
        );
        let d = read_transcription(
            ProviderKind::Openai,
            &json!({"text":"hi","usage":{"type":"duration","seconds":61.6}}),
        )
        .unwrap();
        assert_eq!(d.metered.seconds, 62);
    }

    #[test]
    fn multipart_names_every_field() {
        let (boundary, body) = multipart(&TranscribeRequest {
            model: "whisper-1".into(),
            file_name: "a\"b.wav".into(),
            audio: b"RIFF".to_vec(),
            language: Some("en".into()),
        });
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("name=\"model\"\r\n\r\nwhisper-1"));
        assert!(text.contains("filename=\"ab.wav\""));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
