package dev.glasses

/** Test-only native hooks, implemented in debug builds of libglasses_ffi only (ffi/src/jni/). */
object NativeTestHooks {
    init {
        // Loads the library through the production path first.
        GlassesNative.nativeLiveHandles()
    }

    /** Panics inside a native method; must surface as GlassesException(INTERNAL). */
    @JvmStatic external fun panic(): Int
}
