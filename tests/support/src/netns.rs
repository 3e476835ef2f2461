//! Network namespaces, deleted when dropped (also when a test panics),
//! and the kernel's view of them read back with `ip -j`.

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The namespace prefix of this test run, so leftovers can be found.
pub fn run_prefix() -> String {
    format!("fipt{}", std::process::id())
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Runs a command that must succeed (test setup), with its output on failure.
pub fn sh(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A network namespace, deleted when dropped (also when a test panics).
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new() -> Netns {
        let name = format!(
            "{}n{}",
            run_prefix(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        sh("ip", &["netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n <ns> ...`, which must succeed.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut full = vec!["-n", &self.name];
        full.extend_from_slice(args);
        sh("ip", &full)
    }

    /// A shell command inside the namespace; returns its exit status.
    pub fn bash(&self, script: &str, env: &BTreeMap<String, String>) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.name, "bash", "-c", script])
            .env_clear()
            .envs(env)
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .output()
            .expect("ip netns exec bash")
    }

    /// Creates a veth pair: `name` here, `peer_name` in `peer`; both up.
    pub fn veth_to(&self, name: &str, peer: &Netns, peer_name: &str) {
        self.ip(&[
            "link", "add", name, "type", "veth", "peer", "name", peer_name, "netns", &peer.name,
        ]);
        self.ip(&["link", "set", name, "up"]);
        peer.ip(&["link", "set", peer_name, "up"]);
    }

    /// One ping from this namespace; true when it was answered.
    pub fn ping(&self, ip: &str) -> bool {
        Command::new("ip")
            .args([
                "netns", "exec", &self.name, "ping", "-c", "1", "-W", "2", "-q", ip,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The MAC address of `dev`, as `ip -j link` reports it.
    pub fn mac(&self, dev: &str) -> String {
        let out = self.ip(&["-j", "link", "show", "dev", dev]);
        let json: Value = serde_json::from_str(&out).unwrap();
        json[0]["address"].as_str().unwrap().to_owned()
    }

    /// This namespace's neighbour entry for `ip`: its MAC, if it has one.
    pub fn neighbour_mac(&self, ip: &str) -> Option<String> {
        let out = self.ip(&["-j", "neigh", "show", ip]);
        let json: Value = serde_json::from_str(&out).unwrap_or(Value::Null);
        json.as_array()?
            .iter()
            .find_map(|n| n["lladdr"].as_str().map(str::to_owned))
    }

    /// Processes running in this namespace.
    pub fn pids(&self) -> Vec<u32> {
        sh("ip", &["netns", "pids", &self.name])
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// Every interface's addresses matching `ip`: (interface, address).
    pub fn find(&self, ip: &str) -> Vec<(String, AddrInfo)> {
        let out = sh("ip", &["-n", &self.name, "-j", "addr", "show"]);
        let json: Value = serde_json::from_str(&out).unwrap();
        let mut found = Vec::new();
        for link in json.as_array().into_iter().flatten() {
            let ifname = link["ifname"].as_str().unwrap_or("").to_owned();
            for a in link["addr_info"].as_array().into_iter().flatten() {
                if a["local"].as_str() == Some(ip) {
                    found.push((
                        ifname.clone(),
                        AddrInfo {
                            local: ip.to_owned(),
                            prefix_len: a["prefixlen"].as_u64().unwrap_or(0) as u8,
                            broadcast: a["broadcast"].as_str().map(str::to_owned),
                            label: a["label"].as_str().map(str::to_owned),
                            noprefixroute: a["noprefixroute"].as_bool().unwrap_or(false),
                            nodad: a["nodad"].as_bool().unwrap_or(false),
                            metric: a["metric"].as_u64(),
                        },
                    ));
                }
            }
        }
        found
    }

    /// The IPv6 address label of `ip`/128, as `ip addrlabel list` shows
    /// it.
    pub fn addrlabel(&self, ip: &str) -> Option<u64> {
        let out = sh("ip", &["-n", &self.name, "-j", "addrlabel", "list"]);
        let json: Value = serde_json::from_str(&out).ok()?;
        json.as_array()?
            .iter()
            .find(|entry| {
                entry["address"].as_str() == Some(ip) && entry["prefixlen"].as_u64() == Some(128)
            })
            .and_then(|entry| entry["label"].as_u64())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Processes left in the namespace (a stock send_arp) would keep
        // it alive: end them first.
        let _ = Command::new("ip")
            .args(["netns", "pids", &self.name])
            .output()
            .map(|out| {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            });
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Removes any namespace this run left behind (after a panic in Drop).
pub fn remove_leftover_namespaces() {
    let out = Command::new("ip").args(["netns", "list"]).output();
    if let Ok(out) = out {
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            if name.starts_with(&run_prefix()) {
                let _ = Command::new("ip").args(["netns", "del", name]).status();
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrInfo {
    pub local: String,
    pub prefix_len: u8,
    pub broadcast: Option<String>,
    pub label: Option<String>,
    pub noprefixroute: bool,
    /// IFA_F_NODAD: the kernel runs no duplicate address detection.
    pub nodad: bool,
    /// IFA_RT_PRIORITY: the metric of the address's prefix route, where
    /// one was given.
    pub metric: Option<u64>,
}
