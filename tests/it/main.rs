//! The one integration-test binary.

mod common;
mod fixtures;
mod ingest_bad_input;
mod ingest_formats;
