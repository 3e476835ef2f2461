//! Hardening II: no action hangs, aborts or lies. Each class reproduces a
//! way an action could hang past its timeout, abort without an OCF code,
//! or answer success while the VIP is still configured, and checks what a
//! cluster would observe: the exit code, the kernel's addresses, the
//! processes left, all within a watchdog that kills an overrunning action
//! as Pacemaker would.
//!
//! Everything runs in the test's own network namespaces; where /dev/log or
//! /run/netns must be shaped, in a private mount namespace inside them.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::support::{alive, floatip, status_within, Node, Run, TempDir};

const VIP: &str = "192.0.2.10";
const OTHER_VIP: &str = "192.0.2.11";
const V6: &str = "2001:db8:1234::10";

/// Far longer than any action takes when it works: an action still
/// running then has hung.
const WATCHDOG: Duration = Duration::from_secs(15);

pub fn trials() -> Vec<Trial> {
    trials!("hardening_ii":
        log_files_that_cannot_take_a_line,
        log_fifo_with_a_reader_gets_the_lines,
        syslog_missing_or_full,
        failing_stdout_and_stderr,
        huge_counts_stay_bounded,
        huge_garp_targets_list,
        vip_left_elsewhere_when_the_nic_goes,
        planted_state_files,
        state_files_modes_whatever_the_umask,
        sender_identity_is_exact,
        namespace_entries_that_are_not_namespaces,
        dadfailed_copy_is_started_afresh,
        copy_on_a_down_link_gets_the_link_up,
        stop_kills_a_stubborn_sender_within_its_budget,
    )
}

/// An agent action in `node` with these parameters and environment
/// (`OCF_`/`HA_` names as they are, others as OCF_RESKEY_), bounded by
/// the watchdog; `None` when it had to be killed.
fn bounded(node: &Node, action: &str, params: &[(&str, &str)]) -> Option<i32> {
    node.agent(&floatip(), action)
        .params(params)
        .quiet()
        .status_within(WATCHDOG)
}

#[track_caller]
fn expect_code(got: Option<i32>, want: i32, what: &str) {
    assert_eq!(got, Some(want), "{what}: None means it hung");
}

fn mkfifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
}

/// Log destinations that cannot take a line (a FIFO without a reader, a
/// socket, a directory, a full device, a read-only file): every action
/// still ends with its own code, promptly, and the VIP is as it should be.
fn log_files_that_cannot_take_a_line() {
    let dir = TempDir::new();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let socket = dir.path().join("socket");
    let _listener = UnixListener::bind(&socket).unwrap();
    let targets: Vec<PathBuf> = vec![
        fifo,
        socket,
        dir.path().to_path_buf(),
        PathBuf::from("/dev/full"),
        PathBuf::from("/proc/version"),
    ];
    for target in &targets {
        let node = Node::with_base();
        let path = target.display().to_string();
        for variable in ["HA_LOGFILE", "HA_DEBUGLOG"] {
            let p = [("ip", VIP), (variable, path.as_str()), ("HA_debug", "1")];
            let what = format!("{variable}={path}");
            expect_code(bounded(&node, "start", &p), 0, &format!("start, {what}"));
            expect_code(
                bounded(&node, "monitor", &p),
                0,
                &format!("monitor, {what}"),
            );
            expect_code(bounded(&node, "stop", &p), 0, &format!("stop, {what}"));
            assert!(node.ns.find(VIP).is_empty(), "{what}: the VIP stayed");
            let bad = [("ip", "bogus"), (variable, path.as_str())];
            expect_code(
                bounded(&node, "start", &bad),
                6,
                &format!("bad start, {what}"),
            );
        }
    }
}

/// A FIFO with a reader, and a regular file, keep working as with the
/// stock agent: the lines arrive.
fn log_fifo_with_a_reader_gets_the_lines() {
    let dir = TempDir::new();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || fs::read_to_string(reader_path).unwrap());
    // Opened for writing too, so the reader's open returns and the FIFO
    // has a reader for the agent; closed once the agent is done.
    let holder = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let node = Node::with_base();
    let p = [("ip", VIP), ("HA_LOGFILE", fifo.to_str().unwrap())];
    expect_code(bounded(&node, "start", &p), 0, "start");
    drop(holder);
    let text = reader.join().unwrap();
    assert!(text.contains("Adding inet address"), "{text}");
    let file = dir.path().join("log");
    let p = [("ip", VIP), ("HA_LOGFILE", file.to_str().unwrap())];
    expect_code(bounded(&node, "stop", &p), 0, "stop");
    assert!(fs::read_to_string(&file)
        .unwrap()
        .contains("IP status = ok"));
}

