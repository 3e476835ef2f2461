//! floatip against the stock IPaddr2, side by side: each case runs the same
//! sequence of actions with the same parameters on two identical namespaced
//! nodes, and compares every exit code and the VIP as the kernel holds it
//! afterwards (interface, prefix, broadcast, label, flags).
//!
//! Every accepted difference is listed in `ACCEPTED` with its reason (the
//! README's "differences from IPaddr2" table says the same); a difference
//! not listed fails the test, and so does a listed one that no longer
//! occurs.

use std::path::Path;

use libtest_mimic::Trial;

use crate::support::{floatip, AddrInfo, Node, STOCK_AGENT};

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    CASES
        .iter()
        .map(|case| {
            Trial::test(
                format!("differential::{}", case.name.replace(' ', "_")),
                move || {
                    compare(case);
                    Ok(())
                },
            )
        })
        .collect()
}

/// How a node is prepared before a case runs.
#[derive(Clone, Copy)]
enum Setup {
    /// eth0 carries 192.0.2.1/24 brd 192.0.2.255; eth1 has no address.
    Base,
    /// eth0 and eth1 have no addresses.
    Bare,
    /// eth0 carries 2001:db8:1234::1/64 (nodad).
    Base6,
}

struct Case {
    name: &'static str,
    setup: Setup,
    params: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "ip only",
        setup: Setup::Base,
        params: &[],
    },
    Case {
        name: "nic",
        setup: Setup::Base,
        params: &[("nic", "eth0")],
    },
    Case {
        name: "nic and cidr_netmask",
        setup: Setup::Base,
        params: &[("nic", "eth0"), ("cidr_netmask", "24")],
    },
    Case {
        name: "narrower cidr_netmask",
        setup: Setup::Base,
        params: &[("cidr_netmask", "28")],
    },
    Case {
        name: "wider cidr_netmask",
        setup: Setup::Base,
        params: &[("cidr_netmask", "16")],
    },
    Case {
        name: "dotted netmask",
        setup: Setup::Base,
        params: &[("cidr_netmask", "255.255.255.0")],
    },
    Case {
        name: "netmask alias",
        setup: Setup::Base,
        params: &[("netmask", "24")],
    },
    Case {
        name: "broadcast address",
        setup: Setup::Base,
        params: &[("broadcast", "192.0.2.127")],
    },
    Case {
        name: "broadcast plus",
        setup: Setup::Base,
        params: &[("cidr_netmask", "26"), ("broadcast", "+")],
    },
    Case {
        name: "broadcast minus",
        setup: Setup::Base,
        params: &[("broadcast", "-")],
    },
    Case {
        name: "iflabel",
        setup: Setup::Base,
        params: &[("nic", "eth0"), ("iflabel", "vip")],
    },
    Case {
        name: "iflabel without nic",
        setup: Setup::Base,
        params: &[("iflabel", "x")],
    },
    Case {
        name: "nic:label",
        setup: Setup::Base,
        params: &[("nic", "eth0:vip")],
    },
    Case {
        name: "label too long",
        setup: Setup::Base,
        params: &[("nic", "eth0"), ("iflabel", "abcdefghijk")],
    },
    Case {
        name: "noprefixroute",
        setup: Setup::Base,
        params: &[("noprefixroute", "true")],
    },
    Case {
        name: "other nic with cidr_netmask",
        setup: Setup::Base,
        params: &[("nic", "eth1"), ("cidr_netmask", "24")],
    },
    Case {
        name: "other nic without cidr_netmask",
        setup: Setup::Base,
        params: &[("nic", "eth1")],
    },
    Case {
        name: "no base, nic and cidr_netmask",
        setup: Setup::Bare,
        params: &[("nic", "eth0"), ("cidr_netmask", "24")],
    },
    Case {
        name: "no base, cidr_netmask only",
        setup: Setup::Bare,
        params: &[("cidr_netmask", "24")],
    },
    Case {
        name: "no base, /32",
        setup: Setup::Bare,
        params: &[("nic", "eth0"), ("cidr_netmask", "32")],
    },
    Case {
        name: "invalid ip",
        setup: Setup::Base,
        params: &[("ip", "192.0.2.300")],
    },
    Case {
        name: "empty ip",
        setup: Setup::Base,
        params: &[("ip", "")],
    },
    Case {
        name: "invalid cidr_netmask",
        setup: Setup::Base,
        params: &[("cidr_netmask", "33")],
    },
    Case {
        name: "invalid broadcast",
        setup: Setup::Base,
        params: &[("broadcast", "bcast")],
    },
    Case {
        name: "missing nic",
        setup: Setup::Base,
        params: &[("nic", "eth9")],
    },
    Case {
        name: "unreachable ip",
        setup: Setup::Base,
        params: &[("ip", "198.51.100.7")],
    },
    Case {
        name: "loopback ip",
        setup: Setup::Base,
        params: &[("ip", "127.0.0.3")],
    },
    Case {
        name: "arp_count zero",
        setup: Setup::Base,
        params: &[("arp_count", "0")],
    },
    Case {
        name: "arp_interval empty",
        setup: Setup::Base,
        params: &[("arp_interval", "")],
    },
    Case {
        name: "preferred_lft empty",
        setup: Setup::Base,
        params: &[("preferred_lft", "")],
    },
    Case {
        name: "unknown arp_sender",
        setup: Setup::Base,
        params: &[("arp_sender", "carrier-pigeon")],
    },
    Case {
        name: "lvs_ipv6_addrlabel on IPv4",
        setup: Setup::Base,
        params: &[("lvs_ipv6_addrlabel", "true")],
    },
    Case {
        name: "unique_clone_address without globally_unique",
        setup: Setup::Base,
        params: &[("unique_clone_address", "true")],
    },
    Case {
        name: "ipv6 nodad",
        setup: Setup::Base6,
        params: &[("ip", V6), ("nodad", "true")],
    },
    Case {
        name: "ipv6 nic and cidr_netmask",
        setup: Setup::Base6,
        params: &[
            ("ip", V6),
            ("nodad", "true"),
            ("nic", "eth0"),
            ("cidr_netmask", "64"),
        ],
    },
    Case {
        name: "ipv6 other nic",
        setup: Setup::Base6,
        params: &[
            ("ip", V6),
            ("nodad", "true"),
            ("nic", "eth1"),
            ("cidr_netmask", "80"),
        ],
    },
    Case {
        name: "ipv6 noprefixroute",
        setup: Setup::Base6,
        params: &[("ip", V6), ("nodad", "true"), ("noprefixroute", "true")],
    },
    Case {
        name: "ipv6 uppercase spelling",
        setup: Setup::Base6,
        params: &[("ip", "2001:DB8:1234::0010"), ("nodad", "true")],
    },
    Case {
        name: "ipv6 invalid netmask",
        setup: Setup::Base6,
        params: &[("ip", V6), ("cidr_netmask", "129")],
    },
    Case {
        name: "ipv6 link-local without nic",
        setup: Setup::Base6,
        params: &[("ip", "fe80::2"), ("nodad", "true")],
    },
    Case {
        name: "ipv6 unreachable",
        setup: Setup::Base6,
        params: &[("ip", "2001:db8:5678::2"), ("nodad", "true")],
    },
    Case {
        name: "ipv6 lvs_support",
        setup: Setup::Base6,
        params: &[("ip", V6), ("lvs_support", "true")],
    },
];

