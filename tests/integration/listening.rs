//! What floatip reads from the link, and what it must not believe: forged
//! Neighbour Discovery from off-link, ARP that is not addressed to it, a
//! flood of unrelated frames, and the node's own second NIC. Frames are
//! put on the wire by a bounded injector in the peer's namespace (packet
//! sockets in threads of the test), always inside the test's namespaces.

use std::fs;
use std::net::Ipv6Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use std::os::unix::process::CommandExt;

use crate::support::{floatip, status_within, AgentCommand, AgentLog, Lan, Netns, Node};

const VIP4: &str = "192.0.2.10";
const VIP6: &str = "2001:db8::10";
/// A MAC no interface of the tests has.
const FORGER: [u8; 6] = [0x02, 0xf0, 0x0d, 0, 0, 1];

pub fn trials() -> Vec<Trial> {
    trials!("listening":
        off_link_adverts_fail_no_start_and_no_monitor,
        an_on_link_advert_still_is_a_collision,
        arp_not_addressed_to_us_is_no_acknowledgement,
        forged_adverts_are_no_acknowledgement,
        a_flood_ends_no_level_20_monitor_late,
        a_flood_ends_no_dad_probe_late,
        a_second_nic_is_not_another_holder,
        run_arping_hears_no_collision_from_its_own_nic,
        a_late_answer_fails_a_foreground_start,
        a_late_answer_after_start_is_recorded_for_monitor,
        a_delayed_ndp_proxy_fails_start,
        a_forged_late_answer_changes_nothing,
        a_collision_record_others_can_write_is_no_proof,
    )
}

/// Sends `frames` round-robin on `dev` in `ns` for `seconds`, from
/// `threads` threads of this test, each in that namespace (setns is per
/// thread) with its own packet socket: far faster than the agent reads.
struct Injector {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Injector {
    fn start(ns: &Netns, dev: &str, frames: &[Vec<u8>], seconds: f64, threads: usize) -> Injector {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..threads)
            .map(|_| {
                let (path, dev, frames) = (
                    format!("/run/netns/{}", ns.name),
                    dev.to_owned(),
                    frames.to_vec(),
                );
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || inject(&path, &dev, &frames, seconds, &stop))
            })
            .collect();
        // Let the threads start sending.
        std::thread::sleep(Duration::from_millis(100));
        Injector {
            stop,
            threads: handles,
        }
    }
}

impl Drop for Injector {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn inject(netns: &str, dev: &str, frames: &[Vec<u8>], seconds: f64, stop: &AtomicBool) {
    pin_to_first_cpu();
    let namespace = fs::File::open(netns).expect("the peer's namespace");
    nix::sched::setns(&namespace, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
    let name = std::ffi::CString::new(dev).unwrap();
    // SAFETY: plain system calls with checked results; the socket is
    // closed before the thread ends.
    unsafe {
        let index = libc::if_nametoindex(name.as_ptr());
        assert!(index > 0, "{dev} in {netns}");
        let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0);
        assert!(fd >= 0);
        let mut address: libc::sockaddr_ll = std::mem::zeroed();
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_ifindex = index as i32;
        let length = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        let bound = libc::bind(fd, (&address as *const libc::sockaddr_ll).cast(), length);
        assert_eq!(bound, 0);
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < end && !stop.load(Ordering::Relaxed) {
            for frame in frames {
                if libc::send(fd, frame.as_ptr().cast(), frame.len(), 0) < 0 {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
        libc::close(fd);
    }
}

/// The calling thread (or process) on CPU 0 only.
fn pin_to_first_cpu() {
    let mut set = nix::sched::CpuSet::new();
    set.set(0).unwrap();
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set).unwrap();
}

/// `agent` sharing CPU 0 with the injector threads: a
/// node whose CPU is busy reads slower than a flood arrives, which is
/// when a receive loop without a bound never ends.
fn starved(agent: AgentCommand, timeout: Duration) -> Option<i32> {
    let mut command = agent.quiet().command();
    // SAFETY: sched_setaffinity and setpriority are async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(0, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
            Ok(())
        });
    }
    status_within(&mut command, timeout)
}

fn mac_of(ns: &Netns, dev: &str) -> [u8; 6] {
    let text = ns.mac(dev);
    let mut mac = [0u8; 6];
    for (slot, part) in mac.iter_mut().zip(text.trim().split(':')) {
        *slot = u8::from_str_radix(part, 16).unwrap();
    }
    mac
}

