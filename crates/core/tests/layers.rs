//! The core's top-level parts form layers: each uses only parts below it, so there is no import
//! circle and a newcomer can read the folders bottom-up. This test reads the sources (every
//! `crate::PART` they name) and fails on a use that goes up or sideways against the order, and on
//! a top level that grows past 12 entries.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first, as `lib.rs` lists them.
const LAYERS: &[&str] = &[
    "domain", "policy", "check", "reach", "store", "expiry", "oauth", "git", "guide", "flows", "about",
];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_owned());
    }
}

/// The top-level parts that the files of `part` name as `crate::PART`.
fn uses(part: &str) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&src().join(part), &mut files);
    rust_files(&src().join(format!("{part}.rs")), &mut files);
    let mut used = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for piece in text.split("crate::").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if LAYERS.contains(&name.as_str()) && name != part {
                used.insert(name);
            }
        }
    }
    used
}

#[test]
fn every_part_uses_only_the_parts_below_it() {
    let mut wrong = Vec::new();
    for (rank, part) in LAYERS.iter().enumerate() {
        for used in uses(part) {
            let used_rank = LAYERS.iter().position(|l| *l == used).unwrap();
            if used_rank > rank {
                wrong.push(format!("{part} uses {used}, which is above it"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn cloud_and_data_center_never_use_each_other() {
    for part in ["check", "reach"] {
        for (file, other) in [("cloud.rs", "datacenter"), ("datacenter.rs", "cloud")] {
            let text = std::fs::read_to_string(src().join(part).join(file)).unwrap();
            assert!(
                !text.contains(&format!("{other}::")),
                "{part}/{file} uses {other}"
            );
        }
    }
}

#[test]
fn the_top_level_lists_every_part_and_stays_small() {
    let entries: BTreeSet<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect();
    assert!(entries.len() <= 12, "{} entries: {entries:?}", entries.len());
    for entry in &entries {
        assert!(
            entry == "lib" || LAYERS.contains(&entry.as_str()),
            "{entry} is not in the layer list of this test and lib.rs"
        );
    }
}
