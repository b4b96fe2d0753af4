//! How a step's work and scratch are cut into parts for the worker threads.

use std::ops::Range;

/// Multiply-accumulates a gathered value costs about as much time as, for [`Team::parts`](crate::workers::Team::parts).
pub(crate) const COPY_COST: usize = 16;

/// Scratch a step needs: one area all its parts share, and one of its own for each part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ScratchLen {
    pub shared: usize,
    pub per_part: usize,
}

impl ScratchLen {
    /// The larger of two steps' needs, field by field (one scratch serves every step).
    pub fn max(self, other: Self) -> Self {
        Self { shared: self.shared.max(other.shared), per_part: self.per_part.max(other.per_part) }
    }

    /// The whole scratch for steps cut into at most `parts` parts.
    pub fn total(&self, parts: usize) -> usize {
        self.shared.saturating_add(self.per_part.saturating_mul(parts))
    }
}

/// Rows `taps` of the gathered `cols`.
#[derive(Default)]
pub(crate) struct Rows<'a, T = f32> {
    pub taps: Range<usize>,
    pub cols: &'a mut [T],
}

/// `rows` rows of `len` values each, cut into `parts` runs of whole rows.
pub(crate) fn split_rows<T>(
    values: &mut [T],
    rows: usize,
    len: usize,
    parts: usize,
) -> impl Iterator<Item = (Range<usize>, &mut [T])> {
    let mut rest = values;
    (0..parts).map(move |i| {
        let range = rows * i / parts..rows * (i + 1) / parts;
        let (chunk, tail) = std::mem::take(&mut rest).split_at_mut(range.len() * len);
        rest = tail;
        (range, chunk)
    })
}
