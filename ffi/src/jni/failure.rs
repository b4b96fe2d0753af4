//! Failures of the JNI surface and the Java exceptions they become.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use jni::errors::ErrorPolicy;
use jni::objects::{JThrowable, JValue};
use jni::strings::JNIString;
use jni::sys::jint;
use jni::{Env, jni_sig, jni_str};

use crate::codes::{self, GlassesStatus, SurfaceError};

/// Why a native call failed; mapped to a Java exception by [`ThrowGlassesException`].
#[derive(Debug, thiserror::Error)]
pub enum JniFailure {
    /// A classifier error, or a bad argument, thrown as `GlassesException`.
    #[error("{message}")]
    Glasses {
        /// The code for `GlassesException.code`: the C status of the failure.
        code: GlassesStatus,
        /// The reason, in words.
        message: String,
    },
    /// The handle is closed or unknown, thrown as `IllegalStateException`.
    #[error("{0}")]
    IllegalState(String),
    /// A JNI call failed (usually with a Java exception already pending).
    #[error("JNI call failed: {0}")]
    Jni(#[from] jni::errors::Error),
}

impl From<glasses_core::Error> for JniFailure {
    fn from(error: glasses_core::Error) -> Self {
        Self::Glasses { code: codes::status(error.kind()), message: codes::message(&error) }
    }
}

pub(super) fn invalid_argument(message: impl Into<String>) -> JniFailure {
    JniFailure::Glasses { code: GlassesStatus::InvalidArgument, message: message.into() }
}

const GLASSES_EXCEPTION: &str = "dev/glasses/GlassesException";

/// Error policy of every entry point: throws the Java exception a [`JniFailure`] or a panic
/// stands for, unless one is already pending, and returns the type's default (ignored by the JVM).
#[derive(Debug, Default)]
pub struct ThrowGlassesException;

impl<T: Default> ErrorPolicy<T, JniFailure> for ThrowGlassesException {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut Self::Captures<'unowned_env_local, 'native_method>,
        err: JniFailure,
    ) -> jni::errors::Result<T> {
        if env.exception_check() {
            return Ok(T::default());
        }
        match err {
            JniFailure::Glasses { code, message } => throw_glasses(env, code, &message),
            JniFailure::IllegalState(message) => {
                let _ = env.throw_new(jni_str!("java/lang/IllegalStateException"), JNIString::from(message));
            }
            JniFailure::Jni(e) => {
                let _ = env.throw_new(
                    jni_str!("java/lang/RuntimeException"),
                    JNIString::from(format!("glasses JNI: {e}")),
                );
            }
        }
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let message = format!("native panic: {}", panic_message(payload));
        if env.exception_check() {
            // A Java exception raised before the panic wins; the panic is reported on stderr by
            // the panic hook already.
            return Ok(T::default());
        }
        throw_glasses(env, GlassesStatus::Internal, &message);
        Ok(T::default())
    }
}

/// Throws `GlassesException(code, message)`; falls back to `RuntimeException` if that class
/// cannot be constructed (e.g. stripped by a shrinker that ignored the consumer rules).
fn throw_glasses(env: &mut Env<'_>, code: GlassesStatus, message: &str) {
    let thrown = (|| -> jni::errors::Result<()> {
        let reason = env.new_string(message)?;
        let exception = env.new_object(
            JNIString::from(GLASSES_EXCEPTION),
            jni_sig!("(ILjava/lang/String;)V"),
            &[JValue::Int(code as jint), JValue::Object(&reason)],
        )?;
        let exception = env.cast_local::<JThrowable>(exception)?;
        let _ = env.throw(exception);
        Ok(())
    })();
    if thrown.is_err() || !env.exception_check() {
        env.exception_clear();
        let _ = env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            JNIString::from(format!("{message} (GlassesException code {})", code as i32)),
        );
    }
}

fn panic_message(payload: Box<dyn Any + Send + 'static>) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        return (*s).to_owned();
    }
    if let Some(s) = payload.downcast_ref::<String>() {
        return s.clone();
    }
    // Dropping an unknown payload may itself panic; leak it rather than unwind from here.
    if let Err(drop_panic) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(drop_panic);
    }
    "non-string panic payload".to_owned()
}

impl From<SurfaceError> for JniFailure {
    fn from(error: SurfaceError) -> Self {
        Self::Glasses { code: error.status(), message: error.to_string() }
    }
}
