//! Finding a user, role or team by what a reviewer types: an id, a UPN, or a name.

use crate::id::Guid;

/// An unknown or ambiguous name, with the closest candidates first.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("no {what} matches {query:?}{}", candidates_line(.candidates))]
    Unknown {
        what: &'static str,
        query: String,
        candidates: Vec<String>,
    },
    #[error("{query:?} matches {} {what}s; use the id of one:{}", .candidates.len(), candidates_line(.candidates))]
    Ambiguous {
        what: &'static str,
        query: String,
        candidates: Vec<String>,
    },
}

fn candidates_line(c: &[String]) -> String {
    if c.is_empty() {
        String::new()
    } else {
        format!("\n  {}", c.join("\n  "))
    }
}

/// One thing that can be found: its id, the names it answers to, and how to show it in a candidate list.
pub struct Candidate {
    pub id: Guid,
    pub names: Vec<String>,
    pub label: String,
}

/// Finds exactly one candidate: by id, else by a name (case-insensitive). Unknown queries list the closest
/// names; ambiguous ones list every match.
pub fn find(what: &'static str, query: &str, candidates: &[Candidate]) -> Result<usize, LookupError> {
    if let Ok(Some(id)) = Guid::parse(query) {
        if let Some(i) = candidates.iter().position(|c| c.id == id) {
            return Ok(i);
        }
    }
    let q = query.trim().to_lowercase();
    let matches: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].names.iter().any(|n| n.to_lowercase() == q))
        .collect();
    match matches.len() {
        1 => Ok(matches[0]),
        0 => {
            let mut scored: Vec<(f64, &str)> = candidates
                .iter()
                .map(|c| {
                    let best = c
                        .names
                        .iter()
                        .map(|n| strsim::jaro_winkler(&n.to_lowercase(), &q))
                        .fold(0.0, f64::max);
                    (best, c.label.as_str())
                })
                .filter(|(s, _)| *s > 0.7)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            Err(LookupError::Unknown {
                what,
                query: query.to_string(),
                candidates: scored.into_iter().take(5).map(|(_, l)| l.to_string()).collect(),
            })
        }
        _ => {
            let mut labels: Vec<String> = matches.iter().map(|&i| candidates[i].label.clone()).collect();
            labels.sort();
            Err(LookupError::Ambiguous {
                what,
                query: query.to_string(),
                candidates: labels,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: u128, names: &[&str]) -> Candidate {
        Candidate {
            id: Guid(id),
            names: names.iter().map(|s| s.to_string()).collect(),
            label: names[0].to_string(),
        }
    }

    #[test]
    fn finds_by_id_name_and_reports_the_rest() {
        let all = [
            c(1, &["alice@contoso.com", "Alice Admin"]),
            c(2, &["bob@contoso.com", "Bob"]),
            c(3, &["bob2@contoso.com", "Bob"]),
        ];
        assert_eq!(find("user", "00000000-0000-0000-0000-000000000002", &all).unwrap(), 1);
        assert_eq!(find("user", "ALICE@contoso.com", &all).unwrap(), 0);
        assert_eq!(find("user", "alice admin", &all).unwrap(), 0);
        assert!(
            matches!(find("user", "Bob", &all), Err(LookupError::Ambiguous { candidates, .. }) if candidates.len() == 2)
        );
        match find("user", "alice@contoso.co", &all) {
            Err(LookupError::Unknown { candidates, .. }) => {
                assert_eq!(candidates[0], "alice@contoso.com")
            }
            other => panic!("{other:?}"),
        }
    }
}
