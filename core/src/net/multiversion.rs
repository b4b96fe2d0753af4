//! Macros that write kernel code once for several instruction sets: `#[target_feature]` copies
//! of one plain Rust function (loops the compiler vectorises itself, picked at run time), and
//! the unrolled rows of the NEON tiles.

/// Defines, in the calling module, one `pub(super) unsafe fn` per name, each enabling its
/// features and calling `$body` (an `#[inline(always)]` function, so that it compiles to that
/// instruction set's code) with the same arguments.
#[cfg(target_arch = "x86_64")]
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

/// One reduction step of an 8 x 3-vector NEON tile: `acc[r][v] = $op::<lane>(acc[r][v], b[v],
/// half)` for rows 0-3 with lanes 0-3 of `lo` and rows 4-7 with lanes 0-3 of `hi` (the float
/// kernel's `vfmaq_laneq_f32`, the int8 kernel's `sdot` by element), written out so that every
/// lane index is a constant.
#[cfg(target_arch = "aarch64")]
macro_rules! neon_rows {
    ($op:ident, $acc:ident, $b:ident, $lo:ident, $hi:ident) => {
        neon_rows!(@rows $op, $acc, $b;
            0: $lo, 0; 1: $lo, 1; 2: $lo, 2; 3: $lo, 3;
            4: $hi, 0; 5: $hi, 1; 6: $hi, 2; 7: $hi, 3;
        )
    };
    (@rows $op:ident, $acc:ident, $b:ident; $($r:literal: $half:ident, $lane:literal;)*) => {$(
        $acc[$r][0] = $op::<$lane>($acc[$r][0], $b[0], $half);
        $acc[$r][1] = $op::<$lane>($acc[$r][1], $b[1], $half);
        $acc[$r][2] = $op::<$lane>($acc[$r][2], $b[2], $half);
    )*};
}
