//! Greedy hard non-maximum suppression: the best-scoring box wins, every box overlapping it by
//! more than the threshold (intersection over union) goes.

use super::decode::Candidate;

/// The candidates that survive, best score first.
pub(crate) fn suppress(mut candidates: Vec<Candidate>, iou_threshold: f32) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        if kept.iter().all(|k| iou(k, &c) <= iou_threshold) {
            kept.push(c);
        }
    }
    kept
}

fn iou(a: &Candidate, b: &Candidate) -> f32 {
    let w = (a.corners[2].min(b.corners[2]) - a.corners[0].max(b.corners[0])).max(0.0);
    let h = (a.corners[3].min(b.corners[3]) - a.corners[1].max(b.corners[1])).max(0.0);
    let inter = w * h;
    let union = a.area() + b.area() - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(x: f32, y: f32, size: f32, score: f32) -> Candidate {
        Candidate { corners: [x, y, x + size, y + size], score, landmarks: [(0.0, 0.0); 5] }
    }

    #[test]
    fn overlapping_boxes_keep_the_best_and_separate_ones_stay() {
        let a = boxed(0.0, 0.0, 10.0, 0.7);
        // IoU with `a`: 50/150 = 0.333 (> 0.3, suppressed) and 40/160 = 0.25 (kept).
        let b = boxed(5.0, 0.0, 10.0, 0.9);
        let c = boxed(0.0, 6.0, 10.0, 0.8);
        let far = boxed(100.0, 100.0, 4.0, 0.65);
        let kept = suppress(vec![a, b, c, far], 0.3);
        assert_eq!(kept, vec![b, c, far], "`a` overlaps the better `b` by 1/3");
        assert_eq!(suppress(vec![a, b], 0.34), vec![b, a], "below the threshold both stay");
        assert!(suppress(Vec::new(), 0.3).is_empty());
    }
}
