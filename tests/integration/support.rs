//! Test fixtures: network namespaces that the tests create and always
//! delete, agents run inside them, and the kernel's state read back the way
//! an operator would (`ip -j`), never through floatip's own word.
//!
//! Only documentation addresses are used (192.0.2.0/24, 198.51.100.0/24,
//! 203.0.113.0/24, 2001:db8::/32), and nothing touches the root namespace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

pub const STOCK_AGENT: &str = "/usr/lib/ocf/resource.d/heartbeat/IPaddr2";

/// Actions an OCF agent may be asked for that IPaddr2 does not implement.
pub const UNKNOWN_ACTIONS: &[&str] = &[
    "notify",
    "promote",
    "demote",
    "reload",
    "migrate_to",
    "reload-agent",
    "no_cmd",
];

pub fn floatip() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_floatip"))
}

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
                        },
                    ));
                }
            }
        }
        found
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
}

/// A node with the interfaces resource-agents' ocft configs expect: eth0
/// and eth1, each a veth to a peer namespace, both up, lo up.
pub struct Node {
    pub ns: Netns,
    pub peer: Netns,
    pub rsctmp: tempdir::TempDir,
}

impl Node {
    pub fn new() -> Node {
        let ns = Netns::new();
        let peer = Netns::new();
        ns.veth_to("eth0", &peer, "eth0");
        ns.veth_to("eth1", &peer, "eth1");
        Node {
            ns,
            peer,
            rsctmp: tempdir::TempDir::new(),
        }
    }

    /// A node whose eth0 carries the base address 192.0.2.1/24.
    pub fn with_base() -> Node {
        let node = Node::new();
        node.ns.ip(&[
            "addr",
            "add",
            "192.0.2.1/24",
            "brd",
            "192.0.2.255",
            "dev",
            "eth0",
        ]);
        node
    }

    /// Runs `agent action` in this node's namespace with exactly these
    /// OCF_RESKEY_ parameters (plus the OCF basics).
    pub fn run(&self, agent: &Path, action: &str, params: &[(&str, &str)]) -> Run {
        let mut env: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| {
                if k.starts_with("OCF_") || k.starts_with("HA_") {
                    (k.to_string(), v.to_string())
                } else {
                    (format!("OCF_RESKEY_{k}"), v.to_string())
                }
            })
            .collect();
        if !env.iter().any(|(k, _)| k == "HA_RSCTMP") {
            env.push(("HA_RSCTMP".into(), self.rsctmp.path().display().to_string()));
        }
        self.run_env(agent, action, &env)
    }

    /// Runs `agent action` with stdio on /dev/null and returns its exit
    /// code: a stock agent's background send_arp would otherwise hold the
    /// pipes until it ends.
    pub fn run_quietly(&self, agent: &Path, action: &str, params: &[(&str, &str)]) -> i32 {
        agent_command_in(&self.ns, agent, action, self.rsctmp.path())
            .envs(params.iter().map(|(k, v)| (format!("OCF_RESKEY_{k}"), *v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run agent")
            .code()
            .unwrap_or(-1)
    }

    pub fn run_env(&self, agent: &Path, action: &str, env: &[(String, String)]) -> Run {
        run_in(&self.ns, agent, action, env)
    }
}

/// `program action` with the environment Pacemaker gives an agent and
/// nothing inherited: PATH, OCF_ROOT, the instance name and HA_RSCTMP.
pub fn agent_command(program: &Path, action: &str, rsctmp: &Path) -> Command {
    let mut command = Command::new(program);
    command.arg(action);
    ocf_environment(&mut command, rsctmp);
    command
}

/// The same, inside `ns` through `ip netns exec`.
pub fn agent_command_in(ns: &Netns, program: &Path, action: &str, rsctmp: &Path) -> Command {
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", &ns.name])
        .arg(program)
        .arg(action);
    ocf_environment(&mut command, rsctmp);
    command
}

pub fn ocf_environment(command: &mut Command, rsctmp: &Path) {
    command
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("OCF_ROOT", "/usr/lib/ocf")
        .env("OCF_RESOURCE_INSTANCE", "vip")
        .env("HA_RSCTMP", rsctmp)
        .stdin(Stdio::null());
}

/// `strace -f -e trace=<filter> -o <trace>` inside `ns`, ready for the
/// traced program and its arguments.
pub fn strace_in(ns: &Netns, filter: &str, trace: &Path) -> Command {
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", &ns.name, "strace", "-f", "-qq", "-e"])
        .arg(format!("trace={filter}"))
        .arg("-o")
        .arg(trace);
    command
}

/// Whether `pid` is a live process: one that exited and waits for init to
/// reap it counts as gone.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                != Some("Z")
        })
        .unwrap_or(false)
}

