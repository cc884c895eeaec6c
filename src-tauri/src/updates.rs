//! New versions of the app: the person presses Check for updates (or the app looks once a day,
//! when they or the administrator's policy turned that on), sees the new version and its notes,
//! and chooses to install it. Only an artifact signed with the release key (`plugins.updater.pubkey`
//! in tauri.conf.json) is installed: tauri-plugin-updater verifies the download before anything
//! is written. The page calls only these commands; it is granted none of the plugin's own.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use repoconn_core::policy::{PolicyState, UpdateCheck};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_updater::{Error as UpdaterError, Update, Updater, UpdaterExt};
use url::Url;

use crate::error::{AppError, ShellCode};
use crate::preferences::{self, PreferencesFile};

/// Points the app at another update manifest (the end-to-end test serves one on 127.0.0.1).
pub const UPDATE_URL_ENV: &str = "REPOCONN_UPDATE_URL";

/// Where releases can be downloaded by hand, for when installing from the app is not possible.
const RELEASES_PAGE: &str = "https://github.com/repoconn/repoconn/releases";

/// The store entry (beside the preferences) that remembers the daily check.
const STORE_KEY: &str = "updates";

/// The automatic check runs at most this often.
const CHECK_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// A slow update server must not leave the person waiting for ever.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the app remembers about updates between launches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Remembered {
    /// The person turned the daily check on.
    automatic: bool,
    /// When the last automatic check started, in seconds since 1970.
    last_automatic_check: Option<u64>,
}

/// What the update control offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSettings {
    /// Whether Check for updates may be pressed.
    pub can_check: bool,
    /// Whether the app looks for a new version once a day by itself.
    pub automatic: bool,
    /// Whether the person may turn the daily check on or off (not when the policy decides).
    pub can_change_automatic: bool,
    /// Why the policy decides, shown beside the control; `None` when the person decides.
    pub managed: Option<String>,
}

/// A newer version the update server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOffer {
    pub version: String,
    pub current_version: String,
    /// The release notes, as the release wrote them.
    pub notes: Option<String>,
    /// The release date, YYYY-MM-DD.
    pub date: Option<String>,
}

/// The update found by the last check, kept until the person installs it or checks again.
#[derive(Default)]
pub struct Updates {
    found: Mutex<Option<Update>>,
}

/// The policy decides first; otherwise the person's own choice.
fn settings(
    policy: Option<UpdateCheck>,
    remembered: &Remembered,
    policy_path: Option<&str>,
) -> UpdateSettings {
    let file = policy_path.unwrap_or("the policy file");
    match policy {
        None => UpdateSettings {
            can_check: true,
            automatic: remembered.automatic,
            can_change_automatic: true,
            managed: None,
        },
        Some(UpdateCheck::Off) => UpdateSettings {
            can_check: false,
            automatic: false,
            can_change_automatic: false,
            managed: Some(format!(
                "Updates are managed by your organisation ({file}): ask your administrators for new versions."
            )),
        },
        Some(UpdateCheck::Manual) => UpdateSettings {
            can_check: true,
            automatic: false,
            can_change_automatic: false,
            managed: Some(format!(
                "Your organisation's policy ({file}) leaves checking to you: press Check for updates."
            )),
        },
        Some(UpdateCheck::Automatic) => UpdateSettings {
            can_check: true,
            automatic: true,
            can_change_automatic: false,
            managed: Some(format!(
                "Your organisation's policy ({file}) has the app look for a new version once a day."
            )),
        },
    }
}

fn current_settings<R: Runtime>(app: &AppHandle<R>, file: &PreferencesFile) -> (UpdateSettings, Remembered) {
    let policy = PolicyState::load();
    let remembered: Remembered = preferences::load_entry(app, file, STORE_KEY).unwrap_or_default();
    let settings = settings(policy.update_check(), &remembered, policy.path.as_deref());
    (settings, remembered)
}

