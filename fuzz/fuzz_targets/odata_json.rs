//! `odata_json`: see fuzz/README.md.
#![no_main]

use dvposture_fuzz::{fuzz_reader, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_reader(Target::OdataJson, data));
