//! Does a reduced-DCT JPEG decode pay (issue 24, part 4)? Times core's decode (`image`'s
//! zune-jpeg, full size, the only size it decodes at) against jpeg-decoder's scaled IDCT
//! (`Decoder::scale`, libjpeg-style 1/1, 1/2, 1/4, 1/8) on one JPEG, rounds alternating.
//!
//! `cargo run --release -p glasses-core --example jpeg_scaled_decode -- PHOTO.jpg [RUNS]`
//!
//! Times are CPU time of the whole process (jpeg-decoder decodes components on worker threads
//! for pictures over 128x128, so the calling thread's time alone would flatter it), medians and
//! least of RUNS (default 30), in ms. `paths_latency` writes a 1920x1080 test JPEG with
//! `PATHS_LATENCY_SAVE_JPEG=FILE`.

use glasses_core::preprocess;

fn process_cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to write.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

fn jpeg_decoder_at(bytes: &[u8], divisor: u16) -> Result<(u16, u16), Box<dyn std::error::Error>> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info()?;
    let info = decoder.info().ok_or("no header")?;
    let size = decoder.scale(info.width.div_ceil(divisor), info.height.div_ceil(divisor))?;
    std::hint::black_box(decoder.decode()?);
    Ok(size)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: jpeg_scaled_decode PHOTO.jpg [RUNS]")?;
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(30);
    let bytes = std::fs::read(&path)?;
    let full = preprocess::decode_dynamic(&bytes, u64::MAX)?;
    println!(
        "{path}: {}x{}, {} bytes; process CPU ms over {runs} runs",
        full.width(),
        full.height(),
        bytes.len()
    );
    let divisors = [1u16, 2, 4, 8];
    let mut times = vec![Vec::with_capacity(runs); 1 + divisors.len()];
    let mut sizes = vec![(full.width() as u16, full.height() as u16); 1 + divisors.len()];
    for round in 0..=runs {
        let start = process_cpu_ms();
        std::hint::black_box(preprocess::decode_dynamic(&bytes, u64::MAX)?);
        let zune = process_cpu_ms() - start;
        if round > 0 {
            times[0].push(zune);
        }
        for (i, &d) in divisors.iter().enumerate() {
            let start = process_cpu_ms();
            sizes[i + 1] = jpeg_decoder_at(&bytes, d)?;
            if round > 0 {
                times[i + 1].push(process_cpu_ms() - start);
            }
        }
    }
    println!("| decoder | output | median ms | least ms |");
    println!("|---|---|---|---|");
    let names = [
        "core (zune-jpeg), full",
        "jpeg-decoder 1/1",
        "jpeg-decoder 1/2",
        "jpeg-decoder 1/4",
        "jpeg-decoder 1/8",
    ];
    for ((name, mut t), (w, h)) in names.into_iter().zip(times).zip(sizes) {
        t.sort_by(f64::total_cmp);
        println!("| {name} | {w}x{h} | {:.2} | {:.2} |", t[t.len() / 2], t[0]);
    }
    Ok(())
}
