//! floatip against the stock IPaddr2, side by side: each case runs the same
//! sequence of actions with the same parameters on two identical namespaced
//! nodes, and compares every exit code and the VIP as the kernel holds it
//! afterwards (interface, prefix, broadcast, label, flags), plus processes
//! left in the node's namespace at the end.
//!
//! Every case carries its accepted differences, each with its steps and
//! its reason (the README's "differences from IPaddr2" table says the
//! same); a difference not accepted fails the test, and so does an
//! accepted one that no longer occurs.

use std::path::Path;

use std::thread::sleep;
use std::time::Duration;

use libtest_mimic::Trial;

use crate::support::{alive, floatip, AddrInfo, Node, User, STOCK_AGENT, UNKNOWN_ACTIONS};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";

pub fn trials() -> Vec<Trial> {
    let count = cases().len();
    let mut trials = vec![
        Trial::test("differential::at_least_200_cases", move || {
            assert!(count >= 200, "{count} cases");
            Ok(())
        }),
        Trial::test("differential::cases_are_named_once_and_reasoned", || {
            cases_are_named_once_and_reasoned();
            Ok(())
        }),
        Trial::test("differential::unknown_actions", || {
            unknown_actions();
            Ok(())
        }),
        Trial::test("differential::floatip_own_actions", || {
            floatip_own_actions();
            Ok(())
        }),
        Trial::test("differential::reload_action", || {
            reload_action();
            Ok(())
        }),
    ];
    trials.extend(cases().into_iter().map(|case| {
        let name = format!("differential::{}", case.name.replace(' ', "_"));
        Trial::test(name, move || {
            compare(&case);
            Ok(())
        })
    }));
    trials
}

/// How a node is prepared before a case runs.
#[derive(Clone, Copy, Debug)]
enum Setup {
    /// eth0 carries 192.0.2.1/24 brd 192.0.2.255; eth1 has no address.
    Base,
    /// eth0 and eth1 have no addresses.
    Bare,
    /// eth0 carries 2001:db8:1234::1/64 (nodad).
    Base6,
    /// Base, plus the VIP as a /32 on lo (an LVS realserver's copy).
    BaseWithLoopbackVip,
    /// Base and Base6 together, plus this address (with prefix) on lo: an
    /// anycast or LVS-DR host's own copy.
    LoopbackCopy(&'static str),
    /// Base, with lo down.
    LoopbackDown,
    /// Base, with `vipnic` as an alternative name of eth0.
    Altname,
    /// Base and Base6 together, the peer at 192.0.2.254 and
    /// 2001:db8:1234::fe and the node's default routes through it: the
    /// gateway garp_targets addresses and the level-10 monitor checks.
    Gateway,
    /// Base6, with the VIP also on the peer (nodad) and added here with
    /// DAD: the kernel marks this node's copy dadfailed.
    DadfailedCopy,
    /// Base and Base6 together, plus this address (with prefix) on eth1:
    /// the VIP is already configured where findif does not point.
    CopyOnEth1(&'static str),
}

/// Something that happens to the node after the two starts.
#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    /// The VIP's interface (eth1) disappears.
    NicRemoved,
    /// An operator deletes the VIP by hand.
    AddressRemoved,
    /// The base address 192.0.2.1/24 is deleted (the kernel takes its
    /// secondaries with it unless promote_secondaries is on).
    BaseRemoved,
    /// Like BaseRemoved, with promote_secondaries on: the VIP survives.
    BaseRemovedPromoting,
    /// The peer's end of eth0 goes down: no carrier.
    CarrierLost,
    /// The VIP is added by hand on eth1 as well.
    CopyOnOtherNic,
    /// The VIP's interface eth1 is renamed to eth5 (the VIP goes with it).
    NicRenamed,
    /// The VIP is moved by hand from the given eth1 to eth0, and eth1
    /// disappears: the resource is still here, in the wrong place.
    NicRemovedCopyElsewhere,
}

/// The observations of a case, in order: the actions every case runs
/// (the fault strikes after `StartAgain`), then the processes left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Validate,
    Start,
    StartAgain,
    /// A monitor with interval 0: Pacemaker's probe.
    Probe,
    /// A recurring monitor (interval 10 s).
    Monitor,
    Status,
    Stop,
    StopAgain,
    ProbeAfterStop,
    /// Processes of either agent still running after the last stop.
    Leftover,
}

/// Each step's action and `OCF_RESKEY_CRM_meta_interval` (empty: unset).
const STEPS: &[(Step, &str, &str)] = &[
    (Step::Validate, "validate-all", ""),
    (Step::Start, "start", ""),
    (Step::StartAgain, "start", ""),
    (Step::Probe, "monitor", "0"),
    (Step::Monitor, "monitor", "10000"),
    (Step::Status, "status", ""),
    (Step::Stop, "stop", ""),
    (Step::StopAgain, "stop", ""),
    (Step::ProbeAfterStop, "monitor", "0"),
];
const FAULT_AFTER: Step = Step::StartAgain;

/// Steps that accepted differences often share.
const EVERY_ACTION: &[Step] = &EVERY_ACTION_ARRAY;
const EVERY_ACTION_ARRAY: [Step; 9] = [
    Step::Validate,
    Step::Start,
    Step::StartAgain,
    Step::Probe,
    Step::Monitor,
    Step::Status,
    Step::Stop,
    Step::StopAgain,
    Step::ProbeAfterStop,
];
const AFTER_VALIDATE: &[Step] = EVERY_ACTION_ARRAY.split_first().unwrap().1;
const ALL_BUT_STOPS: &[Step] = &[
    Step::Validate,
    Step::Start,
    Step::StartAgain,
    Step::Probe,
    Step::Monitor,
    Step::Status,
    Step::ProbeAfterStop,
];
const WHILE_STARTED: &[Step] = &[
    Step::Start,
    Step::StartAgain,
    Step::Probe,
    Step::Monitor,
    Step::Status,
];
/// Every monitor and status: a configuration they answer 6 for.
const MONITORS: &[Step] = &[
    Step::Probe,
    Step::Monitor,
    Step::Status,
    Step::ProbeAfterStop,
];
const STOPS: &[Step] = &[Step::Stop, Step::StopAgain];

/// A difference kept on purpose: at these steps, for this reason.
#[derive(Clone, Debug)]
struct Accepted {
    steps: &'static [Step],
    reason: &'static str,
}

#[derive(Clone, Debug)]
struct Case {
    name: String,
    setup: Setup,
    params: Vec<(&'static str, &'static str)>,
    fault: Fault,
    user: User,
    accepted: Vec<Accepted>,
}

impl Case {
    /// An IPv6 VIP whose duplicate address detection floatip does itself
    /// (dad_mode=probe, the default, and nodad unset): floatip's copy then
    /// carries the nodad flag where the stock agent's does not.
    fn probes_dad(&self) -> bool {
        let param = |name: &str| {
            self.params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
        };
        let truthy =
            |v: &str| ["true", "yes", "1", "on", "ja"].contains(&v.to_ascii_lowercase().as_str());
        let ipv6 = param("ip").is_some_and(|ip| ip.contains(':'));
        let nodad = param("nodad").is_some_and(truthy);
        ipv6 && !nodad && param("dad_mode").is_none_or(|mode| mode.is_empty() || mode == "probe")
    }

    /// Accepts floatip answering differently from IPaddr2 at `steps`.
    fn accept(mut self, steps: &'static [Step], reason: &'static str) -> Case {
        self.accepted.push(Accepted { steps, reason });
        self
    }

