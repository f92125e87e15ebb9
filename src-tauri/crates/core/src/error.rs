//! The core's one error type and the small, stable error codes the UI and CLI branch on.

use serde::Serialize;
use std::time::Duration;

use crate::providers::ProviderErrorKind;

/// Result alias used throughout the core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Locks `m`, mapping a poisoned lock (a panic while it was held) to
/// [`CoreError::LockPoisoned`] — the one place lock poisoning becomes an error.
pub fn lock<'a, T>(
    m: &'a std::sync::Mutex<T>,
    what: &'static str,
) -> Result<std::sync::MutexGuard<'a, T>> {
    m.lock().map_err(|_| CoreError::LockPoisoned { what })
}

/// Which budget a run would break, and by how much (amounts as `$0.50`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "Budget “{budget}” would be exceeded: {spent} of {limit} spent {period}, {remaining} left, \
     and this run could cost up to {estimate}; nothing was sent"
)]
pub struct BudgetBreach {
    /// The budget's id.
    pub budget_id: i64,
    /// The budget's name.
    pub budget: String,
    /// `today`, `this week`, `this month`.
    pub period: String,
    /// The limit.
    pub limit: String,
    /// Spent in the period so far.
    pub spent: String,
    /// What is left.
    pub remaining: String,
    /// The run's worst-case cost.
    pub estimate: String,
}

