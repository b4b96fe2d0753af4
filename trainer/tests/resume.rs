//! Checkpoint + resume. In its own test binary because libtorch's random generator is global to
//! the process: tests running in parallel threads would draw from it in between and make two runs
//! differ for reasons that have nothing to do with resuming.

mod common;

use common::{config, quiet, tiny_split};

use glasses_core::export::Architecture;
use glasses_trainer::checkpoint;
use glasses_trainer::model::Network;
use glasses_trainer::train::{RunPolicy, train};
use tch::Device;

fn max_abs_diff(a: &Network, b: &Network) -> f64 {
    let (va, vb) = (a.vs.variables(), b.vs.variables());
    va.iter().map(|(name, t)| (t - &vb[name]).abs().max().double_value(&[])).fold(0.0, f64::max)
}

#[test]
fn resume_gives_the_same_state_as_an_uninterrupted_run() {
    let (dir, train_set, val_set) = tiny_split(6);
    let cfg = config(Architecture::SqueezeNet1_1, 2);
    let straight =
        train(&cfg, None, &train_set, &val_set, None, None, &dir.path().join("a"), Device::Cpu, quiet())
            .expect("a");

    let b = dir.path().join("b");
    let first = RunPolicy { stop_after: Some(1), ..quiet() };
    let half =
        train(&cfg, None, &train_set, &val_set, None, None, &b, Device::Cpu, first).expect("b, first epoch");
    assert_eq!(half.meta.epoch, 1);
    assert!(!half.meta.finished());
    // Without --resume or --force an unfinished run is not touched.
    let err = train(&cfg, None, &train_set, &val_set, None, None, &b, Device::Cpu, quiet())
        .expect_err("needs --resume");
    assert!(err.to_string().contains("--resume"), "{err}");
    let resumed = RunPolicy { resume: true, ..quiet() };
    let rest =
        train(&cfg, None, &train_set, &val_set, None, None, &b, Device::Cpu, resumed).expect("b, resumed");
    assert_eq!(rest.meta.epoch, 2);
    assert!(max_abs_diff(&straight.network, &rest.network) < 1e-6, "weights differ after resume");
    assert_eq!(straight.meta.history.len(), rest.meta.history.len());
    assert!((straight.meta.history[1].train_loss - rest.meta.history[1].train_loss).abs() < 1e-6);

    // A finished run is never overwritten without --force.
    let err =
        train(&cfg, None, &train_set, &val_set, None, None, &b, Device::Cpu, quiet()).expect_err("finished");
    assert!(err.to_string().contains("--force"), "{err}");
    let forced = RunPolicy { force: true, stop_after: Some(1), ..quiet() };
    let again = train(&cfg, None, &train_set, &val_set, None, None, &b, Device::Cpu, forced).expect("forced");
    assert_eq!(again.meta.epoch, 1);
    let (loaded, meta, _) = checkpoint::load(&b.join("checkpoint.ot"), Device::Cpu).expect("load");
    assert_eq!(meta.epoch, 1);
    assert!(max_abs_diff(&loaded, &again.network) == 0.0);
}