/// Runs `command` in a process group of its own and waits at most
/// `timeout`; on timeout the whole group is killed (as Pacemaker kills an
/// agent that overruns) and the answer is `None`.
pub fn status_within(command: &mut Command, timeout: std::time::Duration) -> Option<i32> {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    let mut child = command.spawn().expect("spawn");
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status.code().unwrap_or(-1));
        }
        if std::time::Instant::now() > deadline {
            // SAFETY: signals the process group this function created.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Runs `agent action` inside `ns` with the OCF basics and `env`.
pub fn run_in(ns: &Netns, agent: &Path, action: &str, env: &[(String, String)]) -> Run {
    let rsctmp = env
        .iter()
        .find(|(k, _)| k == "HA_RSCTMP")
        .map(|(_, v)| PathBuf::from(v))
        .unwrap_or_else(std::env::temp_dir);
    let output = agent_command_in(ns, agent, action, &rsctmp)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run agent");
    Run::from(output)
}

/// What an agent run left for an observer: its exit code and its output.
#[derive(Debug, Clone)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn exit_reasons(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("ocf-exit-reason:"))
            .collect()
    }

    #[track_caller]
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code; stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Hosts on one Ethernet segment: a bridge in its own namespace, and each
/// host's eth0 a veth port of it, with `192.0.2.<n>/24` as base address.
pub struct Lan {
    pub hosts: Vec<Netns>,
    /// Holds the bridge; dropped (deleted) with the LAN.
    _switch: Netns,
    pub rsctmp: Vec<tempdir::TempDir>,
}

impl Lan {
    pub fn new(host_numbers: &[u8]) -> Lan {
        let switch = Netns::new();
        switch.ip(&["link", "add", "br0", "type", "bridge"]);
        switch.ip(&["link", "set", "br0", "up"]);
        let mut hosts = Vec::new();
        let mut rsctmp = Vec::new();
        for (i, n) in host_numbers.iter().enumerate() {
            let host = Netns::new();
            let port = format!("p{i}");
            host.veth_to("eth0", &switch, &port);
            switch.ip(&["link", "set", &port, "master", "br0"]);
            host.ip(&["addr", "add", &format!("192.0.2.{n}/24"), "dev", "eth0"]);
            hosts.push(host);
            rsctmp.push(tempdir::TempDir::new());
        }
        Lan {
            hosts,
            _switch: switch,
            rsctmp,
        }
    }

    /// Gives host i the address 2001:db8:1234::<i + 1>/64 too (no DAD).
    pub fn add_ipv6(&self) {
        for (i, host) in self.hosts.iter().enumerate() {
            let address = format!("2001:db8:1234::{}/64", i + 1);
            host.ip(&["addr", "add", &address, "dev", "eth0", "nodad"]);
        }
    }

    /// The name of the namespace holding the bridge (ports p0, p1, …).
    #[allow(dead_code)] // used by benches/agents.rs, which includes this file
    pub fn switch_name(&self) -> String {
        self._switch.name.clone()
    }

    /// Runs an agent on host `i`, as [`Node::run`] does.
    pub fn run(&self, i: usize, agent: &Path, action: &str, params: &[(&str, &str)]) -> Run {
        let mut env: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.to_string()))
            .collect();
        env.push((
            "HA_RSCTMP".into(),
            self.rsctmp[i].path().display().to_string(),
        ));
        run_in(&self.hosts[i], agent, action, &env)
    }
}

/// A temporary directory, removed when dropped.
pub mod tempdir {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    static COUNTER: AtomicUsize = AtomicUsize::new(0);

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> TempDir {
            let path = std::env::temp_dir().join(format!(
                "floatip-test-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&path).expect("temp dir");
            TempDir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