const V6: &str = "2001:db8:1234::10";

/// The actions every case runs, in order.
const STEPS: &[(&str, &str)] = &[
    ("validate-all", ""),
    ("start", ""),
    ("start", ""),
    ("monitor", "0"),
    ("monitor", "10000"),
    ("status", ""),
    ("stop", ""),
    ("stop", ""),
    ("monitor", "0"),
];

/// Differences we keep on purpose: (case, steps, reason). Step numbers
/// index `STEPS`.
const ACCEPTED: &[(&str, &[usize], &str)] = &[
    (
        "no base, nic and cidr_netmask",
        &[1, 2, 3, 4, 5],
        DERIVED_BROADCAST,
    ),
    (
        "other nic with cidr_netmask",
        &[1, 2, 3, 4, 5],
        DERIVED_BROADCAST,
    ),
    ("arp_count zero", &[6, 7], STOP_NEEDS_ONLY_TARGET),
    ("arp_interval empty", &[6, 7], STOP_NEEDS_ONLY_TARGET),
    ("preferred_lft empty", &[6, 7], STOP_NEEDS_ONLY_TARGET),
    ("unknown arp_sender", &[6, 7], STOP_NEEDS_ONLY_TARGET),
    (
        "lvs_ipv6_addrlabel on IPv4",
        &[6, 7],
        STOP_NEEDS_ONLY_TARGET,
    ),
    (
        "unique_clone_address without globally_unique",
        &[6, 7],
        STOP_NEEDS_ONLY_TARGET,
    ),
    ("label too long", &[6, 7], STOP_NEEDS_ONLY_TARGET),
    ("invalid ip", &[3, 4, 5, 8], INVALID_IS_6),
    ("invalid cidr_netmask", &[3, 4, 5, 8], INVALID_IS_6),
    ("invalid broadcast", &[3, 4, 5, 8], INVALID_IS_6),
    ("wider cidr_netmask", &[4, 5], BY_VALUE),
    ("other nic without cidr_netmask", &[4, 5], BY_VALUE),
    ("no base, cidr_netmask only", &[4, 5], BY_VALUE),
    ("unreachable ip", &[4, 5], BY_VALUE),
    ("missing nic", &[5], BY_VALUE),
    ("ipv6 invalid netmask", &[3, 4, 5, 8], INVALID_IS_6),
    ("ipv6 unreachable", &[4, 5], BY_VALUE),
    ("ipv6 lvs_support", &[6, 7], STOP_NEEDS_ONLY_TARGET),
];