/// /dev/log missing, or its queue full (a listener that never reads): the
/// actions neither block nor fail. Run in a mount namespace whose /dev is
/// a tmpfs of the test's.
fn syslog_missing_or_full() {
    for (setting, listener) in [("missing", ""), ("full", FULL_LISTENER)] {
        let node = Node::with_base();
        let dir = TempDir::new();
        let script = format!(
            r#"set -e
mkdir -p {dir}/olddev && mount --bind /dev {dir}/olddev
mount -t tmpfs tmpfs /dev
for n in null zero urandom; do touch /dev/$n; mount --bind {dir}/olddev/$n /dev/$n; done
{listener}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=daemon HA_debug=1 \
    OCF_RESOURCE_INSTANCE=vip OCF_RESKEY_ip={VIP} HA_RSCTMP={dir}/rsc
# Enough lines to fill a queue of 10 datagrams several times over.
for i in 1 2 3 4 5 6 7 8; do {agent} start >/dev/null 2>&1; {agent} stop >/dev/null 2>&1; done
{agent} start >/dev/null 2>&1; echo start=$?
{agent} monitor >/dev/null 2>&1; echo monitor=$?
{agent} stop >/dev/null 2>&1; echo stop=$?
[ -z "${{listener:-}}" ] || kill $listener"#,
            dir = dir.path().display(),
            agent = floatip().display(),
        );
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &node.ns.name, "unshare", "--mount"])
            .args(["--propagation", "private", "sh", "-c", &script])
            .stdout(Stdio::piped());
        command.process_group(0);
        let child = command.spawn().unwrap();
        let began = Instant::now();
        let output = child.wait_with_output().unwrap();
        assert!(began.elapsed() < WATCHDOG, "{setting}: the actions hung");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            out.contains("start=0") && out.contains("monitor=0") && out.contains("stop=0"),
            "/dev/log {setting}: {out}"
        );
        assert!(node.ns.find(VIP).is_empty());
    }
}

/// A datagram socket at /dev/log that is never read: its queue fills
/// after a few lines, and a blocking syslog() would then hang.
const FULL_LISTENER: &str = r#"python3 -c '
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
s.bind("/dev/log")
time.sleep(30)' >/dev/null 2>&1 &
listener=$!
sleep 0.3"#;

/// stdout and stderr that fail (a full device, a closed pipe): the action
/// ends with its own code, never an abort.
fn failing_stdout_and_stderr() {
    let node = Node::with_base();
    for (name, stdio) in [("full", "/dev/full"), ("closed pipe", "")] {
        let run = |action: &str, params: &[(&str, &str)], stream: &str| -> Option<i32> {
            let mut command = node.agent(&floatip(), action).params(params).command();
            let target = || -> Stdio {
                if stdio.is_empty() {
                    // A pipe whose reading end is already closed: EPIPE.
                    let (reader, writer) = nix::unistd::pipe().unwrap();
                    drop(reader);
                    Stdio::from(writer)
                } else {
                    Stdio::from(fs::OpenOptions::new().write(true).open(stdio).unwrap())
                }
            };
            if stream == "stderr" {
                command.stdout(Stdio::null()).stderr(target());
            } else {
                command.stderr(Stdio::null()).stdout(target());
            }
            status_within(&mut command, WATCHDOG)
        };
        let what = |action: &str| format!("{action} with stderr {name}");
        expect_code(
            run("start", &[("ip", "bogus")], "stderr"),
            6,
            &what("bad start"),
        );
        expect_code(run("start", &[("ip", VIP)], "stderr"), 0, &what("start"));
        expect_code(
            run("monitor", &[("ip", VIP)], "stderr"),
            0,
            &what("monitor"),
        );
        expect_code(run("stop", &[("ip", VIP)], "stderr"), 0, &what("stop"));
        expect_code(run("monitor", &[("ip", VIP)], "stderr"), 7, &what("probe"));
        expect_code(run("notify", &[("ip", VIP)], "stderr"), 3, &what("notify"));
        // Nothing is lost but the output: meta-data that cannot be
        // written is a failure (1), not an abort (134).
        expect_code(
            run("meta-data", &[], "stdout"),
            1,
            &format!("meta-data, stdout {name}"),
        );
        expect_code(
            run("status", &[("ip", VIP)], "stdout"),
            7,
            &format!("status, stdout {name}"),
        );
        assert!(node.ns.find(VIP).is_empty());
    }
}

