//! "Did you mean": the names closest to one that was not found, for a problem's text. Pure: the
//! caller fetches the names the credential does reach.

/// Suggestions a message names at most.
pub const MAX_SUGGESTIONS: usize = 5;

/// The names among `candidates` that are close to `wanted`, closest first, at most `limit`, each
/// once. Close means: the same but for letter case; one starts with or contains the other (letter
/// case ignored); or a few typing mistakes apart (a letter missing, extra, changed, or two swapped:
/// about one per three letters). The order: letter case alone first, then fewest mistakes, a name
/// that starts with what was typed before one that does not. `wanted` itself is never suggested.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>, limit: usize) -> Vec<String> {
    let wanted_lower = wanted.trim().to_lowercase();
    if wanted_lower.is_empty() {
        return Vec::new();
    }
    let allowed = wanted_lower.chars().count().div_ceil(3);
    let mut scored: Vec<(bool, usize, bool, String)> = Vec::new();
    for name in candidates {
        if name == wanted || scored.iter().any(|(.., n)| n == name) {
            continue;
        }
        let lower = name.to_lowercase();
        let distance = edit_distance(&wanted_lower, &lower);
        let starts = lower.starts_with(&wanted_lower);
        // A very short name is inside too many others to say anything.
        let inside = lower.chars().count() >= 3 && wanted_lower.contains(&lower);
        let close = lower == wanted_lower
            || starts
            || inside
            || lower.contains(&wanted_lower)
            || distance <= allowed.clamp(1, 4);
        if close {
            scored.push((lower != wanted_lower, distance, !starts, name.to_owned()));
        }
    }
    scored.sort_by(|a, b| {
        (a.0, a.1, a.2, a.3.to_lowercase(), &a.3).cmp(&(b.0, b.1, b.2, b.3.to_lowercase(), &b.3))
    });
    scored.into_iter().take(limit).map(|(.., name)| name).collect()
}

/// Edits (insert, delete, change, swap two neighbours) that turn `a` into `b`: the optimal string
/// alignment distance, counted in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    // Three rows: two back (for swaps), the previous one, the current one.
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_each_kind_of_mistake_once() {
        assert_eq!(edit_distance("acme", "acme"), 0);
        assert_eq!(edit_distance("acme", "acm"), 1);
        assert_eq!(edit_distance("acme", "acmee"), 1);
        assert_eq!(edit_distance("acme", "acne"), 1);
        assert_eq!(edit_distance("acme", "amce"), 1, "a swap is one mistake");
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            edit_distance("café", "cafe"),
            1,
            "counted in characters, not bytes"
        );
    }

    #[test]
    fn the_closest_names_come_first() {
        let names = ["acme-data", "acme", "widgets", "acne", "ACME-web", "beta"];
        assert_eq!(
            closest("acm", names, MAX_SUGGESTIONS),
            ["acme", "ACME-web", "acme-data"]
        );
        assert_eq!(closest("amce", names, MAX_SUGGESTIONS), ["acme", "acne"]);
    }

    #[test]
    fn letter_case_alone_is_the_closest_of_all() {
        assert_eq!(
            closest("data", ["DATASET", "DATA", "WEB"], 5),
            ["DATA", "DATASET"]
        );
    }

    #[test]
    fn the_name_itself_unrelated_names_and_repeats_are_left_out() {
        assert_eq!(
            closest("models", ["models", "site", "etl"], 5),
            Vec::<String>::new()
        );
        assert_eq!(closest("model", ["models", "models"], 5), ["models"]);
        assert_eq!(closest("", ["models"], 5), Vec::<String>::new());
        assert_eq!(closest("zzzzzz", ["models", "site"], 5), Vec::<String>::new());
    }

    #[test]
    fn a_longer_name_may_have_more_mistakes_and_the_limit_holds() {
        assert_eq!(
            closest("billing-servce", ["billing", "billing-service"], 5),
            ["billing-service", "billing"]
        );
        let many: Vec<String> = (0..20).map(|i| format!("repo-{i}")).collect();
        assert_eq!(closest("repo", many.iter().map(String::as_str), 5).len(), 5);
    }
}
