//! The committed C header must be exactly what cbindgen generates from `src/c/` and
//! `src/codes.rs` now, so an
//! API change that forgets to regenerate `include/glasses.h` fails here.
//!
//! Regenerate with `scripts/check-header.sh --bless` (sets `GLASSES_BLESS_HEADER=1`).

use std::path::Path;

#[test]
fn committed_header_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    // Only the C API folder and the C-stable enums: the JNI and uniffi entry points are exported
    // symbols too, but are not part of the C interface.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/codes.rs"))
        .with_src(crate_dir.join("src/c/mod.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);

    let path = crate_dir.join("include/glasses.h");
    if std::env::var_os("GLASSES_BLESS_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/glasses.h");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale; run scripts/check-header.sh --bless and commit the result.\n--- generated ---\n{}",
        path.display(),
        String::from_utf8_lossy(&generated)
    );
}