/// An ARP frame, built field by field (RFC 826).
fn arp_frame(
    destination: [u8; 6],
    operation: u16,
    sender: ([u8; 6], [u8; 4]),
    target: ([u8; 6], [u8; 4]),
) -> Vec<u8> {
    let mut f = destination.to_vec();
    f.extend_from_slice(&sender.0);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4]);
    f.extend_from_slice(&operation.to_be_bytes());
    f.extend_from_slice(&sender.0);
    f.extend_from_slice(&sender.1);
    f.extend_from_slice(&target.0);
    f.extend_from_slice(&target.1);
    f
}

fn ipv4(text: &str) -> [u8; 4] {
    text.parse::<std::net::Ipv4Addr>().unwrap().octets()
}

/// A Neighbour Advertisement for `target` at `mac` in an Ethernet frame
/// from `mac`, with a correct checksum (RFC 4861 §4.4, RFC 8200 §8.1).
fn advert_frame(
    source: Ipv6Addr,
    destination: Ipv6Addr,
    hop_limit: u8,
    target: Ipv6Addr,
    solicited: bool,
    mac: [u8; 6],
) -> Vec<u8> {
    let flags = if solicited { 0x60 } else { 0x20 };
    let mut message = vec![136, 0, 0, 0, flags, 0, 0, 0];
    message.extend_from_slice(&target.octets());
    message.extend_from_slice(&[2, 1]);
    message.extend_from_slice(&mac);
    let sum = icmpv6_checksum(source, destination, &message);
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    let d = destination.octets();
    let mut f = if destination.is_multicast() {
        vec![0x33, 0x33, d[12], d[13], d[14], d[15]]
    } else {
        vec![0xff; 6]
    };
    f.extend_from_slice(&mac);
    f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
    f.extend_from_slice(&(message.len() as u16).to_be_bytes());
    f.extend_from_slice(&[58, hop_limit]);
    f.extend_from_slice(&source.octets());
    f.extend_from_slice(&destination.octets());
    f.extend_from_slice(&message);
    f
}

fn icmpv6_checksum(source: Ipv6Addr, destination: Ipv6Addr, message: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for chunk in bytes.chunks(2) {
            sum += u32::from(u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]));
        }
    };
    add(&source.octets());
    add(&destination.octets());
    add(&(message.len() as u32).to_be_bytes());
    add(&[0, 0, 0, 58]);
    add(message);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn v6(text: &str) -> Ipv6Addr {
    text.parse().unwrap()
}

const ALL_NODES: &str = "ff02::1";

/// A node with 2001:db8::1/64 on eth0 (no DAD) and a log file.
fn ipv6_node() -> (Node, AgentLog) {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "2001:db8::1/64", "dev", "eth0", "nodad"]);
    (node, AgentLog::new())
}

/// Advertisements for the VIP that a router would have decremented (hop
/// limit 254): sent from off-link, they must not fail dad_mode=probe's
/// start nor the level-20 monitor.
fn off_link_adverts_fail_no_start_and_no_monitor() {
    let (node, dir) = ipv6_node();
    let forged = vip_advert(254);
    let _injector = Injector::start(&node.peer, "eth0", &[forged], 6.0, 1);
    let log = dir.path().to_owned();
    let params = [
        ("ip", VIP6),
        ("nic", "eth0"),
        ("cidr_netmask", "64"),
        ("HA_LOGFILE", log.as_str()),
    ];
    node.run(&floatip(), "start", &params).expect(0);
    node.agent(&floatip(), "monitor")
        .params(&params)
        .param("CRM_meta_interval", "10000")
        .env("OCF_CHECK_LEVEL", "20")
        .run()
        .expect(0);
    node.run(&floatip(), "stop", &params).expect(0);
    assert!(!dir.text().contains("collision"), "{}", dir.text());
}

/// The control: the same advertisement with hop limit 255 is another
/// holder, and start fails naming its MAC.
fn an_on_link_advert_still_is_a_collision() {
    let (node, _dir) = ipv6_node();
    let genuine = vip_advert(255);
    let _injector = Injector::start(&node.peer, "eth0", &[genuine], 4.0, 1);
    let params = [("ip", VIP6), ("nic", "eth0"), ("cidr_netmask", "64")];
    let run = node.run(&floatip(), "start", &params);
    run.expect(1);
    assert!(
        run.exit_reasons()
            .iter()
            .any(|r| r.contains("IPv6 address collision") && r.contains("02:f0:0d:00:00:01")),
        "{:?}",
        run.exit_reasons()
    );
    assert!(node.ns.find(VIP6).is_empty(), "nothing added");
}

