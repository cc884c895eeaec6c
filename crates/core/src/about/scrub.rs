//! Taking secrets out of what a support bundle reads. Most of its sources hold none (connection
//! metadata, git's helper settings); the few that may, are cleaned here: a setting whose name
//! says it is a secret (the policy's `client_secret`), a user name and password in an address
//! (a proxy such as `http://user:pass@proxy:3128`), and a shell command given to git as a helper
//! (it may print a password). Every secret removed is remembered, and the finished document is
//! searched for it once more, so that a copy quoted elsewhere (say, in an error message) goes too.

use serde_json::Value;
use url::Url;

/// What stands where a secret was.
pub const REMOVED: &str = "(removed)";

/// Secrets shorter than this are not searched for in other texts: they would match ordinary
/// words. They are still removed where they were found.
const SHORTEST_SEARCHED: usize = 4;

/// Secrets taken out so far, to search the finished document for.
#[derive(Default)]
pub struct Withheld(Vec<String>);

impl std::fmt::Debug for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Withheld({} values)", self.0.len())
    }
}

impl Withheld {
    fn keep(&mut self, secret: &str) {
        if secret.len() >= SHORTEST_SEARCHED && !self.0.iter().any(|s| s == secret) {
            self.0.push(secret.to_owned());
        }
    }

    /// `text` without a user name or password in it when it is (or holds) an address.
    pub fn address(&mut self, text: &str) -> String {
        // The password is searched for elsewhere; a user name alone may be a token
        // (`https://TOKEN@host`), but beside a password it is only a name, too common to search.
        if let Ok(url) = Url::parse(text) {
            let secret = url.password().unwrap_or(url.username());
            if !secret.is_empty() {
                self.keep(secret);
                self.keep(&percent_decoded(secret));
            }
        } else if let (Some(start), Some(at)) = (text.find("://"), text.rfind('@'))
            && at > start + 3
        {
            let userinfo = &text[start + 3..at];
            self.keep(
                userinfo
                    .split_once(':')
                    .map_or(userinfo, |(_, password)| password),
            );
        }
        crate::domain::sniff::without_credentials(text)
    }

    /// Cleans a JSON document in place: settings named like secrets get [`REMOVED`], addresses
    /// lose their user names and passwords.
    pub fn document(&mut self, value: &mut Value) {
        match value {
            Value::Object(object) => {
                for (key, item) in object.iter_mut() {
                    if names_a_secret(key) && !item.is_null() {
                        self.all_strings(item);
                        *item = Value::from(REMOVED);
                    } else {
                        self.document(item);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.document(item)),
            Value::String(text) => *text = self.address(text),
            _ => {}
        }
    }

    fn all_strings(&mut self, value: &Value) {
        match value {
            Value::String(text) => self.keep(text),
            Value::Array(items) => items.iter().for_each(|item| self.all_strings(item)),
            Value::Object(object) => object.values().for_each(|item| self.all_strings(item)),
            // A number given as a secret is still one.
            other => self.keep(&other.to_string()),
        }
    }

    /// Replaces every copy of a withheld secret in the document's texts.
    pub fn search_and_remove(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                for secret in &self.0 {
                    if text.contains(secret.as_str()) {
                        *text = text.replace(secret.as_str(), REMOVED);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.search_and_remove(item)),
            Value::Object(object) => object.values_mut().for_each(|item| self.search_and_remove(item)),
            _ => {}
        }
    }
}

/// Whether a setting's name says it holds a secret: `client_secret`, `password`,
/// `refresh_token`... (`max_token_lifetime_days` is a number of days, not a token).
fn names_a_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("secret")
        || key.contains("password")
        || key.contains("passwd")
        || key == "token"
        || key.ends_with("_token")
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A credential helper as git's configuration gives it, unless it is a shell command (`!...`):
/// those can print a password themselves, so only their first word is kept.
pub fn helper(value: &str) -> String {
    match value.strip_prefix('!') {
        Some(command) => {
            let first = command.split_whitespace().next().unwrap_or_default();
            format!("!{first} … (the rest of this shell command is left out: it may hold a secret)")
        }
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_policy_loses_its_consumer_secrets_and_proxy_password() {
        let mut withheld = Withheld::default();
        let mut policy = json!({
            "proxy": "http://puser:proxy-pass-1@proxy.example.com:3128",
            "max_token_lifetime_days": 90,
            "oauth_clients": [{"provider": "cloud", "client_id": "key", "client_secret": "consumer-secret-2"}],
            "templates": [{"name": "Corp", "base_url": "https://git.example.com/bitbucket"}]
        });
        withheld.document(&mut policy);
        assert_eq!(policy["proxy"], "http://proxy.example.com:3128/");
        assert_eq!(policy["oauth_clients"][0]["client_secret"], REMOVED);
        assert_eq!(policy["oauth_clients"][0]["client_id"], "key");
        assert_eq!(policy["max_token_lifetime_days"], 90);
        assert_eq!(
            policy["templates"][0]["base_url"],
            "https://git.example.com/bitbucket"
        );

        // A copy quoted elsewhere goes too.
        let mut elsewhere = json!({"message": "consumer-secret-2 and proxy-pass-1, puser's"});
        withheld.search_and_remove(&mut elsewhere);
        assert_eq!(elsewhere["message"], "(removed) and (removed), puser's");
    }

    #[test]
    fn an_encoded_password_is_searched_for_as_written_and_decoded() {
        let mut withheld = Withheld::default();
        assert_eq!(
            withheld.address("http://u:p%40ss-word@127.0.0.1:9/"),
            "http://127.0.0.1:9/"
        );
        let mut text = json!(["p@ss-word", "p%40ss-word"]);
        withheld.search_and_remove(&mut text);
        assert_eq!(text, json!([REMOVED, REMOVED]));
    }

    #[test]
    fn an_address_that_does_not_parse_still_loses_its_credentials() {
        let mut withheld = Withheld::default();
        assert_eq!(withheld.address("proxy://us er:pa ss@host"), "proxy://host");
        let mut text = json!("pa ss");
        withheld.search_and_remove(&mut text);
        assert_eq!(text, REMOVED);
    }

    #[test]
    fn a_user_name_alone_may_be_a_token_and_is_searched_for() {
        let mut withheld = Withheld::default();
        assert_eq!(
            withheld.address("https://ghp_tokenvalue@proxy.example.com/"),
            "https://proxy.example.com/"
        );
        let mut text = json!("ghp_tokenvalue");
        withheld.search_and_remove(&mut text);
        assert_eq!(text, REMOVED);
    }

    #[test]
    fn shell_helpers_keep_only_their_first_word() {
        assert_eq!(helper("store --file /x"), "store --file /x");
        assert_eq!(helper("repoconn git-credential"), "repoconn git-credential");
        let shell = helper("!f() { echo password=hunter22; }; f");
        assert!(shell.starts_with("!f()"), "{shell}");
        assert!(!shell.contains("hunter22"), "{shell}");
    }
}
