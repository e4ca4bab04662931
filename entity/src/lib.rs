//! sea-orm entities; one module per table, mirroring the `migration` crate.

pub mod agency;
pub mod clause;
pub mod document;
pub mod project;
