//! The fixtures of tests/support (the floatip-testkit crate), the binary
//! under test, and the few helpers several trial files share: a watchdog
//! on an action, the node's processes, the kernel's copies of a VIP.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

pub use testkit::agent::status_within;
pub use testkit::*;

pub fn floatip() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_floatip"))
}

/// A live process of the node (exited ones waiting for init are gone).
pub fn live(ns: &Netns) -> Vec<u32> {
    ns.pids().into_iter().filter(|pid| alive(*pid)).collect()
}

/// Waits (briefly) for the node's processes to end: socket keepers let go
/// a grace period after the agent exits.
pub fn settled(ns: &Netns) -> Vec<u32> {
    let began = Instant::now();
    loop {
        let left = live(ns);
        if left.is_empty() || began.elapsed() > Duration::from_secs(3) {
            return left;
        }
        sleep(Duration::from_millis(20));
    }
}

/// Far longer than any action takes when it works: an action still
/// running then has hung.
pub const WATCHDOG: Duration = Duration::from_secs(15);

/// An agent action in `node` with these parameters and environment
/// (`OCF_`/`HA_` names as they are, others as OCF_RESKEY_), bounded by
/// the watchdog; `None` when it had to be killed.
pub fn bounded(node: &Node, action: &str, params: &[(&str, &str)]) -> Option<i32> {
    node.agent(&floatip(), action)
        .params(params)
        .quiet()
        .status_within(WATCHDOG)
}

#[track_caller]
pub fn expect_code(got: Option<i32>, want: i32, what: &str) {
    assert_eq!(got, Some(want), "{what}: None means it hung");
}

pub fn mkfifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
}

/// The copies of `ip` the kernel holds, one line of `ip -o` each (its
/// JSON is not valid with hostile interface names: it passes control
/// bytes through).
pub fn copies_of(node: &Node, ip: &str) -> Vec<String> {
    let out = Command::new("ip")
        .args(["-n", &node.ns.name, "-o", "addr", "show", "to", ip])
        .output()
        .expect("ip");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}
