//! A loopback server for the paid operations besides chat, speaking each real wire format:
//! OpenAI `/v1/embeddings`, `/v1/images/generations`, `/v1/audio/transcriptions` (multipart)
//! and `/v1/audio/speech` (audio bytes back); Gemini `embedContent` / `batchEmbedContents`;
//! Ollama `/api/embed`. Usage figures follow simple published rules so tests can compute the
//! expected bill by hand: an input's tokens are its whitespace-separated words + 1; an image's
//! output tokens are OpenAI's table for gpt-image-1 at 1024×1024 (low 272, medium 1056, high
//! 4160); a transcription's seconds come from the WAV it was sent.

use base64::Engine;
use serde_json::{Value, json};

use crate::{FakeServer, Recorded, Reply};

/// A 1×1 PNG, as the image endpoints return it (base64).
pub const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// Tokens the fake servers bill for one embedding input: its words + 1.
pub fn embed_tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64 + 1
}

/// gpt-image-1's output tokens for one 1024×1024 image of `quality`.
pub fn image_tokens(quality: &str) -> u64 {
    match quality {
        "low" => 272,
        "high" => 4160,
        _ => 1056,
    }
}

/// A WAV of `ms` milliseconds of silence, 16 kHz 16-bit mono.
pub fn wav(ms: u64) -> Vec<u8> {
    wav_at(ms, 16_000)
}

fn wav_at(ms: u64, rate: u32) -> Vec<u8> {
    let data = (ms * u64::from(rate) * 2 / 1000) as u32;
    let mut b = Vec::with_capacity(44 + data as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    b.resize(b.len() + data as usize, 0);
    b
}

/// Milliseconds of a canonical WAV (44-byte header).
fn wav_ms(b: &[u8]) -> u64 {
    let find = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let Some(start) = b.windows(4).position(|w| w == b"RIFF") else {
        return 0;
    };
    let w = &b[start..];
    if w.len() < 44 {
        return 0;
    }
    let rate = u64::from(find(start + 28));
    let data = u64::from(find(start + 40));
    (data * 1000).checked_div(rate).unwrap_or(0)
}

/// A multipart field's value.
fn field<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("name=\"{name}\"\r\n\r\n");
    let at = body.find(&key)? + key.len();
    body[at..].split("\r\n").next()
}

fn vectors(n: usize, dims: u64) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!(
                (0..dims)
                    .map(|d| ((i as f64) + (d as f64)) / 100.0)
                    .collect::<Vec<_>>()
            )
        })
        .collect()
}

/// Answers every operation endpoint (see the module header).
pub fn answer(r: &Recorded) -> Reply {
    let path = r.path.split('?').next().unwrap_or_default();
    let body = r.json();
    match path {
        "/v1/embeddings" => {
            let inputs: Vec<String> = match &body["input"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
                _ => Vec::new(),
            };
            let dims = body["dimensions"].as_u64().unwrap_or(8);
            let tokens: u64 = inputs.iter().map(|t| embed_tokens(t)).sum();
            let data: Vec<Value> = vectors(inputs.len(), dims)
                .into_iter()
                .enumerate()
                .map(|(i, v)| json!({"object": "embedding", "index": i, "embedding": v}))
                .collect();
            Reply::json(
                json!({"object": "list", "data": data, "model": body["model"],
                       "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
                .to_string(),
            )
        }
        "/v1/images/generations" => {
            let n = body["n"].as_u64().unwrap_or(1) as usize;
            let model = body["model"].as_str().unwrap_or_default();
            let quality = body["quality"].as_str().unwrap_or("medium").to_string();
            let size = body["size"].as_str().unwrap_or("1024x1024").to_string();
            let data: Vec<Value> = (0..n)
                .map(|_| {
                    if model.starts_with("dall-e") {
                        json!({"b64_json": PNG_1X1, "revised_prompt": format!("A detailed {}", body["prompt"].as_str().unwrap_or_default())})
                    } else {
                        json!({"b64_json": PNG_1X1})
                    }
                })
                .collect();
            let mut out = json!({"created": 1_764_500_000, "data": data});
            if model.starts_with("gpt-image") {
                let text = embed_tokens(body["prompt"].as_str().unwrap_or_default());
                let output = image_tokens(&quality) * n as u64;
                out["usage"] = json!({"input_tokens": text, "output_tokens": output,
                    "total_tokens": text + output,
                    "input_tokens_details": {"text_tokens": text, "image_tokens": 0}});
                out["size"] = json!(size);
                out["quality"] = json!(quality);
                out["output_format"] = json!("png");
            }
            Reply::json(out.to_string())
        }
        "/v1/audio/transcriptions" => {
            let model = field(&r.body, "model").unwrap_or_default().to_string();
            let ms = wav_ms(&r.bytes);
            let text = "Hello from the fake transcription service.";
            let usage = if model == "whisper-1" {
                json!({"type": "duration", "seconds": (ms + 500) / 1000})
            } else {
                let audio = ms / 100;
                json!({"type": "tokens", "input_tokens": audio, "output_tokens": 8,
                       "total_tokens": audio + 8,
                       "input_token_details": {"text_tokens": 0, "audio_tokens": audio}})
            };
            Reply::json(json!({"text": text, "usage": usage}).to_string())
        }
        "/v1/audio/speech" => {
            let chars = body["input"].as_str().unwrap_or_default().chars().count() as u64;
            // About 15 characters a second.
            let ms = chars * 1000 / 15;
            let wav = wav_at(ms, 24_000);
            match body["response_format"].as_str() {
                Some("pcm") => Reply::Bytes {
                    content_type: "audio/pcm".into(),
                    body: wav[44..].to_vec(),
                },
                _ => Reply::Bytes {
                    content_type: "audio/wav".into(),
                    body: wav,
                },
            }
        }
        "/api/embed" => {
            let inputs: Vec<String> = match &body["input"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
                _ => Vec::new(),
            };
            let tokens: u64 = inputs.iter().map(|t| embed_tokens(t)).sum();
            Reply::json(
                json!({"model": body["model"], "embeddings": vectors(inputs.len(), 8),
                       "total_duration": 14_143_917u64, "load_duration": 1_019_500u64,
                       "prompt_eval_count": tokens})
                .to_string(),
            )
        }
        p if p.ends_with(":batchEmbedContents") => {
            let n = body["requests"].as_array().map_or(0, Vec::len);
            let embeddings: Vec<Value> = vectors(n, 8)
                .into_iter()
                .map(|v| json!({"values": v}))
                .collect();
            Reply::json(json!({"embeddings": embeddings}).to_string())
        }
        p if p.ends_with(":embedContent") => Reply::json(
            json!({"embedding": {"values": vectors(1, 8).remove(0)}}).to_string(),
        ),
        _ => Reply::status_json(
            404,
            json!({"error": {"message": format!("no route {path}"), "type": "invalid_request_error"}})
                .to_string(),
        ),
    }
}

/// A server answering every operation endpoint.
pub fn server() -> FakeServer {
    FakeServer::with_handler(answer)
}

/// The bytes a base64 image decodes to.
pub fn png_bytes() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(PNG_1X1)
        .unwrap_or_default()
}