/// garp_targets 192.0.2.254 never answers; the peer sends ARP replies
/// "192.0.2.254 is-at …" for the VIP that are not addressed to this
/// interface (broadcast destination, or a target MAC that is not ours):
/// none of them is an acknowledgement, so the announcement reports the
/// target as unanswered.
fn arp_not_addressed_to_us_is_no_acknowledgement() {
    let node = Node::with_base();
    let dir = AgentLog::new();
    let ours = mac_of(&node.ns, "eth0");
    let sender = (FORGER, ipv4("192.0.2.254"));
    let broadcast = arp_frame([0xff; 6], 2, sender, (ours, ipv4(VIP4)));
    let other_target = arp_frame(ours, 2, sender, ([0x02, 1, 1, 1, 1, 1], ipv4(VIP4)));
    let request = arp_frame(ours, 1, sender, (ours, ipv4(VIP4)));
    let frames = [broadcast, other_target, request];
    let params = [
        ("ip", VIP4),
        ("cidr_netmask", "24"),
        ("garp_targets", "192.0.2.254"),
        ("arp_bg", "false"),
    ];
    let text = announce_under(&node, &dir, &frames, &params);
    assert!(text.contains("192.0.2.254"), "{text}");
}

/// Starts and stops with `params` (garp_window 1 s) while `frames` are
/// injected: what was logged, which must acknowledge nothing.
fn announce_under(
    node: &Node,
    log: &AgentLog,
    frames: &[Vec<u8>],
    params: &[(&str, &str)],
) -> String {
    let _injector = Injector::start(&node.peer, "eth0", frames, 4.0, 1);
    let mut params = params.to_vec();
    params.extend([("garp_window", "1"), ("HA_LOGFILE", log.path())]);
    node.run(&floatip(), "start", &params).expect(0);
    node.run(&floatip(), "stop", &params).expect(0);
    let text = log.text();
    assert!(!text.contains("acknowledged"), "{text}");
    text
}

/// garp_targets 2001:db8::fe never answers; forged solicited
/// advertisements for it arrive with hop limit 254 (to the VIP) and as
/// solicited to all nodes: neither is an acknowledgement.
fn forged_adverts_are_no_acknowledgement() {
    let (node, dir) = ipv6_node();
    let neighbour = v6("2001:db8::fe");
    let off_link = advert_frame(neighbour, v6(VIP6), 254, neighbour, true, FORGER);
    let to_all = advert_frame(neighbour, v6(ALL_NODES), 255, neighbour, true, FORGER);
    let params = [
        ("ip", VIP6),
        ("nic", "eth0"),
        ("cidr_netmask", "64"),
        ("garp_targets", "2001:db8::fe"),
        ("nodad", "true"),
    ];
    announce_under(&node, &dir, &[off_link, to_all], &params);
}

/// ARP for other addresses, as fast as three senders can: a level-20
/// monitor with a 3 s timeout still answers 0 inside it.
fn a_flood_ends_no_level_20_monitor_late() {
    let node = Node::with_base();
    let params = [("ip", VIP4), ("cidr_netmask", "24")];
    node.run(&floatip(), "start", &params).expect(0);
    let frames: Vec<Vec<u8>> = (20..30)
        .map(|i| {
            let asked = ipv4(&format!("192.0.2.{i}"));
            arp_frame([0xff; 6], 1, (FORGER, ipv4("192.0.2.99")), ([0; 6], asked))
        })
        .collect();
    let _injector = Injector::start(&node.peer, "eth0", &frames, 8.0, 3);
    let began = Instant::now();
    let monitor = node
        .agent(&floatip(), "monitor")
        .params(&params)
        .param("CRM_meta_interval", "10000")
        .param("CRM_meta_timeout", "3000")
        .env("OCF_CHECK_LEVEL", "20");
    let code = starved(monitor, Duration::from_secs(6));
    assert_eq!(code, Some(0), "monitor ended (None: still running)");
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    drop(_injector);
    node.run(&floatip(), "stop", &params).expect(0);
}

