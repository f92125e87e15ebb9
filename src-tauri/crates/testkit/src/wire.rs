//! Bodies exactly as each provider sends them (shapes from `shared/reference/providers.md`).

use serde_json::{Value, json};

/// Token counts a fake answer reports, in each provider's own terms.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Prompt tokens (OpenAI/Gemini: including cached; Anthropic: uncached input only).
    pub prompt: u64,
    /// Cached (cache read) tokens.
    pub cached: u64,
    /// Cache-write tokens (Anthropic).
    pub cache_write: u64,
    /// Output tokens (OpenAI: including reasoning; Gemini: excluding thoughts).
    pub output: u64,
    /// Reasoning / thought tokens.
    pub reasoning: u64,
}

fn sse(data: &Value) -> String {
    format!("data: {data}\n\n")
}

fn sse_named(event: &str, data: &Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

// ---- OpenAI ---------------------------------------------------------------------------------

fn openai_usage(c: Counts) -> Value {
    json!({
        "prompt_tokens": c.prompt, "completion_tokens": c.output, "total_tokens": c.prompt + c.output,
        "prompt_tokens_details": {"cached_tokens": c.cached, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": c.reasoning, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
    })
}

/// A Chat Completions response.
pub fn openai_chat(model: &str, text: &str, c: Counts) -> String {
    json!({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_735_000_000, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": openai_usage(c), "service_tier": "default"
    })
    .to_string()
}

/// A Chat Completions SSE stream: role chunk, one chunk per delta, finish chunk, the usage chunk
/// (when `c` is given; `cost` adds OpenRouter's `usage.cost`) and `[DONE]`.
pub fn openai_sse(
    model: &str,
    deltas: &[&str],
    c: Option<Counts>,
    cost: Option<f64>,
) -> Vec<String> {
    let chunk = |delta: Value, finish: Value| {
        sse(
            &json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_735_000_000,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            "usage": null, "obfuscation": "x1"}),
        )
    };
    let mut out = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    out.extend(
        deltas
            .iter()
            .map(|d| chunk(json!({"content": d}), Value::Null)),
    );
    out.push(chunk(json!({}), json!("stop")));
    if let Some(c) = c {
        let mut usage = openai_usage(c);
        if let Some(cost) = cost {
            usage["cost"] = json!(cost);
        }
        out.push(sse(
            &json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model,
            "choices": [], "usage": usage}),
        ));
    }
    out.push("data: [DONE]\n\n".into());
    out
}

/// An OpenAI error body.
pub fn openai_error(etype: &str, code: &str, message: &str) -> String {
    json!({"error": {"message": message, "type": etype, "param": null, "code": code}}).to_string()
}

/// A `/v1/models` list.
pub fn openai_models(ids: &[&str]) -> String {
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 1, "owned_by": "system"}))
        .collect();
    json!({"object": "list", "data": data}).to_string()
}

// ---- Anthropic ------------------------------------------------------------------------------

fn anthropic_usage(c: Counts) -> Value {
    json!({"input_tokens": c.prompt, "cache_creation_input_tokens": c.cache_write,
        "cache_read_input_tokens": c.cached,
        "cache_creation": {"ephemeral_5m_input_tokens": c.cache_write, "ephemeral_1h_input_tokens": 0},
        "output_tokens": c.output, "service_tier": "standard"})
}

/// A Messages response.
pub fn anthropic_message(model: &str, text: &str, c: Counts) -> String {
    json!({"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": null,
        "usage": anthropic_usage(c)})
    .to_string()
}

/// The events before any text: `message_start` (input and cache counts, placeholder output)
/// and `content_block_start`.
pub fn anthropic_sse_head(model: &str, c: Counts) -> Vec<String> {
    let mut start_usage = anthropic_usage(c);
    start_usage["output_tokens"] = json!(1);
    vec![
        sse_named(
            "message_start",
            &json!({"type": "message_start", "message": {"id": "msg_fake", "type": "message",
            "role": "assistant", "content": [], "model": model, "stop_reason": null, "stop_sequence": null,
            "usage": start_usage}}),
        ),
        sse_named(
            "content_block_start",
            &json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}}),
        ),
        sse_named("ping", &json!({"type": "ping"})),
    ]
}

/// One text delta event.
pub fn anthropic_delta(text: &str) -> String {
    sse_named(
        "content_block_delta",
        &json!({"type": "content_block_delta", "index": 0,
        "delta": {"type": "text_delta", "text": text}}),
    )
}