    fn accepts(&self, step: Step) -> bool {
        self.accepted.iter().any(|a| a.steps.contains(&step))
    }
}

fn case(name: &str, setup: Setup, params: &[(&'static str, &'static str)]) -> Case {
    Case {
        name: name.to_owned(),
        setup,
        params: params.to_vec(),
        fault: Fault::None,
        user: User::Root,
        accepted: Vec::new(),
    }
}

fn faulty(name: &str, setup: Setup, params: &[(&'static str, &'static str)], fault: Fault) -> Case {
    Case {
        fault,
        ..case(name, setup, params)
    }
}

/// Every parameter with valid, edge and invalid values, and faults.
fn cases() -> Vec<Case> {
    use Setup::*;
    use Step::*;
    let mut all = vec![
        // ip
        case("ip only", Base, &[]),
        case("ip other address", Base, &[("ip", "192.0.2.200")]),
        case("ip network address", Base, &[("ip", "192.0.2.0")]),
        case("ip broadcast address", Base, &[("ip", "192.0.2.255")]),
        case("invalid ip", Base, &[("ip", "192.0.2.300")]).accept(MONITORS, INVALID_IS_6),
        case("empty ip", Base, &[("ip", "")]),
        case("ip with spaces", Base, &[("ip", " 192.0.2.10")])
            .accept(&[Validate, Start, StartAgain], WHITESPACE)
            .accept(MONITORS, INVALID_IS_6),
        case("ip with letters", Base, &[("ip", "not_ip_address")]).accept(MONITORS, INVALID_IS_6),
        case("ip leading zeros", Base, &[("ip", "192.0.2.010")]).accept(MONITORS, INVALID_IS_6),
        case("ip three octets", Base, &[("ip", "192.0.2")]).accept(MONITORS, INVALID_IS_6),
        case("ip zero first octet", Base, &[("ip", "0.0.2.10")]).accept(MONITORS, INVALID_IS_6),
        case(
            "ip shell metacharacters",
            Base,
            &[("ip", "192.0.2.10;true")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case("ip unicode", Base, &[("ip", "192.0.2.１０")]).accept(MONITORS, INVALID_IS_6),
        case("unreachable ip", Base, &[("ip", "198.51.100.7")])
            .accept(&[Monitor, Status], BY_VALUE),
        case("loopback ip", Base, &[("ip", "127.0.0.3")]),
        case(
            "loopback ip with nic",
            Base,
            &[("ip", "127.0.0.4"), ("nic", "lo"), ("cidr_netmask", "8")],
        ),
        // nic
        case("nic", Base, &[("nic", "eth0")]),
        case(
            "other nic with cidr_netmask",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
        )
        .accept(WHILE_STARTED, DERIVED_BROADCAST),
        case("other nic without cidr_netmask", Base, &[("nic", "eth1")])
            .accept(&[Monitor, Status], BY_VALUE),
        case("missing nic", Base, &[("nic", "eth9")]).accept(&[Status], BY_VALUE),
        case(
            "missing nic with cidr_netmask",
            Base,
            &[("nic", "eth9"), ("cidr_netmask", "24")],
        )
        .accept(&[Monitor], NIC_VANISHED),
        case("empty nic", Base, &[("nic", "")]),
        case("nic:label", Base, &[("nic", "eth0:vip")]),
        case("nic:label long", Base, &[("nic", "eth0:abcdefghijk")])
            .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("nic path", Base, &[("nic", "../eth0")]).accept(MONITORS, INVALID_IS_6),
        case("nic with space", Base, &[("nic", "eth 0")]).accept(MONITORS, INVALID_IS_6),
        case("nic overlong", Base, &[("nic", "eth0eth0eth0eth0eth0")]).accept(&[Status], BY_VALUE),
        // cidr_netmask
        case(
            "nic and cidr_netmask",
            Base,
            &[("nic", "eth0"), ("cidr_netmask", "24")],
        ),
        case("narrower cidr_netmask", Base, &[("cidr_netmask", "28")]),
        case("wider cidr_netmask", Base, &[("cidr_netmask", "16")])
            .accept(&[Monitor, Status], BY_VALUE),
        case("cidr_netmask 32", Base, &[("cidr_netmask", "32")]),
        case(
            "cidr_netmask 1",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "1")],
        )
        .accept(WHILE_STARTED, DERIVED_BROADCAST),
        case("dotted netmask", Base, &[("cidr_netmask", "255.255.255.0")]),
        case(
            "dotted netmask 28",
            Base,
            &[("cidr_netmask", "255.255.255.240")],
        ),
        case(
            "non-contiguous netmask",
            Base,
            &[("cidr_netmask", "255.0.255.0")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case("netmask alias", Base, &[("netmask", "24")]),
        case(
            "netmask alias and cidr_netmask",
            Base,
            &[("netmask", "16"), ("cidr_netmask", "24")],
        ),
        case("invalid cidr_netmask", Base, &[("cidr_netmask", "33")])
            .accept(MONITORS, INVALID_IS_6),
        case("cidr_netmask zero", Base, &[("cidr_netmask", "0")]).accept(MONITORS, INVALID_IS_6),
        case(
            "cidr_netmask letters",
            Base,
            &[("cidr_netmask", "not_netmask")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case("cidr_netmask negative", Base, &[("cidr_netmask", "-1")])
            .accept(MONITORS, INVALID_IS_6),
        case(
            "cidr_netmask four digits",
            Base,
            &[("cidr_netmask", "0024")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case("empty cidr_netmask", Base, &[("cidr_netmask", "")]),
        // broadcast
        case("broadcast address", Base, &[("broadcast", "192.0.2.127")]),
        case(
            "broadcast plus",
            Base,
            &[("cidr_netmask", "26"), ("broadcast", "+")],
        ),
        case("broadcast minus", Base, &[("broadcast", "-")]),
        case("invalid broadcast", Base, &[("broadcast", "bcast")]).accept(MONITORS, INVALID_IS_6),
        case(
            "broadcast out of range",
            Base,
            &[("broadcast", "192.0.2.256")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case("empty broadcast", Base, &[("broadcast", "")]),
        // iflabel
        case("iflabel", Base, &[("nic", "eth0"), ("iflabel", "vip")]),
        case(
            "iflabel fifteen",
            Base,
            &[("nic", "eth0"), ("iflabel", "abcdefghij")],
        ),
        case("iflabel without nic", Base, &[("iflabel", "x")]),
        case(
            "label too long",
            Base,
            &[("nic", "eth0"), ("iflabel", "abcdefghijk")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("empty iflabel", Base, &[("nic", "eth0"), ("iflabel", "")]),
        // noprefixroute, nodad, preferred_lft on IPv4
        case("noprefixroute", Base, &[("noprefixroute", "true")]),
        case(
            "noprefixroute yes",
            Base,
            &[
                ("nic", "eth1"),
                ("cidr_netmask", "24"),
                ("noprefixroute", "yes"),
            ],
        )
        .accept(WHILE_STARTED, DERIVED_BROADCAST),
        case(
            "noprefixroute unknown spelling",
            Base,
            &[("noprefixroute", "maybe")],
        ),
        case("nodad on IPv4", Base, &[("nodad", "true")]),
        case("preferred_lft on IPv4", Base, &[("preferred_lft", "0")]),
        case(
            "preferred_lft garbage on IPv4",
            Base,
            &[("preferred_lft", "soon")],
        ),
        case("preferred_lft empty", Base, &[("preferred_lft", "")])
            .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        // announcements
        case("arp_count one", Base, &[("arp_count", "1")]),
        case("arp_count ten", Base, &[("arp_count", "10")]),
        case("arp_count zero", Base, &[("arp_count", "0")]).accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("arp_count empty", Base, &[("arp_count", "")]).accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("arp_count letters", Base, &[("arp_count", "five")])
            .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("arp_interval 100", Base, &[("arp_interval", "100")]),
        case("arp_interval one", Base, &[("arp_interval", "1")]),
        case("arp_interval empty", Base, &[("arp_interval", "")])
            .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("arp_interval zero", Base, &[("arp_interval", "0")])
            .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("arp_interval negative", Base, &[("arp_interval", "-200")])
            .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("arp_count_refresh", Base, &[("arp_count_refresh", "2")]),
        case("arp_bg false", Base, &[("arp_bg", "false")]),
        case("arp_bg true", Base, &[("arp_bg", "true")]),
        case("arp_bg unknown spelling", Base, &[("arp_bg", "sometimes")]),
        case("arp_sender send_arp", Base, &[("arp_sender", "send_arp")]),
        case(
            "arp_sender iputils_arping",
            Base,
            &[("arp_sender", "iputils_arping")],
        ),
        case(
            "arp_sender libnet_arping",
            Base,
            &[("arp_sender", "libnet_arping")],
        ),
        case(
            "arp_sender ipoibarping",
            Base,
            &[("arp_sender", "ipoibarping")],
        )
        .accept(EVERY_ACTION, NATIVE_SENDER),
        case(
            "unknown arp_sender",
            Base,
            &[("arp_sender", "carrier-pigeon")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("send_arp_opts reply", Base, &[("send_arp_opts", "-A")]),
        case("send_arp_opts request", Base, &[("send_arp_opts", "-U")]),
        case(
            "send_arp_opts interval",
            Base,
            &[("send_arp_opts", "-i 100")],
        ),
        case("send_arp_opts unknown", Base, &[("send_arp_opts", "-X")])
            .accept(ALL_BUT_STOPS, SEND_ARP_OPTS),
        case("garp_count", Base, &[("garp_count", "3")]),
        case("garp_count zero", Base, &[("garp_count", "0")]).accept(ALL_BUT_STOPS, OWN_PARAMETERS),
        case("garp_mode reply", Base, &[("garp_mode", "reply")]),
        case("garp_mode unknown", Base, &[("garp_mode", "loud")])
            .accept(ALL_BUT_STOPS, OWN_PARAMETERS),
        case("garp_spacing fixed", Base, &[("garp_spacing", "fixed")]),
        case("garp_spacing unknown", Base, &[("garp_spacing", "random")])
            .accept(ALL_BUT_STOPS, OWN_PARAMETERS),
        case("garp_window", Base, &[("garp_window", "5")]),
        case("garp_window zero", Base, &[("garp_window", "0")]),
        case("garp_window unknown", Base, &[("garp_window", "30s")])
            .accept(ALL_BUT_STOPS, OWN_PARAMETERS),
        // A gateway that answers (the closed loop ends with the rounds), one
        // that is not there (the extension runs until stop ends it), and the
        // level-10 monitor's echo: the outcomes stay IPaddr2's.
        case("gateway answers", Gateway, &[]),
        case("gateway silent", Gateway, &[("garp_targets", "192.0.2.99")]),
        case("gateway open loop", Gateway, &[("garp_window", "0")]),
        case(
            "gateway OCF_CHECK_LEVEL 10",
            Gateway,
            &[("OCF_CHECK_LEVEL", "10")],
        ),
        case(
            "ipv6 gateway answers",
            Gateway,
            &[("ip", V6), ("nodad", "true")],
        ),
        case(
            "ipv6 gateway silent",
            Gateway,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("garp_targets", "2001:db8:1234::99"),
            ],
        ),
        case(
            "ipv6 gateway OCF_CHECK_LEVEL 10",
            Gateway,
            &[("ip", V6), ("nodad", "true"), ("OCF_CHECK_LEVEL", "10")],
        ),
        // other IPaddr2 parameters
        case("flush_routes", Base, &[("flush_routes", "true")]),
        case("run_arping", Base, &[("run_arping", "true")]),
        case(
            "run_arping unknown spelling",
            Base,
            &[("run_arping", "perhaps")],
        ),
        case(
            "check_link_status false",
            Base,
            &[("check_link_status", "false")],
        ),
        case("lvs_support", Base, &[("lvs_support", "true")]),
        case(
            "lvs_support with a loopback copy",
            BaseWithLoopbackVip,
            &[("lvs_support", "true")],
        )
        .accept(WHILE_STARTED, BASE_BY_VALUE),
        case(
            "lvs_support with nic",
            BaseWithLoopbackVip,
            &[("lvs_support", "true"), ("nic", "eth0")],
        )
        .accept(WHILE_STARTED, BASE_BY_VALUE),
        case(
            "lvs_ipv6_addrlabel on IPv4",
            Base,
            &[("lvs_ipv6_addrlabel", "true")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "lvs_ipv6_addrlabel_value garbage on IPv4",
            Base,
            &[("lvs_ipv6_addrlabel_value", "x")],
        ),
        case(
            "unique_clone_address without globally_unique",
            Base,
            &[("unique_clone_address", "true")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "unique_clone_address",
            Base,
            &[
                ("unique_clone_address", "true"),
                ("OCF_RESKEY_CRM_meta_globally_unique", "true"),
                ("OCF_RESKEY_CRM_meta_clone_max", "3"),
                ("OCF_RESKEY_CRM_meta_clone", "2"),
            ],
        ),
        case(
            "clone_max one",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "1")],
        ),
        case(
            "clone_max zero",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "0")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "clone_max letters",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "many")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "cluster ip clone",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "2")],
        )
        .accept(EVERY_ACTION, CLUSTERIP),
        case(
            "cluster ip clone bad hash",
            Base,
            &[
                ("OCF_RESKEY_CRM_meta_clone_max", "2"),
                ("clusterip_hash", "random"),
            ],
        )
        .accept(ALL_BUT_STOPS, CLUSTERIP)
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "cluster ip clone bad mac",
            Base,
            &[
                ("OCF_RESKEY_CRM_meta_clone_max", "2"),
                ("mac", "00:11:22:33:44:55"),
            ],
        )
        .accept(ALL_BUT_STOPS, CLUSTERIP)
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "lvs_support with clones",
            Base,
            &[
                ("lvs_support", "true"),
                ("OCF_RESKEY_CRM_meta_clone_max", "2"),
            ],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case("mac without clone", Base, &[("mac", "not-a-mac")]),
        case(
            "clusterip_hash without clone",
            Base,
            &[("clusterip_hash", "sourceip")],
        ),
        case(
            "network_namespace missing",
            Base,
            &[("network_namespace", "fip-no-such-namespace")],
        )
        .accept(EVERY_ACTION, NAMESPACE),
        case(
            "network_namespace path",
            Base,
            &[("network_namespace", "../x")],
        )
        .accept(EVERY_ACTION, NAMESPACE),
        case("OCF_CHECK_LEVEL 10", Base, &[("OCF_CHECK_LEVEL", "10")]),
        case("OCF_CHECK_LEVEL 20", Base, &[("OCF_CHECK_LEVEL", "20")]),
        case(
            "no base, nic and cidr_netmask",
            Bare,
            &[("nic", "eth0"), ("cidr_netmask", "24")],
        )
        .accept(WHILE_STARTED, DERIVED_BROADCAST),
        case(
            "no base, cidr_netmask only",
            Bare,
            &[("cidr_netmask", "24")],
        )
        .accept(&[Monitor, Status], BY_VALUE),
        case(
            "no base, /32",
            Bare,
            &[("nic", "eth0"), ("cidr_netmask", "32")],
        ),
        case(
            "no base, broadcast given",
            Bare,
            &[
                ("nic", "eth0"),
                ("cidr_netmask", "28"),
                ("broadcast", "192.0.2.255"),
            ],
        ),
        // IPv6
        case("ipv6 nodad", Base6, &[("ip", V6), ("nodad", "true")]),
        // dad_mode: floatip's own (IPaddr2 ignores it).
        case(
            "ipv6 dad_mode kernel",
            Base6,
            &[("ip", V6), ("dad_mode", "kernel")],
        ),
        case(
            "ipv6 dad_mode probe",
            Base6,
            &[("ip", V6), ("dad_mode", "probe")],
        ),
        case(
            "ipv6 dad_mode kernel with nodad",
            Base6,
            &[("ip", V6), ("dad_mode", "kernel"), ("nodad", "true")],
        ),
        case(
            "ipv6 dad_mode unknown",
            Base6,
            &[("ip", V6), ("dad_mode", "optimistic")],
        )
        .accept(ALL_BUT_STOPS, OWN_PARAMETERS),
        case("dad_mode unknown on IPv4", Base, &[("dad_mode", "fast")])
            .accept(ALL_BUT_STOPS, OWN_PARAMETERS),
        case(
            "ipv6 nic and cidr_netmask",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("nic", "eth0"),
                ("cidr_netmask", "64"),
            ],
        ),
        case(
            "ipv6 other nic",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("nic", "eth1"),
                ("cidr_netmask", "80"),
            ],
        ),
        case(
            "ipv6 narrower prefix",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "80")],
        ),
        case(
            "ipv6 wider prefix",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "48")],
        )
        .accept(&[Monitor, Status], BY_VALUE),
        case(
            "ipv6 prefix 128",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "128")],
        ),
        case(
            "ipv6 noprefixroute",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("noprefixroute", "true")],
        ),
        case(
            "ipv6 preferred_lft 0",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "0")],
        ),
        case(
            "ipv6 preferred_lft 3600",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "3600")],
        ),
        case(
            "ipv6 uppercase spelling",
            Base6,
            &[("ip", "2001:DB8:1234::0010"), ("nodad", "true")],
        ),
        case(
            "ipv6 invalid netmask",
            Base6,
            &[("ip", V6), ("cidr_netmask", "129")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case("ipv6 invalid address", Base6, &[("ip", "2001:db8::g")])
            .accept(MONITORS, INVALID_IS_6),
        case(
            "ipv6 link-local without nic",
            Base6,
            &[("ip", "fe80::2"), ("nodad", "true")],
        ),
        case(
            "ipv6 link-local with nic",
            Base6,
            &[("ip", "fe80::2"), ("nodad", "true"), ("nic", "eth0")],
        ),
        case(
            "ipv6 unreachable",
            Base6,
            &[("ip", "2001:db8:5678::2"), ("nodad", "true")],
        )
        .accept(&[Monitor, Status], BY_VALUE),
        case(
            "ipv6 lvs_support",
            Base6,
            &[("ip", V6), ("lvs_support", "true")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "ipv6 addrlabel",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
            ],
        ),
        case(
            "ipv6 addrlabel value",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
                ("lvs_ipv6_addrlabel_value", "77"),
            ],
        ),
        case(
            "ipv6 addrlabel bad value",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
                ("lvs_ipv6_addrlabel_value", "x"),
            ],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "ipv6 send_arp_opts ignored",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("send_arp_opts", "-X")],
        ),
        case(
            "ipv6 arp_bg true",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("arp_bg", "true")],
        )
        .accept(&[Leftover], SENDER_ENDED),
        case(
            "ipv6 arp_count 1",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("arp_count", "1")],
        ),
        case(
            "ipv6 broadcast ignored",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("broadcast", "192.0.2.255")],
        )
        .accept(WHILE_STARTED, BROADCAST_IPV4_ONLY),
        case(
            "ipv6 unique_clone_address",
            Base6,
            &[
                ("ip", V6),
                ("unique_clone_address", "true"),
                ("OCF_RESKEY_CRM_meta_globally_unique", "true"),
            ],
        )
        .accept(MONITORS, INVALID_IS_6),
        // faults
        faulty(
            "fault nic removed",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
            Fault::NicRemoved,
        )
        .accept(&[Monitor], NIC_VANISHED)
        .accept(&[Start, StartAgain], DERIVED_BROADCAST),
        faulty(
            "fault address removed by hand",
            Base,
            &[],
            Fault::AddressRemoved,
        ),
        // arp_count=30: the stock agent's sender outlives the case's steps
        // (6 s) however loaded the machine, so that SENDER_ENDED shows.
        faulty(
            "fault base removed",
            Base,
            &[("arp_count", "30")],
            Fault::BaseRemoved,
        )
        .accept(&[Leftover], SENDER_ENDED)
        .accept(&[Monitor, Status], BY_VALUE),
        faulty(
            "fault base removed, promote_secondaries",
            Base,
            &[],
            Fault::BaseRemovedPromoting,
        ),
        faulty(
            "fault carrier lost",
            Base,
            &[("nic", "eth0")],
            Fault::CarrierLost,
        )
        .accept(&[Probe, Monitor, Status], LINK_STATUS),
        faulty(
            "fault carrier lost, check_link_status false",
            Base,
            &[("check_link_status", "false")],
            Fault::CarrierLost,
        ),
        faulty(
            "fault copy on another nic",
            Base,
            &[("nic", "eth0")],
            Fault::CopyOnOtherNic,
        ),
        faulty(
            "fault copy on another nic, no nic given",
            Base,
            &[],
            Fault::CopyOnOtherNic,
        )
        .accept(&[Stop, StopAgain, ProbeAfterStop], EVERY_COPY),
        case(
            "copy already on another nic /32",
            CopyOnEth1("192.0.2.10/32"),
            &[],
        )
        .accept(AFTER_VALIDATE, NO_SECOND_COPY),
        // The copy's own prefix route makes both findifs choose eth1.
        case(
            "copy already on another nic /24",
            CopyOnEth1("192.0.2.10/24"),
            &[],
        ),
        case(
            "ipv6 copy already on another nic /128",
            CopyOnEth1("2001:db8:1234::10/128"),
            &[("ip", V6)],
        )
        .accept(AFTER_VALIDATE, NO_SECOND_COPY),
        faulty(
            "fault ipv6 address removed",
            Base6,
            &[("ip", V6), ("nodad", "true")],
            Fault::AddressRemoved,
        ),
    ];
    all.extend(fidelity_cases());
    let as_nobody = |name, params: &[(&'static str, &'static str)]| Case {
        user: User::Nobody,
        ..case(name, Setup::Base, params)
    };
    all.extend([
        as_nobody("as nobody", &[]),
        as_nobody(
            "as nobody, network_namespace missing",
            &[("network_namespace", "fip-no-such-namespace")],
        )
        .accept(EVERY_ACTION, NAMESPACE),
        as_nobody("as nobody, invalid ip", &[("ip", "bogus")]).accept(MONITORS, INVALID_IS_6),
        as_nobody("as nobody, empty ip", &[("ip", "")]),
    ]);
    all
}