/// IPv6 frames that are not about the VIP, flooding the probe socket
/// while dad_mode=probe listens: start still ends inside a 2 s timeout.
fn a_flood_ends_no_dad_probe_late() {
    let (node, _dir) = ipv6_node();
    let frames: Vec<Vec<u8>> = (0x20..0x28)
        .map(|i| {
            let other = v6(&format!("2001:db8::{i:x}"));
            advert_frame(v6("fe80::f00d"), v6(ALL_NODES), 255, other, false, FORGER)
        })
        .collect();
    let _injector = Injector::start(&node.peer, "eth0", &frames, 8.0, 3);
    let params = [
        ("ip", VIP6),
        ("nic", "eth0"),
        ("cidr_netmask", "64"),
        ("CRM_meta_timeout", "2000"),
    ];
    let began = Instant::now();
    let code = starved(
        node.agent(&floatip(), "start").params(&params),
        Duration::from_secs(6),
    );
    assert_eq!(code, Some(0), "start ended (None: still running)");
    assert!(
        began.elapsed() < Duration::from_secs(2),
        "{:?}",
        began.elapsed()
    );
    drop(_injector);
    node.run(&floatip(), "stop", &params).expect(0);
}

/// One host, two NICs on one bridge: eth1 (192.0.2.2) answers ARP for
/// the VIP on eth0 too (arp_ignore=0), with eth1's MAC.
fn lan_with_two_nics() -> Lan {
    let lan = Lan::new(&[1]);
    let host = &lan.hosts[0];
    host.veth_to("eth1", lan.switch(), "q0");
    lan.switch().ip(&["link", "set", "q0", "master", "br0"]);
    host.ip(&["addr", "add", "192.0.2.2/24", "dev", "eth1"]);
    lan
}

/// The level-20 check on a node with two NICs in one VLAN: its own second
/// NIC's answer is not a split brain.
fn a_second_nic_is_not_another_holder() {
    let lan = lan_with_two_nics();
    let params = [("ip", VIP4), ("nic", "eth0"), ("cidr_netmask", "24")];
    lan.run(0, &floatip(), "start", &params).expect(0);
    let monitor = lan
        .agent(0, &floatip(), "monitor")
        .params(&params)
        .param("CRM_meta_interval", "10000")
        .env("OCF_CHECK_LEVEL", "20")
        .run();
    monitor.expect(0);
    lan.run(0, &floatip(), "stop", &params).expect(0);
}

/// run_arping before adding the VIP on eth0 while this node already has
/// it on eth1: eth1 answers the probe, but that is this node.
fn run_arping_hears_no_collision_from_its_own_nic() {
    let lan = lan_with_two_nics();
    let host = &lan.hosts[0];
    host.ip(&["addr", "add", "192.0.2.10/32", "dev", "eth1"]);
    let params = [
        ("ip", VIP4),
        ("nic", "eth0"),
        ("cidr_netmask", "24"),
        ("run_arping", "true"),
    ];
    lan.run(0, &floatip(), "start", &params).expect(0);
    assert!(host.find(VIP4).iter().any(|(dev, _)| dev == "eth0"));
    lan.run(0, &floatip(), "stop", &params).expect(0);
}

/// Starts the IPv6 VIP on `node` (dad_mode=probe, the default) with
/// `extra` parameters, and `delay` after the start began puts `frame` on
/// the wire for 100 ms: the start's exit code and output.
fn start_hearing_late(
    node: &Node,
    extra: &[(&str, &str)],
    delay: Duration,
    frame: Vec<u8>,
) -> crate::support::Run {
    let mut params = vec![("ip", VIP6), ("nic", "eth0"), ("cidr_netmask", "64")];
    params.extend_from_slice(extra);
    let child = node
        .agent(&floatip(), "start")
        .params(&params)
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let injector = Injector::start(&node.peer, "eth0", &[frame], 0.1, 1);
    let output = child.wait_with_output().unwrap();
    drop(injector);
    crate::support::Run::from(output)
}

/// Another node's unsolicited advertisement for the VIP, to all nodes,
/// with `hop_limit` (255 on-link; less: it crossed a router, a forgery).
fn vip_advert(hop_limit: u8) -> Vec<u8> {
    advert_frame(
        v6("fe80::f00d"),
        v6(ALL_NODES),
        hop_limit,
        v6(VIP6),
        false,
        FORGER,
    )
}

/// A valid advertisement for the VIP 500 ms after the probes began (a
/// proxy answering late): the address is up and announced by then, but
/// start (the IPv6 default: rounds in the foreground until 1.5 s) removes
/// it again and fails with the collision and the MAC.
fn a_late_answer_fails_a_foreground_start() {
    let (node, _dir) = ipv6_node();
    let run = start_hearing_late(&node, &[], Duration::from_millis(500), vip_advert(255));
    run.expect(1);
    assert!(
        run.exit_reasons()
            .iter()
            .any(|r| r.contains("IPv6 address collision")
                && r.contains("02:f0:0d:00:00:01")
                && r.contains("the address was removed")),
        "{:?}",
        run.exit_reasons()
    );
    assert!(node.ns.find(VIP6).is_empty(), "withdrawn");
}

