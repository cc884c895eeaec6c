//! Updates cannot be forged: an artifact signed with the release key verifies, and a changed
//! artifact or another key's signature does not. Keys are thrown away after the test; the real
//! private key exists only in the release workflow's secrets (docs/releasing.md).
//!
//! Signing uses the Tauri CLI (`tauri signer`), exactly as a release does; verification follows
//! what tauri-plugin-updater does before installing anything: base64-decode the public key and
//! the `.sig`, then check the minisign signature (minisign-verify, the crate the plugin uses).

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;

fn tauri_cli(args: &[&str], env: &[(&str, &str)]) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let cli = root.join("node_modules/@tauri-apps/cli/tauri.js");
    assert!(cli.exists(), "run `npm ci` first: {} is missing", cli.display());
    let out = Command::new("node")
        .arg(cli)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "tauri {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A throwaway key pair: (private key file, public key as tauri.conf.json holds it).
fn key_pair(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    tauri_cli(
        &[
            "signer",
            "generate",
            "--ci",
            "-p",
            "test-password",
            "-w",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let public = std::fs::read_to_string(format!("{}.pub", key.display())).unwrap();
    (key, public.trim().to_owned())
}

fn sign(key: &Path, artifact: &Path) -> String {
    let private = std::fs::read_to_string(key).unwrap();
    tauri_cli(
        &["signer", "sign", artifact.to_str().unwrap()],
        &[
            ("TAURI_SIGNING_PRIVATE_KEY", private.trim()),
            ("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", "test-password"),
        ],
    );
    std::fs::read_to_string(format!("{}.sig", artifact.display()))
        .unwrap()
        .trim()
        .to_owned()
}

fn decode(b64: &str) -> String {
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
}

/// The updater's check: true when `signature` (a `.sig` file's content) is `public_key`'s
/// signature of `data`.
fn updater_accepts(data: &[u8], signature: &str, public_key: &str) -> bool {
    let Ok(key) = minisign_verify::PublicKey::decode(&decode(public_key)) else {
        return false;
    };
    let Ok(signature) = minisign_verify::Signature::decode(&decode(signature)) else {
        return false;
    };
    key.verify(data, &signature, true).is_ok()
}

#[test]
fn a_signed_update_verifies_and_a_tampered_one_or_another_key_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (release_key, release_public) = key_pair(dir.path(), "release.key");
    let (_other_key, other_public) = key_pair(dir.path(), "other.key");

    let artifact = dir.path().join("repository-connections_0.2.0_amd64.deb");
    let contents: Vec<u8> = (0..256 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&artifact, &contents).unwrap();
    let signature = sign(&release_key, &artifact);

    assert!(
        updater_accepts(&contents, &signature, &release_public),
        "a correct signature must be accepted"
    );

    let mut tampered = contents.clone();
    tampered[1000] ^= 0x01;
    assert!(
        !updater_accepts(&tampered, &signature, &release_public),
        "a tampered artifact must be refused"
    );

    assert!(
        !updater_accepts(&contents, &signature, &other_public),
        "another key's signature must be refused"
    );
}

#[test]
fn the_configured_public_key_is_a_minisign_key() {
    let config: serde_json::Value =
        serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json is JSON");
    let public = config["plugins"]["updater"]["pubkey"]
        .as_str()
        .expect("an updater public key is configured");
    assert!(minisign_verify::PublicKey::decode(&decode(public)).is_ok());
    let endpoints = config["plugins"]["updater"]["endpoints"].as_array().unwrap();
    assert!(
        endpoints
            .iter()
            .all(|e| e.as_str().unwrap().starts_with("https://")),
        "updates only over https"
    );
}
