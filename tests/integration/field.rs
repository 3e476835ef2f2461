//! Field networks: what real nodes and hostile neighbours do to floatip.
//! Each trial reproduces one variant of a class of the field-networks
//! issue (the README's hardening table names them) and checks what a
//! cluster would observe: exit codes, the kernel's addresses, what was
//! printed, what neighbours received.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

use libtest_mimic::Trial;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Stdio};

use std::net::Ipv4Addr;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use crate::support::capture::{announcements, Capture};
use crate::support::{alive, floatip, AgentLog, Node, TempDir};

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    trials!("field":
        strings_of_other_interfaces_fail_no_action,
        a_vip_whose_own_label_is_not_utf8,
        kernel_strings_are_printed_safely,
        start_without_nic_makes_no_second_copy,
        lost_frames_pfifo_limit_0,
        lost_frames_cls_bpf_drop,
        lost_frames_link_set_down,
        full_send_buffer_never_blocks_start,
        interface_deleted_mid_announcement,
        state_others_can_write_is_no_proof,
        state_in_a_sticky_root_directory_is_trusted,
    )
}

/// `ip -n <ns> <args>` with arguments that may be any bytes.
fn ip_bytes(node: &Node, args: &[&[u8]]) {
    let status = Command::new("ip")
        .arg("-n")
        .arg(&node.ns.name)
        .args(args.iter().map(|a| OsStr::from_bytes(a)))
        .status()
        .expect("ip");
    assert!(status.success(), "ip {args:?}");
}

/// How many copies of the VIP the kernel holds, counted from `ip -o`'s
/// text (its JSON is not valid with these names: it passes control bytes
/// through).
fn copies(node: &Node) -> Vec<String> {
    let out = Command::new("ip")
        .args(["-n", &node.ns.name, "-o", "addr", "show", "to", VIP])
        .output()
        .expect("ip");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Interfaces whose strings are not UTF-8 or hold control bytes, in every
/// attribute the kernel lets them: a Latin-1 name, a name with ESC, an
/// alias with invalid bytes and control characters, an altname that is
/// not UTF-8, and (on another interface) an address label that is not.
fn add_hostile_strings(node: &Node) {
    ip_bytes(
        node,
        &[
            b"link",
            b"add",
            b"caf\xe9",
            b"type",
            b"veth",
            b"peer",
            b"name",
            b"x\x1b[31m\xff",
        ],
    );
    ip_bytes(
        node,
        &[b"link", b"set", b"caf\xe9", b"alias", b"al\xff\x01\n"],
    );
    ip_bytes(
        node,
        &[
            b"link",
            b"property",
            b"add",
            b"dev",
            b"eth1",
            b"altname",
            b"alt\xfe",
        ],
    );
    ip_bytes(node, &[b"link", b"set", b"eth1", b"alias", b"\xc3\x28\x07"]);
    ip_bytes(
        node,
        &[
            b"addr",
            b"add",
            b"198.51.100.1/24",
            b"dev",
            b"eth1",
            b"label",
            b"eth1:\xfa\x1b",
        ],
    );
}

/// One interface with a Latin-1 name anywhere on the node made the dump
/// fail: monitor answered 1 and stop 1 with the VIP still configured.
/// Every action on a VIP elsewhere must work as if they were not there.
fn strings_of_other_interfaces_fail_no_action() {
    let node = Node::with_base();
    add_hostile_strings(&node);
    let agent = floatip();
    for params in [
        vec![("ip", VIP), ("cidr_netmask", "24"), ("nic", "eth0")],
        // Without nic, findif and the address search read every interface.
        vec![("ip", VIP)],
    ] {
        node.run(&agent, "validate-all", &params).expect(0);
        node.run(&agent, "monitor", &params).expect(7);
        node.run(&agent, "start", &params).expect(0);
        assert_eq!(copies(&node).len(), 1, "{params:?}");
        node.run(&agent, "monitor", &params).expect(0);
        node.run(&agent, "stop", &params).expect(0);
        assert!(copies(&node).is_empty(), "stop removed it: {params:?}");
        node.run(&agent, "monitor", &params).expect(7);
    }
}

/// A VIP that someone else added with a label that is not UTF-8 is still
/// the resource: found by the probe, monitored, removed by stop.
fn a_vip_whose_own_label_is_not_utf8() {
    let node = Node::with_base();
    add_hostile_strings(&node);
    ip_bytes(
        &node,
        &[
            b"addr",
            b"add",
            b"192.0.2.10/24",
            b"dev",
            b"eth0",
            b"label",
            b"eth0:\xe9\x1b",
        ],
    );
    let agent = floatip();
    for params in [vec![("ip", VIP), ("nic", "eth0")], vec![("ip", VIP)]] {
        node.run(&agent, "monitor", &params).expect(0);
    }
    node.run(&agent, "stop", &[("ip", VIP)]).expect(0);
    assert!(copies(&node).is_empty(), "stop removed it");
    node.run(&agent, "monitor", &[("ip", VIP)]).expect(7);
}

/// Names and labels with ESC and invalid UTF-8 show as `\xNN` in text,
/// log lines and exit reasons; JSON stays valid, with the exact bytes in
/// hex beside the lossy string.
fn kernel_strings_are_printed_safely() {
    let node = Node::with_base();
    add_hostile_strings(&node);
    // The VIP on the interface named with ESC, with a label of its own.
    ip_bytes(&node, &[b"link", b"set", b"x\x1b[31m\xff", b"up"]);
    ip_bytes(&node, &[b"link", b"set", b"caf\xe9", b"up"]);
    ip_bytes(
        &node,
        &[
            b"addr",
            b"add",
            b"192.0.2.10/24",
            b"dev",
            b"x\x1b[31m\xff",
            b"label",
            b"x\x1b[31m\xff:\x07",
        ],
    );
    let agent = floatip();
    let show = node.agent(&agent, "show").args(["--ip", VIP]).run();
    show.expect(0);
    assert!(
        show.stdout
            .contains("x\\x1b[31m\\xff: 192.0.2.10/24 label x\\x1b[31m\\xff:\\x07"),
        "{}",
        show.stdout
    );
    let json = node
        .agent(&agent, "show")
        .args(["--ip", VIP, "--json"])
        .run();
    json.expect(0);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
    let copy = &value["configured"][0];
    assert_eq!(copy["interface_hex"], "781b5b33316dff");
    assert_eq!(copy["label_hex"], "781b5b33316dff3a07");
    assert_eq!(copy["link"]["name_hex"], "781b5b33316dff");
    assert!(copy["interface_index"].as_u64().is_some());
    // A log line naming the interface (stop without nic removes it there).
    let stop = node.run(&agent, "stop", &[("ip", VIP)]);
    stop.expect(0);
    assert!(copies(&node).is_empty());
    assert!(
        stop.stderr.contains("from device x\\x1b[31m\\xff"),
        "{}",
        stop.stderr
    );
    for out in [&show.stdout, &show.stderr, &stop.stderr] {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{fffd}'),
            "a raw control byte or invalid UTF-8 was printed: {out:?}"
        );
    }
}