/// The classes a differential run of issue 12 found: each compared here
/// from now on, several examples of each.
fn fidelity_cases() -> Vec<Case> {
    use Setup::*;
    use Step::*;
    vec![
        // A loopback copy is not the resource (ARCHITECTURE.md, "Which copies count").
        case("ipv6 localhost", Base6, &[("ip", "::1")]).accept(&[Monitor, Status], BY_VALUE),
        case(
            "ipv6 localhost, nodad",
            Base6,
            &[("ip", "::1"), ("nodad", "true")],
        )
        .accept(&[Monitor, Status], BY_VALUE),
        case(
            "ipv4 loopback copy, no lvs_support",
            BaseWithLoopbackVip,
            &[],
        )
        .accept(WHILE_STARTED, BASE_BY_VALUE),
        case(
            "ipv4 loopback copy of an unreachable ip",
            LoopbackCopy("198.51.100.7/32"),
            &[("ip", "198.51.100.7")],
        )
        .accept(&[Monitor, Status], BY_VALUE),
        case(
            "ipv4 loopback copy, other prefix",
            LoopbackCopy("192.0.2.10/24"),
            &[],
        )
        .accept(WHILE_STARTED, BASE_BY_VALUE),
        case(
            "ipv6 anycast copy on lo",
            LoopbackCopy("2001:db8:1234::10/128"),
            &[("ip", V6), ("nodad", "true")],
        ),
        case(
            "ipv6 anycast copy on lo of an unreachable ip",
            LoopbackCopy("2001:db8:5678::2/128"),
            &[("ip", "2001:db8:5678::2"), ("nodad", "true")],
        )
        .accept(&[Monitor, Status], BY_VALUE),
        case("loopback ip 127.0.0.1", Base, &[("ip", "127.0.0.1")]),
        // An IPv6 ip with a prefix suffix keeps IPaddr2's meaning.
        case(
            "ipv6 ip with prefix suffix",
            Base6,
            &[("ip", "2001:db8:1234::10/64"), ("nodad", "true")],
        ),
        case(
            "ipv6 ip with prefix suffix and cidr_netmask",
            Base6,
            &[
                ("ip", "2001:db8:1234::10/48"),
                ("nodad", "true"),
                ("cidr_netmask", "80"),
            ],
        ),
        case(
            "ipv6 ip with prefix suffix 128",
            Base6,
            &[("ip", "2001:db8:1234::10/128"), ("nodad", "true")],
        ),
        case(
            "ipv6 ip with an invalid prefix suffix",
            Base6,
            &[("ip", "2001:db8:1234::10/200"), ("nodad", "true")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case(
            "ipv6 dadfailed copy already here",
            DadfailedCopy,
            &[("ip", V6), ("nic", "eth0"), ("cidr_netmask", "64")],
        )
        .accept(WHILE_STARTED, DADFAILED_AFRESH),
        case(
            "ipv4 ip with prefix suffix",
            Base,
            &[("ip", "192.0.2.10/24")],
        )
        .accept(MONITORS, INVALID_IS_6),
        case(
            "ipv4 ip with prefix suffix 32",
            Base,
            &[("ip", "192.0.2.10/32")],
        )
        .accept(MONITORS, INVALID_IS_6),
        // OCF_CHECK_LEVEL never makes a healthy VIP fatal.
        case(
            "OCF_CHECK_LEVEL letters",
            Base,
            &[("OCF_CHECK_LEVEL", "abc")],
        ),
        case(
            "OCF_CHECK_LEVEL negative",
            Base,
            &[("OCF_CHECK_LEVEL", "-1")],
        ),
        case("OCF_CHECK_LEVEL 15", Base, &[("OCF_CHECK_LEVEL", "15")]),
        case("OCF_CHECK_LEVEL 25", Base, &[("OCF_CHECK_LEVEL", "25")]),
        case(
            "OCF_CHECK_LEVEL huge",
            Base,
            &[("OCF_CHECK_LEVEL", "99999999999999999999999")],
        ),
        case("OCF_CHECK_LEVEL empty", Base, &[("OCF_CHECK_LEVEL", "")]),
        case(
            "ipv6 OCF_CHECK_LEVEL letters",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("OCF_CHECK_LEVEL", "deep")],
        ),
        // The kernel's own "forever".
        case(
            "ipv6 preferred_lft 4294967295",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("preferred_lft", "4294967295"),
            ],
        ),
        case(
            "ipv6 preferred_lft 4294967294",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("preferred_lft", "4294967294"),
            ],
        ),
        case(
            "preferred_lft 4294967295 on IPv4",
            Base,
            &[("preferred_lft", "4294967295")],
        ),
        // Addresses that can never be a VIP.
        case("ipv4-mapped ipv6", Base6, &[("ip", "::ffff:192.0.2.10")])
            .accept(MONITORS, INVALID_IS_6),
        case(
            "ipv4-mapped ipv6 with nic",
            Base6,
            &[
                ("ip", "::ffff:192.0.2.10"),
                ("nic", "eth0"),
                ("cidr_netmask", "128"),
            ],
        )
        .accept(MONITORS, INVALID_IS_6),
        case("ipv6 multicast", Base6, &[("ip", "ff02::10")]).accept(ALL_BUT_STOPS, NEVER_WORKS),
        case("ipv6 unspecified", Base6, &[("ip", "::")])
            .accept(&[Validate, Start, StartAgain], NEVER_WORKS)
            .accept(MONITORS, INVALID_IS_6),
        // iflabel too long only together with the derived nic.
        case(
            "iflabel too long with derived nic",
            Base,
            &[("iflabel", "abcdefghijk")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "iflabel too long with derived nic, unreachable",
            Base,
            &[("ip", "198.51.100.7"), ("iflabel", "abcdefghijk")],
        )
        .accept(&[Monitor, Status], BY_VALUE),
        case(
            "ipv6 iflabel too long with derived nic",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("iflabel", "abcdefghijk")],
        )
        .accept(STOPS, STOP_NEEDS_ONLY_TARGET),
        case(
            "iflabel fits with derived nic",
            Base,
            &[("iflabel", "abcdefghij")],
        ),
        // An empty label after the colon.
        case("nic with empty label", Base, &[("nic", "eth0:")]),
        case(
            "nic with empty label and iflabel",
            Base,
            &[("nic", "eth0:"), ("iflabel", "x")],
        ),
        case(
            "nic with label and iflabel",
            Base,
            &[("nic", "eth0:a"), ("iflabel", "x")],
        ),
        // Leading zeros: iproute2 reads them as octal.
        case(
            "ip leading zero in an octet",
            Base,
            &[("ip", "192.0.02.10")],
        )
        .accept(&[Validate, Start, StartAgain], LEADING_ZEROS)
        .accept(MONITORS, INVALID_IS_6),
        case(
            "cidr_netmask leading zero",
            Base,
            &[("cidr_netmask", "030")],
        )
        .accept(AFTER_VALIDATE, LEADING_ZEROS),
        case(
            "ipv6 prefix leading zero",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "064")],
        )
        .accept(
            &[Validate, Start, StartAgain, Probe, Monitor, Status],
            LEADING_ZEROS,
        ),
        // Values that can never work.
        case("ip octal digit", Base, &[("ip", "192.0.2.09")])
            .accept(&[Validate, Start, StartAgain], NEVER_WORKS)
            .accept(MONITORS, INVALID_IS_6),
        case("ipv6 malformed", Base6, &[("ip", "2001:db8:::10")])
            .accept(&[Validate, Start, StartAgain], NEVER_WORKS)
            .accept(MONITORS, INVALID_IS_6),
        case(
            "ipv6 preferred_lft garbage",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "soon")],
        )
        .accept(ALL_BUT_STOPS, NEVER_WORKS),
        case(
            "ipv6 preferred_lft negative",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "-1")],
        )
        .accept(ALL_BUT_STOPS, NEVER_WORKS),
        case(
            "ipv6 preferred_lft too large",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("preferred_lft", "4294967296"),
            ],
        )
        .accept(ALL_BUT_STOPS, NEVER_WORKS),
        case("nic with a tab", Base, &[("nic", "eth\t0")]).accept(MONITORS, INVALID_IS_6),
        // Values IPaddr2 silently turns into something else.
        case(
            "ipv6 dotted netmask",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("cidr_netmask", "255.255.255.0"),
            ],
        )
        .accept(ALL_BUT_STOPS, SILENTLY_CHANGED),
        case(
            "ipv6 addrlabel value out of range",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
                ("lvs_ipv6_addrlabel_value", "4294967296"),
            ],
        )
        .accept(ALL_BUT_STOPS, SILENTLY_CHANGED),
        case(
            "iflabel with a space",
            Base,
            &[("nic", "eth0"), ("iflabel", "a b")],
        )
        .accept(ALL_BUT_STOPS, SILENTLY_CHANGED),
        // arp_count_refresh is validated.
        case(
            "arp_count_refresh letters",
            Base,
            &[("arp_count_refresh", "x")],
        )
        .accept(ALL_BUT_STOPS, REFRESH_VALIDATED),
        case(
            "arp_count_refresh negative",
            Base,
            &[("arp_count_refresh", "-1")],
        )
        .accept(ALL_BUT_STOPS, REFRESH_VALIDATED),
        // arp_interval=1 with a foreground sender: the stock's start hangs.
        case(
            "arp_interval one, arp_bg false",
            Base,
            &[("arp_interval", "1"), ("arp_bg", "false")],
        )
        .accept(&[Start], NO_HANG),
        // A node-local fault.
        case("lo down", LoopbackDown, &[]),
        case(
            "lo down, nic and cidr_netmask",
            LoopbackDown,
            &[("nic", "eth0"), ("cidr_netmask", "24")],
        ),
        // Alternative interface names.
        case("nic altname", Altname, &[("nic", "vipnic")]).accept(
            &[Validate, Start, StartAgain, Probe, Monitor, Status],
            ALTNAME,
        ),
        case(
            "nic altname with cidr_netmask",
            Altname,
            &[("nic", "vipnic"), ("cidr_netmask", "24")],
        )
        .accept(AFTER_VALIDATE, ALTNAME),
        // The configured nic renamed or removed while the VIP is elsewhere.
        faulty(
            "fault nic renamed",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
            Fault::NicRenamed,
        )
        .accept(&[Start, StartAgain], DERIVED_BROADCAST)
        .accept(
            &[Probe, Monitor, Status, Stop, StopAgain, ProbeAfterStop],
            WRONG_PLACE,
        ),
        faulty(
            "fault nic removed, copy elsewhere",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
            Fault::NicRemovedCopyElsewhere,
        )
        .accept(&[Start, StartAgain], DERIVED_BROADCAST)
        .accept(
            &[Probe, Monitor, Status, Stop, StopAgain, ProbeAfterStop],
            WRONG_PLACE,
        ),
    ]
}

