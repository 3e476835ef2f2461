//! A snapshot of the process environment, taken once. Parameters arrive as
//! `OCF_RESKEY_<name>`; by-hand long options are folded in as if they had.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};

#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<OsString, OsString>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os().collect(),
        }
    }

    /// An environment of exactly these variables (preflight's: what
    /// Pacemaker would pass a resource).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Env {
        Env {
            vars: vars
                .into_iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect(),
        }
    }

    #[cfg(test)]
    pub fn from_pairs<K: Into<OsString>, V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable as text; `None` when unset or not valid UTF-8 (use
    /// [`Env::get_os`] where the difference matters).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_os(key).and_then(OsStr::to_str)
    }

    pub fn get_os(&self, key: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(key)).map(OsString::as_os_str)
    }

    /// `OCF_RESKEY_<name>`, raw.
    pub fn param(&self, name: &str) -> Option<&OsStr> {
        self.get_os(&format!("OCF_RESKEY_{name}"))
    }

    pub fn set_param(&mut self, name: &str, value: OsString) {
        self.vars.insert(format!("OCF_RESKEY_{name}").into(), value);
    }

    #[cfg(test)]
    pub fn set(&mut self, key: &str, value: impl Into<OsString>) {
        self.vars.insert(key.into(), value.into());
    }
}
