//! From YuNet's twelve head outputs to candidate faces in tensor pixels.
//!
//! YuNet is anchor-free: each cell of the stride-8, -16 and -32 grids predicts one face. The
//! heads arrive as `[1, rows * cols, C]`, cells in row-major order, with `C` = 1 (cls), 1 (obj),
//! 4 (bbox), 10 (kps). A cell's origin is its corner `(col * s, row * s)`.

/// The grid strides of the three heads, in the order the outputs come.
pub(crate) const STRIDES: [usize; 3] = [8, 16, 32];

/// Values per cell of each of the twelve outputs: cls x3, obj x3, bbox x3, kps x3.
pub(crate) const CHANNELS: [usize; 12] = [1, 1, 1, 1, 1, 1, 4, 4, 4, 10, 10, 10];

/// A face in tensor pixels: corners, score, the 5 landmarks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candidate {
    pub corners: [f32; 4],
    pub score: f32,
    pub landmarks: [(f32, f32); 5],
}

impl Candidate {
    pub fn area(&self) -> f32 {
        let [x1, y1, x2, y2] = self.corners;
        (x2 - x1).max(0.0) * (y2 - y1).max(0.0)
    }
}

/// Every cell whose score `sqrt(clamp(cls) * clamp(obj))` exceeds `threshold`, for a
/// `width x height` tensor. `outputs` are the twelve heads, each of `rows * cols * C` values.
pub(crate) fn candidates(
    outputs: &[Vec<f32>],
    width: usize,
    height: usize,
    threshold: f32,
) -> Vec<Candidate> {
    let mut found = Vec::new();
    for (k, &s) in STRIDES.iter().enumerate() {
        let (rows, cols) = (height / s, width / s);
        let (cls, obj, bbox, kps) = (&outputs[k], &outputs[k + 3], &outputs[k + 6], &outputs[k + 9]);
        let cells = rows * cols;
        if cls.len() < cells || obj.len() < cells || bbox.len() < cells * 4 || kps.len() < cells * 10 {
            continue;
        }
        let stride = s as f32;
        for cell in 0..cells {
            let score = (cls[cell].clamp(0.0, 1.0) * obj[cell].clamp(0.0, 1.0)).sqrt();
            // NaN scores are dropped too.
            if score.is_nan() || score <= threshold {
                continue;
            }
            let (r, c) = ((cell / cols) as f32, (cell % cols) as f32);
            let b = &bbox[cell * 4..cell * 4 + 4];
            let (cx, cy) = ((c + b[0]) * stride, (r + b[1]) * stride);
            let (w, h) = (b[2].exp() * stride, b[3].exp() * stride);
            let p = &kps[cell * 10..cell * 10 + 10];
            let landmarks = std::array::from_fn(|i| ((c + p[2 * i]) * stride, (r + p[2 * i + 1]) * stride));
            let corners = [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0];
            if corners.iter().all(|v| v.is_finite()) {
                found.push(Candidate { corners, score, landmarks });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_decodes_from_its_corner_with_exponential_sizes() {
        // A 64x32 tensor: 8x4 cells at stride 8, 4x2 at 16, 2x1 at 32.
        let (w, h) = (64, 32);
        let mut outputs: Vec<Vec<f32>> = STRIDES
            .iter()
            .cycle()
            .take(12)
            .zip(CHANNELS)
            .map(|(&s, c)| vec![0.0; (w / s) * (h / s) * c])
            .collect();
        // Stride 16, row 1, column 2 (cell 6): cls 0.81, obj 1 -> score 0.9.
        let cell = 6;
        outputs[1][cell] = 0.81;
        outputs[4][cell] = 1.0;
        outputs[7][cell * 4..cell * 4 + 4].copy_from_slice(&[0.5, 0.25, 0.0, 1f32.ln()]);
        for (i, v) in outputs[10][cell * 10..cell * 10 + 10].iter_mut().enumerate() {
            *v = i as f32 * 0.25;
        }
        // A cell just under the threshold, and one with a NaN score, are dropped.
        outputs[0][0] = 0.36;
        outputs[3][0] = 1.0;
        outputs[2][1] = f32::NAN;
        outputs[5][1] = 1.0;
        let found = candidates(&outputs, w, h, 0.6);
        assert_eq!(found.len(), 1, "{found:?}");
        let f = found[0];
        assert!((f.score - 0.9).abs() < 1e-6);
        // Centre ((2 + 0.5) * 16, (1 + 0.25) * 16) = (40, 20), size exp(0) * 16 = 16.
        assert_eq!(f.corners, [32.0, 12.0, 48.0, 28.0]);
        assert_eq!(f.landmarks[0], (32.0, 20.0));
        assert_eq!(f.landmarks[4], ((2.0 + 2.0) * 16.0, (1.0 + 2.25) * 16.0));
    }
}