/// Case names are trial names: each once. Every accepted difference says
/// where and why.
fn cases_are_named_once_and_reasoned() {
    let all = cases();
    let mut names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "a case name is used twice");
    for case in &all {
        for accepted in &case.accepted {
            assert!(!accepted.steps.is_empty(), "{}: no step", case.name);
            assert!(!accepted.reason.is_empty(), "{}: no reason", case.name);
        }
    }
}

/// Actions an OCF agent does not implement: 3, whatever the parameters
/// say. floatip answers before any validation (with an exit reason);
/// IPaddr2 validates first and answers 6 (or 4) for a bad configuration.
fn unknown_actions() {
    let node = Node::with_base();
    let mut differences = Vec::new();
    for action in UNKNOWN_ACTIONS.iter().copied().chain(["bogus", ""]) {
        for params in [vec![("ip", VIP)], vec![("ip", "bogus")], vec![]] {
            let ours = run_quietly(&node, &floatip(), action, &params, User::Root);
            assert_eq!(ours, 3, "floatip {action:?} {params:?}");
            let stock = run_quietly(&node, Path::new(STOCK_AGENT), action, &params, User::Root);
            if stock != ours {
                differences.push((action, params.clone(), stock));
            }
        }
    }
    // The documented difference: only with an invalid configuration.
    for (action, params, stock) in &differences {
        assert!(
            params.first().is_none_or(|(_, ip)| *ip != VIP),
            "IPaddr2 answered {stock} for {action:?} with a valid configuration"
        );
    }
}

