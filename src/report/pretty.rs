//! JSON text written byte for byte as `serde_json`'s pretty printer (two spaces a level) writes it, without
//! serde, for the parts of report.json there are hundreds of thousands of: serde_json escapes a string a byte
//! at a time, and indenting a finding's evidence (kept as compact text) through serde means reading it again.

use crate::ingest::fast::string_stop;

/// A line break and the indentation of `depth` levels.
pub fn push_new_line(buf: &mut Vec<u8>, depth: usize) {
    buf.push(b'\n');
    buf.resize(buf.len() + 2 * depth, b' ');
}

/// `value` as a JSON string, escaped as serde_json escapes it: `\"`, `\\`, the short escapes of backspace, tab,
/// line feed, form feed and carriage return, `\u00xx` for the other control characters; nothing else.
pub fn push_string(buf: &mut Vec<u8>, value: &str) {
    let mut rest = value.as_bytes();
    buf.reserve(rest.len() + 2);
    buf.push(b'"');
    while let Some(stop) = string_stop(rest) {
        buf.extend_from_slice(&rest[..stop]);
        let byte = rest[stop];
        match byte {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            0x08 => buf.extend_from_slice(b"\\b"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            0x0C => buf.extend_from_slice(b"\\f"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[usize::from(byte >> 4)]);
                buf.push(HEX[usize::from(byte & 0xF)]);
            }
        }
        rest = &rest[stop + 1..];
    }
    buf.extend_from_slice(rest);
    buf.push(b'"');
}

/// The compact JSON text of a value (as `serde_json::to_string` writes it: no whitespace), indented as the
/// pretty printer writes the value at `depth`. Strings and scalars are copied as they are: serde_json writes
/// them the same way in both forms.
pub fn push_reindented(buf: &mut Vec<u8>, compact: &str, mut depth: usize) {
    let text = compact.as_bytes();
    buf.reserve(text.len() + text.len() / 2);
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < text.len() {
                    match text[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i = (i + 1).min(text.len());
                buf.extend_from_slice(&text[start..i]);
                continue;
            }
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                buf.push(open);
                if text.get(i + 1) == Some(&close) {
                    buf.push(close);
                    i += 1;
                } else {
                    depth += 1;
                    push_new_line(buf, depth);
                }
            }
            close @ (b'}' | b']') => {
                depth = depth.saturating_sub(1);
                push_new_line(buf, depth);
                buf.push(close);
            }
            b',' => {
                buf.push(b',');
                push_new_line(buf, depth);
            }
            b':' => buf.extend_from_slice(b": "),
            _ => {
                let start = i;
                while i < text.len() && !matches!(text[i], b',' | b'}' | b']' | b':') {
                    i += 1;
                }
                buf.extend_from_slice(&text[start..i]);
                continue;
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

    /// serde_json's pretty text of `value` at `depth` (as inside a document), with our formatter's rules.
    fn serde_pretty(value: &serde_json::Value, depth: usize) -> String {
        let mut out = Vec::new();
        let indent = "  ".repeat(depth);
        value
            .serialize(&mut serde_json::Serializer::with_formatter(
                &mut out,
                serde_json::ser::PrettyFormatter::with_indent(b"  "),
            ))
            .unwrap();
        String::from_utf8(out).unwrap().replace('\n', &format!("\n{indent}"))
    }

    fn odd_strings() -> Vec<String> {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é 漢字 🦀 \u{7f} \u{2028} </script> \\u0041");
        vec![
            String::new(),
            "plain".into(),
            "\"quoted\" and \\ back".into(),
            "a long plain run of text that is more than eight bytes long, twice over".into(),
            all,
        ]
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in odd_strings() {
            let mut buf = Vec::new();
            push_string(&mut buf, &s);
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                serde_json::to_string(&s).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn compact_values_are_indented_as_the_pretty_printer_writes_them() {
        let strings = odd_strings();
        let values = [
            json!(null),
            json!(true),
            json!(-12.5e-7),
            json!(u64::MAX),
            json!("a: b, {c} [d]"),
            json!([]),
            json!({}),
            json!([[], {}, [[]], {"a": {}}]),
            json!({ "table": "account", "rights": ["Read", "Write"], "records": 12, "examples": strings }),
            json!({ "nested": { "deeper": [1, { "x": null, "y": [false, 0.1] }], "empty": [] }, "k:": "v," }),
            json!({ strings[4].clone(): strings[2].clone(), "": [""] }),
        ];
        for value in values {
            for depth in [0, 3] {
                let mut buf = Vec::new();
                push_reindented(&mut buf, &serde_json::to_string(&value).unwrap(), depth);
                assert_eq!(String::from_utf8(buf).unwrap(), serde_pretty(&value, depth), "{value}");
            }
        }
    }
}
