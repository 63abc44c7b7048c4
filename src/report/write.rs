use std::io::Write;
use std::path::Path;

mod large;

pub use large::Render;

/// Writes a file through a temporary file in the same directory and a rename, so that a crash never leaves
/// a half-written report (the previous one stays intact). Once the report is in place, the temporary files of
/// the same report left by runs that were killed are removed.
///
/// The file is written in large aligned blocks past the page cache where the file system allows it (Linux
/// `O_DIRECT`), by a thread of its own while `write` produces the next block: reports of hundreds of megabytes
/// and `effective-access.csv` (gigabytes) then neither evict the cache (the export just read) nor cost a copy
/// into it, and the final sync has little left to do. Elsewhere, or where direct writes are refused, it is
/// written with ordinary writes.
pub fn write_large_atomically(
    path: &Path,
    write: impl FnOnce(&mut (dyn Render + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    replace_atomically(path, |tmp| large::write(tmp, write))
}

/// Writes `items` rendered on every core, in their order: `render` appends the bytes of a run of at most `run`
/// items to an empty buffer (its first error stops the writing). A batch of runs is rendered at a time into
/// reused buffers, so memory stays bounded whatever the number of items.
pub fn write_in_order<T: Sync>(
    out: &mut dyn Write,
    items: &[T],
    run: usize,
    render: impl Fn(&[T], &mut Vec<u8>) -> std::io::Result<()> + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let run = run.max(1);
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); rayon::current_num_threads().max(1) * 2];
    for batch in items.chunks(run * buffers.len()) {
        batch
            .par_chunks(run)
            .zip(buffers.par_iter_mut())
            .try_for_each(|(part, buf)| {
                buf.clear();
                render(part, buf)
            })?;
        for buf in &buffers[..batch.len().div_ceil(run)] {
            out.write_all(buf)?;
        }
    }
    Ok(())
}

/// Writes the temporary file with `write_temp`, renames it over `path`, syncs the directory and removes the
/// stale temporary files of the same report.
fn replace_atomically(path: &Path, write_temp: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(temp_name(&name, std::process::id()));
    let result = write_temp(&tmp).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // The rename is durable once the directory is synced (not possible, nor needed, on Windows).
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    remove_stale_temp_files(dir, &name);
    result
}

/// `.report.json.tmp-1234`: the temporary file of `name` written by process `pid`.
fn temp_name(name: &str, pid: u32) -> String {
    format!("{}{pid}", temp_prefix(name))
}

fn temp_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

/// Removes the temporary files of `name` (of [`temp_name`]'s pattern, nothing else) left by processes that no
/// longer run. Best effort: a file that cannot be removed stays.
fn remove_stale_temp_files(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = temp_prefix(name);
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix.as_str()))
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !is_running(pid, &entry.path()) && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether the process that writes `temp` may still be running (another `analyze` into the same directory).
fn is_running(pid: u32, temp: &Path) -> bool {
    #[cfg(target_os = "linux")]
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    // Elsewhere: a temporary file untouched for an hour is a leftover (a running writer touches it all along).
    let _ = pid;
    !std::fs::metadata(temp)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_written_in_order_whatever_the_batches() {
        let items: Vec<u32> = (0..1000).collect();
        let expected: String = items.iter().map(|i| format!("{i}\n")).collect();
        for run in [0, 1, 7, 64, 999, 1000, 5000] {
            let mut out = Vec::new();
            write_in_order(&mut out, &items, run, |part, buf| {
                assert!(buf.is_empty() && part.len() <= run.max(1));
                for i in part {
                    buf.extend_from_slice(format!("{i}\n").as_bytes());
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "runs of {run}");
        }
        let mut out = Vec::new();
        write_in_order(&mut out, &[] as &[u32], 10, |_, _| unreachable!()).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn a_write_removes_the_stale_temporary_files_of_its_report_only() {
        let dir = tempfile::tempdir().unwrap();
        // No process runs with the largest pid.
        let stale = temp_name("report.json", u32::MAX);
        let kept = [
            temp_name("report.html", u32::MAX),
            ".report.json.tmp-".to_string(),
            ".report.json.tmp-12x".to_string(),
            "report.json.tmp-1".to_string(),
        ];
        for name in kept.iter().chain([&stale]) {
            std::fs::write(dir.path().join(name), b"partial").unwrap();
        }
        write_large_atomically(&dir.path().join("report.json"), |w| w.write_all(b"{}")).unwrap();
        assert_eq!(std::fs::read(dir.path().join("report.json")).unwrap(), b"{}");
        if cfg!(target_os = "linux") {
            assert!(!dir.path().join(&stale).exists(), "{stale} is removed");
        }
        for name in &kept {
            assert!(dir.path().join(name).exists(), "{name} is kept");
        }
    }
}
