//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The shipped sample tenant.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/contoso")
}

/// A temporary copy of an export directory, to change.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// A temporary copy of a fixture export, to change.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    copy_dir(&fixture(name))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn dvposture(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_dvposture"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn load(dir: &Path) -> dvposture::ingest::Export {
    dvposture::ingest::load(dir, &Default::default()).unwrap()
}

/// `../shared/fixtures/webapi`, or `None` (and a note on stderr) when `../shared` is not beside the checkout.
pub fn webapi_fixtures() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/webapi");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/fixtures/webapi is not beside the checkout");
        None
    }
}

pub fn gzip(path: &Path) -> PathBuf {
    use std::io::Write;
    let bytes = std::fs::read(path).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes).unwrap();
    let out = PathBuf::from(format!("{}.gz", path.display()));
    std::fs::write(&out, enc.finish().unwrap()).unwrap();
    std::fs::remove_file(path).unwrap();
    out
}
