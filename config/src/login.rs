//! Who may use the router: the console's login dialog, the password changes, how passwords are kept,
//! and the checks a network service makes of a login.
//!
//! **Login** (routeros-reference.md §5, as on a CHR's serial console): the console asks
//! `MikroTik Login: ` (the router's identity) and then `Password: `, without echoing the password. A name
//! that is no enabled `/user`, or a wrong password, gets `Login failed, incorrect username or password`
//! and the login prompt again (no delay: the console is polled from the packet loop, which must not wait;
//! an unknown name costs the same hashing as a wrong password, so the time taken does not tell which).
//! Whoever logs in with an empty password — `admin` on a fresh install — must choose a new one before
//! the command prompt appears, as RouterOS 7 asks on first login: `Change your password`, then
//! `new password> ` and `repeat new password> `; two different entries get
//! `Try again, error: New passwords do not match!` and an empty one
//! `Try again, error: New password can not be empty!`, and both ask again (routeros-reference.md quotes
//! none of these texts: they follow a CHR 7 console, and the empty-password one is ours, since the change
//! is mandatory). Ctrl-C anywhere in the dialog goes back to the login prompt: nobody reaches the command
//! line with an empty password.
//!
//! **`/password`** without arguments asks `old-password: `, `new-password: ` and
//! `confirm-new-password: ` (hidden), then changes the logged-in user's password; the same check runs
//! for `/password old-password=.. new-password=.. confirm-new-password=..` ([`change_password`]). Its
//! failures read `failure: old password is not valid` and `failure: new passwords do not match` (our
//! wording, in RouterOS's `failure:` style).
//!
//! **Storage.** `/user`'s `password` property never holds a password: whatever is typed as
//! `password=` is replaced, before the model sees it, by [`hash_password`]'s salted PBKDF2 hash
//! ([`password`] says how it is made and what it costs; hashes of earlier versions still verify).
//! `print`, `get` and `where` do not see the property ([`is_password`]) and `export` leaves `/user`
//! out, as RouterOS does; the hash is saved with the rest of the configuration, so it survives a
//! reboot. A stored value that is not such a hash matches no password.
//!
//! **Users and groups.** A configuration always has a user: [`ensure_default_user`] adds `admin` (group
//! `full`, no password, comment `system default user`) to a configuration without users (a fresh
//! install, `reset-configuration`), and the three groups of `/user group` ([`group`]) when missing;
//! [`check_users`] refuses to remove the last user of group `full`.
//!
//! **Network logins.** Services that authenticate over the network (the REST API) use
//! [`authenticate_remote`], which also wants a password set and checks the user's `address=` list and
//! group ([`remote`]), and a [`LoginGuard`] that blocks a source address after repeated failures
//! ([`guard`]).
//!
//! Guarantees: no key sequence panics; what is typed is bounded by [`MAX_INPUT`] characters; a
//! password is never echoed, never written to the console, the history or the configuration.

pub mod group;
pub mod guard;
pub mod password;
pub mod remote;

use alloc::format;
use alloc::string::String;
use core::fmt::Write;

use crate::key::Key;
use crate::model::schema::{MenuDef, PropDef};
use crate::model::{Change, Config, Item, menus};
use crate::shell::SystemControl;

pub use group::Policy;
pub use guard::LoginGuard;
pub use password::{ROUNDS, hash_password, new_salt, verify};
pub use remote::{RemoteLoginError, RemoteUser, authenticate_remote};

/// Most characters a user name or password may have; more are ignored.
pub const MAX_INPUT: usize = 256;

pub const LOGIN_FAILED: &str = "Login failed, incorrect username or password";
const MISMATCH: &str = "Try again, error: New passwords do not match!";
const EMPTY: &str = "Try again, error: New password can not be empty!";

/// The `/user` menu.
fn user_menu() -> Option<&'static MenuDef> {
    menus::menu("user")
}

/// Whether `prop` of `menu` is a user's password, which is stored hashed and never shown.
pub fn is_password(menu: &MenuDef, prop: &PropDef) -> bool {
    menu.storage == "user" && prop.name == "password"
}

/// The user called `name`, if there is one.
fn user<'a>(config: &'a Config, name: &str) -> Option<&'a Item> {
    let menu = user_menu()?;
    config
        .items(menu)
        .iter()
        .find(|i| i.get("name") == Some(name))
}

/// Whether `name` may log in with `password`: an enabled user with that password.
pub fn authenticate(config: &Config, name: &str, password: &str) -> bool {
    match user(config, name) {
        Some(item) if item.get("disabled") != Some("yes") => verify(item.get("password"), password),
        _ => {
            // As long as checking a password, so the time does not tell that there is no such user.
            password::spend_a_check(password);
            false
        }
    }
}

