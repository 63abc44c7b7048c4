//! GUIDs as Dataverse writes them, normalized, and typed ids for each kind of record.

use std::fmt;

/// A Dataverse GUID: compared case-insensitively, with or without braces (INPUT.md).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub u128);

impl Guid {
    /// Parses a GUID. `Ok(None)` for the spellings of "no value": empty, `null`, all zeros.
    pub fn parse(text: &str) -> Result<Option<Guid>, String> {
        // The spelling of (nearly) every GUID in an export first: dashed, nothing around it.
        if let Some(value) = <&[u8; 36]>::try_from(text.as_bytes()).ok().and_then(decode_dashed) {
            return Ok((value != 0).then_some(Guid(value)));
        }
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("null") {
            return Ok(None);
        }
        let inner = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(t);
        let value = decode_hex_guid(inner.as_bytes()).ok_or_else(|| "expected a GUID".to_string())?;
        Ok(if value == 0 { None } else { Some(Guid(value)) })
    }
}

/// Lower-case hex digits, by value.
pub const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Positions of the 32 hex digits of a dashed GUID.
const DASHED: [usize; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
    35,
];

/// 32 hex digits, bare or dashed 8-4-4-4-12.
fn decode_hex_guid(bytes: &[u8]) -> Option<u128> {
    if let Ok(dashed) = <&[u8; 36]>::try_from(bytes) {
        return decode_dashed(dashed);
    }
    let bare = <&[u8; 32]>::try_from(bytes).ok()?;
    let word = |i: usize| u64::from_le_bytes(std::array::from_fn(|k| bare[i + k]));
    join([word(0), word(8), word(16), word(24)])
}

/// A dashed GUID, 8-4-4-4-12.
fn decode_dashed(bytes: &[u8; 36]) -> Option<u128> {
    if [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let four = |i: usize| u64::from(u32::from_le_bytes(std::array::from_fn(|k| bytes[i + k])));
    join([
        four(0) | four(4) << 32,
        four(9) | four(14) << 32,
        four(19) | four(24) << 32,
        four(28) | four(32) << 32,
    ])
}

/// The value of four words of eight hex digits each, the first digit in the lowest byte of the first word.
fn join(words: [u64; 4]) -> Option<u128> {
    let mut value = 0u128;
    for w in words {
        value = (value << 32) | u128::from(hex8(w)?);
    }
    Some(value)
}

/// The value of eight hex digits, the first in the lowest byte; `None` when a byte is not a hex digit. All
/// eight bytes at once: every byte below 0x80 stays below 0x100 in the sums, so no carry crosses a byte.
fn hex8(x: u64) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = ONES * 0x80;
    // Bit 7 of each byte: 0x30 <= b <= 0x39; 0x61 <= (b | 0x20) <= 0x66.
    let digit = x.wrapping_add(ONES * 0x50) & !x.wrapping_add(ONES * 0x46);
    let lower = x | (ONES * 0x20);
    let letter = lower.wrapping_add(ONES * 0x1F) & !lower.wrapping_add(ONES * 0x19);
    if x & HIGHS != 0 || (digit | letter) & HIGHS != HIGHS {
        return None;
    }
    // Each byte's value: its low nibble, plus 9 for a letter (bit 6 set).
    let v = (x & (ONES * 0x0F)) + ((x >> 6) & ONES) * 9;
    // Pairs of nibbles into bytes, bytes into 16-bit halves, halves into the value, the first digit highest.
    let v = ((v << 4) | (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    let v = ((v << 8) | (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((((v << 16) | (v >> 32)) & 0xFFFF_FFFF) as u32)
}

impl Guid {
    /// The lower-case dashed form, without allocating.
    pub fn to_dashed(self) -> [u8; 36] {
        let mut out = [b'-'; 36];
        for (k, &i) in DASHED.iter().enumerate() {
            let nibble = (self.0 >> (124 - 4 * k)) & 0xF;
            out[i] = HEX_DIGITS[nibble as usize];
        }
        out
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dashed = self.to_dashed();
        // The buffer holds only ASCII hex digits and dashes.
        f.pad(std::str::from_utf8(&dashed).unwrap_or_default())
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let dashed = self.to_dashed();
        // The buffer holds only ASCII hex digits and dashes.
        s.serialize_str(std::str::from_utf8(&dashed).unwrap_or_default())
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub Guid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<Guid> for $name {
            fn from(g: Guid) -> Self {
                $name(g)
            }
        }
    };
}

id_type!(/// `businessunitid`
    BusinessUnitId);
id_type!(/// `systemuserid`
    UserId);
id_type!(/// `teamid`
    TeamId);
id_type!(/// `roleid`
    RoleId);
id_type!(/// `privilegeid`
    PrivilegeId);
id_type!(/// `fieldsecurityprofileid`
    ProfileId);
id_type!(/// `positionid`
    PositionId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling_of_the_same_guid() {
        let a = Guid::parse("1360FDCB-B6E1-EE11-904C-002248DAD9C1").unwrap();
        let b = Guid::parse("{1360fdcb-b6e1-ee11-904c-002248dad9c1}").unwrap();
        let c = Guid::parse("1360fdcbb6e1ee11904c002248dad9c1").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.unwrap().to_string(), "1360fdcb-b6e1-ee11-904c-002248dad9c1");
    }

    #[test]
    fn no_value_spellings() {
        for s in ["", "  ", "null", "00000000-0000-0000-0000-000000000000"] {
            assert_eq!(Guid::parse(s), Ok(None), "{s:?}");
        }
    }

    #[test]
    fn every_byte_in_every_place_is_decoded_as_a_hex_digit_or_rejected() {
        const DASHES: [usize; 4] = [8, 13, 18, 23];
        let base = *b"0123abcd-4567-89ef-ABCD-0123456789af";
        let digits = |text: &[u8]| -> Vec<u8> { text.iter().copied().filter(|&c| c != b'-').collect() };
        // What the digits say, read one by one.
        let value = |digits: &[u8]| -> Option<u128> {
            let text = std::str::from_utf8(digits).ok()?;
            text.bytes()
                .all(|c| c.is_ascii_hexdigit())
                .then(|| u128::from_str_radix(text, 16).ok())?
        };
        let expected = value(&digits(&base));
        assert!(expected.is_some());
        assert_eq!(decode_dashed(&base), expected);
        assert_eq!(decode_hex_guid(&digits(&base)), expected);
        for place in 0..36 {
            for b in 0..=255u8 {
                let mut text = base;
                text[place] = b;
                if DASHES.contains(&place) {
                    assert_eq!(decode_dashed(&text), expected.filter(|_| b == b'-'), "{place} {b:#x}");
                    continue;
                }
                let mut bare = digits(&base);
                bare[place - DASHES.iter().filter(|&&d| d < place).count()] = b;
                let want = value(&bare);
                assert_eq!(decode_dashed(&text), want, "{place} {b:#x}");
                assert_eq!(decode_hex_guid(&bare), want, "bare {place} {b:#x}");
            }
        }
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "1360fdcb",
            "1360fdcb-b6e1-ee11-904c-002248dad9cz",
            "1360fdcb_b6e1_ee11_904c_002248dad9c1",
            "{1360fdcb-b6e1-ee11-904c-002248dad9c1",
        ] {
            assert!(Guid::parse(s).is_err(), "{s:?}");
        }
    }
}
