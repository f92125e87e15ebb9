//! `ui/src/lib/bindings.ts` is generated from the Rust types: this test fails when it is stale
//! (a type that crosses IPC changed and nobody regenerated it), and rewrites it when
//! `PROMPTLEDGER_WRITE_UI_TYPES=1` is set (`scripts/ui-types.sh`).

use std::path::PathBuf;

use promptledger_app::ui_types;

fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(ui_types::BINDINGS_PATH)
}

#[test]
fn every_referred_type_is_declared_once() {
    assert_eq!(ui_types::missing(), Vec::<String>::new());
}

#[test]
fn generated_ui_types_are_current() {
    let fresh = ui_types::typescript();
    let path = bindings_path();
    if std::env::var_os("PROMPTLEDGER_WRITE_UI_TYPES").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings.ts");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == fresh,
        "{} is stale: a type that crosses IPC changed. Run scripts/ui-types.sh and commit the \
         result (then `npm run check` in ui/ shows what the UI must follow).",
        ui_types::BINDINGS_PATH
    );
}

#[test]
fn error_codes_are_the_core_enum() {
    let ts = ui_types::typescript();
    for code in [
        "\"budget_exceeded\"",
        "\"invalid_input\"",
        "\"keychain_unavailable\"",
    ] {
        assert!(ts.contains(code), "ErrorCode union lacks {code}");
    }
    assert!(ts.contains("export type UiError = {\n"), "UiError missing");
}