/// A process that is nobody's sender, for stop to leave alone.
struct Victim(Child);

impl Victim {
    fn new() -> Victim {
        Victim(
            Command::new("sleep")
                .arg("60")
                .stdout(Stdio::null())
                .spawn()
                .expect("sleep"),
        )
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Field 22 of /proc/<pid>/stat, as floatip's companion records it.
    fn start_ticks(&self) -> String {
        let stat = fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        rest.split_whitespace().nth(19).unwrap().to_owned()
    }
}

impl Drop for Victim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A forged pid file and companion naming `victim` exactly (pid and start
/// time), as anyone who can write the directory could plant them.
fn forge(rsctmp: &Path, victim: &Victim) {
    let pid_file = rsctmp.join(format!("send_arp-{VIP}"));
    fs::write(&pid_file, format!("{}\n", victim.pid())).unwrap();
    fs::write(
        rsctmp.join(format!("send_arp-{VIP}.floatip-start")),
        format!("{} {}\n", victim.pid(), victim.start_ticks()),
    )
    .unwrap();
}

/// HA_RSCTMP, a state file in it, or a directory above it that another
/// user can write: the forged pair is no proof. Stop signals nothing,
/// still removes the address and answers 0, and says why.
fn state_others_can_write_is_no_proof() {
    type Shape = fn(&Path, &Path);
    let variants: [(&str, Shape); 5] = [
        ("HA_RSCTMP writable by others", |_, rsc| chmod(rsc, 0o777)),
        ("HA_RSCTMP writable by its group", |_, rsc| {
            chmod(rsc, 0o770)
        }),
        (
            "a directory above HA_RSCTMP writable by others",
            |top, _| chmod(top, 0o777),
        ),
        ("the pid file and companion writable by others", |_, rsc| {
            for entry in fs::read_dir(rsc).unwrap() {
                chmod(&entry.unwrap().path(), 0o666);
            }
        }),
        (
            "the pid file and companion owned by another user",
            |_, rsc| {
                for entry in fs::read_dir(rsc).unwrap() {
                    std::os::unix::fs::chown(entry.unwrap().path(), Some(65534), Some(65534))
                        .unwrap();
                }
            },
        ),
    ];
    let agent = floatip();
    for (what, shape) in variants {
        let node = Node::with_base();
        let top = TempDir::new();
        chmod(top.path(), 0o755);
        let rsc = top.path().join("rsc");
        fs::create_dir(&rsc).unwrap();
        chmod(&rsc, 0o755);
        let params = [("ip", VIP), ("arp_count", "1")];
        node.agent(&agent, "start")
            .rsctmp(&rsc)
            .params(&params)
            .run()
            .expect(0);
        let victim = Victim::new();
        forge(&rsc, &victim);
        shape(top.path(), &rsc);
        let stop = node
            .agent(&agent, "stop")
            .rsctmp(&rsc)
            .params(&params)
            .run();
        stop.expect(0);
        assert!(
            alive(victim.pid()),
            "{what}: stop signalled an unrelated process"
        );
        assert!(copies(&node).is_empty(), "{what}: the address is removed");
        assert!(
            stop.stderr.contains("nothing is signalled"),
            "{what}: {}",
            stop.stderr
        );
        chmod(top.path(), 0o755);
    }
}

/// Debian's /run/resource-agents is 1755 root:root: sticky and owned by
/// root, it passes, and the genuine sender is ended by stop.
fn state_in_a_sticky_root_directory_is_trusted() {
    let node = Node::with_base();
    let top = TempDir::new();
    chmod(top.path(), 0o1755);
    let agent = floatip();
    let params = [("ip", VIP), ("garp_count", "1000")];
    node.agent(&agent, "start")
        .rsctmp(top.path())
        .params(&params)
        .run()
        .expect(0);
    let pid: u32 = fs::read_to_string(top.path().join(format!("send_arp-{VIP}")))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    node.agent(&agent, "stop")
        .rsctmp(top.path())
        .params(&params)
        .run()
        .expect(0);
    assert!(!alive(pid), "the genuine sender is ended");
    assert!(copies(&node).is_empty());
}

/// Without nic, a copy of the VIP already on another non-loopback
/// interface is the resource (the probe says 0 for it): start answers 0,
/// warns naming both interfaces and adds nothing, for IPv4 and IPv6.
fn start_without_nic_makes_no_second_copy() {
    let agent = floatip();
    for (ip, copy) in [
        (VIP, "192.0.2.10/32"),
        ("2001:db8:1234::10", "2001:db8:1234::10/128"),
    ] {
        let node = Node::with_base();
        node.ns
            .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
        node.ns.ip(&["addr", "add", copy, "dev", "eth1", "nodad"]);
        let params = [("ip", ip)];
        node.run(&agent, "monitor", &params).expect(0);
        let start = node.run(&agent, "start", &params);
        start.expect(0);
        assert!(
            start.stderr.contains("already configured on eth1")
                && start.stderr.contains("not on eth0 where findif places it"),
            "{}",
            start.stderr
        );
        let held = node.ns.find(ip);
        assert_eq!(held.len(), 1, "{ip}: one copy, {held:?}");
        assert_eq!(held[0].0, "eth1");
        node.run(&agent, "stop", &params).expect(0);
        assert!(node.ns.find(ip).is_empty());
    }
}

/// `tc` inside the node's namespace.
fn tc(node: &Node, args: &[&str]) {
    crate::support::lab::tc(&node.ns.name, args);
}

/// The agent's HA_LOGFILE, read back.
/// A start whose frames cannot leave for a while: `impose` before start
/// (the first round is lost) or right after it (`after_start`), `lift`
/// 400 ms later. The rounds after the lift must still reach the peer
/// (the background sender was started and kept its schedule), and the
/// log names the errno once and counts the lost frames at the end.
fn lost_then_delivered(impose: fn(&Node), lift: fn(&Node), after_start: bool, errno_text: &str) {
    let node = Node::with_base();
    let log = AgentLog::new();
    let capture = Capture::start(&node.peer, "eth0", "arp");
    if !after_start {
        impose(&node);
    }
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_window", "0"),
        ("HA_LOGFILE", log.path()),
    ];
    node.run(&floatip(), "start", &params).expect(0);
    if after_start {
        impose(&node);
    }
    sleep(Duration::from_millis(400));
    lift(&node);
    let lifted = SystemTime::now();
    // The schedule's last rounds leave at 750 and 1500 ms.
    sleep(Duration::from_millis(1600));
    node.run(&floatip(), "stop", &params).expect(0);
    let frames = capture.finish();
    let heard = announcements(&frames, VIP.parse::<Ipv4Addr>().unwrap());
    assert!(
        heard.iter().any(|(at, _)| *at >= lifted),
        "rounds after the loss reached the peer: {heard:?}\n{}",
        log.text()
    );
    let text = log.text();
    assert!(
        text.contains(&format!("could not be sent ({errno_text}")),
        "the first loss is logged with its errno:\n{text}"
    );
    assert!(
        text.contains("frame(s) announcing 192.0.2.10 could not be sent (first: "),
        "the count when the announcement ends:\n{text}"
    );
    assert!(!text.contains("Could not send gratuitous arps"), "{text}");
}

/// A zero-length queue: every frame answers ENOBUFS.
fn lost_frames_pfifo_limit_0() {
    lost_then_delivered(
        |node| {
            tc(
                node,
                &["qdisc", "add", "dev", "eth0", "root", "pfifo", "limit", "0"],
            )
        },
        |node| tc(node, &["qdisc", "del", "dev", "eth0", "root"]),
        false,
        "No buffer space available",
    );
}

/// A classifier that drops everything on egress (TC_ACT_SHOT): ENOBUFS.
fn lost_frames_cls_bpf_drop() {
    lost_then_delivered(
        |node| {
            tc(node, &["qdisc", "add", "dev", "eth0", "clsact"]);
            tc(
                node,
                &[
                    "filter",
                    "add",
                    "dev",
                    "eth0",
                    "egress",
                    "bpf",
                    "da",
                    "bytecode",
                    "1,6 0 0 2",
                ],
            );
        },
        |node| tc(node, &["qdisc", "del", "dev", "eth0", "clsact"]),
        false,
        "No buffer space available",
    );
}

/// The interface set down under a running sender: ENETDOWN (garp_window
/// 0, so no round waits for the carrier), then up again.
fn lost_frames_link_set_down() {
    lost_then_delivered(
        |node| {
            node.ns.ip(&["link", "set", "eth0", "down"]);
        },
        |node| {
            node.ns.ip(&["link", "set", "eth0", "up"]);
        },
        true,
        "Network is down",
    );
}

/// A slow qdisc (tbf at 8 bit/s) holds every frame, so the socket's send
/// buffer fills during the first rounds to 234 targets: a blocking send
/// would hold start (arp_bg=false: the rounds are in the foreground)
/// until Pacemaker kills it. Sends fail with EAGAIN instead, and start
/// answers 0 with the loss logged.
fn full_send_buffer_never_blocks_start() {
    let node = Node::with_base();
    let log = AgentLog::new();
    tc(
        &node,
        &[
            "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", "8bit", "burst", "1600", "limit",
            "3000000",
        ],
    );
    let targets: Vec<String> = (20..254).map(|i| format!("192.0.2.{i}")).collect();
    let targets = targets.join(" ");
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("arp_bg", "false"),
        ("garp_count", "3"),
        ("garp_window", "0"),
        ("garp_targets", &targets),
        ("HA_LOGFILE", log.path()),
    ];
    let began = Instant::now();
    let code = node
        .agent(&floatip(), "start")
        .params(&params)
        .quiet()
        .status_within(Duration::from_secs(15));
    assert_eq!(code, Some(0), "start returned (None: it blocked)");
    assert!(began.elapsed() < Duration::from_secs(10));
    let text = log.text();
    assert!(
        text.contains("could not be sent (Resource temporarily unavailable"),
        "{text}"
    );
    node.run(&floatip(), "stop", &params).expect(0);
}

/// The VIP's interface deleted while the sender announces: the send
/// answers ENXIO/ENODEV, the sender looks the address up, finds it gone
/// and stops at once instead of announcing on for the whole schedule.
fn interface_deleted_mid_announcement() {
    let node = Node::with_base();
    let log = AgentLog::new();
    let params = [
        ("ip", VIP),
        ("nic", "eth1"),
        ("cidr_netmask", "24"),
        ("garp_count", "50"),
        ("arp_interval", "100"),
        ("garp_spacing", "fixed"),
        ("garp_window", "0"),
        ("HA_LOGFILE", log.path()),
    ];
    node.run(&floatip(), "start", &params).expect(0);
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let pid: u32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    node.ns.ip(&["link", "del", "eth1"]);
    let began = Instant::now();
    while alive(pid) && began.elapsed() < Duration::from_secs(3) {
        sleep(Duration::from_millis(20));
    }
    assert!(
        !alive(pid),
        "the sender stopped (its schedule had 5 s left)"
    );
    let text = log.text();
    assert!(
        text.contains("192.0.2.10 is no longer configured here: announcements stopped"),
        "{text}"
    );
    assert!(!pid_file.exists());
    node.run(&floatip(), "stop", &params).expect(0);
}
