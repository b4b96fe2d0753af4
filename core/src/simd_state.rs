//! Leaves the CPU's vector state clean after inference.
//!
//! Core's own kernels are compiled code, which ends AVX use with `vzeroupper`; this module is for
//! tract, which runs the graphs core's engine does not (the `onnx-any` feature), and a guard
//! (tested) for any kernel that forgets. tract's x86_64 assembly kernels return with the upper halves of the AVX registers in use (no
//! `vzeroupper`). Until something clears them, legacy-SSE code, which is what baseline x86_64
//! Rust compiles to (the `image` crate's resize included), runs with a state penalty. On the bench
//! machine (AMD EPYC, 2026-11-29) a one-off probe timed a 178x218 resize at 0.76 ms after an
//! inference and 0.24 ms after a `vzeroupper`; that made RGBA input 0.45 ms slower end to end than
//! JPEG input, whose AVX2 decoder happened to clear the state first (criterion's end_to_end_rgba:
//! 1.93 ms before this module, 1.40 ms after).

/// Clears the upper halves of the AVX registers when the CPU has them; nothing elsewhere.
pub(crate) fn clear_upper_vector_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: AVX is present (checked just above), the only requirement of `zero_upper`.
        unsafe { zero_upper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zero_upper() {
    std::arch::x86_64::_mm256_zeroupper();
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {

    /// XINUSE (XGETBV with ECX = 1) bit 2: the upper halves of the YMM registers are in use.
    /// `None` when the CPU cannot report it.
    fn upper_ymm_in_use() -> Option<bool> {
        if !std::arch::is_x86_feature_detected!("xsave") {
            return None;
        }
        // SAFETY: CPUID is always available on x86_64.
        let leaf = std::arch::x86_64::__cpuid_count(0xd, 1);
        if leaf.eax & (1 << 2) == 0 {
            return None;
        }
        // SAFETY: XSAVE is present and XGETBV with ECX = 1 is supported (CPUID leaf 0xD, 1).
        Some(unsafe { xgetbv1() } & (1 << 2) != 0)
    }

    #[target_feature(enable = "xsave")]
    fn xgetbv1() -> u64 {
        // SAFETY: the caller checked that XGETBV with ECX = 1 is supported.
        unsafe { std::arch::x86_64::_xgetbv(1) }
    }

    #[test]
    fn inference_leaves_the_upper_avx_state_clean() {
        let Some(_) = upper_ymm_in_use() else {
            eprintln!("this CPU cannot report XINUSE; nothing to check");
            return;
        };
        let c = crate::Classifier::bundled().expect("bundled");
        let zeros = vec![0.0; c.preprocessing().tensor_len()];
        c.logits(&zeros).expect("logits");
        assert_eq!(upper_ymm_in_use(), Some(false), "the upper AVX state is dirty after an inference");
    }
}
