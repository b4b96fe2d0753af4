//! Steps that only move values: nearest 2x upsampling (the detector's FPN `Resize`) and axis
//! permutations (`Transpose`, which flattens the detector's heads to `[1, H*W, C]`).

/// Nearest-neighbour 2x upsampling of `[C, H, W]` to `[C, 2H, 2W]`: each value repeated 2x2.
pub(crate) fn upsample_nearest2x(
    input: &[f32],
    output: &mut [f32],
    channels: usize,
    height: usize,
    width: usize,
) {
    let (ow, plane) = (2 * width, height * width);
    for c in 0..channels {
        let src = &input[c * plane..(c + 1) * plane];
        let dst = &mut output[c * 4 * plane..(c + 1) * 4 * plane];
        for (row, pair) in src.chunks_exact(width).zip(dst.chunks_exact_mut(2 * ow)) {
            let (first, second) = pair.split_at_mut(ow);
            for (o, &v) in first.chunks_exact_mut(2).zip(row) {
                o[0] = v;
                o[1] = v;
            }
            second.copy_from_slice(first);
        }
    }
}

/// `output` is `input` (of `shape`) with its axes permuted: output axis `i` is input axis
/// `perm[i]`.
pub(crate) fn transpose(input: &[f32], output: &mut [f32], shape: &[usize], perm: &[usize]) {
    let rank = shape.len();
    // Input strides, read in the output's axis order.
    let mut strides = vec![1usize; rank];
    for axis in (0..rank.saturating_sub(1)).rev() {
        strides[axis] = strides[axis + 1] * shape[axis + 1];
    }
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let out_strides: Vec<usize> = perm.iter().map(|&p| strides[p]).collect();
    let Some(&inner) = out_shape.last() else {
        // Rank 0: one value.
        output[..input.len()].copy_from_slice(input);
        return;
    };
    let inner_stride = out_strides[rank - 1];
    let mut index = vec![0usize; rank - 1];
    for row in output.chunks_exact_mut(inner.max(1)).take(out_shape[..rank - 1].iter().product()) {
        let base: usize = index.iter().zip(&out_strides).map(|(i, s)| i * s).sum();
        for (j, o) in row.iter_mut().enumerate() {
            *o = input[base + j * inner_stride];
        }
        // Next index of the outer axes, last axis fastest.
        for axis in (0..rank - 1).rev() {
            index[axis] += 1;
            if index[axis] < out_shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(len: usize) -> Vec<f32> {
        (0..len).map(|i| i as f32 * 0.5 - 7.0).collect()
    }

    #[test]
    fn upsampling_repeats_each_value_two_by_two() {
        let (c, h, w) = (3, 4, 5);
        let x = ramp(c * h * w);
        let mut out = vec![f32::NAN; 4 * x.len()];
        upsample_nearest2x(&x, &mut out, c, h, w);
        for ch in 0..c {
            for y in 0..2 * h {
                for xx in 0..2 * w {
                    // ONNX Resize, nearest, asymmetric, floor: source index = floor(out / 2).
                    assert_eq!(
                        out[(ch * 2 * h + y) * 2 * w + xx],
                        x[(ch * h + y / 2) * w + xx / 2],
                        "{ch} {y} {xx}"
                    );
                }
            }
        }
    }

    #[test]
    fn transpose_moves_every_value_to_its_permuted_coordinates() {
        for (shape, perm) in [
            (vec![1, 4, 3, 5], vec![0, 2, 3, 1]),
            (vec![2, 3, 4], vec![2, 0, 1]),
            (vec![3, 1, 2, 2], vec![3, 2, 1, 0]),
            (vec![6], vec![0]),
        ] {
            let x = ramp(shape.iter().product());
            let mut out = vec![f32::NAN; x.len()];
            transpose(&x, &mut out, &shape, &perm);
            let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
            for (i, &v) in out.iter().enumerate() {
                // Output coordinates of `i`, then the input element they name.
                let mut rest = i;
                let mut coord = vec![0; shape.len()];
                for axis in (0..shape.len()).rev() {
                    coord[axis] = rest % out_shape[axis];
                    rest /= out_shape[axis];
                }
                let mut src = 0;
                for axis in 0..shape.len() {
                    let input_axis_coord =
                        coord[perm.iter().position(|&p| p == axis).expect("a permutation")];
                    src = src * shape[axis] + input_axis_coord;
                }
                assert_eq!(v, x[src], "{shape:?} {perm:?} [{i}]");
            }
        }
    }
}