/// The largest counts the parser accepts: start returns at once with a
/// background sender of bounded memory, a foreground run ends inside the
/// action's timeout, and a refresh inside the monitor's.
fn huge_counts_stay_bounded() {
    let node = Node::with_base();
    let huge = "4294967295";
    let p = [("ip", VIP), ("garp_count", huge), ("arp_interval", "1")];
    expect_code(bounded(&node, "start", &p), 0, "start, huge garp_count");
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let pid: u32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    sleep(Duration::from_millis(300));
    assert!(alive(pid), "the background sender runs");
    let rss_kib = rss_kib(pid);
    assert!(
        rss_kib < 16 * 1024,
        "the sender's memory is bounded: {rss_kib} KiB"
    );
    expect_code(bounded(&node, "stop", &p), 0, "stop");
    assert!(!alive(pid), "stop ended the sender");
    assert!(node.ns.find(VIP).is_empty());

    // Foreground, within a 3 s timeout (less its margin).
    let p = [
        ("ip", VIP),
        ("arp_count", huge),
        ("arp_bg", "false"),
        ("OCF_RESKEY_CRM_meta_timeout", "3000"),
    ];
    answers_within(&node, "start", &p, 0, Duration::from_secs(3));
    let p = [
        ("ip", VIP),
        ("arp_count_refresh", huge),
        ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ("OCF_RESKEY_CRM_meta_timeout", "2000"),
    ];
    answers_within(&node, "monitor", &p, 0, Duration::from_secs(2));
    expect_code(bounded(&node, "stop", &[("ip", VIP)]), 0, "stop");
}

/// The action answers `code`, and inside `limit` (its timeout).
#[track_caller]
fn answers_within(node: &Node, action: &str, params: &[(&str, &str)], code: i32, limit: Duration) {
    let began = Instant::now();
    expect_code(bounded(node, action, params), code, action);
    let took = began.elapsed();
    assert!(
        took < limit,
        "{action} took {took:?}, past its timeout {limit:?}"
    );
}

fn rss_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// A garp_targets list of 100 KB: start answers at once and warns that
/// only the first 256 are addressed.
fn huge_garp_targets_list() {
    let node = Node::with_base();
    // Just over 100 KB: one environment string may not exceed 128 KiB.
    let list: Vec<String> = (0..6_000)
        .map(|i| format!("192.0.2.{}", 2 + i % 250))
        .chain((0..3_000).map(|i| format!("198.51.100.{}", 1 + i % 250)))
        .collect();
    let list = list.join(",");
    assert!(list.len() > 100_000);
    let p = [
        ("ip", VIP),
        ("garp_targets", list.as_str()),
        ("arp_bg", "false"),
    ];
    let run: Run = node.run(&floatip(), "start", &p);
    run.expect(0);
    assert!(run.stderr.contains("only the first 256"), "{}", run.stderr);
    expect_code(bounded(&node, "stop", &[("ip", VIP)]), 0, "stop");
}

