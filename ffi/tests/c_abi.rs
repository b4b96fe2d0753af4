//! Compiles `tests/c/glasses_test.c` with the system C compiler against the static library that
//! this `cargo test` run built, and runs it on inputs whose answers glasses-core computes here.
//!
//! The library is taken from the directory of this test executable (`target/<profile>/deps`),
//! where cargo has just built `libglasses_ffi.a` with the same features; cargo is never invoked
//! from inside the test (that would wait forever on the build lock cargo test holds).
//!
//! The compiled program and its inputs stay in `target/tmp/c-abi/` so that
//! `tests/c/run-valgrind.sh` can run exactly the same thing under memcheck.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

mod support;

use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights};
use glasses_core::image::{GrayImage, ImageFormat, Luma, Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions, Error, PixelBuffer, PixelFormat};
use support::golden::Golden;
use support::turn::{ORIENTATIONS, stored};

/// The directory holding the library artifacts of this build (this executable lives there too).
fn deps_dir() -> PathBuf {
    std::env::current_exe().expect("test executable path").parent().expect("deps dir").to_path_buf()
}

fn static_lib() -> PathBuf {
    let name = if cfg!(windows) { "glasses_ffi.lib" } else { "libglasses_ffi.a" };
    let path = deps_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: cargo test builds it with the crate's staticlib type",
        path.display()
    );
    path
}

/// A test image with colour, edges and gradients, so the formats really differ in memory.
fn test_image() -> RgbImage {
    RgbImage::from_fn(41, 29, |x, y| {
        let stripe = if (x / 5 + y / 4) % 2 == 0 { 60 } else { 0 };
        Rgb([(x * 6) as u8, (y * 8 + stripe) as u8, (255 - x * 3 - y * 2) as u8])
    })
}

/// The same model with one metadata key renamed in place (same length, so the protobuf stays
/// valid): readable ONNX that breaks the glasses contract.
fn contract_breaking(model: &[u8]) -> Vec<u8> {
    let key = b"glasses.input_width";
    let at = model.windows(key.len()).position(|w| w == key).expect("metadata key present");
    let mut bad = model.to_vec();
    bad[at + key.len() - 1] = b'X';
    bad
}

/// Cases of `tests/fixtures/golden.json` (read by the golden module every surface's tests share),
/// as manifest lines with absolute paths. Each picture is also written to `dir` as raw RGBA of
/// the upright picture (the C program has no PNG decoder and turns the raw pixels itself) and as
/// PNGs stored turned each of the eight ways, `golden-{i}-{degrees}-{0|1 mirrored}.png`.
fn golden_lines(out: &mut String, dir: &Path) {
    let Some(golden) = Golden::load() else {
        writeln!(out, "golden_absent {}", Golden::path().display()).expect("write to String");
        return;
    };
    writeln!(out, "golden_model {}", golden.model.display()).expect("write to String");
    for (i, case) in golden.all().enumerate() {
        let upright = case.decoded();
        let rgba: Vec<u8> = upright.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let raw = dir.join(format!("golden-{i}.rgba"));
        std::fs::write(&raw, rgba).expect("write raw RGBA");
        let prefix = dir.join(format!("golden-{i}"));
        for turn in ORIENTATIONS {
            let png = format!("{}-{}-{}.png", prefix.display(), turn.0, u8::from(turn.1));
            stored(&upright, turn).save_with_format(&png, ImageFormat::Png).expect("write a turned PNG");
        }
        // TOLERANCE HAS_GLASSES P EYEWEAR P_NONE P_SUNGLASSES (-1: no sunglasses class)
        // HAS_FACE X Y W H RGBA WIDTH HEIGHT TURNED_PREFIX IMAGE
        let p = &case.probabilities;
        let face = case.face_box.map_or("0 0 0 0 0".to_owned(), |[x, y, w, h]| format!("1 {x} {y} {w} {h}"));
        writeln!(
            out,
            "golden_case {} {} {} {} {} {} {face} {} {} {} {} {}",
            golden.tolerance,
            u8::from(case.has_glasses),
            case.probability(),
            case.eyewear_code(),
            p[0],
            p.get(2).copied().unwrap_or(-1.0),
            raw.display(),
            upright.width(),
            upright.height(),
            prefix.display(),
            case.image.display()
        )
        .expect("write to String");
        // The face the default request answers for (X Y W H SCORE), when there is one: it belongs
        // to the golden_case line above it.
        if let Some([x, y, w, h, score]) = case.found {
            writeln!(out, "golden_found {x} {y} {w} {h} {score}").expect("write to String");
        }
    }
    // Group pictures: GROUP TOLERANCE FACES WIDTH HEIGHT RGBA IMAGE, then one line per face,
    // largest first: X Y W H SCORE HAS_GLASSES P EYEWEAR P_NONE P_SUNGLASSES.
    for (g, group) in golden.group_cases.iter().enumerate() {
        let upright = group.decoded();
        let rgba: Vec<u8> = upright.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let raw = dir.join(format!("golden-group-{g}.rgba"));
        std::fs::write(&raw, rgba).expect("write raw RGBA");
        writeln!(
            out,
            "golden_group {} {} {} {} {} {}",
            golden.tolerance,
            group.faces.len(),
            upright.width(),
            upright.height(),
            raw.display(),
            group.image.display()
        )
        .expect("write to String");
        for face in &group.faces {
            let [x, y, w, h, score] = face.found.expect("a group face has its box");
            let p = &face.probabilities;
            writeln!(
                out,
                "golden_group_face {x} {y} {w} {h} {score} {} {} {} {} {}",
                u8::from(face.has_glasses),
                face.probability(),
                face.eyewear_code(),
                p[0],
                p.get(2).copied().unwrap_or(-1.0)
            )
            .expect("write to String");
        }
    }
}