/// Gives user `name` the password `password` (stored hashed); `entropy` goes into the salt.
pub fn set_password(
    config: &mut Config,
    name: &str,
    password: &str,
    entropy: u64,
) -> Result<(), String> {
    let menu = user_menu().ok_or_else(|| String::from("no such item"))?;
    let prop = menu
        .prop("password")
        .ok_or_else(|| String::from("no such item"))?;
    let id = user(config, name)
        .map(|i| i.id)
        .ok_or_else(|| String::from("no such item"))?;
    let hashed = hash_password(password, new_salt(entropy, name));
    config
        .set(menu, id, &[Change::Set(prop, hashed)])
        .map_err(|e| format!("{e}"))
}

/// `/password`: checks the old password and that the new one was typed the same twice, then sets
/// it. `Err` with the message the console prints.
pub fn change_password(
    config: &mut Config,
    name: &str,
    old: &str,
    new: &str,
    confirm: &str,
    entropy: u64,
) -> Result<(), String> {
    if !authenticate(config, name, old) {
        return Err(String::from("failure: old password is not valid"));
    }
    if new != confirm {
        return Err(String::from("failure: new passwords do not match"));
    }
    set_password(config, name, new, entropy)
}

/// Adds the default user to a configuration that has none, and the built-in groups where missing (see
/// the module docs). Called at boot and by `reset-configuration`.
pub fn ensure_default_user(config: &mut Config) {
    group::ensure_groups(config);
    let Some(menu) = user_menu() else {
        return;
    };
    if config.items(menu).is_empty() {
        let _ = config.add_system_item(
            menu,
            &[
                ("name", "admin"),
                ("group", "full"),
                ("comment", "system default user"),
            ],
        );
    }
}

/// After a change of `/user`: at least one user of group `full` must be left, or nobody could
/// manage the router (RouterOS refuses to remove the last one).
pub fn check_users(config: &Config) -> Result<(), String> {
    let Some(menu) = user_menu() else {
        return Ok(());
    };
    if config
        .items(menu)
        .iter()
        .any(|i| i.get("group").unwrap_or("full") == "full")
    {
        Ok(())
    } else {
        Err(String::from(
            "failure: can not remove the last user with full rights",
        ))
    }
}

/// `MikroTik Login: `, with the router's identity.
pub fn login_prompt(config: &Config) -> String {
    let identity = menus::menu("system/identity")
        .and_then(|menu| config.singleton_value(menu, "name"))
        .unwrap_or("MikroTik");
    format!("{identity} Login: ")
}

/// What the console is asking for instead of a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// The login prompt: the user's name, echoed.
    Name,
    /// `Password: ` for `user`.
    Password { user: String },
    /// The mandatory change after a login with an empty password: `new password> `.
    NewPassword { user: String },
    /// `repeat new password> ` after `first`.
    RepeatPassword { user: String, first: String },
    /// `/password`: `old-password: `.
    OldPassword { user: String },
    /// `/password`: `new-password: ` after the old one.
    ChangeNew { user: String, old: String },
    /// `/password`: `confirm-new-password: `.
    ChangeConfirm {
        user: String,
        old: String,
        new: String,
    },
}

/// What a key did to the dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The dialog goes on.
    Waiting,
    /// `user` logged in: the command line starts.
    LoggedIn(String),
    /// The `/password` dialog ended (changed, refused or cancelled): back to the command line.
    Finished,
}

/// The login dialog or the `/password` dialog, fed one key at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    step: Step,
    /// What was typed at the current prompt.
    typed: String,
}

impl Dialog {
    /// The login dialog, before its prompt is written ([`Dialog::prompt`]).
    pub fn login() -> Self {
        Self {
            step: Step::Name,
            typed: String::new(),
        }
    }

    /// The `/password` dialog for the logged-in `user`.
    pub fn change_password(user: &str) -> Self {
        Self {
            step: Step::OldPassword {
                user: String::from(user),
            },
            typed: String::new(),
        }
    }

    /// Whether this is the login (nobody is logged in yet).
    pub fn is_login(&self) -> bool {
        !matches!(
            self.step,
            Step::OldPassword { .. } | Step::ChangeNew { .. } | Step::ChangeConfirm { .. }
        )
    }

    /// The prompt of the current step.
    pub fn prompt(&self, config: &Config) -> String {
        String::from(match self.step {
            Step::Name => return login_prompt(config),
            Step::Password { .. } => "Password: ",
            Step::NewPassword { .. } => "new password> ",
            Step::RepeatPassword { .. } => "repeat new password> ",
            Step::OldPassword { .. } => "old-password: ",
            Step::ChangeNew { .. } => "new-password: ",
            Step::ChangeConfirm { .. } => "confirm-new-password: ",
        })
    }

