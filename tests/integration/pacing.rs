//! garp_rate: many VIPs started at once on one node, as Pacemaker starts
//! them after a takeover, and what the switch port sees — at most
//! garp_rate frames in every sliding second, each VIP's first frame soon,
//! every neighbour following every VIP; one budget per port (a macvlan
//! shares its parent's, another namespace has its own, ARP and NDP apart);
//! untrusted shared state ignored with a warning; the parameter checked.
//!
//! The LAN: A (the node), GW (its default gateway, the garp_targets
//! default), C (a client that holds a stale entry for every VIP).

use std::net::Ipv4Addr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use libtest_mimic::Trial;

use crate::support::capture::{busiest_second, parse_mac, Capture, Frame};
use crate::support::lab;
use crate::support::{floatip, AgentLog, Lan};

const A: usize = 0;
const GW: usize = 1;
const C: usize = 2;
const STALE_MAC: &str = "02:00:00:00:00:99";

pub fn trials() -> Vec<Trial> {
    trials!("pacing":
        many_vips_at_once_stay_within_the_rate,
        without_a_rate_nothing_waits,
        a_macvlan_shares_its_parents_budget,
        another_namespace_has_its_own_budget,
        arp_and_ndp_have_budgets_of_their_own,
        untrusted_shared_state_is_ignored_with_a_warning,
        show_counts_the_frames_waiting,
        reload_gives_the_running_sender_the_new_rate,
        garp_by_hand_paces_unless_rate_zero,
        foreground_rounds_past_the_timeout_move_to_the_sender,
        dead_waits_future_and_foreign_records_lapse,
        validate_all_warns_below_one_first_round,
        garp_rate_is_checked,
    )
}

/// A, GW and C; A routes through GW.
fn lan() -> Lan {
    let lan = Lan::new(&[1, 254, 3]);
    lan.hosts[A].ip(&["route", "add", "default", "via", "192.0.2.254"]);
    lan
}

fn vips(first: u8, count: u8) -> Vec<String> {
    (first..first + count)
        .map(|n| format!("192.0.2.{n}"))
        .collect()
}

/// Starts every VIP on host `host` at once, each a process of its own;
/// their exit codes, and when the first was started.
fn start_all(
    lan: &Lan,
    host: usize,
    vips: &[String],
    params: &[(&str, &str)],
    log: &AgentLog,
) -> (Vec<i32>, SystemTime) {
    let runs: Vec<Vec<(&str, &str)>> = vips
        .iter()
        .map(|vip| {
            let mut all = vec![("ip", vip.as_str()), ("cidr_netmask", "24")];
            all.extend_from_slice(params);
            all
        })
        .collect();
    start_each(lan, host, &runs, log)
}

