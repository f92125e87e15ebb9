//! `{code, message}` errors for the UI: the code is the core's [`ErrorCode`], which the UI
//! branches on (its TypeScript union is generated from the same enum).

use promptledger_core::{CoreError, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

/// An error as the UI receives it.
#[derive(Debug, Clone, Serialize, thiserror::Error, TS)]
#[error("{}: {message}", code.as_str())]
pub struct UiError {
    /// What kind of failure (`unknown_model`, `invalid_input`, `storage`, …).
    pub code: ErrorCode,
    /// A sentence for the user.
    pub message: String,
}

impl UiError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> UiError {
        UiError {
            code,
            message: message.into(),
        }
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> UiError {
        UiError::new(e.code(), e.to_string())
    }
}

/// Result type of every command.
pub type CmdResult<T> = Result<T, UiError>;
