//! The fuzz targets' shared code: the harness (also replayed by `tests/it/fuzz_regressions.rs`) and the
//! per-process scratch directory the reader targets write their export into.

#[path = "../harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use harness::*;

/// One export directory per fuzzing process, in memory (`/dev/shm`) where there is one. Directories of
/// processes that are gone (a crash, a stopped run) are removed on start.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let parent = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(pid) = name.strip_prefix("dvposture-fuzz-") else {
                    continue;
                };
                if Path::new("/proc").is_dir() && !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = parent.join(format!("dvposture-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creating the fuzz scratch directory");
        dir
    })
}

/// Runs one input of a reader target.
pub fn fuzz_reader(target: Target, data: &[u8]) {
    let _ = run_reader(scratch_dir(), target, data);
}
