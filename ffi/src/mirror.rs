//! Conversions both ways between a surface's copy of a core struct and core's own, for the structs
//! whose fields are the same names of the same types (the face detector's options, one struct for C
//! and uniffi; uniffi's face box and orientation): written once here instead of two field-by-field
//! `From` impls per struct.

/// `From` both ways between `$a` and `$b`, which have exactly the fields listed (a field added to
/// one and not the other fails to compile, as a field-by-field copy would).
macro_rules! mirror_fields {
    ($a:ty, $b:ty { $($field:ident),+ $(,)? }) => {
        impl From<$a> for $b {
            fn from(o: $a) -> Self {
                Self { $($field: o.$field),+ }
            }
        }

        impl From<$b> for $a {
            fn from(o: $b) -> Self {
                Self { $($field: o.$field),+ }
            }
        }
    };
}
