//! The camera and photo paths at full HD against inference alone (issue 24's targets): a
//! 1920x1080 JPEG (quality 90), NV21 frame and RGBA buffer of one face picture, each classified
//! end to end with `FaceMode::Whole` and with `FaceMode::Auto` (the detector first), beside the
//! model on a ready tensor. Also times the stages alone (JPEG decode, the sampler's resize to the
//! model input, the detector) so the table says where the time goes. One thread; rounds alternate
//! the cases so machine noise hits all of them; medians of wall and of thread CPU time in ms, each
//! with its ratio to inference, and the least CPU time (the least disturbed run on a busy machine).
//!
//! `cargo run --release -p glasses-core --example paths_latency -- [FACE_PICTURE] [RUNS]`
//!
//! FACE_PICTURE (any format) is scaled to 1080 rows, centred on a 1920x1080 gradient, and given
//! a little sensor-like noise (a smooth upscaled picture would flatter the JPEG decoder). Without
//! it a generated picture (gradients and stripes) is used. Default 40 runs. With
//! `PATHS_LATENCY_SAVE_JPEG=FILE` the JPEG is also written to FILE; with `PATHS_LATENCY_ONLY=NAME`
//! only inference and the cases whose name contains NAME run (to profile one).

mod common;

use std::io::Cursor;
use std::time::Instant;

use common::timing::median;
use common::{nv21, thread_cpu_ms};
use glasses_core::image::codecs::jpeg::JpegEncoder;
use glasses_core::image::imageops::{FilterType, resize};
use glasses_core::image::{Rgb, RgbImage};
use glasses_core::preprocess;
use glasses_core::{
    Classifier, ClassifierOptions, FaceMode, Input, PixelBuffer, PixelFormat, Prediction, Request, YuvFrame,
    YuvRange,
};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;

/// The face picture centred on a 1920x1080 gradient, with deterministic noise of +-4.
fn full_hd(face: Option<RgbImage>) -> RgbImage {
    let mut canvas = RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        Rgb([
            (x * 200 / WIDTH + 30) as u8,
            (y * 180 / HEIGHT + 40) as u8,
            (((x / 9) ^ (y / 7)) * 29 % 200) as u8,
        ])
    });
    if let Some(face) = face {
        let w = (face.width() as u64 * HEIGHT as u64 / face.height() as u64).clamp(1, WIDTH as u64) as u32;
        let scaled = resize(&face, w, HEIGHT, FilterType::Triangle);
        let left = (WIDTH - w) / 2;
        for (x, y, p) in scaled.enumerate_pixels() {
            canvas.put_pixel(left + x, y, *p);
        }
    }
    let mut s = 0x9E37_79B9u32;
    for p in canvas.pixels_mut() {
        for c in &mut p.0 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            *c = (*c as i32 + (s % 9) as i32 - 4).clamp(0, 255) as u8;
        }
    }
    canvas
}

