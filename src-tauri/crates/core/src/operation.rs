//! What a paid request does: chat, embeddings, image generation, audio transcription or speech.
//! Every run in the ledger has one; analytics, History, exports and budgets can split by it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::CoreError;

/// The kind of paid request a run is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A chat / completion request.
    #[default]
    Chat,
    /// Embeddings of one or many inputs.
    Embedding,
    /// Image generation.
    Image,
    /// Speech to text.
    Transcription,
    /// Text to speech.
    Speech,
}

impl Operation {
    /// Every operation, in menu order.
    pub const ALL: [Operation; 5] = [
        Operation::Chat,
        Operation::Embedding,
        Operation::Image,
        Operation::Transcription,
        Operation::Speech,
    ];

    /// Stable id, as stored and as the CLI and exports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Chat => "chat",
            Operation::Embedding => "embedding",
            Operation::Image => "image",
            Operation::Transcription => "transcription",
            Operation::Speech => "speech",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Operation::Chat => "Chat",
            Operation::Embedding => "Embeddings",
            Operation::Image => "Images",
            Operation::Transcription => "Transcription",
            Operation::Speech => "Speech",
        }
    }

    /// Reads a stored id; anything unknown is chat (the column's default).
    pub(crate) fn from_stored(s: &str) -> Operation {
        s.parse().unwrap_or_default()
    }
}

impl FromStr for Operation {
    type Err = CoreError;

    /// The stored ids, and the verbs users type: `embed`, `embeddings`, `images`, `transcribe`,
    /// `speak`, `tts`.
    fn from_str(s: &str) -> Result<Operation, CoreError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "chat" => Operation::Chat,
            "embedding" | "embeddings" | "embed" => Operation::Embedding,
            "image" | "images" | "image_generation" => Operation::Image,
            "transcription" | "transcribe" | "audio_transcription" => Operation::Transcription,
            "speech" | "speak" | "tts" | "audio_speech" => Operation::Speech,
            other => {
                return Err(CoreError::invalid(
                    "operation",
                    format!(
                        "`{other}` is not an operation (chat, embedding, image, transcription, \
                         speech)"
                    ),
                ));
            }
        })
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_verbs_parse() {
        for op in Operation::ALL {
            assert_eq!(op.as_str().parse::<Operation>().unwrap(), op);
            assert_eq!(Operation::from_stored(op.as_str()), op);
        }
        assert_eq!("embed".parse::<Operation>().unwrap(), Operation::Embedding);
        assert_eq!("TTS".parse::<Operation>().unwrap(), Operation::Speech);
        let err = "video".parse::<Operation>().unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
        assert!(err.to_string().contains("video"), "{err}");
    }
}
