//! The one integration-test binary.

mod access;
mod access_naive;
mod access_reverse;
mod cli;
mod common;
mod config;
mod crash_write;
mod fixtures;
mod fuzz_regressions;
mod gate;
mod html;
mod ingest_bad_input;
mod ingest_formats;
mod malformed;
mod offline;
mod reports;
mod rules;
mod sarif;
mod schema;
mod secrets;
mod tenant;