const DERIVED_BROADCAST: &str =
    "floatip derives the broadcast from the prefix when no base address offers one (IPaddr2 sets none)";
const STOP_NEEDS_ONLY_TARGET: &str =
    "stop never fails on a parameter it does not need to find the VIP (IPaddr2 answers 6, and the node is fenced)";
const INVALID_IS_6: &str =
    "monitor, probe and status of an invalid configuration answer 6 (IPaddr2: 7 or a soft 1, which hides the mistake)";
const BY_VALUE: &str =
    "monitor and status look for the VIP by value, not through findif: absent is 7 (IPaddr2: 1 when findif fails)";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Observation {
    code: i32,
    /// Every copy of the VIP: (interface, prefix, broadcast, label, flags).
    vip: Vec<(String, AddrInfo)>,
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
    }
}

fn observe(agent: &Path, case: &Case) -> Vec<Observation> {
    let node = prepare(case.setup);
    let mut params: Vec<(&str, &str)> = vec![("ip", VIP)];
    for (k, v) in case.params {
        params.retain(|(name, _)| name != k);
        params.push((k, v));
    }
    let ip = params
        .iter()
        .find(|(k, _)| *k == "ip")
        .map(|(_, v)| *v)
        .unwrap_or("");
    STEPS
        .iter()
        .map(|(action, interval)| {
            let mut step = params.clone();
            if !interval.is_empty() {
                step.push(("OCF_RESKEY_CRM_meta_interval", interval));
            }
            let run = node.run(agent, action, &step);
            let vip = if ip.parse::<std::net::IpAddr>().is_ok() {
                node.ns.find(ip)
            } else {
                Vec::new()
            };
            Observation {
                code: run.code,
                vip,
            }
        })
        .collect()
}

fn compare(case: &Case) {
    let ours = observe(&floatip(), case);
    let stock = observe(Path::new(STOCK_AGENT), case);
    let accepted: Vec<usize> = ACCEPTED
        .iter()
        .filter(|(name, _, _)| *name == case.name)
        .flat_map(|(_, steps, _)| steps.iter().copied())
        .collect();
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for (index, (a, b)) in ours.iter().zip(&stock).enumerate() {
        if a == b {
            continue;
        }
        if accepted.contains(&index) {
            seen.push(index);
            continue;
        }
        unexpected.push(format!(
            "step {index} ({}): floatip {a:?}, IPaddr2 {b:?}",
            STEPS[index].0
        ));
    }
    let stale: Vec<_> = accepted
        .iter()
        .filter(|step| !seen.contains(step))
        .collect();
    assert!(
        unexpected.is_empty(),
        "differences not in ACCEPTED:\n{}",
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "accepted differences that no longer occur at steps {stale:?}"
    );
}