/// The configured nic renamed, or removed with a copy of the VIP on
/// another interface: the resource is here in the wrong place. Probe and
/// monitor 1 (never 7), stop removes that copy and answers 0 once gone.
fn vip_left_elsewhere_when_the_nic_goes() {
    let p = [("ip", VIP), ("nic", "eth1"), ("cidr_netmask", "24")];
    let recurring = [
        ("ip", VIP),
        ("nic", "eth1"),
        ("cidr_netmask", "24"),
        ("OCF_RESKEY_CRM_meta_interval", "10000"),
    ];
    // Renamed: the address goes with the interface.
    let node = Node::with_base();
    expect_code(bounded(&node, "start", &p), 0, "start");
    node.ns.ip(&["link", "set", "eth1", "down"]);
    node.ns.ip(&["link", "set", "eth1", "name", "eth7"]);
    expect_code(bounded(&node, "monitor", &p), 1, "probe, nic renamed");
    expect_code(
        bounded(&node, "monitor", &recurring),
        1,
        "monitor, nic renamed",
    );
    expect_code(bounded(&node, "stop", &p), 0, "stop, nic renamed");
    assert!(node.ns.find(VIP).is_empty(), "stop left the renamed copy");
    expect_code(bounded(&node, "monitor", &p), 7, "probe after stop");

    // Removed, with the VIP moved by hand to eth0.
    let node = Node::with_base();
    expect_code(bounded(&node, "start", &p), 0, "start");
    node.ns.ip(&["link", "del", "eth1"]);
    node.ns
        .ip(&["addr", "add", &format!("{VIP}/24"), "dev", "eth0"]);
    expect_code(bounded(&node, "monitor", &p), 1, "probe, copy elsewhere");
    expect_code(bounded(&node, "stop", &p), 0, "stop, copy elsewhere");
    assert!(node.ns.find(VIP).is_empty(), "stop left the copy on eth0");

    // A loopback copy never counts: LVS-DR and anycast hosts keep it.
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", &format!("{VIP}/32"), "dev", "lo"]);
    expect_code(
        bounded(&node, "monitor", &[("ip", VIP)]),
        7,
        "probe, copy on lo",
    );
    expect_code(
        bounded(&node, "stop", &[("ip", VIP)]),
        0,
        "stop, copy on lo",
    );
    assert_eq!(node.ns.find(VIP).len(), 1, "stop removed the loopback copy");
}

/// Pid files and the LVS record that are FIFOs, symlinks (to /dev/zero),
/// directories or huge: stop neither hangs nor trusts them, and removes
/// the VIP.
fn planted_state_files() {
    let node = Node::with_base();
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let record = node.rsctmp.path().join(VIP);
    type Plant = fn(&Path);
    let plants: [(&str, Plant); 5] = [
        ("a FIFO", |p| mkfifo(p)),
        ("a symlink to /dev/zero", |p| {
            symlink("/dev/zero", p).unwrap()
        }),
        ("a symlink to a FIFO", |p| {
            let target = p.with_extension("target");
            mkfifo(&target);
            symlink(&target, p).unwrap();
        }),
        ("a directory", |p| fs::create_dir(p).unwrap()),
        ("huge", |p| fs::write(p, vec![b'7'; 10 << 20]).unwrap()),
    ];
    for (what, plant) in plants {
        for (file, params) in [
            (&pid_file, vec![("ip", VIP)]),
            (&record, vec![("ip", VIP), ("lvs_support", "true")]),
        ] {
            expect_code(bounded(&node, "start", &params), 0, "start");
            let _ = fs::remove_file(file);
            let _ = fs::remove_file(file.with_extension("target"));
            plant(file);
            let began = Instant::now();
            expect_code(
                bounded(&node, "stop", &params),
                0,
                &format!("stop, {} is {what}", file.display()),
            );
            assert!(
                began.elapsed() < Duration::from_secs(5),
                "stop took {:?}",
                began.elapsed()
            );
            assert!(
                node.ns.find(VIP).iter().all(|(dev, _)| dev == "lo"),
                "{what}: the VIP stayed"
            );
            let _ = fs::remove_dir(file);
            let _ = fs::remove_file(file);
            let _ = fs::remove_file(file.with_extension("target"));
        }
    }
    assert!(fs::read_to_string("/dev/null").is_ok());
}