/// Threads sharing one handle, and the distinct generated images each of them classifies.
const STRESS_THREADS: u32 = 8;
const STRESS_IMAGES: u32 = 64;
/// Create/classify/free cycles of the soak (about 6 s in a debug build).
const SOAK_CYCLES: u32 = 200;

/// Writes the model, images and manifest; returns the manifest path.
fn write_inputs(dir: &Path) -> PathBuf {
    let model = export_onnx(
        &random_weights(Architecture::SqueezeNet1_1, 4),
        &ExportOptions::new(Architecture::SqueezeNet1_1, 64),
    )
    .expect("export a random-weight model");
    let core = Classifier::from_bytes(&model, ClassifierOptions::default()).expect("core loads the model");
    let bad = contract_breaking(&model);
    let err = Classifier::from_bytes(&bad, ClassifierOptions::default()).expect_err("contract must break");
    assert!(matches!(err, Error::ContractViolation { .. }), "{err}");

    let rgb = test_image();
    let (w, h) = rgb.dimensions();
    let gray = GrayImage::from_fn(w, h, |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        Luma([((u32::from(r) * 77 + u32::from(g) * 150 + u32::from(b) * 29) >> 8) as u8])
    });
    let mut png = Vec::new();
    rgb.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).expect("encode PNG");

    // What core answers directly: the numbers the C surface must reproduce.
    let expect_color = core.classify_encoded(&png).expect("core classifies the PNG").probability;
    let from_pixels = core
        .classify_pixels(
            &PixelBuffer::new(rgb.as_raw(), w, h, w as usize * 3, PixelFormat::Rgb8).expect("buffer"),
        )
        .expect("core classifies pixels")
        .probability;
    assert_eq!(expect_color, from_pixels, "a lossless PNG and its pixels must agree in core already");
    let expect_gray = core
        .classify_pixels(
            &PixelBuffer::new(gray.as_raw(), w, h, w as usize, PixelFormat::Gray8).expect("buffer"),
        )
        .expect("core classifies gray")
        .probability;

    // Issue 13: a JPEG cut at 60 % of its bytes (well past its headers) must be
    // GLASSES_STATUS_TRUNCATED_IMAGE, and decode when truncation is accepted.
    let big = RgbImage::from_fn(178, 218, |x, y| *rgb.get_pixel(x % w, y % h));
    let mut jpeg = Vec::new();
    big.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).expect("encode JPEG");
    let jpeg_cut = &jpeg[..jpeg.len() * 6 / 10];
    let files = [
        ("image-cut.jpg", jpeg_cut),
        ("model.onnx", model.as_slice()),
        ("bad_contract.onnx", bad.as_slice()),
        ("image.png", png.as_slice()),
        ("image.rgb", rgb.as_raw().as_slice()),
        ("image.gray", gray.as_raw().as_slice()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write test input");
    }

    // A camera frame: the test picture tiled to 64x48, stored as NV21 and rotated 90 degrees as a
    // phone held upright stores it; core's answers for the whole frame and a face box.
    let upright = RgbImage::from_fn(48, 64, |x, y| *rgb.get_pixel(x % w, y % h));
    let stored = glasses_core::image::imageops::rotate270(&upright);
    let (yw, yh) = stored.dimensions();
    let luma: Vec<u8> = stored
        .pixels()
        .map(|p| (0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])).round() as u8)
        .collect();
    let vu: Vec<u8> = (0..yh / 2)
        .flat_map(|cy| (0..yw / 2).map(move |cx| (cx, cy)))
        .flat_map(|(cx, cy)| {
            let p = stored.get_pixel(2 * cx, 2 * cy).0.map(f32::from);
            let l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            let u = ((p[2] - l) / 1.772 + 128.0).round().clamp(0.0, 255.0) as u8;
            let v = ((p[0] - l) / 1.402 + 128.0).round().clamp(0.0, 255.0) as u8;
            [v, u]
        })
        .collect();
    let nv21 = glasses_core::YuvFrame::nv21(
        &luma,
        yw as usize,
        &vu,
        yw as usize,
        yw,
        yh,
        glasses_core::YuvRange::Full,
    )
    .expect("NV21 frame");
    let o = glasses_core::Orientation::rotated(90);
    let expect_yuv = core.classify_yuv(&nv21, o).expect("core classifies the frame").probability;
    let face = glasses_core::FaceBox::new(8.0, 10.0, 20.0, 24.0);
    let expect_yuv_face =
        core.classify_yuv_region(&nv21, o, face).expect("core classifies the face").probability;
    std::fs::write(dir.join("frame.y"), &luma).expect("write Y");
    std::fs::write(dir.join("frame.vu"), &vu).expect("write VU");

    let mut m = String::new();
    let p = |name: &str| dir.join(name).display().to_string();
    writeln!(m, "yuv_y {}\nyuv_vu {}", p("frame.y"), p("frame.vu")).expect("write to String");
    writeln!(m, "yuv_width {yw}\nyuv_height {yh}\nyuv_rotation 90").expect("write to String");
    writeln!(m, "yuv_expect {expect_yuv:.9}\nyuv_expect_face {expect_yuv_face:.9}").expect("write to String");
    writeln!(m, "model {}", p("model.onnx")).expect("write to String");
    writeln!(m, "bad_contract_model {}", p("bad_contract.onnx")).expect("write to String");
    writeln!(m, "image_png {}", p("image.png")).expect("write to String");
    writeln!(m, "rgb_raw {}", p("image.rgb")).expect("write to String");
    writeln!(m, "gray_raw {}", p("image.gray")).expect("write to String");
    writeln!(m, "jpeg_cut {}", p("image-cut.jpg")).expect("write to String");
    writeln!(m, "width {w}\nheight {h}").expect("write to String");
    writeln!(m, "expect_color {expect_color:.9}\nexpect_gray {expect_gray:.9}").expect("write to String");
    writeln!(m, "version {}", support::workspace_version()).expect("write to String");
    // The model-info checks: a three-class int8 model with its own threshold, and what core reads
    // of it (the C program compares glasses_classifier_model_info with these lines).
    let (info_model, info_threshold) = support::info_model();
    std::fs::write(dir.join("info_model.onnx"), &info_model).expect("write info_model.onnx");
    let info = Classifier::from_bytes(&info_model, ClassifierOptions::default()).expect("info model loads");
    let meta = info.metadata();
    writeln!(m, "info_model {}", p("info_model.onnx")).expect("write to String");
    writeln!(m, "info_version {}\ninfo_architecture {}", meta.model_version, meta.architecture)
        .expect("write to String");
    writeln!(m, "info_classes {}", meta.class_names.join(",")).expect("write to String");
    writeln!(m, "info_width {}\ninfo_height {}", meta.input_width, meta.input_height)
        .expect("write to String");
    writeln!(m, "info_default_threshold {info_threshold:.9}").expect("write to String");
    writeln!(m, "plain_classes {}", core.metadata().class_names.join(",")).expect("write to String");
    writeln!(m, "plain_width {}", core.metadata().input_width).expect("write to String");
    // The bundled model may be a placeholder until the trainer has run: then core refuses it, and
    // the C surface must refuse it with the matching status.
    match Classifier::bundled() {
        Ok(bundled) => {
            let p = bundled.classify_encoded(&png).expect("bundled model classifies").probability;
            writeln!(m, "bundled_status 0\nbundled_expect {p:.9}").expect("write to String");
        }
        Err(e) => {
            let status = match e {
                Error::InvalidModel { .. } => 6,
                Error::ContractViolation { .. } => 7,
                Error::NoBundledModel => 11,
                other => panic!("unexpected bundled model error {other}"),
            };
            writeln!(m, "bundled_status {status}").expect("write to String");
        }
    }
    writeln!(m, "threads 4\niterations 6").expect("write to String");
    // Concurrency at scale and the create/classify/free soak, short for CI (see the C program;
    // scripts/soak.sh runs them long against a release library).
    writeln!(m, "stress_threads {STRESS_THREADS}\nstress_images {STRESS_IMAGES}\nstress_rounds 1")
        .expect("write to String");
    writeln!(m, "soak_cycles {SOAK_CYCLES}\nsoak_max_growth_kib 8192").expect("write to String");
    golden_lines(&mut m, dir);
    let manifest = dir.join("manifest.txt");
    std::fs::write(&manifest, m).expect("write manifest");
    manifest
}

