//! A faster float max pool for optimised tract plans.
//!
//! tract 0.23 vectorises a max pool only when its taps are contiguous (stride 1, or 2x2 NCHW);
//! SqueezeNet's 3x3 stride-2 pools fall back to a per-output, per-tap walk that took 39 % of the
//! bundled model's inference time (0.51 of 1.31 ms, measured per node). [`PlaneMaxPool`] pools
//! one channel plane at a time in two passes: the element-wise max of the window's input rows
//! (contiguous, so the compiler vectorises it), then the max over each window's columns of that
//! row. It picks exactly the values tract picks: the same `<` comparison, folded from `f32::MIN`
//! over the same taps, so NaN inputs are skipped and results are bit-identical.

use tract_core::internal::*;
use tract_core::ops::cnn::OptMaxPool;
use tract_core::ops::nn::DataFormat;

/// Where a 2-D pool reads, for one NCHW input shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PoolGeometry {
    pub batch: usize,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub out_height: usize,
    pub out_width: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// Padding before the first row and column; padding after needs no field since windows
    /// are clipped to the image.
    pub pad_before: [usize; 2],
}

impl PoolGeometry {
    fn input_shape(&self) -> [usize; 4] {
        [self.batch, self.channels, self.height, self.width]
    }

    fn output_shape(&self) -> [usize; 4] {
        [self.batch, self.channels, self.out_height, self.out_width]
    }

    /// The clipped input range that output position `out` of `axis` (0 = rows) reads.
    fn window(&self, axis: usize, out: usize) -> std::ops::Range<usize> {
        let len = if axis == 0 { self.height } else { self.width };
        let start = (out * self.stride[axis]) as isize - self.pad_before[axis] as isize;
        let end = (start + self.kernel[axis] as isize).clamp(0, len as isize) as usize;
        (start.max(0) as usize).min(end)..end
    }
}

/// Max pool of f32 NCHW tensors with a fixed shape, see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PlaneMaxPool {
    pub geometry: PoolGeometry,
}

impl Op for PlaneMaxPool {
    fn name(&self) -> StaticName {
        "PlaneMaxPool".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        Ok(vec![format!("{:?}", self.geometry)])
    }

    tract_core::op_as_typed_op!();
}

impl EvalOp for PlaneMaxPool {
    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let g = &self.geometry;
        ensure!(
            input.shape() == g.input_shape() && input.datum_type() == f32::datum_type(),
            "PlaneMaxPool planned for f32 {:?}, got {:?} {:?}",
            g.input_shape(),
            input.datum_type(),
            input.shape()
        );
        let input_view = input.try_as_plain_ram()?;
        let input = input_view.as_slice::<f32>()?;
        let mut output = Tensor::zero::<f32>(&g.output_shape())?;
        // Scoped so the mutable view ends before the tensor moves out.
        {
            let mut view = output.try_as_plain_ram_mut()?;
            let out = view.as_slice_mut::<f32>()?;
            let mut row = vec![f32::MIN; g.width];
            let columns: Vec<(usize, usize)> =
                (0..g.out_width).map(|ox| g.window(1, ox)).map(|r| (r.start, r.end)).collect();
            let (in_plane, out_plane) = (g.height * g.width, g.out_height * g.out_width);
            for (src, dst) in input.chunks_exact(in_plane).zip(out.chunks_exact_mut(out_plane)) {
                pool_plane(src, dst, g, &columns, &mut row);
            }
        }
        Ok(tvec!(output.into_tvalue()))
    }

    tract_core::op_out_of_plan!();
}

impl TypedOp for PlaneMaxPool {
    fn output_facts(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact(self.geometry.output_shape())))
    }

    tract_core::as_op!();
}

fn pool_plane(
    input: &[f32],
    output: &mut [f32],
    g: &PoolGeometry,
    columns: &[(usize, usize)],
    row: &mut [f32],
) {
    for (oy, out_row) in output.chunks_exact_mut(g.out_width).enumerate() {
        row.fill(f32::MIN);
        for y in g.window(0, oy) {
            for (acc, &v) in row.iter_mut().zip(&input[y * g.width..(y + 1) * g.width]) {
                // A select, not a branch: compiles to `maxps` and does not mispredict on real data.
                *acc = if *acc < v { v } else { *acc };
            }
        }
        for (out, &(start, end)) in out_row.iter_mut().zip(columns) {
            *out = row[start..end].iter().fold(f32::MIN, |max, &v| if max < v { v } else { max });
        }
    }
}

/// Replaces every f32 NCHW 2-D max pool of an optimised model that [`PlaneMaxPool`] covers
/// (fixed shape, no dilation, no index output); returns how many it replaced.
pub(crate) fn use_plane_max_pools(model: &mut TypedModel) -> TractResult<usize> {
    let mut replaced = 0;
    for id in 0..model.nodes().len() {
        let Some(geometry) = plane_geometry(model, id)? else { continue };
        model.node_mut(id).op = Box::new(PlaneMaxPool { geometry });
        replaced += 1;
    }
    Ok(replaced)
}

