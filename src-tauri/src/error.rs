//! `{code, message}` errors for the UI: the code is what the UI branches on.

use promptledger_core::CoreError;
use serde::Serialize;

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct UiError {
    /// A small snake_case code (`unknown_model`, `invalid_input`, `storage`, …).
    pub code: String,
    /// A sentence for the user.
    pub message: String,
}

impl UiError {
    /// An error with a code and message.
    pub fn new(code: &str, message: impl Into<String>) -> UiError {
        UiError {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> UiError {
        UiError::new(e.code().as_str(), e.to_string())
    }
}

/// Result type of every command.
pub type CmdResult<T> = Result<T, UiError>;
