//! Every kernel facility newer than floatip's floor (Linux 4.18, RHEL 8)
//! has a fallback, taken here on this kernel by forcing it
//! (FLOATIP_TEST_FALLBACKS, floatip's injection point): what a user would
//! observe must not change.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::support::{alive, floatip, AgentLog, Lan, Node, TempDir};

const VIP: &str = "192.0.2.10";
const FALLBACKS: &str = "FLOATIP_TEST_FALLBACKS";
/// A background sender that is still announcing ten seconds later.
const LONG_ANNOUNCEMENT: [(&str, &str); 5] = [
    ("ip", VIP),
    ("cidr_netmask", "24"),
    ("garp_count", "100"),
    ("arp_interval", "100"),
    ("garp_spacing", "fixed"),
];

pub fn trials() -> Vec<Trial> {
    trials!("kernel_floor":
        stop_ends_the_sender_without_pidfds,
        the_sender_closes_inherited_descriptors_without_close_range,
        gateways_answer_echoes_without_bind_to_ifindex,
        routes_are_chosen_alike_without_strict_checking,
        vips_share_a_budget_without_netns_cookies,
    )
}

fn sender_pid(rsctmp: &Path) -> u32 {
    let text = fs::read_to_string(rsctmp.join(format!("send_arp-{VIP}"))).unwrap();
    text.trim().parse().unwrap()
}

/// A long background announcement, ended by a stop that cannot open a
/// pidfd (before Linux 5.3): it signals by pid after checking the start
/// time, and waits by watching /proc.
fn stop_ends_the_sender_without_pidfds() {
    let node = Node::with_base();
    let params = LONG_ANNOUNCEMENT;
    node.run(&floatip(), "start", &params).expect(0);
    let pid = sender_pid(node.rsctmp.path());
    assert!(alive(pid));
    let run = node
        .agent(&floatip(), "stop")
        .params(&params)
        .env(FALLBACKS, "pidfd")
        .run();
    run.expect(0);
    assert!(!alive(pid), "the sender was ended");
    assert!(node.ns.find(VIP).is_empty());
}

