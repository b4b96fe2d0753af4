//! One classifier shared by many threads, without a lock, gives exactly the single-thread results.

use crate::common;

use std::sync::Arc;

use glasses_core::Classifier;
use glasses_core::image::ImageFormat;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn eight_threads_match_one_thread() {
    assert_send_sync::<Classifier>();
    let c = Arc::new(common::squeezenet(64, 11));
    let images: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..24).map(|i| common::encode(&common::picture(30 + i * 5, 40 + i * 4), ImageFormat::Png)).collect(),
    );
    let single: Vec<f32> = images.iter().map(|b| c.classify_encoded(b).unwrap().probability).collect();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (c, images) = (Arc::clone(&c), Arc::clone(&images));
            std::thread::spawn(move || {
                // Each thread walks the images from another starting point, several rounds.
                let mut out = vec![0.0; images.len()];
                for round in 0..4 {
                    for k in 0..images.len() {
                        let i = (k + t * 3 + round) % images.len();
                        out[i] = c.classify_encoded(&images[i]).unwrap().probability;
                    }
                }
                out
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), single, "results must be bit-identical across threads");
    }
}