/// Under a umask of 077 (and one of 000) the pid file, its companion and
/// the directories created for them get 0644 and 0755.
fn state_files_modes_whatever_the_umask() {
    for umask in ["077", "000"] {
        let node = Node::with_base();
        let rsctmp = node.rsctmp.path().join("deeper").join("rsc");
        let script = format!("umask {umask}; exec {} start", floatip().display());
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &node.ns.name, "sh", "-c", &script])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("OCF_RESKEY_ip", VIP)
            .env("OCF_RESKEY_garp_count", "20")
            .env("HA_RSCTMP", &rsctmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        expect_code(status_within(&mut command, WATCHDOG), 0, "start");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let pid_file = rsctmp.join(format!("send_arp-{VIP}"));
        let text = fs::read_to_string(&pid_file).unwrap();
        assert!(
            text.ends_with('\n') && text.trim().parse::<u32>().is_ok() && text.lines().count() == 1,
            "the pid file is one line, the bare pid: {text:?}"
        );
        assert_eq!(mode(&pid_file), 0o644, "umask {umask}");
        assert_eq!(
            mode(&rsctmp.join(format!("send_arp-{VIP}.floatip-start"))),
            0o644
        );
        assert_eq!(mode(&rsctmp), 0o755, "umask {umask}");
        assert_eq!(mode(rsctmp.parent().unwrap()), 0o755, "umask {umask}");
        let p = [("ip", VIP), ("HA_RSCTMP", rsctmp.to_str().unwrap())];
        expect_code(bounded(&node, "stop", &p), 0, "stop");
        assert!(!pid_file.exists());
    }
}

/// Only the process that was forked as this VIP's sender is signalled:
/// not another resource's sender named by a forged pid file (with or
/// without a forged companion), not another floatip process.
fn sender_identity_is_exact() {
    let node = Node::with_base();
    let rsctmp = node.rsctmp.path();
    // Another VIP's sender: a floatip process that runs for a long time.
    let other = [("ip", OTHER_VIP), ("garp_count", "1000")];
    expect_code(bounded(&node, "start", &other), 0, "start the other VIP");
    let other_pid_file = rsctmp.join(format!("send_arp-{OTHER_VIP}"));
    let other_pid = fs::read_to_string(&other_pid_file)
        .unwrap()
        .trim()
        .to_owned();
    let companion =
        fs::read_to_string(rsctmp.join(format!("send_arp-{OTHER_VIP}.floatip-start"))).unwrap();
    let ticks = companion.split_whitespace().nth(1).unwrap().to_owned();

    let ours = [("ip", VIP), ("arp_count", "1")];
    let pid_file = rsctmp.join(format!("send_arp-{VIP}"));
    let companion_file = rsctmp.join(format!("send_arp-{VIP}.floatip-start"));
    let forgeries: [(&str, Option<String>); 3] = [
        ("no companion", None),
        (
            "a companion with another start time",
            Some(format!("{other_pid} 1\n")),
        ),
        (
            "a companion naming another pid",
            Some(format!("1 {ticks}\n")),
        ),
    ];
    for (what, forged) in forgeries {
        expect_code(bounded(&node, "start", &ours), 0, "start");
        fs::write(&pid_file, format!("{other_pid}\n")).unwrap();
        let _ = fs::remove_file(&companion_file);
        if let Some(text) = &forged {
            fs::write(&companion_file, text).unwrap();
        }
        expect_code(bounded(&node, "stop", &ours), 0, "stop");
        assert!(
            alive(other_pid.parse().unwrap()),
            "{what}: stop signalled another resource's sender"
        );
        assert!(!pid_file.exists() && !companion_file.exists());
    }
    // The genuine article is ended.
    expect_code(bounded(&node, "stop", &other), 0, "stop the other VIP");
    assert!(!alive(other_pid.parse().unwrap()));
}

