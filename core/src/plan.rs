//! From a parsed model file to tract's optimised, runnable plan.

use std::sync::Arc;

use tract_core::prelude::*;

use crate::contract::ModelMetadata;
use crate::error::{Error, Result};
use crate::onnx_graph::{self, ReadError};
use crate::onnx_pb::ModelProto;
use crate::plane_pool;

/// An optimised model, shared by every clone of a classifier.
pub(crate) type Plan = Arc<TypedRunnableModel>;

/// Reads the graph (core's reader, or tract's with `onnx-any` for other operators), fixes the
/// input to the metadata's size, checks the output, optimises, and swaps in core's max pools.
pub(crate) fn build(bytes: &[u8], proto: &ModelProto, metadata: &ModelMetadata) -> Result<Plan> {
    let invalid = |stage: &str, e: TractError| Error::InvalidModel { reason: format!("{stage}: {e:#}") };
    let shape = [1usize, 3, metadata.input_height as usize, metadata.input_width as usize];
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| Error::InvalidModel { reason: "the ONNX model has no graph".into() })?;
    let typed = match onnx_graph::typed_model(graph, shape) {
        Ok(model) => model,
        Err(ReadError::Invalid(reason)) => return Err(Error::InvalidModel { reason }),
        Err(ReadError::Unsupported { node, what }) => any_onnx::typed_model(bytes, shape, &node, &what)?,
    };
    let out_fact = typed.output_fact(0).map_err(|e| invalid("no output", e))?;
    let out_shape = out_fact.shape.as_concrete().map(|s| s.to_vec());
    if out_fact.datum_type != f32::datum_type() || out_shape.as_deref() != Some(&[1, 2][..]) {
        return Err(Error::contract(format!(
            "output `logits` must be float32 [1, 2], the graph computes {:?} {:?}",
            out_fact.datum_type, out_fact.shape
        )));
    }
    let mut optimized = typed.into_optimized().map_err(|e| invalid("cannot optimise", e))?;
    plane_pool::use_plane_max_pools(&mut optimized).map_err(|e| invalid("cannot plan max pools", e))?;
    optimized.into_runnable().map_err(|e| invalid("cannot plan", e))
}

/// Graphs with operators outside [`onnx_graph::SUPPORTED_OPS`]: tract's full ONNX reader when
/// the `onnx-any` feature links it, a clear error otherwise.
#[cfg(feature = "onnx-any")]
mod any_onnx {
    use tract_onnx::prelude::*;

    use crate::error::{Error, Result};

    pub(super) fn typed_model(
        bytes: &[u8],
        shape: [usize; 4],
        _node: &str,
        _what: &str,
    ) -> Result<TypedModel> {
        let invalid = |stage: &str, e: TractError| Error::InvalidModel { reason: format!("{stage}: {e:#}") };
        let proto = <tract_onnx::pb::ModelProto as prost::Message>::decode(bytes)
            .map_err(|e| Error::InvalidModel { reason: format!("not an ONNX protobuf: {e}") })?;
        let model =
            tract_onnx::onnx().parse(&proto, None).map_err(|e| invalid("cannot read graph", e))?.model;
        let model = model
            .with_input_fact(0, f32::fact(shape).into())
            .map_err(|e| invalid("cannot set input shape", e))?;
        model.into_typed().map_err(|e| invalid("cannot type the graph", e))
    }
}

#[cfg(not(feature = "onnx-any"))]
mod any_onnx {
    use tract_core::prelude::TypedModel;

    use crate::error::{Error, Result};
    use crate::onnx_graph::SUPPORTED_OPS;

    pub(super) fn typed_model(
        _bytes: &[u8],
        _shape: [usize; 4],
        node: &str,
        what: &str,
    ) -> Result<TypedModel> {
        Err(Error::InvalidModel {
            reason: format!(
                "node `{node}` uses {what}, which this build does not read; it reads {} (glasses-core's \
                 `onnx-any` feature adds every operator tract knows)",
                SUPPORTED_OPS.join(", ")
            ),
        })
    }
}