    /// Handles one key, writing what the console shows to `out`. A password change is applied and
    /// saved through `sys` ([`SystemControl::apply`]); when that fails, `config` is left as it was.
    pub fn key(
        &mut self,
        key: Key,
        out: &mut dyn Write,
        config: &mut Config,
        sys: &mut dyn SystemControl,
    ) -> Outcome {
        let echo = self.step == Step::Name;
        match key {
            Key::Char(character) => {
                if self.typed.len() < MAX_INPUT {
                    self.typed.push(char::from(character));
                    if echo {
                        let _ = out.write_char(char::from(character));
                    }
                }
                Outcome::Waiting
            }
            Key::Backspace => {
                if self.typed.pop().is_some() && echo {
                    let _ = out.write_str("\x08 \x08");
                }
                Outcome::Waiting
            }
            Key::Interrupt => {
                let _ = out.write_str("^C\r\n");
                self.typed.clear();
                if self.is_login() {
                    self.step = Step::Name;
                    let _ = out.write_str(&self.prompt(config));
                    Outcome::Waiting
                } else {
                    Outcome::Finished
                }
            }
            Key::Enter => {
                let _ = out.write_str("\r\n");
                let typed = core::mem::take(&mut self.typed);
                let outcome = self.submit(typed, out, config, sys);
                if outcome == Outcome::Waiting {
                    let _ = out.write_str(&self.prompt(config));
                }
                outcome
            }
            // Editing keys, Tab, history and the rest mean nothing here.
            _ => Outcome::Waiting,
        }
    }

    /// Enter at the current step with `typed`; the next step's prompt is written by the caller.
    fn submit(
        &mut self,
        typed: String,
        out: &mut dyn Write,
        config: &mut Config,
        sys: &mut dyn SystemControl,
    ) -> Outcome {
        let step = core::mem::replace(&mut self.step, Step::Name);
        match step {
            Step::Name if typed.is_empty() => self.step = Step::Name,
            Step::Name => self.step = Step::Password { user: typed },
            Step::Password { user } => {
                if !authenticate(config, &user, &typed) {
                    let _ = write!(out, "{LOGIN_FAILED}\r\n\r\n");
                } else if typed.is_empty() {
                    let _ = out.write_str("\r\nChange your password\r\n\r\n");
                    self.step = Step::NewPassword { user };
                } else {
                    return Outcome::LoggedIn(user);
                }
            }
            Step::NewPassword { user } => {
                if typed.is_empty() {
                    let _ = write!(out, "{EMPTY}\r\n\r\n");
                    self.step = Step::NewPassword { user };
                } else {
                    self.step = Step::RepeatPassword { user, first: typed };
                }
            }
            Step::RepeatPassword { user, first } => {
                if typed != first {
                    let _ = write!(out, "{MISMATCH}\r\n\r\n");
                    self.step = Step::NewPassword { user };
                    return Outcome::Waiting;
                }
                let changed = commit(config, sys, |config, entropy| {
                    set_password(config, &user, &first, entropy)
                });
                match changed {
                    Ok(()) => {
                        let _ = out.write_str("Password changed\r\n");
                        return Outcome::LoggedIn(user);
                    }
                    Err(message) => {
                        let _ = write!(out, "{message}\r\n\r\n");
                        self.step = Step::NewPassword { user };
                    }
                }
            }
            Step::OldPassword { user } => self.step = Step::ChangeNew { user, old: typed },
            Step::ChangeNew { user, old } => {
                self.step = Step::ChangeConfirm {
                    user,
                    old,
                    new: typed,
                }
            }
            Step::ChangeConfirm { user, old, new } => {
                let changed = commit(config, sys, |config, entropy| {
                    change_password(config, &user, &old, &new, &typed, entropy)
                });
                if let Err(message) = changed {
                    let _ = write!(out, "{message}\r\n");
                }
                return Outcome::Finished;
            }
        }
        Outcome::Waiting
    }
}

/// Runs `change` on `config` and applies and saves the result; on any failure `config` is restored.
fn commit(
    config: &mut Config,
    sys: &mut dyn SystemControl,
    change: impl FnOnce(&mut Config, u64) -> Result<(), String>,
) -> Result<(), String> {
    let before = config.clone();
    let entropy = sys.entropy();
    let result = change(config, entropy).and_then(|()| sys.apply(config));
    if result.is_err() {
        *config = before;
    }
    result
}

#[cfg(test)]
mod tests;