/// Whether the automatic check is due at `now` (seconds since 1970).
fn automatic_check_due(settings: &UpdateSettings, remembered: &Remembered, now: u64) -> bool {
    settings.automatic
        && remembered
            .last_automatic_check
            .is_none_or(|last| now.saturating_sub(last) >= CHECK_INTERVAL.as_secs() || last > now)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The update manifest named by `REPOCONN_UPDATE_URL`, if set: https anywhere, plain http only
/// on this computer (a test server), never with a user name or password in it.
fn endpoint_override(value: Option<&str>) -> Result<Option<Url>, AppError> {
    let Some(text) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let refuse = |why: &str| {
        AppError::new(
            ShellCode::Configuration,
            format!("{UPDATE_URL_ENV} cannot be used: {why}."),
        )
        .with_fix(format!(
            "Unset {UPDATE_URL_ENV}, or set it to an https:// address, and open the app again."
        ))
    };
    let url = Url::parse(text).map_err(|_| refuse("it is not a web address"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries a user name or password"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(Some(url)),
        "http" if loopback => Ok(Some(url)),
        _ => Err(refuse(
            "only https:// addresses, or http:// on this computer, are used",
        )),
    }
}

/// The updater with the release key, the test endpoint when one is set, and the policy's proxy.
fn updater<R: Runtime>(app: &AppHandle<R>) -> Result<Updater, AppError> {
    let policy = PolicyState::load();
    if let Some(fault) = policy.proxy_refusal() {
        let problem = repoconn_core::domain::catalogue::Problem::from(fault);
        return Err(AppError::new(ShellCode::Configuration, problem.message).with_fix(problem.fix));
    }
    let broken = |err: UpdaterError| {
        AppError::new(ShellCode::UpdateUnavailable, format!("The update check cannot start: {err}."))
            .with_fix("Press Check for updates again; if it keeps failing, download new versions from the releases page.")
    };
    let mut builder = app.updater_builder().timeout(TIMEOUT);
    if let Some(url) = endpoint_override(std::env::var(UPDATE_URL_ENV).ok().as_deref())? {
        let local = url.scheme() == "http";
        builder = builder.endpoints(vec![url]).map_err(broken)?;
        if local {
            builder = builder.no_proxy();
        }
    } else if let Some(proxy) = policy.policy.proxy.as_deref().and_then(|p| Url::parse(p).ok()) {
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(broken)
}

fn offer(update: &Update) -> UpdateOffer {
    UpdateOffer {
        version: update.version.clone(),
        current_version: update.current_version.clone(),
        notes: update.body.clone().filter(|notes| !notes.trim().is_empty()),
        date: update.date.map(|date| date.date().to_string()),
    }
}

/// Asks the update server for a newer version and keeps it for `install_update`.
async fn look_for_update<R: Runtime>(
    app: &AppHandle<R>,
    updates: &Updates,
) -> Result<Option<UpdateOffer>, AppError> {
    let found = updater(app)?.check().await.map_err(|err| {
        AppError::new(
            ShellCode::UpdateUnavailable,
            format!("The app could not find out whether there is a new version: {err}."),
        )
        .with_fix("Check your network connection and press Check for updates again.")
    })?;
    let offered = found.as_ref().map(offer);
    *updates.found.lock().unwrap() = found;
    Ok(offered)
}

/// What the update control offers, after the policy and the person's choice.
#[tauri::command]
#[specta::specta]
pub fn update_settings<R: Runtime>(app: AppHandle<R>, file: State<'_, PreferencesFile>) -> UpdateSettings {
    current_settings(&app, &file).0
}

/// Turns the daily check on or off (the person's choice, where the policy leaves it to them).
#[tauri::command]
#[specta::specta]
pub fn set_automatic_updates<R: Runtime>(
    app: AppHandle<R>,
    file: State<'_, PreferencesFile>,
    on: bool,
) -> Result<UpdateSettings, AppError> {
    let (settings, mut remembered) = current_settings(&app, &file);
    if !settings.can_change_automatic {
        let reason = settings.managed.unwrap_or_default();
        return Err(AppError::new(ShellCode::UpdatesManaged, reason));
    }
    remembered.automatic = on;
    preferences::save_entry(&app, &file, STORE_KEY, &remembered)?;
    Ok(current_settings(&app, &file).0)
}

/// Check for updates: the newer version the server offers, or `None` when this one is the latest.
#[tauri::command]
#[specta::specta]
pub async fn check_for_update<R: Runtime>(
    app: AppHandle<R>,
    file: State<'_, PreferencesFile>,
    updates: State<'_, Updates>,
) -> Result<Option<UpdateOffer>, AppError> {
    let (settings, _) = current_settings(&app, &file);
    if !settings.can_check {
        return Err(AppError::new(
            ShellCode::UpdatesManaged,
            settings.managed.unwrap_or_default(),
        ));
    }
    look_for_update(&app, &updates).await
}

/// The daily check, which the page asks for well after its first paint (and then every hour):
/// it looks only when it is turned on and a day has passed since the last time. A failure is
/// logged, not shown: nobody asked for this check.
#[tauri::command]
#[specta::specta]
pub async fn automatic_update_check<R: Runtime>(
    app: AppHandle<R>,
    file: State<'_, PreferencesFile>,
    updates: State<'_, Updates>,
) -> Result<Option<UpdateOffer>, AppError> {
    let (settings, mut remembered) = current_settings(&app, &file);
    let now = now();
    if !automatic_check_due(&settings, &remembered, now) {
        return Ok(None);
    }
    remembered.last_automatic_check = Some(now);
    preferences::save_entry(&app, &file, STORE_KEY, &remembered)?;
    match look_for_update(&app, &updates).await {
        Ok(found) => Ok(found),
        Err(err) => {
            tracing::warn!("the daily update check failed: {}", err.message);
            Ok(None)
        }
    }
}

/// Whether the updater refused the download because of its signature.
fn refused_signature(err: &UpdaterError) -> bool {
    matches!(
        err,
        UpdaterError::Minisign(_)
            | UpdaterError::Base64(_)
            | UpdaterError::SignatureUtf8(_)
            | UpdaterError::SignedVersionMismatch { .. }
            | UpdaterError::MissingSignedVersion
    )
}

/// Installs `version`, which the last check found: downloads it, verifies its signature against
/// the release key, and only then installs it. A refused signature installs nothing.
#[tauri::command]
#[specta::specta]
pub async fn install_update(updates: State<'_, Updates>, version: String) -> Result<String, AppError> {
    let update = updates
        .found
        .lock()
        .unwrap()
        .clone()
        .filter(|update| update.version == version)
        .ok_or_else(|| {
            AppError::new(
                ShellCode::UpdateUnavailable,
                format!("Version {version} is no longer on offer."),
            )
            .with_fix("Press Check for updates again.")
        })?;
    let bytes = update.download(|_, _| {}, || {}).await.map_err(|err| {
        if refused_signature(&err) {
            tracing::warn!(version, "update refused: {err}");
            AppError::new(
                ShellCode::UpdateRefused,
                format!(
                    "Version {version} was not installed: the downloaded file does not carry the signature of the Repository Connections release key, so it may have been changed or may not come from us."
                ),
            )
            .with_fix(format!(
                "Nothing on this computer was changed. Press Check for updates later; if this happens again, tell your administrators, and download new versions only from {RELEASES_PAGE}."
            ))
        } else {
            AppError::new(
                ShellCode::UpdateUnavailable,
                format!("Version {version} could not be downloaded: {err}."),
            )
            .with_fix("Check your network connection and press Install again.")
        }
    })?;
    tracing::info!(
        version,
        "update downloaded and its signature verified; installing"
    );
    let install = tauri::async_runtime::spawn_blocking(move || update.install(bytes));
    match install.await {
        Ok(Ok(())) => Ok(version),
        Ok(Err(err)) => Err(AppError::new(
            ShellCode::UpdateNotInstalled,
            format!("Version {version} was downloaded and its signature verified, but it could not be installed: {err}."),
        )
        .with_fix(format!(
            "Press Install again to retry, or install the package for your system from {RELEASES_PAGE}."
        ))),
        Err(err) => Err(AppError::new(
            ShellCode::Internal,
            format!("The installation stopped unexpectedly: {err}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_http_on_this_computer_overrides_the_endpoint() {
        for ok in [
            "https://updates.example.com/latest.json",
            "http://127.0.0.1:8765/latest.json",
            "http://[::1]:8765/latest.json",
            "http://localhost:8765/latest.json",
        ] {
            assert!(endpoint_override(Some(ok)).unwrap().is_some(), "{ok}");
        }
        for refused in [
            "http://updates.example.com/latest.json",
            "http://127.0.0.1.example.com/latest.json",
            "ftp://127.0.0.1/latest.json",
            "https://user:secret@updates.example.com/latest.json",
            "not an address",
        ] {
            let err = endpoint_override(Some(refused)).unwrap_err();
            assert!(err.message.contains(UPDATE_URL_ENV), "{refused}: {}", err.message);
            assert!(!err.message.contains("secret"), "no password in the message");
        }
        assert_eq!(endpoint_override(None).unwrap(), None);
        assert_eq!(endpoint_override(Some(" ")).unwrap(), None);
    }

    #[test]
    fn the_policy_decides_before_the_person() {
        let on = Remembered {
            automatic: true,
            last_automatic_check: None,
        };
        let off = Remembered::default();
        assert!(settings(None, &on, None).automatic);
        assert!(
            !settings(None, &off, None).automatic,
            "off until the person turns it on"
        );
        assert!(settings(None, &off, None).can_change_automatic);

        let managed = settings(Some(UpdateCheck::Off), &on, Some("/etc/repoconn/policy.json"));
        assert!(!managed.can_check && !managed.automatic && !managed.can_change_automatic);
        assert!(managed.managed.unwrap().contains("/etc/repoconn/policy.json"));

        let manual = settings(Some(UpdateCheck::Manual), &on, None);
        assert!(manual.can_check && !manual.automatic && !manual.can_change_automatic);

        let automatic = settings(Some(UpdateCheck::Automatic), &off, None);
        assert!(automatic.can_check && automatic.automatic && !automatic.can_change_automatic);
    }

    #[test]
    fn the_automatic_check_runs_at_most_once_a_day() {
        let day = CHECK_INTERVAL.as_secs();
        let on = settings(
            None,
            &Remembered {
                automatic: true,
                last_automatic_check: None,
            },
            None,
        );
        let never = Remembered {
            automatic: true,
            last_automatic_check: None,
        };
        assert!(automatic_check_due(&on, &never, 1_000_000));
        let recent = Remembered {
            automatic: true,
            last_automatic_check: Some(1_000_000),
        };
        assert!(!automatic_check_due(&on, &recent, 1_000_000 + day - 1));
        assert!(automatic_check_due(&on, &recent, 1_000_000 + day));
        // A clock set back does not stop the checks for good.
        assert!(automatic_check_due(&on, &recent, 10));
        let off = settings(None, &Remembered::default(), None);
        assert!(!automatic_check_due(&off, &Remembered::default(), 1_000_000));
    }
}