/// A whole Messages stream.
pub fn anthropic_sse(model: &str, deltas: &[&str], c: Counts) -> Vec<String> {
    let mut out = anthropic_sse_head(model, c);
    out.extend(deltas.iter().map(|d| anthropic_delta(d)));
    out.push(sse_named(
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": 0}),
    ));
    out.push(sse_named("message_delta", &json!({"type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": c.output}})));
    out.push(sse_named("message_stop", &json!({"type": "message_stop"})));
    out
}

/// An error event inside a 200 stream.
pub fn anthropic_error_event(etype: &str, message: &str) -> String {
    sse_named(
        "error",
        &json!({"type": "error", "error": {"type": etype, "message": message}}),
    )
}

/// An Anthropic error body.
pub fn anthropic_error(etype: &str, message: &str) -> String {
    json!({"type": "error", "error": {"type": etype, "message": message}, "request_id": "req_fake"})
        .to_string()
}

// ---- Gemini ---------------------------------------------------------------------------------

fn gemini_usage(c: Counts) -> Value {
    let mut u = json!({"promptTokenCount": c.prompt, "candidatesTokenCount": c.output,
        "totalTokenCount": c.prompt + c.output + c.reasoning});
    if c.cached > 0 {
        u["cachedContentTokenCount"] = json!(c.cached);
    }
    if c.reasoning > 0 {
        u["thoughtsTokenCount"] = json!(c.reasoning);
    }
    u
}

fn gemini_chunk(model: &str, text: &str, finish: Option<&str>, usage: Option<Counts>) -> Value {
    let mut cand = json!({"content": {"role": "model", "parts": [{"text": text}]}, "index": 0});
    if let Some(f) = finish {
        cand["finishReason"] = json!(f);
    }
    let mut v = json!({"candidates": [cand], "modelVersion": model, "responseId": "resp-fake"});
    if let Some(c) = usage {
        v["usageMetadata"] = gemini_usage(c);
    }
    v
}

/// A `generateContent` response.
pub fn gemini_response(model: &str, text: &str, c: Counts) -> String {
    gemini_chunk(model, text, Some("STOP"), Some(c)).to_string()
}

/// A `streamGenerateContent?alt=sse` stream: partial usage on early chunks, totals on the last.
pub fn gemini_sse(model: &str, deltas: &[&str], c: Counts) -> Vec<String> {
    let n = deltas.len();
    deltas
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let last = i + 1 == n;
            let usage = if last {
                c
            } else {
                Counts {
                    output: (i + 1) as u64,
                    reasoning: c.reasoning,
                    ..c
                }
            };
            sse(&gemini_chunk(model, d, last.then_some("STOP"), Some(usage)))
        })
        .collect()
}

/// A Google RPC error body.
pub fn gemini_error(code: u16, status: &str, message: &str) -> String {
    json!({"error": {"code": code, "message": message, "status": status}}).to_string()
}

// ---- Ollama ---------------------------------------------------------------------------------

fn ollama_final(model: &str, c: Counts) -> Value {
    json!({"model": model, "created_at": "2026-01-01T00:00:00Z", "message": {"role": "assistant", "content": ""},
        "done": true, "done_reason": "stop", "total_duration": 5_043_500_667u64, "load_duration": 5_025_959,
        "prompt_eval_count": c.prompt, "prompt_eval_duration": 325_953_000, "eval_count": c.output,
        "eval_duration": 4_709_213_000u64})
}

/// A non-streaming `/api/chat` response.
pub fn ollama_chat(model: &str, text: &str, c: Counts) -> String {
    let mut v = ollama_final(model, c);
    v["message"]["content"] = json!(text);
    v.to_string()
}

/// An NDJSON `/api/chat` stream.
pub fn ollama_ndjson(model: &str, deltas: &[&str], c: Counts) -> Vec<String> {
    let mut out: Vec<String> = deltas
        .iter()
        .map(|d| {
            format!(
                "{}\n",
                json!({"model": model, "created_at": "2026-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": d}, "done": false})
            )
        })
        .collect();
    out.push(format!("{}\n", ollama_final(model, c)));
    out
}

/// A `/api/tags` list.
pub fn ollama_tags(names: &[&str]) -> String {
    let models: Vec<Value> = names
        .iter()
        .map(|n| {
            json!({"name": n, "model": n, "size": 1, "digest": "x",
        "details": {"family": "llama", "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}})
        })
        .collect();
    json!({"models": models}).to_string()
}
