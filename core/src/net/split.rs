//! How a step's work and scratch are cut into parts for the worker threads.

use std::ops::Range;

use crate::workers::{MAX_PARTS, Team};

/// Multiply-accumulates a gathered value costs about as much time as, for [`Team::parts`].
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
struct Rows<'a, T> {
    taps: Range<usize>,
    cols: &'a mut [T],
}

/// `rows` rows of `len` values each, cut into `parts` runs of whole rows.
fn split_rows<T>(
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

/// Fills `values`, `rows` rows of `len` values, with `gather(rows, their values)` over `team`,
/// in runs of whole rows (`work`: what all of them cost, for [`Team::parts`]).
pub(crate) fn gather_rows<T: Default + Send>(
    team: Team,
    values: &mut [T],
    rows: usize,
    len: usize,
    work: usize,
    gather: impl Fn(Range<usize>, &mut [T]) + Sync,
) {
    let mut runs: [Rows<'_, T>; MAX_PARTS] = Default::default();
    let parts = team.parts(rows, work);
    for (run, (taps, cols)) in runs.iter_mut().zip(split_rows(values, rows, len, parts)) {
        *run = Rows { taps, cols };
    }
    team.for_each_mut(&mut runs[..parts], |r| gather(r.taps.clone(), r.cols));
}

/// The output channels (or panels of them) `first..end` of a convolution part, with its values
/// of the output and a padded tile of its own.
#[derive(Default)]
pub(crate) struct Panels<'a, T> {
    pub first: usize,
    pub end: usize,
    pub out: &'a mut [T],
    pub padded: &'a mut [T],
}

/// Cuts `output` and `pads` into `parts` consecutive [`Panels`]: part `i` is `bounds(i)`, its
/// `first`, `end` and how many values of `output` it owns, with `per_part` values of `pads`.
pub(crate) fn split_panels<'a, T: Default>(
    output: &'a mut [T],
    pads: &'a mut [T],
    per_part: usize,
    parts: usize,
    bounds: impl Fn(usize) -> (usize, usize, usize),
) -> [Panels<'a, T>; MAX_PARTS] {
    let mut pieces: [Panels<'a, T>; MAX_PARTS] = Default::default();
    let (mut rest, mut pads) = (output, pads);
    for (i, piece) in pieces.iter_mut().enumerate().take(parts) {
        let (first, end, len) = bounds(i);
        let (out, tail) = std::mem::take(&mut rest).split_at_mut(len);
        let (padded, pad_tail) = std::mem::take(&mut pads).split_at_mut(per_part);
        (rest, pads) = (tail, pad_tail);
        *piece = Panels { first, end, out, padded };
    }
    pieces
}
