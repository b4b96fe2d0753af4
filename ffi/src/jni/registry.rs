//! The process-wide registry of loaded classifiers: Kotlin holds an id, never a pointer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use glasses_core::Classifier;
use jni::sys::jlong;

use super::failure::JniFailure;

type Registry = RwLock<HashMap<jlong, Arc<Classifier>>>;

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| RwLock::new(HashMap::new()));
static NEXT_HANDLE: AtomicI64 = AtomicI64::new(1);

pub(super) fn register(classifier: Classifier) -> jlong {
    let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
    REGISTRY.write().unwrap_or_else(PoisonError::into_inner).insert(handle, Arc::new(classifier));
    handle
}

pub(super) fn lookup(handle: jlong) -> Result<Arc<Classifier>, JniFailure> {
    REGISTRY
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&handle)
        .cloned()
        .ok_or_else(|| JniFailure::IllegalState("GlassesDetector is closed".to_owned()))
}

pub(super) fn unregister(handle: jlong) -> bool {
    REGISTRY.write().unwrap_or_else(PoisonError::into_inner).remove(&handle).is_some()
}

/// Number of live native classifiers (for leak checks in tests).
pub fn live_handles() -> usize {
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner).len()
}
