//! dvposture: offline security-posture analysis of Microsoft Dataverse / Dynamics 365 environment exports.

pub mod access;
pub mod app;
pub mod cli;
pub mod graph;
pub mod id;
pub mod ingest;
pub mod model;
pub mod report;
pub mod time;