type Run<'a> = Box<dyn Fn() -> glasses_core::Result<Option<Prediction>> + 'a>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(40);
    let face = match args.iter().find(|a| a.parse::<usize>().is_err()) {
        Some(path) => Some(glasses_core::image::open(path)?.to_rgb8()),
        None => None,
    };
    let picture = full_hd(face);
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 90).encode_image(&picture)?;
    if let Ok(path) = std::env::var("PATHS_LATENCY_SAVE_JPEG") {
        std::fs::write(path, &jpeg)?;
    }
    let rgba: Vec<u8> = picture.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let (y, vu) = nv21(&picture);
    let yuv = YuvFrame::nv21(&y, WIDTH as usize, &vu, WIDTH as usize, WIDTH, HEIGHT, YuvRange::Full)?;
    let pixels = PixelBuffer::new(&rgba, WIDTH, HEIGHT, WIDTH as usize * 4, PixelFormat::Rgba8)?;

    let classifier = Classifier::bundled_with(ClassifierOptions::default())?;
    let prep = *classifier.preprocessing();
    let tensor = prep.tensor_from_rgb(&resize(&picture, prep.width, prep.height, FilterType::Triangle));
    let whole = Request::new().with_face_mode(FaceMode::Whole);
    let auto = Request::new().with_face_mode(FaceMode::Auto);
    let c = &classifier;
    let some = |r: glasses_core::Result<Prediction>| r.map(Some);
    let cases: Vec<(&str, Run)> = vec![
        ("inference alone (ready tensor)", Box::new(|| some(c.classify_tensor(&tensor)))),
        ("JPEG decode alone", Box::new(|| preprocess::decode_dynamic(&jpeg, u64::MAX).map(|_| None))),
        ("JPEG whole", Box::new(|| some(c.classify(Input::Encoded(&jpeg), &whole)))),
        ("JPEG auto", Box::new(|| some(c.classify(Input::Encoded(&jpeg), &auto)))),
        ("NV21 whole", Box::new(|| some(c.classify(Input::Yuv(yuv), &whole)))),
        ("NV21 auto", Box::new(|| some(c.classify(Input::Yuv(yuv), &auto)))),
        ("NV21 detector alone", Box::new(|| c.detect_faces(Input::Yuv(yuv), &whole).map(|_| None))),
        ("RGBA whole", Box::new(|| some(c.classify(Input::Pixels(pixels), &whole)))),
        ("RGBA auto", Box::new(|| some(c.classify(Input::Pixels(pixels), &auto)))),
    ];
    // `PATHS_LATENCY_ONLY=NAME` keeps inference and the cases whose name contains NAME (to profile one).
    let only = std::env::var("PATHS_LATENCY_ONLY").unwrap_or_default();
    let cases: Vec<(&str, Run)> = cases
        .into_iter()
        .enumerate()
        .filter(|(i, (name, _))| *i == 0 || name.contains(&only))
        .map(|(_, c)| c)
        .collect();
    // One warm-up round, then the measured rounds, alternating.
    let mut times = vec![Vec::with_capacity(runs); cases.len()];
    let mut cpu_times = times.clone();
    let mut answers = vec![None; cases.len()];
    for round in 0..=runs {
        for (i, (_, run)) in cases.iter().enumerate() {
            let (start, cpu) = (Instant::now(), thread_cpu_ms());
            let answer = run()?;
            let (ms, cpu) = (start.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - cpu);
            if round > 0 {
                times[i].push(ms);
                cpu_times[i].push(cpu);
            }
            answers[i] = answer;
        }
    }
    let medians: Vec<f64> = times.into_iter().map(median).collect();
    let cpu_mins: Vec<f64> =
        cpu_times.iter().map(|t| t.iter().copied().fold(f64::INFINITY, f64::min)).collect();
    let cpu_medians: Vec<f64> = cpu_times.into_iter().map(median).collect();
    let (inference, cpu_inference) = (medians[0], cpu_medians[0]);
    println!("1920x1080, bundled model ({}), 1 thread, {runs} runs, medians", classifier.engine());
    println!(
        "| case | wall ms | x inference | CPU ms | x inference | min CPU ms | x inference | P(eyeglasses) | face |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let rows = cases.iter().zip(&medians).zip(&cpu_medians).zip(&cpu_mins).zip(&answers);
    for (((((name, _), ms), cpu), least), answer) in rows {
        let (p, face) = match answer {
            Some(a) => (
                format!("{:.4}", a.probability),
                a.face.map_or("-".into(), |f| {
                    let b = f.face_box;
                    format!("{:.0},{:.0} {:.0}x{:.0}", b.x, b.y, b.width, b.height)
                }),
            ),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {name} | {ms:.3} | {:.2} | {cpu:.3} | {:.2} | {least:.3} | {:.2} | {p} | {face} |",
            ms / inference,
            cpu / cpu_inference,
            least / cpu_mins[0]
        );
    }
    Ok(())
}
