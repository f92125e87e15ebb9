//! Shared helpers for the end-to-end tests: where the built binaries are, and where test
//! artifacts (screenshots) go.

use std::path::PathBuf;

/// The cargo profile directory the test binary runs from (`…/target/debug`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // …/target/debug/deps/<test-binary>
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .expect("test binary lives in target/<profile>/deps")
}

/// A workspace binary built next to the tests; panics with the command that builds it.
pub fn bin(name: &str) -> PathBuf {
    let path = profile_dir().join(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build --workspace --bins` first (scripts/test.sh does)",
        path.display()
    );
    path
}

/// Where screenshots and other artifacts go: `$PROMPTLEDGER_ARTIFACTS`, else `artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("PROMPTLEDGER_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts"));
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}