/// floatip's own by-hand actions (README, "Differences from IPaddr2"):
/// IPaddr2 answers 3 for them; `show` changes nothing and answers 0,
/// `garp` announces only an address this node holds (1 when it holds
/// none).
fn floatip_own_actions() {
    let node = Node::with_base();
    for (action, ours_expected) in [("show", 0), ("garp", 1)] {
        let params = [("ip", VIP), ("nic", "eth0")];
        let stock = run_quietly(&node, Path::new(STOCK_AGENT), action, &params, User::Root);
        assert_eq!(stock, 3, "IPaddr2 {action}");
        let ours = run_quietly(&node, &floatip(), action, &params, User::Root);
        assert_eq!(ours, ours_expected, "floatip {action}");
        assert!(node.ns.find(VIP).is_empty(), "{action} configured nothing");
    }
}

/// reload (README, "Differences from IPaddr2"): IPaddr2 has none and
/// answers 3 whether or not the VIP runs; floatip answers as monitor (7)
/// where it does not run and 0 where it does, and its usage line is the
/// stock one with `reload` after `monitor`. What a reload leaves is
/// compared with the stock agent's stop + start in `reload_*`.
fn reload_action() {
    let params = [("ip", VIP), ("nic", "eth0"), ("cidr_netmask", "24")];
    for (agent, stopped, started) in [(Path::new(STOCK_AGENT), 3, 3), (&floatip(), 7, 0)] {
        let node = Node::with_base();
        let code = run_quietly(&node, agent, "reload", &params, User::Root);
        assert_eq!(code, stopped, "{} reload, not running", agent.display());
        assert!(node.ns.find(VIP).is_empty(), "reload configured nothing");
        assert_eq!(run_quietly(&node, agent, "start", &params, User::Root), 0);
        let code = run_quietly(&node, agent, "reload", &params, User::Root);
        assert_eq!(code, started, "{} reload, running", agent.display());
        assert_eq!(node.ns.find(VIP).len(), 1, "the VIP stays configured");
        assert_eq!(run_quietly(&node, agent, "stop", &params, User::Root), 0);
    }
    // The program name aside (IPaddr2 prints its path, floatip its name).
    let usage = |agent: &Path| {
        let node = Node::new();
        let text = node.agent(agent, "usage").run().stdout;
        text.find('{').map(|i| text[i..].to_owned()).unwrap_or(text)
    };
    let ours = usage(&floatip());
    let stock = usage(Path::new(STOCK_AGENT));
    assert_eq!(
        ours.replace("|reload", ""),
        stock,
        "usage apart from reload"
    );
    assert!(ours.contains("|monitor|reload|"), "{ours}");
}

