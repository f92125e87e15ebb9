//! Unguessable-enough ids made locally (no randomness crate): a SHA-256 of the process id, the
//! wall clock and a monotonic instant. For names that must not collide between processes — a
//! provider batch's nonce, a ledger's span salt — not for secrets.

use sha2::{Digest, Sha256};

/// `bytes` bytes of such an id, as lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    let seed = format!(
        "{}:{}:{:?}",
        std::process::id(),
        crate::ledger::now_ms(),
        std::time::Instant::now()
    );
    Sha256::digest(seed.as_bytes())
        .iter()
        .take(bytes)
        .map(|b| format!("{b:02x}"))
        .collect()
}