/// The same after start returned (arp_bg=true: start ends at the first
/// round): the detached sender withdraws the address and records why, so
/// the next monitor answers 1 with the reason, not 7; stop answers 0 and
/// clears the record, and the monitor after it answers 7.
fn a_late_answer_after_start_is_recorded_for_monitor() {
    let (node, dir) = ipv6_node();
    let log = dir.path().to_owned();
    let extra = [("arp_bg", "true"), ("HA_LOGFILE", log.as_str())];
    let run = start_hearing_late(&node, &extra, Duration::from_millis(500), vip_advert(255));
    run.expect(0);
    // The watch ends at the last probe + 1 s.
    std::thread::sleep(Duration::from_millis(900));
    assert!(node.ns.find(VIP6).is_empty(), "withdrawn\n{}", dir.text());
    let params = [("ip", VIP6), ("nic", "eth0"), ("cidr_netmask", "64")];
    let monitor = || {
        node.agent(&floatip(), "monitor")
            .params(&params)
            .param("CRM_meta_interval", "10000")
            .run()
    };
    let failed = monitor();
    failed.expect(1);
    assert!(
        failed
            .exit_reasons()
            .iter()
            .any(|r| r.contains("IPv6 address collision") && r.contains("02:f0:0d:00:00:01")),
        "{:?}",
        failed.exit_reasons()
    );
    node.run(&floatip(), "stop", &params).expect(0);
    monitor().expect(7);
}

/// A router proxying NDP for the VIP (proxy_ndp with a proxy entry, and
/// Linux's random proxy delay of up to 0.8 s): start fails every time,
/// whether the answer came inside the first 150 ms or later.
fn a_delayed_ndp_proxy_fails_start() {
    let (node, _dir) = ipv6_node();
    node.peer.bash(
        "sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.eth0.proxy_ndp=1",
        &Default::default(),
    );
    node.peer
        .ip(&["-6", "neigh", "add", "proxy", VIP6, "dev", "eth0"]);
    // The proxy answers from its link-local address, once DAD is done.
    for _ in 0..100 {
        let tentative = node
            .peer
            .ip(&["-6", "addr", "show", "dev", "eth0", "tentative"]);
        if tentative.trim().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let params = [("ip", VIP6), ("nic", "eth0"), ("cidr_netmask", "64")];
    for _ in 0..3 {
        let run = node.run(&floatip(), "start", &params);
        run.expect(1);
        assert!(node.ns.find(VIP6).is_empty());
    }
}

/// A late advertisement from off-link (hop limit 254) withdraws nothing.
fn a_forged_late_answer_changes_nothing() {
    let (node, _dir) = ipv6_node();
    let forged = vip_advert(254);
    let run = start_hearing_late(&node, &[], Duration::from_millis(500), forged);
    run.expect(0);
    assert_eq!(node.ns.find(VIP6).len(), 1);
    let params = [("ip", VIP6), ("nic", "eth0"), ("cidr_netmask", "64")];
    node.run(&floatip(), "stop", &params).expect(0);
}

/// A collision record planted where others can write (HA_RSCTMP mode
/// 0777, not sticky) is no proof: monitor answers as the kernel says (7)
/// and warns. The same record where only root can write counts (1).
fn a_collision_record_others_can_write_is_no_proof() {
    use std::os::unix::fs::PermissionsExt;
    let (node, _dir) = ipv6_node();
    let record = node
        .rsctmp
        .path()
        .join(format!("send_arp-{VIP6}.floatip-collision"));
    fs::write(&record, "IPv6 address collision (planted)\n").unwrap();
    fs::set_permissions(&record, fs::Permissions::from_mode(0o644)).unwrap();
    let params = [("ip", VIP6), ("nic", "eth0"), ("cidr_netmask", "64")];
    let monitor = || {
        node.agent(&floatip(), "monitor")
            .params(&params)
            .param("CRM_meta_interval", "10000")
            .run()
    };
    monitor().expect(1);
    fs::set_permissions(node.rsctmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let run = monitor();
    run.expect(7);
    assert!(run.stderr.contains("no proof"), "{}", run.stderr);
}