/// Everything that can go wrong in the core. Each variant says what the user can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The model is not in the price table nor a custom model; `suggestions` are the closest ids.
    #[error("unknown model `{model}`{}", suggestion_text(suggestions))]
    UnknownModel {
        /// The model name as given.
        model: String,
        /// Closest known ids, best first.
        suggestions: Vec<String>,
    },
    /// A provider usage object could not be read.
    #[error("invalid {provider} usage: {reason}")]
    InvalidUsage {
        /// The provider whose wire shape was expected.
        provider: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A user-supplied value is out of range or malformed.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which input (flag, field) is wrong.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A price table file is not in LiteLLM's format or holds impossible prices.
    #[error("invalid price table: {reason}")]
    InvalidPriceTable {
        /// What is wrong with it.
        reason: String,
    },
    /// Something asked for does not exist (a run, an override).
    #[error("{what} `{id}` not found")]
    NotFound {
        /// Kind of thing.
        what: &'static str,
        /// Its id or name.
        id: String,
    },
    /// The database was written by a newer PromptLedger; opening it could damage it.
    #[error(
        "the ledger at {path} was written by a newer PromptLedger (schema {found}, this version \
         knows up to {supported}); update PromptLedger to open it"
    )]
    DatabaseTooNew {
        /// The file.
        path: String,
        /// Schema version found in the file.
        found: i64,
        /// Highest schema version this build knows.
        supported: i64,
    },
    /// A provider refused or failed the request; `kind` says what it means.
    #[error("{provider}: {message}")]
    Provider {
        /// The provider's display name.
        provider: &'static str,
        /// What the failure means.
        kind: ProviderErrorKind,
        /// The provider's own words (never the key).
        message: String,
        /// HTTP status, if the provider answered.
        status: Option<u16>,
        /// How long the provider asked us to wait, if it did.
        retry_after: Option<Duration>,
    },
    /// The user stopped the run.
    #[error("cancelled")]
    Cancelled,
    /// No usable OS keychain (no Secret Service running, a locked collection, no D-Bus session).
    /// Keys are never kept anywhere else.
    #[error(
        "the system keychain is not available ({detail}). PromptLedger keeps API keys only in the \
         keychain: on Linux start and unlock a Secret Service (GNOME Keyring or KWallet) in your \
         session; on macOS and Windows unlock your login keychain / Credential Manager"
    )]
    KeychainUnavailable {
        /// What the keychain said.
        detail: String,
    },
    /// SQLite failed (disk full, locked beyond the busy timeout, corrupt file).
    #[error("ledger storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A schema migration failed; the database was left as it was. One line: never the SQL.
    #[error("ledger migration {name} failed: {reason}; the ledger was left as it was")]
    Migration {
        /// The migration's file name.
        name: &'static str,
        /// SQLite's one-line reason.
        reason: String,
    },
    /// A block-mode budget would be broken by this run; nothing was sent.
    #[error("{0}")]
    BudgetExceeded(Box<BudgetBreach>),
    /// An export's destination cannot be written (no such folder, no permission, disk full).
    #[error("cannot write {path}: {reason}")]
    NotWritable {
        /// The destination.
        path: String,
        /// The OS's reason.
        reason: String,
    },
    /// A copy of an error reported for several holders at once (see [`CoreError::duplicate`]).
    #[error("{message}")]
    Duplicate {
        /// The original's code.
        code: ErrorCode,
        /// The original's message.
        message: String,
    },
    /// No key is saved (nor given) for a provider that needs one.
    #[error(
        "no {provider} key yet: add one on the Keys screen or with `promptledger keys add \
         --provider {provider_id}`, or set {env_var} for one CLI invocation"
    )]
    NoKey {
        /// The provider's display name.
        provider: &'static str,
        /// Its id, as the CLI spells it.
        provider_id: &'static str,
        /// The environment variable the CLI reads a one-off key from.
        env_var: &'static str,
    },
    /// A key of one provider was named for a target of another.
    #[error("key {key_id} belongs to {key_provider}, not {provider}")]
    KeyProviderMismatch {
        /// The key's id.
        key_id: String,
        /// The key's provider.
        key_provider: String,
        /// The target's provider.
        provider: &'static str,
    },
    /// What went wrong with one target of several (a comparison column, a fallback); the code
    /// is the inner error's.
    #[error("{target}: {source}")]
    InTarget {
        /// Which target (`column 2 (openai/gpt-4o)`, `fallback anthropic/claude-haiku-4-5`).
        target: String,
        /// What went wrong with it.
        #[source]
        source: Box<CoreError>,
    },
    /// A thread panicked while holding a lock on shared state (a bug); the state may be half
    /// updated, so nothing more is written.
    #[error("a previous writer of the {what} panicked; restart PromptLedger")]
    LockPoisoned {
        /// What the lock guards.
        what: &'static str,
    },
    /// A price table could not be downloaded; the table in use is unchanged.
    #[error(
        "could not download the price table from {url}: {message}; the table in use is unchanged"
    )]
    Download {
        /// Where from.
        url: String,
        /// What went wrong, as a provider failure would say it (timeout, network, not found…).
        kind: ProviderErrorKind,
        /// Details.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("cannot read", "cannot create directory").
        action: &'static str,
        /// The path involved.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn suggestion_text(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

/// The small, stable set of codes the UI branches on (`{code, message}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// Model not in the price table.
    UnknownModel,
    /// Bad user input.
    InvalidInput,
    /// Not found.
    NotFound,
    /// Database or file trouble.
    Storage,
    /// Ledger written by a newer version.
    UnsupportedDatabase,
    /// A bug.
    Internal,
    /// The key was rejected.
    InvalidKey,
    /// The key has no access.
    PermissionDenied,
    /// Out of credit / over a spend limit.
    QuotaExceeded,
    /// Rate limited.
    RateLimited,
    /// Provider down or overloaded.
    ProviderUnavailable,
    /// Prompt longer than the context window.
    ContextTooLong,
    /// Request refused as malformed.
    InvalidRequest,
    /// No answer in time.
    Timeout,
    /// Connection failed or cut.
    Network,
    /// Not the provider's documented format.
    InvalidResponse,
    /// Stopped by the user.
    Cancelled,
    /// No OS keychain.
    KeychainUnavailable,
    /// An export's destination is not writable.
    NotWritable,
    /// A block-mode budget stopped the run before it was sent.
    BudgetExceeded,
    /// The process ended (killed, crashed, power lost) while the request was in flight; the run
    /// was recorded when the ledger was next opened.
    ProcessEnded,
    /// A provider batch's 24 h window passed before this request ran (not billed).
    BatchExpired,
}

