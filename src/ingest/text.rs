//! Opening input files: gzip, byte-order marks, UTF-16, and a bound on what one file may decompress to.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// The largest decompressed size of a file that is read whole (JSON pages, single objects, UTF-16 text). NDJSON
/// and CSV are streamed and have no such bound.
pub const MAX_WHOLE_FILE: u64 = 2 << 30;

/// A file that is not UTF-8 text or is too large to read whole.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
    #[error("the file looks like UTF-16 without a byte-order mark; save it as UTF-8 and export again")]
    Utf16WithoutBom,
    #[error("the file decompresses to more than {} MiB; export it in pages (NAME.2.json, ...) or as NDJSON", MAX_WHOLE_FILE >> 20)]
    TooLarge,
    #[error("the UTF-16 text is malformed at byte {0}")]
    BadUtf16(u64),
    #[error("the file is empty: expected a JSON document (an OData response, an array or an object)")]
    Empty,
    #[error("the file is mostly NUL bytes: it is damaged or not a text export; export it again")]
    Binary,
}

/// Decoded text plus a note when it had to be re-encoded.
pub struct Decoded {
    pub bytes: Vec<u8>,
    pub note: Option<String>,
}

fn open_raw(path: &Path, gzip: bool) -> io::Result<Box<dyn Read + Send>> {
    let file = File::open(path)?;
    Ok(if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            file,
        )))
    } else {
        Box::new(file)
    })
}

enum Encoding {
    Utf8 { bom: bool },
    Utf16 { little_endian: bool },
}

fn sniff(head: &[u8]) -> Result<Encoding, TextError> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok(Encoding::Utf8 { bom: true });
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Encoding::Utf16 { little_endian: true });
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Encoding::Utf16 { little_endian: false });
    }
    // UTF-16 text of ASCII characters has a NUL in every other byte; UTF-8 text never holds NUL. NULs in both
    // halves are neither: a damaged (zero-filled) or binary file.
    let sample = head.get(..512).unwrap_or(head);
    if sample.len() >= 4 {
        let nul_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
        let nul_odd = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let half = sample.len() / 2;
        match (nul_even * 3 > half * 2, nul_odd * 3 > half * 2) {
            (true, true) => return Err(TextError::Binary),
            (true, false) | (false, true) => return Err(TextError::Utf16WithoutBom),
            (false, false) => {}
        }
    }
    Ok(Encoding::Utf8 { bom: false })
}

/// Decodes UTF-16 text that follows its 2-byte byte-order mark. An odd number of bytes is malformed (a
/// truncated file), never padded.
fn decode_utf16(bytes: &[u8], little_endian: bool) -> Result<Vec<u8>, TextError> {
    let chunks = bytes.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err(TextError::BadUtf16(2 + bytes.len() as u64 - 1));
    }
    let units = chunks.map(|c| {
        let pair = [c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)];
        if little_endian {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, ch) in char::decode_utf16(units).enumerate() {
        out.push(ch.map_err(|_| TextError::BadUtf16(2 + 2 * i as u64))?);
    }
    Ok(out.into_bytes())
}

/// Refuses a file to be read whole before reading it when it is larger than [`MAX_WHOLE_FILE`]: a plain file by
/// its size, a gzip file by decompressing it once without keeping anything (memory stays bounded whatever it
/// expands to).
fn check_whole_size(path: &Path, gzip: bool) -> Result<u64, TextError> {
    let size = if gzip {
        io::copy(&mut open_raw(path, true)?.take(MAX_WHOLE_FILE + 1), &mut io::sink())?
    } else {
        std::fs::metadata(path)?.len()
    };
    if size > MAX_WHOLE_FILE {
        return Err(TextError::TooLarge);
    }
    Ok(size)
}

/// The text after a 2-byte UTF-16 byte-order mark.
fn after_bom(bytes: &[u8]) -> &[u8] {
    bytes.get(2..).unwrap_or_default()
}

const UTF16_NOTE: &str = "the file is UTF-16 (spreadsheet \"Unicode text\"); it was decoded, but save exports as UTF-8";

/// Reads a whole file as UTF-8 bytes (not validated here: the parsers report invalid UTF-8 with a position).
/// A file with nothing but white space is [`TextError::Empty`]: no JSON document is empty.
pub fn read_whole(path: &Path, gzip: bool) -> Result<Decoded, TextError> {
    let mut bytes = Vec::new();
    let note = read_whole_into(path, gzip, &mut bytes)?;
    Ok(Decoded { bytes, note })
}

