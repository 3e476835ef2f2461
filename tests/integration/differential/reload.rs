//! reload against stop + start: a parameter change applied to a started
//! VIP, by floatip's reload and as Pacemaker does it with the stock agent.

use super::*;

/// A parameter change applied to a started VIP: floatip by reload, the
/// stock agent (which has none) as Pacemaker then does it, by stop with
/// the old parameters and start with the new.
pub(super) struct ReloadCase {
    name: &'static str,
    setup: Setup,
    old: Vec<(&'static str, &'static str)>,
    new: Vec<(&'static str, &'static str)>,
}

pub(super) fn reload_case(
    name: &'static str,
    setup: Setup,
    old: &[(&'static str, &'static str)],
    new: &[(&'static str, &'static str)],
) -> ReloadCase {
    ReloadCase {
        name,
        setup,
        old: old.to_vec(),
        new: new.to_vec(),
    }
}

pub(super) fn reload_cases() -> Vec<ReloadCase> {
    const V4: (&str, &str) = ("ip", VIP);
    const V6IP: (&str, &str) = ("ip", V6);
    const ETH0: (&str, &str) = ("nic", "eth0");
    const ETH1: (&str, &str) = ("nic", "eth1");
    const C24: (&str, &str) = ("cidr_netmask", "24");
    const C64: (&str, &str) = ("cidr_netmask", "64");
    use Setup::{Bare, Base, Base6};
    vec![
        reload_case(
            "cidr 24 to 25",
            Base,
            &[V4, ETH0, C24],
            &[V4, ETH0, ("cidr_netmask", "25")],
        ),
        reload_case(
            "cidr 24 to 28 dotted",
            Base,
            &[V4, C24],
            &[V4, ("cidr_netmask", "255.255.255.240")],
        ),
        reload_case(
            "cidr 25 to unset",
            Base,
            &[V4, ("cidr_netmask", "25")],
            &[V4],
        ),
        reload_case(
            "cidr unset to 26",
            Base,
            &[V4],
            &[V4, ("cidr_netmask", "26")],
        ),
        reload_case(
            "cidr 24 to 32",
            Base,
            &[V4, ETH0, C24],
            &[V4, ETH0, ("cidr_netmask", "32")],
        ),
        reload_case(
            "cidr 32 to 24",
            Base,
            &[V4, ETH0, ("cidr_netmask", "32")],
            &[V4, ETH0, C24],
        ),
        reload_case(
            "iflabel added",
            Base,
            &[V4, ETH0, C24],
            &[V4, ETH0, C24, ("iflabel", "api")],
        ),
        reload_case(
            "iflabel changed",
            Base,
            &[V4, ETH0, C24, ("iflabel", "a")],
            &[V4, ETH0, C24, ("iflabel", "b")],
        ),
        reload_case(
            "iflabel removed",
            Base,
            &[V4, ETH0, C24, ("iflabel", "a")],
            &[V4, ETH0, C24],
        ),
        reload_case(
            "label in nic",
            Base,
            &[V4, ETH0, C24],
            &[V4, ("nic", "eth0:web"), C24],
        ),
        reload_case(
            "label on a 32",
            Bare,
            &[V4, ETH0, ("cidr_netmask", "32")],
            &[V4, ETH0, ("cidr_netmask", "32"), ("iflabel", "x")],
        ),
        reload_case(
            "broadcast given",
            Base,
            &[V4, ETH0, C24],
            &[V4, ETH0, C24, ("broadcast", "192.0.2.254")],
        ),
        reload_case(
            "broadcast plus",
            Bare,
            &[V4, ETH0, C24],
            &[V4, ETH0, ("cidr_netmask", "25"), ("broadcast", "+")],
        ),
        reload_case(
            "broadcast minus",
            Bare,
            &[V4, ETH0, C24],
            &[V4, ETH0, C24, ("broadcast", "-")],
        ),
        reload_case(
            "broadcast dropped",
            Base,
            &[V4, ETH0, C24, ("broadcast", "192.0.2.254")],
            &[V4, ETH0, C24],
        ),
        reload_case(
            "noprefixroute on",
            Base,
            &[V4, ETH0, C24],
            &[V4, ETH0, C24, ("noprefixroute", "true")],
        ),
        reload_case(
            "noprefixroute off",
            Bare,
            &[V4, ETH0, C24, ("noprefixroute", "true")],
            &[V4, ETH0, C24],
        ),
        reload_case(
            "everything at once",
            Bare,
            &[V4, ETH0, C24],
            &[
                V4,
                ETH0,
                ("cidr_netmask", "27"),
                ("iflabel", "all"),
                ("broadcast", "192.0.2.9"),
                ("noprefixroute", "1"),
            ],
        ),
        reload_case("nic eth0 to eth1", Base, &[V4, ETH0, C24], &[V4, ETH1, C24]),
        reload_case(
            "nic eth1 to eth0",
            Bare,
            &[V4, ETH1, C24],
            &[V4, ETH0, ("cidr_netmask", "25")],
        ),
        reload_case("nic unset to eth0", Base, &[V4, C24], &[V4, ETH0, C24]),
        reload_case(
            "announcements",
            Base,
            &[V4, C24],
            &[
                V4,
                C24,
                ("arp_count", "8"),
                ("arp_interval", "100"),
                ("garp_mode", "reply"),
                ("garp_spacing", "fixed"),
            ],
        ),
        reload_case(
            "targets and window",
            Base,
            &[V4, C24],
            &[
                V4,
                C24,
                ("garp_targets", "192.0.2.1"),
                ("garp_window", "5"),
                ("arp_bg", "false"),
            ],
        ),
        reload_case(
            "monitor and start knobs",
            Base,
            &[V4, C24],
            &[
                V4,
                C24,
                ("check_link_status", "false"),
                ("arp_count_refresh", "1"),
                ("run_arping", "true"),
                ("flush_routes", "true"),
                ("arp_sender", "iputils_arping"),
                ("send_arp_opts", "-A"),
            ],
        ),
        reload_case(
            "preferred_lft on IPv4",
            Base,
            &[V4, C24],
            &[V4, C24, ("preferred_lft", "100")],
        ),
        reload_case(
            "ipv6 cidr 64 to 80",
            Base6,
            &[V6IP, ETH0, C64],
            &[V6IP, ETH0, ("cidr_netmask", "80")],
        ),
        reload_case(
            "ipv6 cidr unset to 96",
            Base6,
            &[V6IP],
            &[V6IP, ("cidr_netmask", "96")],
        ),
        reload_case(
            "ipv6 noprefixroute",
            Base6,
            &[V6IP, ETH0, C64],
            &[V6IP, ETH0, C64, ("noprefixroute", "true")],
        ),
        reload_case(
            "ipv6 preferred_lft 0",
            Base6,
            &[V6IP, ETH0, C64],
            &[V6IP, ETH0, C64, ("preferred_lft", "0")],
        ),
        reload_case(
            "ipv6 preferred_lft back to forever",
            Base6,
            &[V6IP, ETH0, C64, ("preferred_lft", "0")],
            &[V6IP, ETH0, C64],
        ),
        reload_case(
            "ipv6 nic eth0 to eth1",
            Base6,
            &[V6IP, ETH0, C64, ("nodad", "true")],
            &[V6IP, ETH1, C64, ("nodad", "true")],
        ),
        reload_case(
            "ipv6 addrlabel on",
            Base6,
            &[V6IP, C64],
            &[V6IP, C64, ("lvs_ipv6_addrlabel", "true")],
        ),
        reload_case(
            "ipv6 addrlabel value",
            Base6,
            &[V6IP, C64, ("lvs_ipv6_addrlabel", "true")],
            &[
                V6IP,
                C64,
                ("lvs_ipv6_addrlabel", "true"),
                ("lvs_ipv6_addrlabel_value", "7"),
            ],
        ),
        reload_case(
            "ipv6 dad knobs",
            Base6,
            &[V6IP, C64],
            &[V6IP, C64, ("nodad", "true"), ("dad_mode", "kernel")],
        ),
    ]
}

