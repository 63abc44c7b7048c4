//! Timestamps as the Web API writes them (ISO 8601), kept as seconds since the Unix epoch (UTC).
//!
//! Hand-written rather than a date crate: the audit log holds tens of millions of `createdon` values and
//! this is the hot path of reading it; the format is narrow and fully tested here.

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(pub i64);

/// A calendar date (UTC), as `--as-of` and waiver expiry use.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn digits(b: &[u8], from: usize, n: usize) -> Option<i64> {
    let s = b.get(from..from + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

impl Date {
    /// `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, m, d) = (digits(b, 0, 4)?, digits(b, 5, 2)? as u32, digits(b, 8, 2)? as u32);
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date {
            year: y as i32,
            month: m,
            day: d,
        })
    }

    pub fn to_days(self) -> i64 {
        days_from_civil(self.year as i64, self.month, self.day)
    }

    pub fn from_days(days: i64) -> Date {
        let (y, m, d) = civil_from_days(days);
        Date {
            year: y as i32,
            month: m,
            day: d,
        }
    }

    /// Midnight UTC at the start of this date.
    pub fn start(self) -> Timestamp {
        Timestamp(self.to_days() * 86_400)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Timestamp {
    /// ISO 8601 as the Web API, CSV tools and spreadsheets write it: `2024-03-15T16:21:58Z`, with optional
    /// fractional seconds, a `+hh:mm` offset instead of `Z`, a space instead of `T`, or a bare date.
    /// A value without an offset is taken as UTC.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let b = text.trim().as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (y, m, d) = (digits(b, 0, 4)?, digits(b, 5, 2)? as u32, digits(b, 8, 2)? as u32);
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        let mut secs = days_from_civil(y, m, d) * 86_400;
        if b.len() == 10 {
            return Some(Timestamp(secs));
        }
        if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
            return None;
        }
        let hh = digits(b, 11, 2)?;
        if b.get(13) != Some(&b':') {
            return None;
        }
        let mm = digits(b, 14, 2)?;
        let mut i = 16;
        let mut ss = 0;
        if b.get(16) == Some(&b':') {
            ss = digits(b, 17, 2)?;
            i = 19;
            if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
                i += 1;
                let start = i;
                while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
                if i == start {
                    return None;
                }
            }
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        secs += hh * 3600 + mm * 60 + ss;
        match b.get(i) {
            None => {}
            Some(b'Z') | Some(b'z') if i + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2)?;
                let om = match b.get(i + 3) {
                    Some(b':') => digits(b, i + 4, 2)?,
                    None => 0,
                    _ => digits(b, i + 3, 2)?,
                };
                let consumed = match b.get(i + 3) {
                    Some(b':') => 6,
                    None => 3,
                    _ => 5,
                };
                if i + consumed != b.len() || oh > 23 || om > 59 {
                    return None;
                }
                let offset = oh * 3600 + om * 60;
                secs -= if sign == b'+' { offset } else { -offset };
            }
            _ => return None,
        }
        Some(Timestamp(secs))
    }

    pub fn date(self) -> Date {
        Date::from_days(self.0.div_euclid(86_400))
    }

    /// The UTC clock hour this instant falls in (hours since the epoch).
    pub fn hour(self) -> i64 {
        self.0.div_euclid(3600)
    }

    pub fn now() -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(secs)
    }
}

/// RFC 3339 in UTC: `2026-11-23T13:22:59Z`.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.date();
        let s = self.0.rem_euclid(86_400);
        write!(f, "{date}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_web_api_timestamps() {
        let t = Timestamp::parse("2024-03-15T16:21:58Z").unwrap();
        assert_eq!(t.0, 1_710_519_718);
        assert_eq!(t.to_string(), "2024-03-15T16:21:58Z");
    }

    #[test]
    fn accepts_fractions_offsets_and_spreadsheet_spellings() {
        let base = Timestamp::parse("2024-03-15T16:21:58Z").unwrap();
        assert_eq!(Timestamp::parse("2024-03-15T16:21:58.1234567Z"), Some(base));
        assert_eq!(Timestamp::parse("2024-03-15T18:21:58+02:00"), Some(base));
        assert_eq!(Timestamp::parse("2024-03-15T15:21:58-0100"), Some(base));
        assert_eq!(Timestamp::parse("2024-03-15 16:21:58"), Some(base));
        assert_eq!(
            Timestamp::parse("2024-03-15").unwrap().to_string(),
            "2024-03-15T00:00:00Z"
        );
        assert_eq!(Timestamp::parse("2024-03-15T16:21Z").unwrap().0, base.0 - 58);
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "2024-02-30",
            "2024-13-01T00:00:00Z",
            "2024-03-15T25:00:00Z",
            "15/03/2024",
            "2024-03-15T16:21:58Zjunk",
            "2024-03-15T16:21:58.",
        ] {
            assert_eq!(Timestamp::parse(s), None, "{s:?}");
        }
    }

    #[test]
    fn dates_before_the_epoch_and_leap_days() {
        assert_eq!(
            Timestamp::parse("1900-01-01T00:00:00Z").unwrap().to_string(),
            "1900-01-01T00:00:00Z"
        );
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert_eq!(Date::parse("2023-02-29"), None);
        let d = Date::parse("2026-11-23").unwrap();
        assert_eq!(Date::from_days(d.to_days()), d);
    }
}
