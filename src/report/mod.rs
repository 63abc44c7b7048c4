//! Reports: they render what the analysis decided; they never decide.

pub mod charts;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
mod pretty;
pub mod sarif;
mod write;

pub use write::{write_in_order, write_large_atomically, Render};

use std::borrow::Cow;

/// A text value for a CSV cell: one that a spreadsheet would evaluate as a formula (it begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`.
pub fn neutralize_formula(text: &str) -> Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// Appends one CSV field as the csv crate writes it: quoted (quotes doubled) when it holds a comma, a quote or a
/// line break.
pub fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    if field.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Appends one CSV cell of text from the export: neutralized ([`neutralize_formula`]), then as [`push_csv_field`].
pub fn push_csv_text(out: &mut Vec<u8>, text: &str) {
    push_csv_field(out, &neutralize_formula(text));
}

/// Appends CSV cells of text, separated by commas (no line end).
pub fn push_csv_texts<'a>(out: &mut Vec<u8>, texts: impl IntoIterator<Item = &'a str>) {
    for (i, text) in texts.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_csv_text(out, text);
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize_formula;

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(neutralize_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize_formula(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(neutralize_formula("alice@contoso.com"), "alice@contoso.com");
        assert_eq!(neutralize_formula(""), "");
    }
}