fn plane_geometry(model: &TypedModel, id: usize) -> TractResult<Option<PoolGeometry>> {
    let node = model.node(id);
    let Some(op) = node.op_as::<OptMaxPool>() else { return Ok(None) };
    let spec = &op.pool_spec;
    let dilated = spec.dilations.as_ref().is_some_and(|d| d.iter().any(|&d| d != 1));
    if op.with_index_outputs.is_some()
        || spec.data_format != DataFormat::NCHW
        || spec.kernel_shape.len() != 2
        || dilated
        || node.inputs.len() != 1
        || node.outputs.len() != 1
    {
        return Ok(None);
    }
    let input = model.outlet_fact(node.inputs[0])?;
    let output = &node.outputs[0].fact;
    let (Some(ishape), Some(oshape)) = (input.shape.as_concrete(), output.shape.as_concrete()) else {
        return Ok(None);
    };
    if input.datum_type != f32::datum_type() || ishape.len() != 4 || oshape.len() != 4 {
        return Ok(None);
    }
    let geo = op.geometry.to_concrete(ishape)?;
    let patch = &geo.patch;
    let strides = spec.strides.clone().unwrap_or_else(|| tvec!(1, 1));
    if patch.pad_before.len() != 2 || strides.len() != 2 || strides.contains(&0) {
        return Ok(None);
    }
    let geometry = PoolGeometry {
        batch: ishape[0],
        channels: ishape[1],
        height: ishape[2],
        width: ishape[3],
        out_height: oshape[2],
        out_width: oshape[3],
        kernel: [spec.kernel_shape[0], spec.kernel_shape[1]],
        stride: [strides[0], strides[1]],
        pad_before: [patch.pad_before[0], patch.pad_before[1]],
    };
    Ok((oshape[..2] == ishape[..2]).then_some(geometry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_core::ops::cnn::PaddingSpec;
    use tract_core::ops::cnn::{MaxPool, PoolSpec};

    fn plan(
        shape: [usize; 4],
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: PaddingSpec,
        plane: bool,
    ) -> (std::sync::Arc<TypedSimplePlan>, usize) {
        let mut model = TypedModel::default();
        let source = model.add_source("x", f32::fact(shape)).unwrap();
        let spec = PoolSpec {
            data_format: DataFormat::NCHW,
            kernel_shape: tvec!(kernel[0], kernel[1]),
            padding,
            dilations: None,
            strides: Some(tvec!(stride[0], stride[1])),
            input_channels: shape[1],
            output_channels: shape[1],
        };
        let pooled = model.wire_node("pool", MaxPool::new(spec, None), &[source]).unwrap();
        model.select_output_outlets(&pooled).unwrap();
        let mut model = model.into_optimized().unwrap();
        let replaced = if plane { use_plane_max_pools(&mut model).unwrap() } else { 0 };
        (model.into_runnable().unwrap(), replaced)
    }

    fn pseudo_random(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2001) as f32 / 100.0 - 10.0
            })
            .collect()
    }

    #[test]
    fn matches_tract_bit_for_bit() {
        type Case = ([usize; 4], [usize; 2], [usize; 2], PaddingSpec);
        let cases: &[Case] = &[
            ([1, 64, 43, 53], [3, 3], [2, 2], PaddingSpec::Valid),
            ([1, 128, 21, 26], [3, 3], [2, 2], PaddingSpec::Explicit(tvec!(0, 0), tvec!(1, 0))),
            ([1, 256, 10, 13], [3, 3], [2, 2], PaddingSpec::Explicit(tvec!(0, 0), tvec!(0, 1))),
            ([2, 3, 9, 7], [2, 3], [1, 2], PaddingSpec::Explicit(tvec!(1, 2), tvec!(1, 2))),
            ([1, 5, 8, 8], [3, 3], [3, 3], PaddingSpec::SameUpper),
            ([1, 2, 5, 6], [5, 5], [1, 1], PaddingSpec::Explicit(tvec!(2, 2), tvec!(2, 2))),
            ([1, 1, 1, 1], [1, 1], [1, 1], PaddingSpec::Valid),
        ];
        for (i, (shape, kernel, stride, padding)) in cases.iter().enumerate() {
            let (reference, _) = plan(*shape, *kernel, *stride, padding.clone(), false);
            let (fast, replaced) = plan(*shape, *kernel, *stride, padding.clone(), true);
            assert_eq!(replaced, 1, "case {i}: pool not replaced");
            let mut data = pseudo_random(shape.iter().product(), i as u32);
            data[0] = f32::NAN;
            if let Some(v) = data.get_mut(1) {
                *v = f32::NEG_INFINITY;
            }
            let x = Tensor::from_shape(shape, &data).unwrap();
            let want = reference.run(tvec!(x.clone().into())).unwrap();
            let got = fast.run(tvec!(x.into())).unwrap();
            assert_eq!(want[0].shape(), got[0].shape(), "case {i}");
            let (want, got) = (want[0].try_as_plain_ram().unwrap(), got[0].try_as_plain_ram().unwrap());
            let (want, got) = (want.as_slice::<f32>().unwrap(), got.as_slice::<f32>().unwrap());
            let bits = |s: &[f32]| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(want), bits(got), "case {i}");
        }
    }

    #[test]
    fn leaves_other_pools_alone() {
        let mut model = TypedModel::default();
        let source = model.add_source("x", f32::fact([1, 4, 6, 6])).unwrap();
        let spec = PoolSpec {
            data_format: DataFormat::NCHW,
            kernel_shape: tvec!(2, 2),
            padding: PaddingSpec::Valid,
            dilations: Some(tvec!(2, 2)),
            strides: None,
            input_channels: 4,
            output_channels: 4,
        };
        let pooled = model.wire_node("pool", MaxPool::new(spec, None), &[source]).unwrap();
        model.select_output_outlets(&pooled).unwrap();
        let mut model = model.into_optimized().unwrap();
        assert_eq!(use_plane_max_pools(&mut model).unwrap(), 0);
    }
}
