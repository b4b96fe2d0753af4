//! How an entry point of `dev.glasses.GlassesNative` is declared: the exported name, the JNI
//! arguments every native method receives, the body run inside `EnvUnowned::with_env` (panics
//! caught) and its failure thrown as a Java exception. Written once here so that the entry points
//! of `entry.rs` hold only what differs between them: their arguments and what they read.

/// One `extern "system"` entry point, in two forms:
///
/// * `fn Name<'local>(env, arg: Type, ...) -> Ret { body }`: the body sees `env` (the first name,
///   `_env` when unused) as `&mut jni::Env` and returns `Result<Ret, JniFailure>`; a failure or
///   panic becomes a Java exception ([`ThrowGlassesException`](super::ThrowGlassesException));
/// * `classify fn Name<'local>(env, call, arg: Type, ...) { body }`: `handle`, the arguments
///   written, then the request every classify entry ends with (an `IntArray`, Kotlin's
///   `NativeRequest`). The handle is looked up and the request read and checked before the body
///   reads its input; both reach the body as a [`Call`](super::convert::Call) under the second
///   name.
macro_rules! jni_entry {
    (classify $(#[$attr:meta])* fn $name:ident<$l:lifetime>($env:ident, $call:ident $(, $arg:ident: $ty:ty)* $(,)?) $body:block) => {
        jni_entry! { $(#[$attr])* fn $name<$l>(
            $env, handle: jni::sys::jlong $(, $arg: $ty)*, request: jni::objects::JIntArray<$l>,
        ) -> jni::objects::JFloatArray<$l> {
            let $call = super::convert::Call::new($env, handle, &request)?;
            $body
        } }
    };
    ($(#[$attr:meta])* fn $name:ident<$l:lifetime>($env:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty $body:block) => {
        $(#[$attr])*
        #[unsafe(no_mangle)]
        #[allow(clippy::too_many_arguments)]
        pub extern "system" fn $name<$l>(
            mut env: jni::EnvUnowned<$l>,
            _class: jni::objects::JClass<$l>
            $(, $arg: $ty)*
        ) -> $ret {
            env.with_env(|$env| -> Result<$ret, super::failure::JniFailure> { $body })
                .resolve::<super::failure::ThrowGlassesException>()
        }
    };
}