const DERIVED_BROADCAST: &str =
    "floatip derives the broadcast from the prefix when no base address offers one (IPaddr2 sets none)";
const STOP_NEEDS_ONLY_TARGET: &str =
    "stop never fails on a parameter it does not need to find the VIP (IPaddr2 answers 6, and the node is fenced)";
const INVALID_IS_6: &str =
    "monitor, probe and status of an invalid configuration answer 6 (IPaddr2: 7 or a soft 1, which hides the mistake)";
const BY_VALUE: &str =
    "monitor, status and stop find the VIP by value, not through findif (IPaddr2 misses it or fails when the routes changed)";
const NIC_VANISHED: &str =
    "a recurring monitor whose configured nic is gone answers 1 whether or not cidr_netmask is set (IPaddr2: only without it)";
const WHITESPACE: &str =
    "a value with surrounding whitespace is refused with 6 (IPaddr2 accepts it by accident of shell word splitting)";
const SEND_ARP_OPTS: &str =
    "unknown send_arp_opts are refused with 6 (IPaddr2 starts, and its send_arp then rejects them: no announcement is sent)";
const OWN_PARAMETERS: &str = "floatip's own parameters are validated (IPaddr2 does not know them)";
const NATIVE_SENDER: &str =
    "every arp_sender value is served by the native sender (IPaddr2 needs the named program installed: 5 without it)";