/// [`read_whole`] into a buffer that is reused from file to file (its pages are not faulted in and zeroed again
/// for every file); returns the note.
pub fn read_whole_into(path: &Path, gzip: bool, bytes: &mut Vec<u8>) -> Result<Option<String>, TextError> {
    let size = check_whole_size(path, gzip)?;
    bytes.clear();
    // One more byte than the size, so that the end of the file is seen without growing the buffer.
    bytes.reserve(usize::try_from(size + 1).unwrap_or(usize::MAX));
    open_raw(path, gzip)?.take(MAX_WHOLE_FILE + 1).read_to_end(bytes)?;
    if bytes.len() as u64 > MAX_WHOLE_FILE {
        return Err(TextError::TooLarge);
    }
    let note = match sniff(bytes)? {
        Encoding::Utf8 { bom: true } => {
            bytes.drain(..3);
            None
        }
        Encoding::Utf8 { bom: false } => None,
        Encoding::Utf16 { little_endian } => {
            let decoded = decode_utf16(after_bom(bytes), little_endian)?;
            *bytes = decoded;
            Some(UTF16_NOTE.to_string())
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TextError::Empty);
    }
    Ok(note)
}

/// Where the text of a plain (not compressed) file starts, from its first bytes: after the byte-order mark of
/// UTF-8 text; `None` for text that is not UTF-8 or not text (what [`open_stream`] decodes or rejects).
pub fn utf8_start(head: &[u8]) -> Option<u64> {
    match sniff(head) {
        Ok(Encoding::Utf8 { bom }) => Some(if bom { 3 } else { 0 }),
        _ => None,
    }
}

/// Opens a file for streaming (NDJSON, CSV). A UTF-16 file is decoded whole first (such files come from
/// spreadsheets and are small); its note is returned.
pub fn open_stream(path: &Path, gzip: bool) -> Result<(Box<dyn BufRead + Send>, Option<String>), TextError> {
    let mut reader = BufReader::with_capacity(1 << 20, open_raw(path, gzip)?);
    let head = reader.fill_buf()?;
    // fill_buf may return fewer bytes than the sniff wants on a gzip stream; that only weakens the
    // UTF-16-without-BOM heuristic for tiny files, which the parsers then reject with a position.
    match sniff(head)? {
        Encoding::Utf8 { bom } => {
            if bom {
                reader.consume(3);
            }
            Ok((Box::new(reader), None))
        }
        Encoding::Utf16 { little_endian } => {
            check_whole_size(path, gzip)?;
            let mut bytes = Vec::new();
            reader.take(MAX_WHOLE_FILE + 1).read_to_end(&mut bytes)?;
            if bytes.len() as u64 > MAX_WHOLE_FILE {
                return Err(TextError::TooLarge);
            }
            let text = decode_utf16(after_bom(&bytes), little_endian)?;
            Ok((Box::new(io::Cursor::new(text)), Some(UTF16_NOTE.to_string())))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn strips_the_utf8_bom() {
        let f = write(b"\xEF\xBB\xBFa,b\n");
        let d = read_whole(f.path(), false).unwrap();
        assert_eq!(d.bytes, b"a,b\n");
        assert!(d.note.is_none());
    }

    #[test]
    fn decodes_utf16_with_a_bom_and_says_so() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "teamid,systemuserid\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let f = write(&bytes);
        let (mut r, note) = open_stream(f.path(), false).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "teamid,systemuserid\n");
        assert!(note.unwrap().contains("UTF-16"));
    }

    #[test]
    fn rejects_utf16_without_a_bom() {
        let bytes: Vec<u8> = "teamid,systemuserid\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let f = write(&bytes);
        assert!(matches!(read_whole(f.path(), false), Err(TextError::Utf16WithoutBom)));
        assert!(matches!(open_stream(f.path(), false), Err(TextError::Utf16WithoutBom)));
    }

    #[test]
    fn an_empty_or_blank_file_is_not_a_json_document() {
        for bytes in [&b""[..], b" \r\n\t", b"\xEF\xBB\xBF\n"] {
            let f = write(bytes);
            assert!(
                matches!(read_whole(f.path(), false), Err(TextError::Empty)),
                "{bytes:?}"
            );
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"").unwrap();
        let f = write(&enc.finish().unwrap());
        assert!(matches!(read_whole(f.path(), true), Err(TextError::Empty)));
    }

    #[test]
    fn nul_bytes_everywhere_are_not_utf16() {
        let f = write(&[0u8; 600]);
        assert!(matches!(read_whole(f.path(), false), Err(TextError::Binary)));
        assert!(matches!(open_stream(f.path(), false), Err(TextError::Binary)));
    }

    #[test]
    fn utf16_with_an_odd_byte_count_is_malformed_not_padded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "a,b\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        bytes.push(b'x');
        let f = write(&bytes);
        assert!(matches!(open_stream(f.path(), false), Err(TextError::BadUtf16(10))));
        assert!(matches!(read_whole(f.path(), false), Err(TextError::BadUtf16(10))));
    }

    #[test]
    fn reads_gzip() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"[1,2]").unwrap();
        let f = write(&enc.finish().unwrap());
        assert_eq!(read_whole(f.path(), true).unwrap().bytes, b"[1,2]");
    }
}