/// Runs start with each of `runs`' parameters on host `host` at once.
fn start_each(
    lan: &Lan,
    host: usize,
    runs: &[Vec<(&str, &str)>],
    log: &AgentLog,
) -> (Vec<i32>, SystemTime) {
    let began = SystemTime::now();
    let codes = thread::scope(|scope| {
        let runs: Vec<_> = runs
            .iter()
            .map(|params| {
                scope.spawn(move || {
                    lan.agent(host, &floatip(), "start")
                        .params(params)
                        .env("HA_LOGFILE", log.path())
                        .quiet()
                        .status()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    (codes, began)
}

/// Waits until the senders whose HA_RSCTMP is `dir` are done.
fn senders_done(dir: &Path, limit: Duration) {
    assert!(
        lab::senders_done(dir, limit),
        "background senders still running after {limit:?}"
    );
}

/// The ARP frames `mac` sent, by time.
fn arp_from(frames: &[Frame], mac: &str) -> Vec<(SystemTime, Ipv4Addr)> {
    let mac = parse_mac(mac);
    frames
        .iter()
        .filter_map(|f| {
            f.arp()
                .filter(|a| a.eth_source == mac)
                .map(|a| (f.time, a.sender_ip))
        })
        .collect()
}

fn times<T>(frames: &[(SystemTime, T)]) -> Vec<SystemTime> {
    frames.iter().map(|f| f.0).collect()
}

fn many_vips_at_once_stay_within_the_rate() {
    const RATE: usize = 10;
    let lan = lan();
    let vips = vips(100, 16);
    // C holds a stale entry for every VIP: it follows a VIP only if a
    // frame announcing it reaches it.
    for vip in &vips {
        lan.hosts[C].ip(&[
            "neigh", "replace", vip, "lladdr", STALE_MAC, "dev", "eth0", "nud", "stale",
        ]);
    }
    let capture = Capture::start(lan.switch(), "p0", "arp");
    let log = AgentLog::new();
    let params = [
        ("garp_rate", "10"),
        ("garp_count", "2"),
        ("garp_window", "0"),
    ];
    let (codes, began) = start_all(&lan, A, &vips, &params, &log);
    assert!(
        codes.iter().all(|c| *c == 0),
        "start: {codes:?}\n{}",
        log.text()
    );
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(30));
    let frames = arp_from(&capture.finish(), &lan.hosts[A].mac("eth0"));
    // Two rounds of a request, a reply and a directed request to GW each.
    assert_eq!(frames.len(), vips.len() * 3 * 2, "every frame went");
    let busiest = busiest_second(&times(&frames));
    assert!(
        busiest <= RATE,
        "{busiest} frames in one second\n{}",
        log.text()
    );
    let last_first = vips
        .iter()
        .map(|vip| {
            let ip: Ipv4Addr = vip.parse().unwrap();
            frames.iter().find(|f| f.1 == ip).expect("announced").0
        })
        .max()
        .unwrap();
    let bound = Duration::from_secs_f64(vips.len() as f64 / RATE as f64 + 0.6);
    let took = last_first.duration_since(began).unwrap();
    assert!(
        took <= bound,
        "the last first frame left {took:?} after the first start"
    );
    let a_mac = lan.hosts[A].mac("eth0");
    for vip in &vips {
        assert_eq!(
            lan.hosts[C].neighbour_mac(vip).as_deref(),
            Some(a_mac.as_str()),
            "C follows {vip}"
        );
        assert_eq!(
            lan.hosts[GW].neighbour_mac(vip).as_deref(),
            Some(a_mac.as_str()),
            "GW follows {vip}"
        );
    }
    let text = log.text();
    assert!(text.contains("garp_rate=10"), "pacing is logged:\n{text}");
}

fn without_a_rate_nothing_waits() {
    let lan = lan();
    let vips = vips(100, 8);
    let rsctmp = lan.rsctmp[A].path().to_owned();
    let capture = Capture::start(lan.switch(), "p0", "arp");
    let log = AgentLog::new();
    let (codes, _) = start_all(
        &lan,
        A,
        &vips,
        &[("garp_count", "1"), ("garp_window", "0")],
        &log,
    );
    assert!(codes.iter().all(|c| *c == 0), "{codes:?}");
    let frames = arp_from(&capture.finish(), &lan.hosts[A].mac("eth0"));
    assert_eq!(frames.len(), 8 * 3);
    assert!(
        busiest_second(&times(&frames)) == 24,
        "unpaced, all at once"
    );
    assert!(
        !rsctmp.join("floatip-garp-rate").exists(),
        "no budget is kept"
    );
    assert!(!log.text().contains("garp_rate"));
}

/// VIPs on eth0 and on a macvlan of it: one port, one budget.
fn a_macvlan_shares_its_parents_budget() {
    const RATE: usize = 4;
    let lan = lan();
    let a = &lan.hosts[A];
    a.ip(&[
        "link", "add", "mv0", "link", "eth0", "type", "macvlan", "mode", "bridge",
    ]);
    a.ip(&["link", "set", "mv0", "up"]);
    let capture = Capture::start(lan.switch(), "p0", "arp");
    let log = AgentLog::new();
    let params = |nic: &'static str| {
        [
            ("garp_rate", "4"),
            ("garp_count", "1"),
            ("garp_window", "0"),
            ("garp_targets", "none"),
            ("nic", nic),
        ]
    };
    let (eth0, mv0) = thread::scope(|scope| {
        let eth0 = scope.spawn(|| start_all(&lan, A, &vips(100, 4), &params("eth0"), &log).0);
        let mv0 = scope.spawn(|| start_all(&lan, A, &vips(110, 4), &params("mv0"), &log).0);
        (eth0.join().unwrap(), mv0.join().unwrap())
    });
    assert!(
        eth0.iter().chain(&mv0).all(|c| *c == 0),
        "{eth0:?} {mv0:?}\n{}",
        log.text()
    );
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(20));
    let frames = capture.finish();
    let mut both = arp_from(&frames, &a.mac("eth0"));
    let macvlan = arp_from(&frames, &a.mac("mv0"));
    assert_eq!(macvlan.len(), 8, "the macvlan's VIPs were announced");
    both.extend(macvlan);
    assert_eq!(both.len(), 16);
    let busiest = busiest_second(&times(&both));
    assert!(
        busiest <= RATE,
        "{busiest} frames in one second on the port"
    );
}

/// Two nodes with the same HA_RSCTMP directory but their own network
/// namespaces: each port is paced on its own.
fn another_namespace_has_its_own_budget() {
    const RATE: usize = 4;
    let lan = Lan::new(&[1, 2, 254]);
    let shared = lan.rsctmp[0].path().to_str().unwrap().to_owned();
    let captures = [
        Capture::start(lan.switch(), "p0", "arp"),
        Capture::start(lan.switch(), "p1", "arp"),
    ];
    let log = AgentLog::new();
    let params = [
        ("garp_rate", "4"),
        ("garp_count", "1"),
        ("garp_window", "0"),
        ("garp_targets", "none"),
        ("HA_RSCTMP", shared.as_str()),
    ];
    let codes = thread::scope(|scope| {
        let runs: Vec<_> = [(0, 100), (1, 110)]
            .into_iter()
            .map(|(host, first)| {
                let (lan, log, params) = (&lan, &log, &params);
                scope.spawn(move || start_all(lan, host, &vips(first, 6), params, log).0)
            })
            .collect();
        runs.into_iter()
            .flat_map(|r| r.join().unwrap())
            .collect::<Vec<i32>>()
    });
    assert!(codes.iter().all(|c| *c == 0), "{codes:?}\n{}", log.text());
    senders_done(Path::new(&shared), Duration::from_secs(20));
    let [p0, p1] = captures;
    let (p0, p1) = (p0.finish(), p1.finish());
    let a = arp_from(&p0, &lan.hosts[0].mac("eth0"));
    let b = arp_from(&p1, &lan.hosts[1].mac("eth0"));
    assert_eq!((a.len(), b.len()), (12, 12));
    assert!(busiest_second(&times(&a)) <= RATE);
    assert!(busiest_second(&times(&b)) <= RATE);
    let mut all = times(&a);
    all.extend(times(&b));
    assert!(
        busiest_second(&all) > RATE,
        "the two ports did not share a budget"
    );
}

fn arp_and_ndp_have_budgets_of_their_own() {
    const RATE: usize = 3;
    let lan = lan();
    lan.add_ipv6();
    let capture = Capture::start(lan.switch(), "p0", "arp or icmp6");
    let log = AgentLog::new();
    let common = [
        ("garp_rate", "3"),
        ("garp_count", "1"),
        ("garp_window", "0"),
        ("garp_targets", "none"),
    ];
    let v6: Vec<String> = (0x10..0x14)
        .map(|n| format!("2001:db8:1234::{n:x}"))
        .collect();
    let v4 = vips(100, 4);
    let mut runs: Vec<Vec<(&str, &str)>> = Vec::new();
    for vip in &v4 {
        let mut params = vec![("ip", vip.as_str()), ("cidr_netmask", "24")];
        params.extend_from_slice(&common);
        runs.push(params);
    }
    for vip in &v6 {
        let mut params = vec![
            ("ip", vip.as_str()),
            ("cidr_netmask", "64"),
            ("nodad", "true"),
            ("arp_bg", "true"),
        ];
        params.extend_from_slice(&common);
        runs.push(params);
    }
    let (codes, _) = start_each(&lan, A, &runs, &log);
    assert!(codes.iter().all(|c| *c == 0), "{codes:?}\n{}", log.text());
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(20));
    let frames = capture.finish();
    let mac = parse_mac(&lan.hosts[A].mac("eth0"));
    let from_a = |f: &&Frame| f.bytes.len() > 12 && f.bytes[6..12] == mac;
    let arp: Vec<SystemTime> = frames
        .iter()
        .filter(from_a)
        .filter(|f| f.arp().is_some())
        .map(|f| f.time)
        .collect();
    let adverts: Vec<SystemTime> = frames
        .iter()
        .filter(from_a)
        .filter(|f| f.ndp().is_some_and(|n| n.icmp_type == 136))
        .map(|f| f.time)
        .collect();
    assert_eq!(
        (arp.len(), adverts.len()),
        (8, 4),
        "two ARP forms per IPv4 VIP, one NA per IPv6 VIP"
    );
    assert!(busiest_second(&arp) <= RATE);
    assert!(busiest_second(&adverts) <= RATE);
    let mut all = arp.clone();
    all.extend(&adverts);
    assert!(
        busiest_second(&all) > RATE,
        "ARP and NDP did not have budgets of their own"
    );
}

/// A budget directory anybody may write into is no proof: ignored with a
/// warning, each process paces itself, and start still succeeds.
fn untrusted_shared_state_is_ignored_with_a_warning() {
    let lan = lan();
    let dir = lan.rsctmp[A].path().join("floatip-garp-rate");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let capture = Capture::start(lan.switch(), "p0", "arp");
    let log = AgentLog::new();
    let params = [
        ("garp_rate", "2"),
        ("garp_count", "2"),
        ("garp_window", "0"),
        ("garp_targets", "none"),
    ];
    let (codes, _) = start_all(&lan, A, &vips(100, 1), &params, &log);
    assert_eq!(codes, vec![0], "{}", log.text());
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(20));
    let frames = arp_from(&capture.finish(), &lan.hosts[A].mac("eth0"));
    assert_eq!(frames.len(), 4);
    assert!(
        busiest_second(&times(&frames)) <= 2,
        "the process paced itself"
    );
    let text = log.text();
    assert!(
        text.contains("cannot be shared") && text.contains("writable by group or others"),
        "{text}"
    );
}

fn show_counts_the_frames_waiting() {
    let lan = lan();
    let log = AgentLog::new();
    let params = [
        ("garp_rate", "2"),
        ("garp_count", "3"),
        ("garp_window", "0"),
    ];
    let (codes, _) = start_all(&lan, A, &vips(100, 4), &params, &log);
    assert!(codes.iter().all(|c| *c == 0), "{codes:?}\n{}", log.text());
    let run = lan
        .agent(A, &floatip(), "show")
        .params(&[("ip", "192.0.2.100")])
        .run();
    let out = run.stdout.clone();
    let waiting: u32 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("garp_rate budget of eth0: "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("show says nothing of the budget:\n{out}"));
    assert!(
        waiting > 0,
        "frames wait while 4 VIPs share 2 per second:\n{out}"
    );
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(30));
    let after = lan
        .agent(A, &floatip(), "show")
        .params(&[("ip", "192.0.2.100")])
        .run();
    assert!(
        after
            .stdout
            .contains("garp_rate budget of eth0: 0 frame(s) waiting"),
        "{}",
        after.stdout
    );
}

