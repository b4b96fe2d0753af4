//! What the float and the int8 lowering share: the parts of the [`Net`] they build, and the
//! graph's initializers and readers, by name.

use std::collections::HashMap;
use std::sync::Mutex;

use super::super::kernel::Kernel;
use super::super::split::ScratchLen;
use super::super::{Net, Slot, Step};
use crate::onnx_pb::{GraphProto, NodeProto, TensorProto};

/// A [`Net`] while its steps are added.
pub(super) struct NetParts {
    pub steps: Vec<Step>,
    /// Length of every float buffer; buffer 0 is the input.
    pub buffers: Vec<usize>,
    pub scratch_len: ScratchLen,
    /// Length of every uint8 buffer of the int8 steps (none for float graphs).
    pub qbuffers: Vec<usize>,
    pub qscratch_len: ScratchLen,
    pub macs: usize,
    pub kernel: Kernel,
}

impl NetParts {
    /// No steps yet; buffer 0 holds the `input_len` input floats.
    pub fn new(input_len: usize, kernel: Kernel) -> Self {
        Self {
            steps: Vec::new(),
            buffers: vec![input_len],
            scratch_len: ScratchLen::default(),
            qbuffers: Vec::new(),
            qscratch_len: ScratchLen::default(),
            macs: 0,
            kernel,
        }
    }

    /// Adds `step`, which does `macs` multiply-accumulates.
    pub fn push(&mut self, step: Step, macs: usize) {
        self.macs += macs;
        self.steps.push(step);
    }

    /// A new float buffer of `len` values.
    pub fn new_float(&mut self, len: usize) -> Slot {
        self.buffers.push(len);
        Slot { buf: self.buffers.len() - 1, offset: 0, len }
    }

    /// The finished net, computing `outputs` (slots and shapes, in order).
    pub fn into_net(self, outputs: Vec<(Slot, Vec<usize>)>) -> Net {
        Net {
            steps: self.steps,
            buffers: self.buffers,
            scratch_len: self.scratch_len,
            qbuffers: self.qbuffers,
            qscratch_len: self.qscratch_len,
            outputs,
            kernel: self.kernel,
            macs: self.macs,
            spare: Mutex::new(Vec::new()),
        }
    }
}

/// A graph's initializers by name, and how many readers each value has.
pub(super) struct GraphIndex<'g> {
    initializers: HashMap<&'g str, &'g TensorProto>,
    /// Node inputs (of the `live` nodes) and graph outputs reading each value.
    uses: HashMap<&'g str, usize>,
}

impl<'g> GraphIndex<'g> {
    /// The readers are the inputs of the `live` nodes and the graph's `outputs`.
    pub fn new(graph: &'g GraphProto, live: &[&'g NodeProto], outputs: &[&'g str]) -> Self {
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for name in live.iter().flat_map(|n| &n.input).filter(|n| !n.is_empty()) {
            *uses.entry(name.as_str()).or_default() += 1;
        }
        for &name in outputs {
            *uses.entry(name).or_default() += 1;
        }
        Self { initializers: graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect(), uses }
    }

    pub fn initializer(&self, name: &str) -> Option<&'g TensorProto> {
        self.initializers.get(name).copied()
    }

    /// How many readers the value `name` has.
    pub fn uses(&self, name: &str) -> usize {
        self.uses.get(name).copied().unwrap_or(0)
    }
}
