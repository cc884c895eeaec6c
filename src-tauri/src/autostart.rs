//! "Start at login to remind me": off until the person turns it on (offered once, after the first
//! save). Started at login the app keeps its window hidden (`--hidden`) and only checks for due
//! reminders; opening the app again, or clicking a reminder, shows the window.
//!
//! On Linux the app writes the XDG autostart entry itself (`$XDG_CONFIG_HOME/autostart`, with the
//! program's path quoted as the Desktop Entry specification says: a path with spaces must still
//! start); elsewhere the `auto-launch` crate registers it the platform's way.

use std::path::{Path, PathBuf};

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime, State};

use crate::error::{AppError, ShellCode};
use crate::preferences::{self, PreferencesFile};

/// The preferences entry that remembers the offer was made (answered either way).
const OFFERED: &str = "autostartOffered";

/// Whether the app starts at login, and whether the one-time offer was already answered.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AutostartState {
    pub enabled: bool,
    pub offered: bool,
}

fn state_of<R: Runtime>(app: &AppHandle<R>, file: &PreferencesFile) -> AutostartState {
    AutostartState {
        enabled: is_enabled(),
        offered: preferences::load_entry(app, file, OFFERED).unwrap_or(false),
    }
}

#[tauri::command]
#[specta::specta]
pub fn autostart_state<R: Runtime>(app: AppHandle<R>, file: State<'_, PreferencesFile>) -> AutostartState {
    state_of(&app, &file)
}

/// Turns starting at login on or off (which also answers the offer).
#[tauri::command]
#[specta::specta]
pub fn set_autostart<R: Runtime>(
    app: AppHandle<R>,
    file: State<'_, PreferencesFile>,
    enabled: bool,
) -> Result<AutostartState, AppError> {
    set(enabled)?;
    preferences::save_entry(&app, &file, OFFERED, &true)?;
    Ok(state_of(&app, &file))
}

/// "No, thanks": the offer is not made again; the footer's switch stays.
#[tauri::command]
#[specta::specta]
pub fn dismiss_autostart_offer<R: Runtime>(
    app: AppHandle<R>,
    file: State<'_, PreferencesFile>,
) -> Result<AutostartState, AppError> {
    preferences::save_entry(&app, &file, OFFERED, &true)?;
    Ok(state_of(&app, &file))
}

/// The argument the login entry starts the app with.
pub const HIDDEN_ARG: &str = "--hidden";

/// Whether this process was started at login (hidden).
pub fn started_hidden() -> bool {
    std::env::args().skip(1).any(|arg| arg == HIDDEN_ARG)
}

/// Whether the app starts at login.
pub fn is_enabled() -> bool {
    platform::is_enabled()
}

/// Turns starting at login on (for the running program) or off.
pub fn set(enabled: bool) -> Result<(), AppError> {
    let done = if enabled {
        std::env::current_exe()
            .map_err(|err| err.to_string())
            .and_then(|exe| platform::enable(&exe))
    } else {
        platform::disable()
    };
    done.map_err(|why| {
        AppError::new(
            ShellCode::AutostartFailed,
            format!("Starting at login could not be {}: {why}.", if enabled { "turned on" } else { "turned off" }),
        )
        .with_fix("Try the switch again; if it keeps failing, add Repository Connections to your desktop's startup applications by hand.")
    })
}

#[cfg(target_os = "linux")]
mod platform {
    use super::*;

    const FILE_NAME: &str = "repoconn.desktop";

    /// `$XDG_CONFIG_HOME/autostart/repoconn.desktop` (default `~/.config`).
    pub fn entry_path() -> Option<PathBuf> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| dirs::home_dir().map(|home| home.join(".config")))?;
        Some(config.join("autostart").join(FILE_NAME))
    }

    pub fn is_enabled() -> bool {
        entry_path().is_some_and(|p| p.is_file())
    }

    pub fn enable(exe: &Path) -> Result<(), String> {
        let path = entry_path().ok_or("no home folder")?;
        let dir = path.parent().expect("the entry is in a folder");
        std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        // Written whole, then moved into place: a half-written entry never starts anything.
        let temporary = path.with_extension("desktop.part");
        std::fs::write(&temporary, desktop_entry(exe))
            .map_err(|err| format!("{}: {err}", temporary.display()))?;
        std::fs::rename(&temporary, &path).map_err(|err| format!("{}: {err}", path.display()))
    }

    pub fn disable() -> Result<(), String> {
        match entry_path() {
            Some(path) => match std::fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(err) => Err(format!("{}: {err}", path.display())),
            },
            None => Ok(()),
        }
    }

    pub fn desktop_entry(exe: &Path) -> String {
        format!(
            "[Desktop Entry]\nType=Application\nName=Repository Connections\n\
             Comment=Reminds you before your Bitbucket tokens expire\n\
             Exec={} {HIDDEN_ARG}\nTerminal=false\nStartupNotify=false\nX-GNOME-Autostart-enabled=true\n",
            exec_quoted(&exe.to_string_lossy())
        )
    }

    /// An `Exec` argument: in double quotes, `"`, `` ` ``, `$` and `\` escaped with a backslash,
    /// then every backslash doubled (the value is a string) and `%` doubled (field codes).
    fn exec_quoted(arg: &str) -> String {
        let mut quoted = String::from("\"");
        for c in arg.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        quoted.replace('\\', "\\\\").replace('%', "%%")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_path_with_spaces_and_odd_characters_is_quoted_for_exec() {
            let entry = desktop_entry(Path::new("/opt/My Apps/repo$conn%1"));
            assert!(
                entry.contains("Exec=\"/opt/My Apps/repo\\\\$conn%%1\" --hidden\n"),
                "{entry}"
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::*;

    fn launcher(exe: &Path) -> auto_launch::AutoLaunch {
        let mut builder = auto_launch::AutoLaunchBuilder::new();
        builder
            .set_app_name("Repository Connections")
            .set_app_path(&exe.to_string_lossy())
            .set_args(&[HIDDEN_ARG]);
        builder.build().expect("a name and a path are all it needs")
    }

    pub fn is_enabled() -> bool {
        std::env::current_exe()
            .ok()
            .is_some_and(|exe| launcher(&exe).is_enabled().unwrap_or(false))
    }

    pub fn enable(exe: &Path) -> Result<(), String> {
        launcher(exe).enable().map_err(|err| err.to_string())
    }

    pub fn disable() -> Result<(), String> {
        let exe = std::env::current_exe().map_err(|err| err.to_string())?;
        launcher(&exe).disable().map_err(|err| err.to_string())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn turning_it_on_writes_the_login_entry_and_off_removes_it() {
        let config = tempfile::tempdir().unwrap();
        // This test alone sets XDG_CONFIG_HOME in this process.
        unsafe { std::env::set_var("XDG_CONFIG_HOME", config.path()) };
        let entry = config.path().join("autostart").join("repoconn.desktop");
        assert!(!is_enabled());
        set(true).unwrap();
        let text = std::fs::read_to_string(&entry).unwrap();
        let exe = std::env::current_exe().unwrap();
        assert!(
            text.contains(&format!("Exec=\"{}\" --hidden\n", exe.display())),
            "{text}"
        );
        assert!(is_enabled());
        set(false).unwrap();
        assert!(!entry.exists() && !is_enabled());
        set(false).unwrap();
    }
}
