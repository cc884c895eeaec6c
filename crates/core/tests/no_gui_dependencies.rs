//! The core must stay usable headless (the CLI, git's credential helper, servers): it may never
//! depend, even indirectly, on Tauri or a GUI toolkit. This asks cargo for the real graph.

use std::process::Command;

const FORBIDDEN: [&str; 8] = [
    "tauri",
    "wry",
    "tao",
    "gtk",
    "gdk",
    "webkit",
    "javascriptcore",
    "soup",
];

#[test]
fn repoconn_core_pulls_in_no_tauri_gtk_or_webkit_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "repoconn-core",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    assert!(
        tree.starts_with("repoconn-core "),
        "unexpected cargo tree output:\n{tree}"
    );

    let offending: Vec<&str> = tree
        .lines()
        .filter(|line| {
            let name = line.split_whitespace().next().unwrap_or_default();
            FORBIDDEN.iter().any(|bad| is_or_extends(name, bad))
        })
        .collect();
    assert!(
        offending.is_empty(),
        "repoconn-core depends on GUI crates: {offending:?}"
    );
}

/// `gtk` matches `gtk`, `gtk-sys`, `gtk_x`, `gtk3`; not `gtkish`.
fn is_or_extends(name: &str, family: &str) -> bool {
    name.strip_prefix(family).is_some_and(|rest| {
        rest.is_empty() || rest.starts_with(['-', '_']) || rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[test]
fn the_name_matcher_catches_the_families_it_should() {
    for name in [
        "tauri",
        "tauri-utils",
        "webkit2gtk",
        "gtk-sys",
        "soup3",
        "javascriptcore-rs",
    ] {
        assert!(
            FORBIDDEN.iter().any(|bad| is_or_extends(name, bad)),
            "{name} not caught"
        );
    }
    for name in ["serde", "taurine", "soupy", "dirs"] {
        assert!(
            !FORBIDDEN.iter().any(|bad| is_or_extends(name, bad)),
            "{name} wrongly caught"
        );
    }
}
