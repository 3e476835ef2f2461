//! The newer stock agents the differential test compares with, as
//! `scripts/stock-agents` fetches them: by exact version, checked by
//! SHA256, through a private apt configuration that leaves the machine's
//! own (sources, pins, lists, caches) exactly as it was; a version Debian
//! no longer carries or a checksum that differs fails by name, and a
//! missing one is never replaced by another. These trials reach Debian's
//! archive (a package registry) and nothing else.

use std::path::Path;
use std::process::Command;

use libtest_mimic::Trial;

use crate::support::*;

pub fn trials() -> Vec<Trial> {
    trials!("stock_agents":
        fetching_leaves_the_machines_apt_alone,
        a_checksum_that_differs_fails,
        a_version_debian_no_longer_carries_fails,
        a_missing_reference_is_named,
    )
}

const LIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/stock-agents.sha256");

/// Every file of the machine's apt configuration and state, with its size
/// and modification time.
fn apt_state() -> Vec<String> {
    let out = Command::new("find")
        .args([
            "/etc/apt",
            "/var/lib/apt",
            "/var/cache/apt",
            "-printf",
            "%p %s %T@\n",
        ])
        .output()
        .expect("find");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

fn fetch(cache: &Path, list: &Path) -> std::process::Output {
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/stock-agents"))
        .arg(cache)
        .env("FLOATIP_STOCK_AGENTS_LIST", list)
        .output()
        .expect("scripts/stock-agents")
}

/// (sha256, version) of each listed reference.
fn listed() -> Vec<(String, String)> {
    std::fs::read_to_string(LIST)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (words[0].to_owned(), words[1].to_owned())
        })
        .collect()
}

fn fetching_leaves_the_machines_apt_alone() {
    let cache = TempDir::new();
    let before = apt_state();
    let out = fetch(cache.path(), Path::new(LIST));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        apt_state(),
        before,
        "the machine's apt configuration changed"
    );
    for (sha, version) in listed() {
        let agent = StockAgent::fetched_in(cache.path(), &version);
        assert!(agent.agent.is_file(), "{version}");
        let verified =
            std::fs::read_to_string(cache.path().join(&version).join("verified")).unwrap();
        assert_eq!(verified.trim(), sha, "{version}");
    }
    // Nothing of apt's scratch state is left beside the references.
    assert!(!cache.path().join("apt").exists());
}

fn a_checksum_that_differs_fails() {
    let cache = TempDir::new();
    let (_, version) = listed().remove(0);
    let list = cache.path().join("list");
    let wrong = "0".repeat(64);
    std::fs::write(&list, format!("{wrong}  {version}  trixie\n")).unwrap();
    let out = fetch(&cache.path().join("cache"), &list);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains(&version) && said.contains("SHA256"), "{said}");
    assert!(
        !cache.path().join("cache").join(&version).exists(),
        "nothing extracted"
    );
}

fn a_version_debian_no_longer_carries_fails() {
    let cache = TempDir::new();
    let list = cache.path().join("list");
    std::fs::write(&list, format!("{}  1:4.16.0-1  trixie\n", "0".repeat(64))).unwrap();
    let out = fetch(&cache.path().join("cache"), &list);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("1:4.16.0-1") && said.contains("not in Debian"),
        "{said}"
    );
}

fn a_missing_reference_is_named() {
    let cache = TempDir::new();
    let (_, version) = listed().remove(0);
    let missing = std::panic::catch_unwind(|| StockAgent::fetched_in(cache.path(), &version));
    let message = missing
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .expect("a missing reference fails");
    assert!(
        message.contains(&version) && message.contains("scripts/stock-agents"),
        "{message}"
    );
}