/// start with a descriptor it inherits (fd 9, open on a marker file): the
/// detached sender closes it although close_range is missing (before
/// Linux 5.9), so it never holds what Pacemaker's executor left open.
fn the_sender_closes_inherited_descriptors_without_close_range() {
    let node = Node::with_base();
    let dir = TempDir::new();
    let marker = dir.path().join("inherited");
    fs::write(&marker, b"").unwrap();
    let params = LONG_ANNOUNCEMENT;
    let mut command = node
        .agent(&floatip(), "start")
        .params(&params)
        .env(FALLBACKS, "close-range")
        .quiet()
        .command();
    let file = fs::File::open(&marker).unwrap();
    // SAFETY: dup2 is async-signal-safe; the descriptor stays open (no
    // CLOEXEC) across exec.
    unsafe {
        use std::os::fd::AsRawFd;
        let raw = file.as_raw_fd();
        command.pre_exec(move || {
            if libc::dup2(raw, 9) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let status = command.status().unwrap();
    assert_eq!(status.code(), Some(0));
    let pid = sender_pid(node.rsctmp.path());
    let open = || -> Vec<String> {
        fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .filter_map(|e| fs::read_link(e.ok()?.path()).ok())
            .map(|target| target.display().to_string())
            .collect()
    };
    // The sender writes its schedule record right after it detached
    // (and closed what it does not keep).
    let schedule = node
        .rsctmp
        .path()
        .join(format!("send_arp-{VIP}.floatip-schedule"));
    let began = Instant::now();
    while !schedule.exists() && began.elapsed() < Duration::from_secs(2) {
        sleep(Duration::from_millis(10));
    }
    assert!(schedule.exists());
    let open = open();
    assert!(
        !open.iter().any(|t| t.contains("inherited")),
        "the sender still holds the inherited file: {open:?}"
    );
    node.run(&floatip(), "stop", &params).expect(0);
}

/// A level-10 monitor whose echo socket cannot use SO_BINDTOIFINDEX
/// (before Linux 5.0) binds by name instead: the gateway's reply arrives
/// and nothing is healed.
fn gateways_answer_echoes_without_bind_to_ifindex() {
    let lan = Lan::new(&[1, 2, 3]);
    let b = &lan.hosts[1];
    b.ip(&["route", "add", "198.51.100.0/24", "via", "192.0.2.3"]);
    let agent_log = AgentLog::new();
    let log = agent_log.path();
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_count", "1"),
        ("HA_LOGFILE", log),
    ];
    lan.run(1, &floatip(), "start", &params).expect(0);
    let run = lan
        .agent(1, &floatip(), "monitor")
        .params(&params)
        .env("OCF_CHECK_LEVEL", "10")
        .env("OCF_RESKEY_CRM_meta_interval", "10000")
        .env("HA_debug", "1")
        .env("HA_DEBUGLOG", log)
        .env(FALLBACKS, "bind-to-ifindex")
        .run();
    run.expect(0);
    let text = agent_log.text();
    assert!(
        text.contains("192.0.2.3 answered an echo request"),
        "{text}"
    );
    assert!(!text.contains("did not answer"), "{text}");
    assert!(!text.contains("Could not send echo"), "{text}");
    lan.run(1, &floatip(), "stop", &params).expect(0);
}

/// Without strict checking (before Linux 4.20) the kernel does not filter
/// the route dump: the same filter applied here gives the same placement
/// and the same gateways (main table only).
fn routes_are_chosen_alike_without_strict_checking() {
    let lan = Lan::new(&[1, 2, 3, 4]);
    let b = &lan.hosts[1];
    b.ip(&["route", "add", "198.51.100.0/24", "via", "192.0.2.3"]);
    b.ip(&[
        "route",
        "add",
        "203.0.113.0/24",
        "via",
        "192.0.2.4",
        "table",
        "100",
    ]);
    let agent_log = AgentLog::new();
    let log = agent_log.path();
    let params = [("ip", VIP), ("garp_count", "1"), ("HA_LOGFILE", log)];
    let run = lan
        .agent(1, &floatip(), "start")
        .params(&params)
        .env(FALLBACKS, "strict-check")
        .run();
    run.expect(0);
    let placed = b.find(VIP);
    assert_eq!(placed.len(), 1);
    assert_eq!((placed[0].0.as_str(), placed[0].1.prefix_len), ("eth0", 24));
    let began = Instant::now();
    while !agent_log.text().contains("acknowledged") && began.elapsed() < Duration::from_secs(3) {
        sleep(Duration::from_millis(20));
    }
    let text = agent_log.text();
    assert!(text.contains("192.0.2.3 acknowledged"), "{text}");
    assert!(!text.contains("192.0.2.4"), "{text}");
    lan.run(1, &floatip(), "stop", &params).expect(0);
}

/// garp_rate's budget is keyed by the network namespace: without
/// SO_NETNS_COOKIE (before Linux 5.14) by its nsfs device and inode. Four
/// VIPs started at once on one node still share one budget: the switch
/// port sees at most garp_rate frames in any second.
fn vips_share_a_budget_without_netns_cookies() {
    use crate::support::capture::{busiest_second, parse_mac, Capture};
    let lan = Lan::new(&[1, 2]);
    let capture = Capture::start(lan.switch(), "p0", "arp");
    let log = AgentLog::new();
    let starts: Vec<std::thread::JoinHandle<i32>> = (100..104)
        .map(|n| {
            let command = lan
                .agent(0, &floatip(), "start")
                .params(&[
                    ("ip", &format!("192.0.2.{n}")),
                    ("cidr_netmask", "24"),
                    ("garp_rate", "3"),
                    ("garp_count", "1"),
                    ("garp_window", "0"),
                    ("garp_targets", "none"),
                ])
                .env("HA_LOGFILE", log.path())
                .env(FALLBACKS, "netns-cookie")
                .quiet();
            std::thread::spawn(move || command.status())
        })
        .collect();
    for start in starts {
        assert_eq!(start.join().unwrap(), 0, "{}", log.text());
    }
    assert!(crate::support::lab::senders_done(
        lan.rsctmp[0].path(),
        Duration::from_secs(10)
    ));
    let mac = parse_mac(&lan.hosts[0].mac("eth0"));
    let times: Vec<_> = capture
        .finish()
        .iter()
        .filter(|f| f.arp().is_some_and(|a| a.eth_source == mac))
        .map(|f| f.time)
        .collect();
    assert_eq!(times.len(), 8);
    assert!(busiest_second(&times) <= 3);
    let budgets: Vec<String> = fs::read_dir(lan.rsctmp[0].path().join("floatip-garp-rate"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        budgets
            .iter()
            .any(|name| name.starts_with('i') && name.ends_with(".arp")),
        "keyed by the namespace's inode: {budgets:?}"
    );
}