fn validate_all_warns_below_one_first_round() {
    let lan = lan();
    let params = |rate: &'static str| {
        [
            ("ip", "192.0.2.100"),
            ("cidr_netmask", "24"),
            ("garp_rate", rate),
        ]
    };
    // garp_mode both and the gateway: three frames in a first round.
    let low = lan.run(A, &floatip(), "validate-all", &params("2"));
    assert_eq!(low.code, 0);
    assert!(
        low.stderr.contains("garp_rate=2 is below one first round"),
        "{}",
        low.stderr
    );
    let enough = lan.run(A, &floatip(), "validate-all", &params("3"));
    assert_eq!(enough.code, 0);
    assert!(
        !enough.stderr.contains("below one first round"),
        "{}",
        enough.stderr
    );
}

fn garp_rate_is_checked() {
    let lan = lan();
    for bad in ["abc", "-1", "1.5", "2x", "99999999999"] {
        for action in ["start", "validate-all", "monitor"] {
            let run = lan.run(
                A,
                &floatip(),
                action,
                &[("ip", "192.0.2.100"), ("garp_rate", bad)],
            );
            assert_eq!(run.code, 6, "{action} garp_rate={bad}: {}", run.stderr);
            assert!(
                run.stderr.contains("Invalid OCF_RESKEY_garp_rate"),
                "{}",
                run.stderr
            );
        }
        let stop = lan.run(
            A,
            &floatip(),
            "stop",
            &[("ip", "192.0.2.100"), ("garp_rate", bad)],
        );
        assert_eq!(stop.code, 0, "stop never fails for garp_rate={bad}");
    }
    for unlimited in ["", "0"] {
        let run = lan.run(
            A,
            &floatip(),
            "validate-all",
            &[("ip", "192.0.2.100"), ("garp_rate", unlimited)],
        );
        assert_eq!(run.code, 0, "garp_rate={unlimited:?}: {}", run.stderr);
    }
}

