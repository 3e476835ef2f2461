//! How a case is run and observed: the node prepared, the fault
//! inflicted, every action's exit code and the VIP as the kernel holds it,
//! and the comparison of the two agents' observations.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Observation {
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
    /// kernel's 1-2 s (`Difference::ProbedDad`).
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

pub(super) fn prepare(setup: Setup) -> Node {
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
        Setup::SecondNicOnTheSegment => {
            let node = Node::with_base();
            node.peer.ip(&["link", "add", "br0", "type", "bridge"]);
            for port in ["eth0", "eth1"] {
                node.peer.ip(&["link", "set", port, "master", "br0"]);
            }
            node.peer.ip(&["link", "set", "br0", "up"]);
            node.ns
                .ip(&["addr", "add", &format!("{VIP}/32"), "dev", "eth1"]);
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

pub(super) fn inflict(node: &Node, fault: Fault, ip: &str) {
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
pub(super) fn run_quietly(
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
pub(super) const ACTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The code recorded for an action that was killed at ACTION_TIMEOUT.
pub(super) const TIMED_OUT: i32 = -2;

pub(super) fn observe(agent: &Path, case: &Case) -> Vec<Observation> {
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

pub(super) fn compare(case: &Case) {
    let ours = observe(&floatip(), case);
    let stock = observe(Path::new(STOCK_AGENT), case);
    let steps = STEPS
        .iter()
        .map(|(step, _, _)| *step)
        .chain([Step::Leftover]);
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for (step, (a, b)) in steps.zip(ours.iter().zip(&stock)) {
        // Difference::ProbedDad, for every such case: the nodad flag of
        // floatip's own duplicate address detection.
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
        "{}: accepted differences that no longer occur at {stale:?} ({:?})",
        case.name,
        case.accepted
            .iter()
            .filter(|a| a.steps.iter().any(|step| stale.contains(step)))
            .map(|a| a.reason)
            .collect::<Vec<_>>()
    );
}
