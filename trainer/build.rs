//! Embeds an rpath to libtorch's lib folder so the binary and tests start without LD_LIBRARY_PATH.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        // libtorch_cpu finds the pip wheel's nvidia/cu13 libraries through its own RUNPATH
        // ($ORIGIN/../../nvidia/cu13/lib), so only libtorch's folder is needed here.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    if std::env::var_os("CARGO_FEATURE_CUDA").is_some() {
        // rustc links with --as-needed, which drops libtorch_cuda because no symbol of it is
        // used directly; without it libtorch reports CUDA as unavailable.
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,-ltorch,--as-needed");
    }
}
