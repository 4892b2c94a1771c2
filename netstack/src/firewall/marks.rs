//! [`MarkNames`]: interns mark names (`new-connection-mark=web`) into the `u32` ids that travel in
//! [`crate::packet::Meta`] and conntrack entries. `no-mark` is id 0, the unmarked state, as on RouterOS.
//!
//! Ids are stable for the life of the interner (names are never freed, so a connection marked before a
//! recompile keeps a meaningful mark), and the number of names is capped at [`MAX_MARK_NAMES`].

use alloc::string::String;
use alloc::vec::Vec;

use hashbrown::HashMap;

use crate::packet::Mark;

/// The name that means "unmarked".
pub const NO_MARK: &str = "no-mark";
/// Most distinct mark names.
pub const MAX_MARK_NAMES: usize = 65_535;

/// Mark name ⇄ id.
#[derive(Clone, Debug, Default)]
pub struct MarkNames {
    ids: HashMap<String, Mark>,
    names: Vec<String>,
}

impl MarkNames {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, allocating one if new; `no-mark` is 0. None when the table is full.
    pub fn intern(&mut self, name: &str) -> Option<Mark> {
        if name == NO_MARK {
            return Some(0);
        }
        if let Some(&id) = self.ids.get(name) {
            return Some(id);
        }
        if self.names.len() >= MAX_MARK_NAMES {
            return None;
        }
        self.names.push(String::from(name));
        let id = self.names.len() as Mark;
        self.ids.insert(String::from(name), id);
        Some(id)
    }

    /// The id of a known name.
    pub fn get(&self, name: &str) -> Option<Mark> {
        if name == NO_MARK {
            Some(0)
        } else {
            self.ids.get(name).copied()
        }
    }

    /// The name of an id (`no-mark` for 0).
    pub fn name(&self, id: Mark) -> Option<&str> {
        if id == 0 {
            return Some(NO_MARK);
        }
        self.names
            .get(usize::try_from(id).ok()?.checked_sub(1)?)
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_no_mark_is_zero() {
        let mut m = MarkNames::new();
        assert_eq!(m.intern("no-mark"), Some(0));
        let web = m.intern("web").unwrap();
        assert_ne!(web, 0);
        assert_eq!(m.intern("web"), Some(web));
        assert_ne!(m.intern("voip"), Some(web));
        assert_eq!(m.name(web), Some("web"));
        assert_eq!(m.name(0), Some("no-mark"));
        assert_eq!(m.name(999), None);
        assert_eq!(m.get("nope"), None);
    }
}
