//! Reports: they render what the analysis decided; they never decide.

pub mod json;
mod write;

pub use write::write_atomically;