/// garp_rate is of the announcement class: a reload replaces a running
/// sender with one that announces under the new rate, on the same
/// timeline.
fn reload_gives_the_running_sender_the_new_rate() {
    let lan = lan();
    let log = AgentLog::new();
    let params = [
        ("ip", "192.0.2.100"),
        ("cidr_netmask", "24"),
        ("garp_count", "8"),
        ("garp_window", "0"),
        ("garp_targets", "none"),
    ];
    let with_rate = |rate: &'static str| {
        let mut all = params.to_vec();
        all.push(("garp_rate", rate));
        all
    };
    let capture = Capture::start(lan.switch(), "p0", "arp");
    let started = lan
        .agent(A, &floatip(), "start")
        .params(&with_rate("1"))
        .env("HA_LOGFILE", log.path())
        .quiet()
        .status();
    assert_eq!(started, 0, "{}", log.text());
    // Eight rounds of two frames at one frame a second: 16 s paced.
    thread::sleep(Duration::from_millis(2500));
    let reloaded = lan
        .agent(A, &floatip(), "reload")
        .params(&with_rate("0"))
        .env("HA_LOGFILE", log.path())
        .quiet()
        .status();
    assert_eq!(reloaded, 0, "{}", log.text());
    let reloaded_at = SystemTime::now();
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(10));
    let frames = arp_from(&capture.finish(), &lan.hosts[A].mac("eth0"));
    let before: Vec<SystemTime> = frames
        .iter()
        .map(|f| f.0)
        .filter(|t| *t < reloaded_at)
        .collect();
    assert!(busiest_second(&before) <= 1, "paced at 1 before the reload");
    // At 2.5 s the rounds still due are those at 3, 4.5 and 6 s: two
    // frames each, back to back now that nothing paces them.
    let after: Vec<SystemTime> = frames
        .iter()
        .map(|f| f.0)
        .filter(|t| *t >= reloaded_at)
        .collect();
    assert_eq!(
        after.len(),
        6,
        "the rounds still due, not those sent already:\n{}",
        log.text()
    );
    assert_eq!(busiest_second(&after), 2, "unpaced after the reload");
    let last = after.iter().max().unwrap();
    assert!(last.duration_since(reloaded_at).unwrap() < Duration::from_secs(5));
}