const CLUSTERIP: &str =
    "Cluster IP clone mode is refused with 6: iptables CLUSTERIP is gone from Linux (IPaddr2 fails with 5 when iptables is missing)";
const NAMESPACE: &str =
    "network_namespace is entered in-process: missing is start 5, probe 7, stop 0; invalid is 6 (IPaddr2 re-executes through ip netns exec, which exits 255)";
const BASE_BY_VALUE: &str =
    "the base address's broadcast is looked up by value (IPaddr2 greps ip addr output for it as a substring and can pick another line, here the lo copy)";
const BROADCAST_IPV4_ONLY: &str =
    "broadcast is an IPv4 setting and is ignored for IPv6 (IPaddr2 passes it to ip, which fails)";
const SENDER_ENDED: &str =
    "stop always ends the background sender (IPaddr2 leaves send_ua running, and exits before ending send_arp when findif fails)";
const EVERY_COPY: &str =
    "without nic, stop removes every copy of the VIP (IPaddr2 removes the one findif points at and then reports 7 while another is still configured)";
const NEVER_WORKS: &str =
    "a value that can never work answers 6 at once (IPaddr2 starts and fails with 1 on every node in turn)";
const LEADING_ZEROS: &str =
    "a prefix length with a leading zero is read as decimal, with a warning (iproute2 reads it as octal: IPaddr2 adds /24 for 030 and then never finds it again)";
const SILENTLY_CHANGED: &str =
    "a value IPaddr2 silently turns into something else is refused with 6 (a dotted netmask for IPv6, an addrlabel value past 32 bits, an iflabel with a space)";
const REFRESH_VALIDATED: &str = "arp_count_refresh is validated (IPaddr2 never checks it)";
const NO_HANG: &str =
    "arp_interval=1 does not hang the sender (IPaddr2's send_arp hangs until it is killed; with arp_bg=false its start hangs)";
const DADFAILED_AFRESH: &str =
    "a dadfailed copy is not \"already started\": start removes it and runs DAD afresh, failing (1, no copy left) while the duplicate is on the link (IPaddr2 answers 0 and monitors 0 a VIP that another node holds)";
const ALTNAME: &str =
    "an alternative interface name works as nic (IPaddr2's findif and ip_served compare the name as text and fail, or lose the address it added)";
const WRONG_PLACE: &str =
    "the configured nic vanished while a copy of the VIP is on another interface: probe and monitor 1, stop removes that copy (IPaddr2 says 7 and stops with 0 while it stays)";
const NO_SECOND_COPY: &str =
    "without nic, a copy of the VIP already on another interface is the resource: start adds no second copy, and stop removes that one (IPaddr2 adds a second copy where findif points, and its stop leaves the first)";
const LINK_STATUS: &str =
    "check_link_status: a VIP on a link without carrier fails monitor (IPaddr2 4.12 reports success)";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Observation {
    code: i32,
    /// Every copy of the VIP: (interface, prefix, broadcast, label, flags).
    vip: Vec<(String, AddrInfo)>,
}

impl Observation {
    /// This observation with the nodad flag taken off every copy that the
    /// stock agent holds without it, exactly where it is otherwise the
    /// same: the one way floatip's own duplicate address detection shows.
    /// Accepted for every case that [`Case::probes_dad`]: an IPv6 VIP
    /// carries the nodad flag because floatip probed for duplicates itself
    /// before adding it (dad_mode=probe), with IPaddr2's outcome on a
    /// duplicate (start 1, nothing left), in 150 ms instead of the
    /// kernel's 1-2 s (README, "Differences from IPaddr2").
    fn without_probed_nodad(&self, stock: &Observation) -> Observation {
        let mut normalised = self.clone();
        for (dev, ours) in &mut normalised.vip {
            let without = AddrInfo {
                nodad: false,
                ..ours.clone()
            };
            let same_without = stock
                .vip
                .iter()
                .any(|(stock_dev, theirs)| stock_dev == dev && *theirs == without);
            if ours.nodad && same_without {
                ours.nodad = false;
            }
        }
        normalised
    }

    /// The exit code and each copy as `dev/prefix brd label flags`.
    fn brief(&self) -> String {
        let copies: Vec<String> = self
            .vip
            .iter()
            .map(|(dev, a)| {
                format!(
                    "{dev}/{} brd={} label={}{}{}",
                    a.prefix_len,
                    a.broadcast.as_deref().unwrap_or("-"),
                    a.label.as_deref().unwrap_or("-"),
                    if a.noprefixroute {
                        " noprefixroute"
                    } else {
                        ""
                    },
                    if a.nodad { " nodad" } else { "" }
                )
            })
            .collect();
        format!("{} [{}]", self.code, copies.join(", "))
    }
}

