//! From a parsed model file to something that runs: core's own engine ([`crate::net`]) for the
//! graphs glasses writes, tract's full ONNX reader for others when the `onnx-any` feature is on.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::contract::ModelMetadata;
use crate::model::onnx_pb::ModelProto;
use crate::net::{self, Kernel, Net, ReadError};
use crate::workers::Workers;

/// A runnable model, shared by every clone of a classifier.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    /// Core's own engine (`net`): every graph glasses' exporter writes.
    Engine(Arc<Net>),
    #[cfg(feature = "onnx-any")]
    Tract(Arc<any_onnx::TractPlan>),
}

impl Plan {
    /// The output values for one preprocessed `[1, 3, H, W]` tensor, core's engine splitting its
    /// big steps over `workers` (tract ignores them).
    pub fn run(&self, tensor: &[f32], shape: [usize; 4], workers: Option<&Workers>) -> Result<Vec<f32>> {
        match self {
            Plan::Engine(net) => {
                let _ = shape;
                Ok(net.run_on(tensor, workers).swap_remove(0))
            }
            #[cfg(feature = "onnx-any")]
            Plan::Tract(plan) => any_onnx::run(plan, tensor, shape),
        }
    }

    /// Which engine runs the model, with its micro-kernel.
    pub fn engine(&self) -> String {
        match self {
            Plan::Engine(net) => format!("glasses engine, {} kernels", net.kernel().name()),
            #[cfg(feature = "onnx-any")]
            Plan::Tract(_) => "tract-onnx (onnx-any)".into(),
        }
    }

    /// Time per step of the own engine (empty when tract runs the model).
    pub fn profile(&self, tensor: &[f32], runs: usize, workers: Option<&Workers>) -> Vec<(String, f64)> {
        match self {
            Plan::Engine(net) => net.profile_on(tensor, runs, workers),
            #[cfg(feature = "onnx-any")]
            Plan::Tract(_) => Vec::new(),
        }
    }

    /// Multiply-accumulates per image in the convolutions, when the own engine runs the model.
    pub fn macs(&self) -> Option<u64> {
        match self {
            Plan::Engine(net) => Some(net.macs() as u64),
            #[cfg(feature = "onnx-any")]
            Plan::Tract(_) => None,
        }
    }
}

/// Lowers the graph (core's engine, or tract's reader with `onnx-any` for other operators), with
/// the input fixed to the metadata's size, and checks the output. Core's engine runs its
/// convolutions on `kernel` (normally [`Kernel::best`]; tests force each kernel in turn).
pub(crate) fn build(
    bytes: &[u8],
    proto: &ModelProto,
    metadata: &ModelMetadata,
    kernel: Kernel,
) -> Result<Plan> {
    let shape = [1usize, 3, metadata.input_height as usize, metadata.input_width as usize];
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| Error::InvalidModel { reason: "the ONNX model has no graph".into() })?;
    let classes = metadata.num_classes();
    match net::lower(graph, shape, kernel) {
        Ok(net) if net.output_shape() == [1, classes] => Ok(Plan::Engine(Arc::new(net))),
        Ok(net) => Err(output_contract(classes, &format!("float32 {:?}", net.output_shape()))),
        Err(ReadError::Invalid(reason)) => Err(Error::InvalidModel { reason }),
        // Operators outside the engine's: tract's full reader when the feature links it.
        #[cfg(feature = "onnx-any")]
        Err(ReadError::Unsupported { .. }) => any_onnx::plan(bytes, shape, classes),
        #[cfg(not(feature = "onnx-any"))]
        Err(ReadError::Unsupported { node, what }) => {
            let _ = bytes;
            Err(Error::InvalidModel {
                reason: format!(
                    "node `{node}` uses {what}, which this build does not read; it reads {} \
                     (glasses-core's `onnx-any` feature adds every operator tract knows)",
                    net::SUPPORTED_OPS.join(", ")
                ),
            })
        }
    }
}

fn output_contract(classes: usize, what: &str) -> Error {
    Error::contract(format!("output `logits` must be float32 [1, {classes}], the graph computes {what}"))
}

/// Graphs with operators outside [`net::SUPPORTED_OPS`], read by tract's full ONNX reader.
#[cfg(feature = "onnx-any")]
mod any_onnx {
    use std::sync::Arc;

    use tract_onnx::prelude::*;

    use super::Plan;
    use crate::error::{Error, Result};

    pub(crate) type TractPlan = TypedRunnableModel;

    pub(super) fn plan(bytes: &[u8], shape: [usize; 4], classes: usize) -> Result<Plan> {
        let invalid = |stage: &str, e: TractError| Error::InvalidModel { reason: format!("{stage}: {e:#}") };
        let proto = <tract_onnx::pb::ModelProto as prost::Message>::decode(bytes)
            .map_err(|e| Error::InvalidModel { reason: format!("not an ONNX protobuf: {e}") })?;
        let model =
            tract_onnx::onnx().parse(&proto, None).map_err(|e| invalid("cannot read graph", e))?.model;
        let model = model
            .with_input_fact(0, f32::fact(shape).into())
            .map_err(|e| invalid("cannot set input shape", e))?;
        let typed = model.into_typed().map_err(|e| invalid("cannot type the graph", e))?;
        let out_fact = typed.output_fact(0).map_err(|e| invalid("no output", e))?;
        let out_shape = out_fact.shape.as_concrete().map(|s| s.to_vec());
        if out_fact.datum_type != f32::datum_type() || out_shape.as_deref() != Some(&[1, classes][..]) {
            return Err(super::output_contract(
                classes,
                &format!("{:?} {:?}", out_fact.datum_type, out_fact.shape),
            ));
        }
        let optimized = typed.into_optimized().map_err(|e| invalid("cannot optimise", e))?;
        Ok(Plan::Tract(optimized.into_runnable().map_err(|e| invalid("cannot plan", e))?))
    }

    pub(super) fn run(plan: &Arc<TractPlan>, tensor: &[f32], shape: [usize; 4]) -> Result<Vec<f32>> {
        let failed = |e: TractError| Error::Inference { reason: format!("{e:#}") };
        let input = Tensor::from_shape(&shape, tensor).map_err(failed)?;
        let outputs = plan.run(tvec!(input.into())).map_err(failed)?;
        let view = outputs[0].to_plain_array_view::<f32>().map_err(failed)?;
        Ok(view.iter().copied().collect())
    }
}