/// `floatip garp` paces with `--rate N` (its own frames, and against the
/// node's other announcements), and not at all with `--rate 0`.
fn garp_by_hand_paces_unless_rate_zero() {
    let lan = lan();
    let a = &lan.hosts[A];
    a.ip(&["addr", "add", "192.0.2.100/24", "dev", "eth0"]);
    let by_hand = |rate: &str| {
        let capture = Capture::start(lan.switch(), "p0", "arp");
        let run = lan
            .agent(A, &floatip(), "garp")
            .args([
                "--nic",
                "eth0",
                "--ip",
                "192.0.2.100",
                "--count",
                "3",
                "--targets",
                "none",
                "--window",
                "0",
                "--rate",
                rate,
            ])
            .run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        arp_from(&capture.finish(), &a.mac("eth0"))
    };
    let paced = by_hand("2");
    assert_eq!(paced.len(), 6);
    assert!(busiest_second(&times(&paced)) <= 2);
    let unpaced = by_hand("0");
    assert_eq!(unpaced.len(), 6);
    assert!(
        busiest_second(&times(&unpaced)) == 6,
        "--rate 0 is unlimited"
    );
}

/// arp_bg=false (IPv6's default): the rounds run in the foreground, and
/// under garp_rate those that would pass start's timeout move to the
/// background sender instead of being skipped.
fn foreground_rounds_past_the_timeout_move_to_the_sender() {
    let lan = lan();
    lan.add_ipv6();
    let capture = Capture::start(lan.switch(), "p0", "icmp6");
    let log = AgentLog::new();
    let began = Instant::now();
    let code = lan
        .agent(A, &floatip(), "start")
        .params(&[
            ("ip", "2001:db8:1234::10"),
            ("cidr_netmask", "64"),
            ("nodad", "true"),
            ("garp_rate", "1"),
            ("garp_count", "5"),
            ("garp_window", "0"),
            ("garp_targets", "none"),
            ("CRM_meta_timeout", "3000"),
        ])
        .env("HA_LOGFILE", log.path())
        .quiet()
        .status();
    let took = began.elapsed();
    assert_eq!(code, 0, "{}", log.text());
    assert!(took < Duration::from_secs(3), "start took {took:?}");
    let text = log.text();
    assert!(
        text.contains("would pass start's timeout: the background sender sends them"),
        "{text}"
    );
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(15));
    let mac = parse_mac(&lan.hosts[A].mac("eth0"));
    let adverts: Vec<SystemTime> = capture
        .finish()
        .iter()
        .filter(|f| f.bytes.len() > 12 && f.bytes[6..12] == mac)
        .filter(|f| f.ndp().is_some_and(|n| n.icmp_type == 136))
        .map(|f| f.time)
        .collect();
    assert_eq!(
        adverts.len(),
        5,
        "every round went, none was skipped:\n{text}"
    );
    assert!(busiest_second(&adverts) <= 1);
}

fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// The budget records another process would have left: a process killed
/// while its first frame waited (its wait lapses within the window),
/// frames "sent" in the future (no clock of this boot wrote them: ignored),
/// another boot's ledger (ignored), garbage (a warning, and the process
/// paces itself). Each time a VIP's start is timed from its first frame.
fn dead_waits_future_and_foreign_records_lapse() {
    let lan = lan();
    let log = AgentLog::new();
    let params = |ip: &'static str| {
        [
            ("ip", ip),
            ("cidr_netmask", "24"),
            ("garp_rate", "1"),
            ("garp_count", "1"),
            ("garp_window", "0"),
            ("garp_targets", "none"),
        ]
    };
    // A first start makes the budget file; its name is the port's.
    let first = lan
        .agent(A, &floatip(), "start")
        .params(&params("192.0.2.99"))
        .env("HA_LOGFILE", log.path())
        .quiet()
        .status();
    assert_eq!(first, 0);
    senders_done(lan.rsctmp[A].path(), Duration::from_secs(10));
    thread::sleep(Duration::from_millis(1100));
    let dir = lan.rsctmp[A].path().join("floatip-garp-rate");
    let ledger = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "arp"))
        .expect("the port's ARP budget");
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    let boot = boot.trim();
    // The time from start to its first frame on the wire.
    let first_frame_after = |ip: &'static str, planted: String| {
        std::fs::write(&ledger, planted).unwrap();
        let capture = Capture::start(lan.switch(), "p0", "arp");
        let began = SystemTime::now();
        let code = lan
            .agent(A, &floatip(), "start")
            .params(&params(ip))
            .env("HA_LOGFILE", log.path())
            .quiet()
            .status();
        assert_eq!(code, 0, "{}", log.text());
        senders_done(lan.rsctmp[A].path(), Duration::from_secs(10));
        let vip: Ipv4Addr = ip.parse().unwrap();
        let frames = arp_from(&capture.finish(), &lan.hosts[A].mac("eth0"));
        let first = frames.iter().find(|f| f.1 == vip).expect("announced").0;
        first.duration_since(began).unwrap()
    };
    let now = monotonic_ns();
    let dead = first_frame_after(
        "192.0.2.100",
        format!("floatip-garp-rate 1 {boot}\nsent\nwait 999999 0 {now} {now} 1\n"),
    );
    assert!(
        dead >= Duration::from_millis(700) && dead < Duration::from_millis(1800),
        "a dead first frame's wait was honoured, then lapsed: {dead:?}"
    );
    let future = monotonic_ns() + 100_000_000_000;
    let ahead = first_frame_after(
        "192.0.2.101",
        format!("floatip-garp-rate 1 {boot}\nsent {future} {future} {future}\n"),
    );
    assert!(
        ahead < Duration::from_millis(500),
        "records from the future are none: {ahead:?}"
    );
    let now = monotonic_ns();
    let foreign = first_frame_after(
        "192.0.2.102",
        format!("floatip-garp-rate 1 00000000-0000-0000-0000-000000000000\nsent {now}\nwait 1 0 {now} {now} 1\n"),
    );
    assert!(
        foreign < Duration::from_millis(500),
        "another boot's ledger is empty: {foreign:?}"
    );
    assert!(!log.text().contains("cannot be shared"), "{}", log.text());
    let garbage = first_frame_after("192.0.2.103", "nonsense\n".to_owned());
    assert!(garbage < Duration::from_millis(500));
    let text = log.text();
    assert!(
        text.contains("is not a garp_rate ledger") && text.contains("paces its own frames"),
        "{text}"
    );
}
