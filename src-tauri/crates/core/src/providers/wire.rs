//! One trait per wire format, and the registry that maps a provider to its format. Everything
//! that differs between providers — building the chat and model-list requests, reading the
//! answer, the model list and the error body, and decoding the stream — sits behind
//! [`WireFormat`]; the HTTP client, retries and streaming loop are shared. Adding a provider
//! that speaks an existing format is a line in [`wire_format`]; a new format is one file.

use reqwest::RequestBuilder;
use serde_json::Value;

use crate::ProviderKind;
use crate::error::Result;
use crate::providers::stream::Decoder;
use crate::providers::{
    ChatRequest, Endpoint, Exchange, ModelInfo, ProviderErrorKind, anthropic, gemini, ollama,
    openai,
};

/// A provider wire format.
pub(crate) trait WireFormat: Sync {
    /// The chat request for `req` (streaming or not, as `req.stream` says).
    fn chat_request(&self, c: &reqwest::Client, ep: &Endpoint, req: &ChatRequest)
    -> RequestBuilder;
    /// Reads a whole (non-streamed) answer into `x`: text, usage, model, finish reason.
    fn parse_chat(&self, v: &Value, x: &mut Exchange) -> Result<()>;
    /// The model-list request (also how a key is checked: it costs no tokens).
    fn models_request(&self, c: &reqwest::Client, ep: &Endpoint) -> RequestBuilder;
    /// Reads the model list.
    fn parse_models(&self, v: &Value) -> Result<Vec<ModelInfo>>;
    /// What an error status and body mean, and the provider's own message if it gave one.
    fn classify(&self, status: u16, body: &Value) -> (ProviderErrorKind, Option<String>);
    /// A fresh decoder for one streamed answer.
    fn stream_decoder(&self) -> Box<dyn Decoder>;
}

/// The registry: which wire format each provider speaks.
pub(crate) fn wire_format(provider: ProviderKind) -> &'static dyn WireFormat {
    match provider {
        ProviderKind::Anthropic => &anthropic::AnthropicFormat,
        ProviderKind::Gemini => &gemini::GeminiFormat,
        ProviderKind::Ollama => &ollama::OllamaFormat,
        // OpenAI and every OpenAI-compatible service (the presets differ only in their row of
        // `provider.rs`: base URL, price entries, usage dialect).
        _ => &openai::OpenAiFormat,
    }
}

/// Implements [`WireFormat`] for `$format` with the wire module's own functions
/// (`chat_request`, `parse_chat`, `models_request`, `parse_models`, `classify`) and the
/// decoder `$decoder`.
macro_rules! wire_format_from_fns {
    ($format:ident, $decoder:expr) => {
        impl $crate::providers::wire::WireFormat for $format {
            fn chat_request(
                &self,
                c: &reqwest::Client,
                ep: &Endpoint,
                req: &ChatRequest,
            ) -> RequestBuilder {
                chat_request(c, ep, req)
            }

            fn parse_chat(&self, v: &Value, x: &mut Exchange) -> Result<()> {
                parse_chat(v, x)
            }

            fn models_request(&self, c: &reqwest::Client, ep: &Endpoint) -> RequestBuilder {
                models_request(c, ep)
            }

            fn parse_models(&self, v: &Value) -> Result<Vec<ModelInfo>> {
                parse_models(v)
            }

            fn classify(&self, status: u16, body: &Value) -> (ProviderErrorKind, Option<String>) {
                classify(status, body)
            }

            fn stream_decoder(&self) -> Box<dyn $crate::providers::stream::Decoder> {
                Box::new($decoder)
            }
        }
    };
}
pub(crate) use wire_format_from_fns;