impl CoreError {
    /// The code the UI and scripts branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::UnknownModel { .. } => ErrorCode::UnknownModel,
            CoreError::InvalidUsage { .. }
            | CoreError::InvalidInput { .. }
            | CoreError::InvalidPriceTable { .. } => ErrorCode::InvalidInput,
            CoreError::NotFound { .. } => ErrorCode::NotFound,
            CoreError::DatabaseTooNew { .. } => ErrorCode::UnsupportedDatabase,
            CoreError::Storage(_) | CoreError::Migration { .. } | CoreError::Io { .. } => {
                ErrorCode::Storage
            }
            CoreError::NotWritable { .. } => ErrorCode::NotWritable,
            CoreError::BudgetExceeded(_) => ErrorCode::BudgetExceeded,
            CoreError::Cancelled => ErrorCode::Cancelled,
            CoreError::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            CoreError::NoKey { .. } => ErrorCode::InvalidKey,
            CoreError::KeyProviderMismatch { .. } => ErrorCode::InvalidInput,
            CoreError::InTarget { source, .. } => source.code(),
            CoreError::LockPoisoned { .. } => ErrorCode::Internal,
            CoreError::Duplicate { code, .. } => *code,
            CoreError::Download { kind, .. } => match kind {
                ProviderErrorKind::Timeout => ErrorCode::Timeout,
                ProviderErrorKind::Network => ErrorCode::Network,
                ProviderErrorKind::NotFound => ErrorCode::NotFound,
                _ => ErrorCode::InvalidResponse,
            },
            CoreError::Provider { kind, .. } => match kind {
                ProviderErrorKind::InvalidKey => ErrorCode::InvalidKey,
                ProviderErrorKind::PermissionDenied => ErrorCode::PermissionDenied,
                ProviderErrorKind::QuotaExceeded => ErrorCode::QuotaExceeded,
                ProviderErrorKind::RateLimited => ErrorCode::RateLimited,
                ProviderErrorKind::ProviderUnavailable => ErrorCode::ProviderUnavailable,
                ProviderErrorKind::ContextTooLong => ErrorCode::ContextTooLong,
                ProviderErrorKind::NotFound => ErrorCode::NotFound,
                ProviderErrorKind::InvalidRequest => ErrorCode::InvalidRequest,
                ProviderErrorKind::Timeout => ErrorCode::Timeout,
                ProviderErrorKind::Network => ErrorCode::Network,
                ProviderErrorKind::InvalidResponse => ErrorCode::InvalidResponse,
            },
        }
    }

    /// This error, said of one target among several (keeps the code).
    pub fn in_target(self, target: impl Into<String>) -> Self {
        CoreError::InTarget {
            target: target.into(),
            source: Box::new(self),
        }
    }

    /// The same error again, for a second holder: errors do not implement `Clone` (they hold
    /// I/O and SQLite errors). A budget breach keeps its details; any other error keeps its
    /// code and message.
    pub fn duplicate(&self) -> Self {
        match self {
            CoreError::BudgetExceeded(b) => CoreError::BudgetExceeded(b.clone()),
            other => CoreError::Duplicate {
                code: other.code(),
                message: other.to_string(),
            },
        }
    }

    /// Shorthand for [`CoreError::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CoreError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl ErrorCode {
    /// The snake_case name, as sent to the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownModel => "unknown_model",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Storage => "storage",
            ErrorCode::UnsupportedDatabase => "unsupported_database",
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::ContextTooLong => "context_too_long",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Network => "network",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::NotWritable => "not_writable",
            ErrorCode::BudgetExceeded => "budget_exceeded",
            ErrorCode::ProcessEnded => "process_ended",
            ErrorCode::BatchExpired => "batch_expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_model_message_names_suggestions() {
        let e = CoreError::UnknownModel {
            model: "gpt-4oo".into(),
            suggestions: vec!["gpt-4o".into(), "gpt-4o-mini".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown model `gpt-4oo`; did you mean gpt-4o, gpt-4o-mini?"
        );
        assert_eq!(e.code().as_str(), "unknown_model");
    }
}