/// How a change is applied to the started VIP.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    Reload,
    /// What Pacemaker does for an agent without reload (and after a
    /// failed one): stop with the old parameters, start with the new.
    Restart,
}

/// What a change leaves: the exit code of the change (reload, or the
/// start of the restart), the VIP as the kernel holds it (the nodad flag
/// aside: floatip re-adds an IPv6 VIP without DAD), the IPv6 address
/// label, the monitor's answer with the new parameters, and after a stop
/// with them what is left, processes included.
pub(super) fn observe_change(agent: &Subject, case: &ReloadCase, change: Change) -> Vec<String> {
    let node = prepare(case.setup);
    let ip = case.new[0].1;
    let mut seen = Vec::new();
    let run = |action: &str, params: &[(&str, &str)]| {
        run_quietly(&node, agent, action, params, User::Root)
    };
    seen.push(format!("start {}", run("start", &case.old)));
    let changed = match change {
        Change::Reload => run("reload", &case.new),
        Change::Restart => {
            run("stop", &case.old);
            run("start", &case.new)
        }
    };
    seen.push(format!("change {changed}"));
    let mut copies = node.ns.find(ip);
    for (_, a) in &mut copies {
        a.nodad = false;
    }
    seen.push(format!("vip {copies:?}"));
    let label = node
        .ns
        .ip(&["addrlabel", "list"])
        .lines()
        .find(|l| l.contains(&format!("{ip}/128")))
        .map(|l| l.trim().to_owned());
    seen.push(format!("addrlabel {label:?}"));
    seen.push(format!("monitor {}", run("monitor", &case.new)));
    seen.push(format!("stop {}", run("stop", &case.new)));
    seen.push(format!("after stop {:?}", node.ns.find(ip)));
    sleep(Duration::from_millis(50));
    let leftover = node.ns.pids().into_iter().filter(|pid| alive(*pid)).count();
    seen.push(format!("processes left {leftover}"));
    seen
}

