//! Hand-formatted output: JSON values, OData pages, CSV, into large buffered files.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::rng::{timestamp, Guid};

/// Flush threshold of a `Sink` buffer.
const SINK_CAPACITY: usize = 1 << 20;

/// A file written through a large in-memory buffer: rows are formatted straight into `buf`,
/// which is written out whenever it passes 1 MiB.
pub(crate) struct Sink {
    path: PathBuf,
    file: File,
    pub(crate) buf: Vec<u8>,
}

impl Sink {
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Sink {
            path: path.to_path_buf(),
            file,
            buf: Vec::with_capacity(SINK_CAPACITY + 64 * 1024),
        })
    }

    #[inline]
    pub(crate) fn maybe_flush(&mut self) -> Result<()> {
        if self.buf.len() >= SINK_CAPACITY {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Write a whole pre-formatted block (used for chunks formatted on other threads).
    pub(crate) fn write_block(&mut self, block: &[u8]) -> Result<()> {
        self.flush_buf()?;
        self.file
            .write_all(block)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    fn flush_buf(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.file
                .write_all(&self.buf)
                .with_context(|| format!("cannot write {}", self.path.display()))?;
            self.buf.clear();
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.flush_buf()?;
        self.file
            .flush()
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// A JSON string literal: quotes and escapes as serde_json writes them.
pub(crate) fn push_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0..=0x1F => {
                buf.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 0xF) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(esc);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

/// `"key":` with a key that needs no escaping.
#[inline]
pub(crate) fn key(buf: &mut Vec<u8>, k: &str) {
    buf.push(b'"');
    buf.extend_from_slice(k.as_bytes());
    buf.extend_from_slice(b"\":");
}

#[inline]
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[inline]
pub(crate) fn push_bool(buf: &mut Vec<u8>, v: bool) {
    buf.extend_from_slice(if v { b"true" } else { b"false" });
}

#[inline]
pub(crate) fn push_guid(buf: &mut Vec<u8>, g: Guid) {
    buf.push(b'"');
    g.push(buf);
    buf.push(b'"');
}

#[inline]
pub(crate) fn push_opt_guid(buf: &mut Vec<u8>, g: Option<Guid>) {
    match g {
        Some(g) => push_guid(buf, g),
        None => buf.extend_from_slice(b"null"),
    }
}

#[inline]
pub(crate) fn push_time(buf: &mut Vec<u8>, secs: i64) {
    buf.push(b'"');
    buf.extend_from_slice(&timestamp(secs));
    buf.push(b'"');
}

/// `"@odata.etag":"W/\"<version>\"",`
#[inline]
pub(crate) fn push_etag(buf: &mut Vec<u8>, version: u64) {
    buf.extend_from_slice(b"\"@odata.etag\":\"W/\\\"");
    push_u64(buf, version);
    buf.extend_from_slice(b"\\\"\",");
}

/// File name of page `page` (1-based) of a table: `set.json`, `set.2.json`, ...
pub(crate) fn page_file(set: &str, page: usize, ext: &str) -> String {
    if page <= 1 {
        format!("{set}.{ext}")
    } else {
        format!("{set}.{page}.{ext}")
    }
}

pub(crate) fn page_open(buf: &mut Vec<u8>, context: &str) {
    buf.extend_from_slice(b"{\"@odata.context\":");
    push_str(buf, context);
    buf.extend_from_slice(b",\"value\":[");
}

pub(crate) fn page_close(buf: &mut Vec<u8>, next_link: Option<&str>) {
    buf.extend_from_slice(b"\n]");
    if let Some(link) = next_link {
        buf.extend_from_slice(b",\"@odata.nextLink\":");
        push_str(buf, link);
    }
    buf.extend_from_slice(b"}\n");
}

fn upper_braced(g: &[u8; 36]) -> String {
    String::from_utf8_lossy(g).to_uppercase()
}

/// The `@odata.nextLink` the Web API returns for an entity-set query: a `$skiptoken` holding the
/// paging cookie of the page just returned.
pub(crate) fn next_link(
    host: &str,
    set: &str,
    select: &str,
    primary_key: &str,
    next_page: usize,
    first: &[u8; 36],
    last: &[u8; 36],
) -> String {
    format!(
        "https://{host}/api/data/v9.2/{set}?$select={select}&$skiptoken=%3Ccookie%20pagenumber=%22{next_page}%22%20pagingcookie=%22%253ccookie%2520page%253d%2522{page}%2522%253e%253c{primary_key}%2520last%253d%2522%257b{last}%257d%2522%2520first%253d%2522%257b{first}%257d%2522%2520%252f%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E",
        page = next_page - 1,
        last = upper_braced(last),
        first = upper_braced(first),
    )
}

/// The `@odata.context` of an entity-set query with `$select`.
pub(crate) fn context(host: &str, set: &str, select: &str) -> String {
    format!("https://{host}/api/data/v9.2/$metadata#{set}({select})")
}

/// An OData entity set written as pages of at most `page_size` rows, each page but the last
/// ending with an `@odata.nextLink`.
pub(crate) struct PagedJson {
    dir: PathBuf,
    host: String,
    set: String,
    file_base: String,
    select: String,
    primary_key: String,
    context: String,
    page_size: u64,
    page: usize,
    rows_in_page: u64,
    sink: Option<Sink>,
    first: [u8; 36],
    last: [u8; 36],
    files: Vec<(String, u64)>,
}

impl PagedJson {
    pub(crate) fn new(dir: &Path, host: &str, set: &str, select: &str, primary_key: &str, page_size: u64) -> Self {
        PagedJson {
            dir: dir.to_path_buf(),
            host: host.to_string(),
            set: set.to_string(),
            file_base: set.to_string(),
            select: select.to_string(),
            primary_key: primary_key.to_string(),
            context: context(host, set, select),
            page_size: page_size.max(1),
            page: 0,
            rows_in_page: 0,
            sink: None,
            first: [b'0'; 36],
            last: [b'0'; 36],
            files: Vec::new(),
        }
    }

    /// Name the files after `base` instead of the entity set.
    pub(crate) fn with_file_base(mut self, base: &str) -> Self {
        self.file_base = base.to_string();
        self
    }

    fn open_page(&mut self) -> Result<()> {
        self.page += 1;
        let name = page_file(&self.file_base, self.page, "json");
        let mut sink = Sink::create(&self.dir.join(&name))?;
        page_open(&mut sink.buf, &self.context);
        self.sink = Some(sink);
        self.files.push((name, 0));
        self.rows_in_page = 0;
        Ok(())
    }

    fn close_page(&mut self, more: bool) -> Result<()> {
        if let Some(mut sink) = self.sink.take() {
            let link = more.then(|| {
                next_link(
                    &self.host,
                    &self.set,
                    &self.select,
                    &self.primary_key,
                    self.page + 1,
                    &self.first,
                    &self.last,
                )
            });
            page_close(&mut sink.buf, link.as_deref());
            sink.finish()?;
            if let Some(f) = self.files.last_mut() {
                f.1 = self.rows_in_page;
            }
        }
        Ok(())
    }

    /// Start a row whose primary key is `id`; format the row's object into the returned buffer.
    pub(crate) fn row(&mut self, id: Guid) -> Result<&mut Vec<u8>> {
        if self.sink.is_none() {
            self.open_page()?;
        } else if self.rows_in_page == self.page_size {
            self.close_page(true)?;
            self.open_page()?;
        }
        let bytes = id.bytes();
        if self.rows_in_page == 0 {
            self.first = bytes;
        }
        self.last = bytes;
        self.rows_in_page += 1;
        let sink = match self.sink.as_mut() {
            Some(s) => s,
            None => anyhow::bail!("internal error: no open page for {}", self.set),
        };
        sink.maybe_flush()?;
        if self.rows_in_page > 1 {
            sink.buf.push(b',');
        }
        sink.buf.push(b'\n');
        Ok(&mut sink.buf)
    }

    pub(crate) fn finish(mut self) -> Result<Vec<(String, u64)>> {
        if self.sink.is_none() && self.page == 0 {
            // An empty table is still one (empty) page.
            self.open_page()?;
        }
        self.close_page(false)?;
        Ok(self.files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_like_serde_json() {
        for s in [
            "plain",
            "quote \" and \\ backslash",
            "tab\tnew\nline\r",
            "ctl \u{1} \u{1f}",
            "Zoë 王 \u{2028}",
        ] {
            let mut buf = Vec::new();
            push_str(&mut buf, s);
            let ours = String::from_utf8(buf).unwrap();
            assert_eq!(ours, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn numbers() {
        let mut buf = Vec::new();
        push_u64(&mut buf, 0);
        buf.push(b' ');
        push_u64(&mut buf, 1234567890123);
        buf.push(b' ');
        push_u64(&mut buf, u64::MAX);
        assert_eq!(String::from_utf8(buf).unwrap(), format!("0 1234567890123 {}", u64::MAX));
    }
}