fn prepare(setup: Setup) -> Node {
    match setup {
        Setup::Base => Node::with_base(),
        Setup::Bare => Node::new(),
        Setup::Base6 => {
            let node = Node::new();
            node.ns
                .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
            node
        }
        Setup::BaseWithLoopbackVip => {
            let node = Node::with_base();
            node.ns
                .ip(&["addr", "add", &format!("{VIP}/32"), "dev", "lo"]);
            node
        }
        Setup::LoopbackCopy(address) => {
            let node = Node::with_base();
            node.ns
                .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
            node.ns.ip(&["addr", "add", address, "dev", "lo"]);
            node
        }
        Setup::LoopbackDown => {
            let node = Node::with_base();
            node.ns.ip(&["link", "set", "lo", "down"]);
            node
        }
        Setup::DadfailedCopy => {
            let node = prepare(Setup::Base6);
            node.peer
                .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0", "nodad"]);
            node.ns
                .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0"]);
            let began = std::time::Instant::now();
            while !node
                .ns
                .ip(&["-6", "addr", "show", "dev", "eth0"])
                .contains("dadfailed")
            {
                assert!(began.elapsed() < Duration::from_secs(5), "never dadfailed");
                sleep(Duration::from_millis(50));
            }
            node
        }
        Setup::Gateway => {
            let node = Node::with_base();
            node.ns
                .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
            node.peer
                .ip(&["addr", "add", "192.0.2.254/24", "dev", "eth0"]);
            node.peer.ip(&[
                "addr",
                "add",
                "2001:db8:1234::fe/64",
                "dev",
                "eth0",
                "nodad",
            ]);
            node.ns
                .ip(&["route", "add", "default", "via", "192.0.2.254"]);
            node.ns
                .ip(&["-6", "route", "add", "default", "via", "2001:db8:1234::fe"]);
            node
        }
        Setup::CopyOnEth1(address) => {
            let node = Node::with_base();
            node.ns
                .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
            node.ns
                .ip(&["addr", "add", address, "dev", "eth1", "nodad"]);
            node
        }
        Setup::Altname => {
            let node = Node::with_base();
            node.ns.ip(&[
                "link", "property", "add", "dev", "eth0", "altname", "vipnic",
            ]);
            node
        }
    }
}

fn inflict(node: &Node, fault: Fault, ip: &str) {
    match fault {
        Fault::None => {}
        Fault::NicRemoved => {
            node.ns.ip(&["link", "del", "eth1"]);
        }
        Fault::AddressRemoved => {
            for (dev, a) in node.ns.find(ip) {
                node.ns.ip(&[
                    "addr",
                    "del",
                    &format!("{ip}/{}", a.prefix_len),
                    "dev",
                    &dev,
                ]);
            }
        }
        Fault::BaseRemoved => {
            node.ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "eth0"]);
        }
        Fault::BaseRemovedPromoting => {
            node.ns.bash(
                "sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1",
                &Default::default(),
            );
            node.ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "eth0"]);
        }
        Fault::CarrierLost => {
            node.peer.ip(&["link", "set", "eth0", "down"]);
        }
        Fault::NicRenamed => {
            node.ns.ip(&["link", "set", "eth1", "down"]);
            node.ns.ip(&["link", "set", "eth1", "name", "eth5"]);
            node.ns.ip(&["link", "set", "eth5", "up"]);
        }
        Fault::NicRemovedCopyElsewhere => {
            node.ns.ip(&["link", "del", "eth1"]);
            node.ns.ip(&[
                "addr",
                "add",
                &format!("{ip}/24"),
                "dev",
                "eth0",
                "noprefixroute",
            ]);
        }
        Fault::CopyOnOtherNic => {
            node.ns.ip(&[
                "addr",
                "add",
                &format!("{ip}/24"),
                "dev",
                "eth1",
                "noprefixroute",
            ]);
        }
    }
}

/// Runs one action with stdio on /dev/null: the stock agent's background
/// send_arp would otherwise hold the pipes for its whole run.
fn run_quietly(
    node: &Node,
    agent: &Path,
    action: &str,
    params: &[(&str, &str)],
    user: User,
) -> i32 {
    // A hanging action (IPaddr2's start with arp_interval=1 and
    // arp_bg=false) is ended with everything it started.
    node.agent(agent, action)
        .params(params)
        .user(user)
        .quiet()
        .status_within(ACTION_TIMEOUT)
        .unwrap_or(TIMED_OUT)
}

/// Longer than any action of either agent takes when it works (run_arping
/// listens 3 s; IPv6 DAD takes about 2 s).
const ACTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The code recorded for an action that was killed at ACTION_TIMEOUT.
const TIMED_OUT: i32 = -2;

fn observe(agent: &Path, case: &Case) -> Vec<Observation> {
    let node = prepare(case.setup);
    let mut params: Vec<(&str, &str)> = vec![("ip", VIP)];
    for (k, v) in &case.params {
        params.retain(|(name, _)| name != k);
        params.push((k, v));
    }
    let ip = params
        .iter()
        .find(|(k, _)| *k == "ip")
        .map(|(_, v)| *v)
        .unwrap_or("");
    // The VIP itself, for the kernel's list: an IPv6 ip may carry a suffix.
    let ip = ip.split('/').next().unwrap_or(ip);
    let mut observations = Vec::new();
    for (step_kind, action, interval) in STEPS {
        let mut step = params.clone();
        if !interval.is_empty() {
            step.push(("OCF_RESKEY_CRM_meta_interval", interval));
        }
        let code = run_quietly(&node, agent, action, &step, case.user);
        let vip = if ip.parse::<std::net::IpAddr>().is_ok() {
            node.ns.find(ip)
        } else {
            Vec::new()
        };
        observations.push(Observation { code, vip });
        if *step_kind == FAULT_AFTER {
            inflict(&node, case.fault, ip);
        }
    }
    // After the final stop nothing of the agent may run in the namespace.
    sleep(Duration::from_millis(50));
    let leftover = node.ns.pids().into_iter().filter(|pid| alive(*pid)).count();
    observations.push(Observation {
        code: leftover as i32,
        vip: Vec::new(),
    });
    observations
}

fn compare(case: &Case) {
    let ours = observe(&floatip(), case);
    let stock = observe(Path::new(STOCK_AGENT), case);
    let steps = STEPS
        .iter()
        .map(|(step, _, _)| *step)
        .chain([Step::Leftover]);
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for (step, (a, b)) in steps.zip(ours.iter().zip(&stock)) {
        // PROBED_DAD, for every such case: the nodad flag of floatip's own
        // duplicate address detection.
        let a = &if case.probes_dad() {
            a.without_probed_nodad(b)
        } else {
            a.clone()
        };
        if a == b {
            continue;
        }
        if case.accepts(step) {
            seen.push(step);
            continue;
        }
        unexpected.push(format!(
            "step {step:?}: floatip {}, IPaddr2 {}",
            a.brief(),
            b.brief()
        ));
    }
    let stale: Vec<Step> = case
        .accepted
        .iter()
        .flat_map(|a| a.steps.iter().copied())
        .filter(|step| !seen.contains(step))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{}: differences not accepted:\n{}",
        case.name,
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "{}: accepted differences that no longer occur at {stale:?}",
        case.name
    );
}

/// A parameter change applied to a started VIP: floatip by reload, the
/// stock agent (which has none) as Pacemaker then does it, by stop with
/// the old parameters and start with the new.
struct ReloadCase {
    name: &'static str,
    setup: Setup,
    old: Vec<(&'static str, &'static str)>,
    new: Vec<(&'static str, &'static str)>,
}

fn reload_case(
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

fn reload_cases() -> Vec<ReloadCase> {
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
enum Change {
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
fn observe_change(agent: &Path, case: &ReloadCase, change: Change) -> Vec<String> {
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
/// anyway (DERIVED_BROADCAST; the stock agent's leftover senders with
/// some arp_sender values are its own).
fn compare_reload(case: &ReloadCase) {
    let reloaded = observe_change(&floatip(), case, Change::Reload);
    let restarted = observe_change(&floatip(), case, Change::Restart);
    assert_eq!(
        reloaded, restarted,
        "{}: reload against stop + start",
        case.name
    );
    let stock = observe_change(Path::new(STOCK_AGENT), case, Change::Restart);
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
        comparable.0, comparable.1,
        "{}: floatip's reload against IPaddr2's stop + start ({DERIVED_BROADCAST})",
        case.name
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