/// Compiles `tests/c/<source>.c` with the headers of `include` into `dir/<source>`.
fn compile(dir: &Path, source: &str, include: &Path) -> PathBuf {
    let exe = dir.join(source);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let mut cmd = Command::new(&cc);
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1"])
        .arg("-I")
        .arg(include)
        .arg(support::repo_root().join(format!("tests/c/{source}.c")))
        .arg(static_lib())
        .arg("-o")
        .arg(&exe);
    // Same condition as the `cfg` of glasses_test_force_panic (this test is built with the library).
    if cfg!(any(debug_assertions, feature = "test-panic")) {
        cmd.arg("-DGLASSES_TEST_PANIC");
    }
    // The system libraries Rust's std needs when linked statically (`rustc --print native-static-libs`).
    if cfg!(target_os = "macos") {
        cmd.args(["-framework", "CoreFoundation", "-framework", "Security", "-liconv", "-lm"]);
    } else {
        cmd.args(["-lpthread", "-ldl", "-lm", "-lrt", "-lutil", "-lgcc_s", "-lc"]);
        // tract's assembly objects lack a .note.GNU-stack section; without this the linker warns
        // and makes the stack executable.
        cmd.arg("-Wl,-z,noexecstack");
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}`: {e}"));
    assert!(
        out.status.success(),
        "compiling the C test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Writes the inputs into `target/tmp/<dir_name>` and compiles `tests/c/<source>.c` there against
/// the headers of `include` (relative to the repository root): the manifest and the program.
fn build_program(dir_name: &str, source: &str, include: &str) -> (PathBuf, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir_name);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let manifest = write_inputs(&dir);
    let exe = compile(&dir, source, &support::repo_root().join(include));
    (manifest, exe)
}

/// Runs a C test program on `manifest` and asserts that it passed at least `min_passed` checks
/// and failed none (its closing line, `N passed, N failed`); its standard output.
fn run_program(exe: &Path, manifest: &Path, min_passed: u32) -> String {
    let out =
        Command::new(exe).arg(manifest).output().unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        out.status.success() && summary.ends_with(" passed, 0 failed"),
        "{} failed: {summary}\n{stderr}",
        exe.display()
    );
    let passed: u32 = summary.split(' ').next().and_then(|n| n.parse().ok()).expect("count of passed checks");
    assert!(passed >= min_passed, "only {passed} checks ran");
    stdout
}

#[test]
fn c_program_passes() {
    let (manifest, exe) = build_program("c-abi", "glasses_test", "ffi/include");
    // At least 100 checks: guards against the program silently skipping most of them.
    let stdout = run_program(&exe, &manifest, 100);
    // ... and its checks at scale: every concurrent result was compared, and the soak ran.
    let stress = format!(
        "stress: threads={STRESS_THREADS} images={STRESS_IMAGES} rounds=1 classifications={} mismatches=0 errors=0 ",
        STRESS_THREADS * STRESS_IMAGES
    );
    assert!(stdout.lines().any(|l| l.starts_with(&stress)), "no line starting `{stress}`:\n{stdout}");
    let soak = format!("soak: cycles={SOAK_CYCLES} ");
    assert!(stdout.lines().any(|l| l.starts_with(&soak)), "no line starting `{soak}`:\n{stdout}");

    // Negative control: the same soak leaking every handle (about 3.6 MiB each) must fail the
    // RSS bound, or the bound proves nothing.
    if cfg!(target_os = "linux") {
        let out = Command::new(&exe)
            .args([
                manifest.as_os_str(),
                "suite=soak".as_ref(),
                "soak_cycles=20".as_ref(),
                "soak_skip_free=1".as_ref(),
            ])
            .output()
            .expect("run the C test (leaking soak)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("soak: RSS grew"),
            "leaking every handle went unnoticed by the RSS check:\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// A program compiled against the previous release's header (a verbatim copy) still links and
/// works against this library: no declaration it knows changed.
#[test]
fn programs_built_against_the_previous_header_keep_working() {
    let (manifest, exe) = build_program("c-abi-compat", "compat_test", "tests/c/compat");
    run_program(&exe, &manifest, 12);
}
