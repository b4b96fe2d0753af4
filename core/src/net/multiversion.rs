//! `#[target_feature]` copies of one plain Rust function, for loops the compiler vectorises
//! itself: the same source compiled once per instruction set, picked at run time.

/// Defines, in the calling module, one `pub(super) unsafe fn` per name, each enabling its
/// features and calling `$body` (an `#[inline(always)]` function, so that it compiles to that
/// instruction set's code) with the same arguments.
macro_rules! multiversion {
    ($body:expr; fn $args:tt; $($(#[$doc:meta])* $name:ident = $features:literal;)+) => {
        $(multiversion!(@one $body; $args; $(#[$doc])* $name = $features);)+
    };
    (@one $body:expr; ($($arg:ident: $ty:ty),* $(,)?); $(#[$doc:meta])* $name:ident = $features:literal) => {
        $(#[$doc])*
        #[target_feature(enable = $features)]
        #[allow(clippy::too_many_arguments)]
        pub(super) unsafe fn $name($($arg: $ty),*) {
            $body($($arg),*)
        }
    };
}
