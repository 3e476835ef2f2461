//! The stock IPaddr2 agents floatip is compared with, by exact Debian
//! package version: the installed one (Debian 12's 1:4.12.0-2) and the
//! newer ones `scripts/stock-agents` fetches, checked by SHA256 and
//! extracted into its cache (`$FLOATIP_STOCK_AGENTS`, else
//! /var/cache/floatip/stock-agents). A version that is not there fails
//! with its name: a comparison never silently runs another version.
//!
//! An extracted agent runs with OCF_FUNCTIONS_DIR at its own
//! `lib/heartbeat` (its findif.sh and ocf-shellfuncs) and Debian 12's
//! send_arp and send_ua (the newer ones need glibc 2.38).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::agent::STOCK_AGENT;

/// The version of the installed package the tests expect.
pub const INSTALLED: &str = "1:4.12.0-2";

/// Where `scripts/stock-agents` keeps what it fetched.
pub fn cache() -> PathBuf {
    std::env::var_os("FLOATIP_STOCK_AGENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/floatip/stock-agents"))
}

/// One stock agent, ready to run.
#[derive(Debug, Clone)]
pub struct StockAgent {
    /// The Debian package version, e.g. `1:4.16.0-3+deb13u2`.
    pub version: String,
    pub agent: PathBuf,
    /// OCF_FUNCTIONS_DIR for an extracted agent; `None` for the installed
    /// one.
    pub functions: Option<PathBuf>,
}

impl StockAgent {
    /// The installed agent, which must be exactly [`INSTALLED`].
    pub fn installed() -> StockAgent {
        let out = Command::new("dpkg-query")
            .args(["-W", "-f=${Version}", "resource-agents"])
            .output()
            .expect("dpkg-query");
        let version = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            version, INSTALLED,
            "the installed resource-agents is {version:?}, the tests compare with {INSTALLED}"
        );
        StockAgent {
            version,
            agent: PathBuf::from(STOCK_AGENT),
            functions: None,
        }
    }

    /// `version` as `scripts/stock-agents` extracted it.
    pub fn fetched(version: &str) -> StockAgent {
        Self::fetched_in(&cache(), version)
    }

    /// `version` as extracted into `cache`.
    pub fn fetched_in(cache: &Path, version: &str) -> StockAgent {
        let root = cache.join(version).join("root");
        let agent = root.join("usr/lib/ocf/resource.d/heartbeat/IPaddr2");
        let functions = root.join("usr/lib/ocf/lib/heartbeat");
        assert!(
            agent.is_file()
                && functions.join("findif.sh").is_file()
                && cache.join(version).join("verified").is_file(),
            "resource-agents {version} is not in {}: run scripts/stock-agents first",
            cache.display()
        );
        StockAgent {
            version: version.to_owned(),
            agent,
            functions: Some(functions),
        }
    }

    /// The agent for a package version: the installed one or a fetched one.
    pub fn of(version: &str) -> StockAgent {
        if version == INSTALLED {
            Self::installed()
        } else {
            Self::fetched(version)
        }
    }

    /// The environment the agent needs besides Pacemaker's.
    pub fn env(&self) -> Vec<(String, String)> {
        self.functions
            .iter()
            .map(|dir| ("OCF_FUNCTIONS_DIR".to_owned(), dir.display().to_string()))
            .collect()
    }
}