/// floatip's reload ends exactly where floatip's restart ends; and where
/// the stock agent's restart ends, up to the differences its start has
/// anyway (the derived broadcast, Difference::DerivedBroadcast; the stock agent's leftover senders with
/// some arp_sender values are its own).
pub(super) fn compare_reload(case: &ReloadCase) {
    let reloaded = observe_change(&Subject::floatip(), case, Change::Reload);
    let restarted = observe_change(&Subject::floatip(), case, Change::Restart);
    assert_eq!(
        reloaded, restarted,
        "{}: reload against stop + start",
        case.name
    );
    // Against today's stock agent, whose defaults floatip follows (the
    // IPv6 address label, the prefix route's metric).
    let stock = observe_change(&Subject::stock(Stock::V4_16), case, Change::Restart);
    let derived = |seen: &[String]| -> Vec<String> {
        seen.iter()
            .filter(|line| !line.starts_with("processes left"))
            .map(|line| {
                line.split("broadcast: Some(")
                    .enumerate()
                    .map(|(i, part)| match (i, part.split_once(')')) {
                        (0, _) | (_, None) => part.to_owned(),
                        (_, Some((_, rest))) => format!("broadcast: ?{rest}"),
                    })
                    .collect::<String>()
                    .replace("broadcast: None", "broadcast: ?")
            })
            .collect()
    };
    let comparable = if stock.iter().any(|l| l.contains("broadcast: None")) {
        (derived(&reloaded), derived(&stock))
    } else {
        let all = |seen: &[String]| -> Vec<String> {
            seen.iter()
                .filter(|line| !line.starts_with("processes left"))
                .cloned()
                .collect()
        };
        (all(&reloaded), all(&stock))
    };
    assert_eq!(
        comparable.0,
        comparable.1,
        "{}: floatip's reload against IPaddr2 4.16's stop + start ({})",
        case.name,
        Difference::DerivedBroadcast.floatip()
    );
}

pub fn reload_trials() -> Vec<Trial> {
    reload_cases()
        .into_iter()
        .map(|case| {
            let name = format!("differential::reload_{}", case.name.replace(' ', "_"));
            Trial::test(name, move || {
                compare_reload(&case);
                Ok(())
            })
        })
        .collect()
}
