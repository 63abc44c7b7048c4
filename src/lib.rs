//! dvposture: offline security-posture analysis of Microsoft Dataverse / Dynamics 365 environment exports.

pub mod access;
pub mod app;
pub mod cli;
pub mod config;
pub mod diff;
pub mod finding;
pub mod graph;
pub mod id;
pub mod ingest;
pub mod model;
pub mod policy;
pub mod report;
pub mod rules;
pub mod sample;
pub mod time;