/// /run/netns/<name> that is a FIFO, a plain file or a directory: stop 0,
/// probe 7, start 5, none of them hanging. Shaped in a private mount
/// namespace inside the node's network namespace.
fn namespace_entries_that_are_not_namespaces() {
    let node = Node::with_base();
    let script = format!(
        r#"mount -t tmpfs tmpfs /run/netns
mkfifo /run/netns/fifo
echo x > /run/netns/file
mkdir /run/netns/dir
export PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESKEY_ip={VIP} HA_RSCTMP={rsc}
for ns in fifo file dir; do
    for action in stop monitor start; do
        OCF_RESKEY_network_namespace=$ns timeout -s KILL 10 {agent} $action >/dev/null 2>&1
        echo "$ns $action $?"
    done
done"#,
        rsc = node.rsctmp.path().display(),
        agent = floatip().display()
    );
    let out = Command::new("ip")
        .args(["netns", "exec", &node.ns.name, "unshare", "--mount"])
        .args(["--propagation", "private", "sh", "-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for ns in ["fifo", "file", "dir"] {
        for (action, code) in [("stop", 0), ("monitor", 7), ("start", 5)] {
            let line = format!("{ns} {action} {code}");
            assert!(text.lines().any(|l| l == line), "want {line:?} in:\n{text}");
        }
    }
    assert!(node.ns.find(VIP).is_empty());
}

/// A dadfailed copy is not "already started": start removes it and starts
/// afresh, failing (and leaving nothing) while the other holder is there.
fn dadfailed_copy_is_started_afresh() {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
    node.peer
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0", "nodad"]);
    node.ns
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0"]);
    wait_until(|| {
        node.ns
            .ip(&["-6", "addr", "show", "dev", "eth0"])
            .contains("dadfailed")
    });
    let p = [("ip", V6), ("nic", "eth0"), ("cidr_netmask", "64")];
    expect_code(
        bounded(&node, "start", &p),
        1,
        "start while the duplicate holds it",
    );
    assert!(node.ns.find(V6).is_empty(), "a failed start left a copy");
    // Once the duplicate is gone, a dadfailed leftover is replaced.
    node.ns
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0"]);
    wait_until(|| {
        node.ns
            .ip(&["-6", "addr", "show", "dev", "eth0"])
            .contains("dadfailed")
    });
    node.peer
        .ip(&["addr", "del", &format!("{V6}/64"), "dev", "eth0"]);
    expect_code(
        bounded(&node, "start", &p),
        0,
        "start after the duplicate left",
    );
    let shown = node.ns.ip(&["-6", "addr", "show", "dev", "eth0"]);
    assert!(
        shown.contains(V6) && !shown.contains("dadfailed"),
        "{shown}"
    );
    expect_code(bounded(&node, "stop", &p), 0, "stop");
}

fn wait_until(condition: impl Fn() -> bool) {
    let began = Instant::now();
    while !condition() {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "the kernel never got there"
        );
        sleep(Duration::from_millis(50));
    }
}

/// A copy on an interface that is administratively down: start brings
/// the interface up, as a fresh start would, and answers 0.
fn copy_on_a_down_link_gets_the_link_up() {
    let node = Node::with_base();
    let p = [("ip", VIP), ("nic", "eth1"), ("cidr_netmask", "24")];
    expect_code(bounded(&node, "start", &p), 0, "start");
    node.ns.ip(&["link", "set", "eth1", "down"]);
    assert!(
        !node.ns.find(VIP).is_empty(),
        "IPv4 addresses stay on a down link"
    );
    expect_code(bounded(&node, "start", &p), 0, "start on the down link");
    let link = node.ns.ip(&["-br", "link", "show", "dev", "eth1"]);
    assert!(link.contains(",UP") || link.contains("<UP"), "{link}");
    expect_code(bounded(&node, "stop", &p), 0, "stop");
}

/// A stock sender that ignores SIGTERM: stop kills it inside its own
/// timeout budget (1.5 s here, less its margin) and still removes the
/// address.
fn stop_kills_a_stubborn_sender_within_its_budget() {
    let node = Node::with_base();
    let dir = TempDir::new();
    let stubborn = dir.path().join("send_arp");
    fs::copy("/bin/sleep", &stubborn).unwrap();
    expect_code(
        bounded(&node, "start", &[("ip", VIP), ("arp_count", "1")]),
        0,
        "start",
    );
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", &node.ns.name])
        .arg(&stubborn)
        .arg("600");
    // SAFETY: only resets a signal disposition in the child before exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGTERM, libc::SIG_IGN);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    sleep(Duration::from_millis(200));
    let pid = node
        .ns
        .pids()
        .into_iter()
        .find(|p| fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == stubborn))
        .expect("the stubborn sender runs");
    fs::write(
        node.rsctmp.path().join(format!("send_arp-{VIP}")),
        format!("{pid}\n"),
    )
    .unwrap();
    let began = Instant::now();
    expect_code(
        bounded(
            &node,
            "stop",
            &[("ip", VIP), ("OCF_RESKEY_CRM_meta_timeout", "1500")],
        ),
        0,
        "stop",
    );
    assert!(
        began.elapsed() < Duration::from_millis(1500),
        "stop took {:?}",
        began.elapsed()
    );
    let _ = child.wait();
    assert!(!alive(pid), "the stubborn sender was killed");
    assert!(node.ns.find(VIP).is_empty());
}
