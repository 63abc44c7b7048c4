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

/// Runs `analyze` on an export with its reports in `<export>/out`; the run and that folder.
pub fn analyze_into_out(dir: &Path, extra: &[&str]) -> (Run, PathBuf) {
    let out = dir.join("out");
    let mut args = vec!["analyze", dir.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    (dvposture(&args), out)
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

/// Runs dvposture like [`dvposture`], and measures the peak resident memory of that child alone (bytes), with
/// `wait4(2)`: the other tests' children, running at the same time, do not count.
#[allow(clippy::zombie_processes)] // reaped by wait4, not by Child::wait
pub fn dvposture_measured(args: &[&str]) -> (Run, u64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dvposture"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we spawned and have not waited for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.raw_os_error(), Some(libc::EINTR), "wait4: {e}");
    }
    let code = std::process::ExitStatus::from_raw(status).code().unwrap_or(-1);
    // Linux reports ru_maxrss in KiB.
    let peak = usage.ru_maxrss as u64 * 1024;
    let run = Run {
        code,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    (run, peak)
}
