//! The operating system this runs on, by name and version: what a support person asks first.
//! Read from the system's own files and commands; anything that cannot be read is left out.

use serde::Serialize;

/// The system the bundle was made on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemInfo {
    /// The family: "linux", "macos", "windows"...
    pub os: String,
    /// The distribution or product: "Debian GNU/Linux 12 (bookworm)", "macOS", "Windows".
    pub name: Option<String>,
    /// Its version: "12", "15.1", "10.0.22631.4460".
    pub version: Option<String>,
    /// The kernel's release (Linux and macOS).
    pub kernel: Option<String>,
    pub arch: String,
    /// The desktop (`XDG_CURRENT_DESKTOP`): it decides which Secret Service answers on Linux.
    pub desktop: Option<String>,
}

impl SystemInfo {
    pub fn current() -> Self {
        let (name, version) = name_and_version();
        Self {
            os: std::env::consts::OS.to_owned(),
            name,
            version,
            kernel: kernel(),
            arch: std::env::consts::ARCH.to_owned(),
            desktop: std::env::var("XDG_CURRENT_DESKTOP")
                .ok()
                .filter(|d| !d.is_empty()),
        }
    }
}

fn name_and_version() -> (Option<String>, Option<String>) {
    if cfg!(target_os = "macos") {
        (
            Some("macOS".to_owned()),
            output_of("sw_vers", &["-productVersion"]),
        )
    } else if cfg!(target_os = "windows") {
        // "Microsoft Windows [Version 10.0.22631.4460]": the number between the brackets.
        let version = output_of("cmd", &["/C", "ver"]).and_then(|text| {
            let inner = text.split_once("Version ")?.1;
            Some(inner.trim_end_matches(']').trim().to_owned())
        });
        (Some("Windows".to_owned()), version)
    } else {
        let text = std::fs::read_to_string("/etc/os-release")
            .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
            .unwrap_or_default();
        let release = OsRelease::parse(&text);
        (release.pretty_name.or(release.name), release.version_id)
    }
}

fn kernel() -> Option<String> {
    if cfg!(target_os = "linux") {
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|k| k.trim().to_owned())
    } else if cfg!(target_os = "windows") {
        None
    } else {
        output_of("uname", &["-r"])
    }
}

/// What a program printed, trimmed, when it ran and succeeded.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program).args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// The fields of `os-release` (freedesktop's format) that name the distribution.
#[derive(Debug, Default, PartialEq, Eq)]
struct OsRelease {
    name: Option<String>,
    pretty_name: Option<String>,
    version_id: Option<String>,
}

impl OsRelease {
    fn parse(text: &str) -> Self {
        let mut release = Self::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'').to_owned();
            match key.trim() {
                "NAME" => release.name = Some(value),
                "PRETTY_NAME" => release.pretty_name = Some(value),
                "VERSION_ID" => release.version_id = Some(value),
                _ => {}
            }
        }
        release
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_gives_the_distribution_and_its_version() {
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n# comment\nID=debian\n";
        let release = OsRelease::parse(text);
        assert_eq!(
            release.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(release.name.as_deref(), Some("Debian GNU/Linux"));
        assert_eq!(release.version_id.as_deref(), Some("12"));
    }

    #[test]
    fn this_system_is_described() {
        let info = SystemInfo::current();
        assert_eq!(info.os, std::env::consts::OS);
        assert_eq!(info.arch, std::env::consts::ARCH);
        if cfg!(target_os = "linux") {
            assert!(info.kernel.is_some());
        }
    }
}
