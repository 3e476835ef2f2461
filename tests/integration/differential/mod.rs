//! floatip against the stock IPaddr2, side by side: each case runs the same
//! sequence of actions with the same parameters on two identical namespaced
//! nodes, and compares every exit code and the VIP as the kernel holds it
//! afterwards (interface, prefix, broadcast, label, flags), plus processes
//! left in the node's namespace at the end.
//!
//! Every case carries its accepted differences, each with its steps and
//! its reason: an entry of floatip's list of deliberate differences
//! (src/differences.rs, from which docs/reference.md's table is generated) that
//! applies to the case's parameters. A difference not accepted fails the
//! test, and so does an accepted one that no longer occurs.

use std::path::Path;

use std::thread::sleep;
use std::time::Duration;

use floatip::differences::{Difference, Resource, Stock};
use libtest_mimic::Trial;

use crate::support::{alive, floatip, AddrInfo, Node, StockAgent, User, UNKNOWN_ACTIONS};

mod cases;
mod fidelity;
mod observe;
mod reload;

use cases::cases;
use fidelity::fidelity_cases;
use observe::*;
pub use reload::reload_trials;

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
    // Against each packaged stock agent: 4.12's trials keep their plain
    // names, the newer ones are named after their version.
    let every_case = std::env::var_os("FLOATIP_DIFFERENTIAL_ALL").is_some();
    for stock in Stock::ALL.iter().copied().filter(|s| s.package().is_some()) {
        let prefix = match stock {
            Stock::V4_12 => "differential".to_owned(),
            _ => format!("differential@{}", stock.name()),
        };
        trials.extend(cases().into_iter().enumerate().map(|(index, case)| {
            let name = format!("{prefix}::{}", case.name.replace(' ', "_"));
            let sampled = every_case || case.runs_against(stock, index);
            Trial::test(name, move || {
                compare(&case, stock);
                Ok(())
            })
            .with_ignored_flag(!sampled)
        }));
    }
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
    /// eth0 carries 2001:db8:1234::1/64 (nodad) with its prefix route at
    /// metric 512 instead of the kernel's 256.
    Base6Metric512,
    /// Base, plus 192.0.2.0/25 through eth1 installed by proto static:
    /// the longest prefix leads to eth1, the kernel's own route to eth0.
    StaticRouteOnEth1,
    /// Base, with the VIP already on eth0 as a /24 without a label.
    Unlabelled,
    /// Base, plus a route of this type (unreachable, prohibit, blackhole,
    /// throw) for 192.0.2.0/25, more specific than eth0's /24: no findif
    /// may place the VIP by it.
    SpecialRoute(&'static str),
    /// Base, eth0 and eth1 on one segment (the peer bridges its ends), and
    /// the VIP as a /32 on eth1: this node's own second NIC answers ARP
    /// for it (arp_ignore=0).
    SecondNicOnTheSegment,
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
const AFTER_STOP: &[Step] = &[Step::Stop, Step::StopAgain, Step::ProbeAfterStop];

/// The stock agents newer than Debian 12's.
const NEWER: &[Stock] = &[Stock::V4_16, Stock::V4_18];
const UNTIL_4_16: &[Stock] = &[Stock::V4_12, Stock::V4_16];

/// A difference kept on purpose: at these steps, for a reason the list of
/// differences (src/differences.rs, docs/reference.md's table) gives.
#[derive(Clone, Debug)]
struct Accepted {
    steps: &'static [Step],
    reason: Difference,
    /// The stock agents it shows against in this case: those the list
    /// marks, or fewer where the case's setup makes the others agree.
    against: &'static [Stock],
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
    /// Accepts floatip answering differently from IPaddr2 at `steps`.
    fn accept(self, steps: &'static [Step], reason: Difference) -> Case {
        self.accept_against(reason.against(), steps, reason)
    }

    /// Accepts a difference only from these stock agents.
    fn accept_against(
        mut self,
        against: &'static [Stock],
        steps: &'static [Step],
        reason: Difference,
    ) -> Case {
        self.accepted.push(Accepted {
            steps,
            reason,
            against,
        });
        self
    }

    /// Whether the default run compares this case with `stock` (the
    /// `index`th case): every case with 4.12; with a newer agent the cases
    /// whose accepted differences depend on the version, every IPv6 case
    /// with 4.16 (whose defaults changed for each), and every fourth
    /// other. FLOATIP_DIFFERENTIAL_ALL=1 (or `--include-ignored`) runs
    /// them all.
    fn runs_against(&self, stock: Stock, index: usize) -> bool {
        let packaged: Vec<Stock> = Stock::ALL
            .iter()
            .copied()
            .filter(|s| s.package().is_some())
            .collect();
        let by_version = self
            .accepted
            .iter()
            .any(|a| packaged.iter().any(|s| !a.against.contains(s)));
        let ipv6 = self
            .params
            .iter()
            .any(|(k, v)| *k == "ip" && v.contains(':'));
        stock == Stock::V4_12 || by_version || (stock == Stock::V4_16 && ipv6) || index % 4 == 0
    }

    /// Whether a difference from `stock` at `step` is accepted.
    fn accepts(&self, step: Step, stock: Stock) -> bool {
        self.accepted
            .iter()
            .any(|a| a.steps.contains(&step) && a.against.contains(&stock))
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

/// Case names are trial names: each once. Every accepted difference says
/// where, and is one the list says such a resource can see.
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
            assert!(
                accepted
                    .against
                    .iter()
                    .all(|stock| accepted.reason.against().contains(stock)),
                "{}: {:?} is not marked for {:?} (src/differences.rs)",
                case.name,
                accepted.reason,
                accepted.against
            );
            assert!(
                accepted.reason.applies(&Resource::new(&case.params)),
                "{}: {:?} is not for a resource with these parameters (src/differences.rs)",
                case.name,
                accepted.reason
            );
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
            let ours = run_quietly(&node, &Subject::floatip(), action, &params, User::Root);
            assert_eq!(ours, 3, "floatip {action:?} {params:?}");
            let stock = run_quietly(
                &node,
                &Subject::stock(Stock::V4_12),
                action,
                &params,
                User::Root,
            );
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

/// floatip's own by-hand actions (`Difference::OwnActions`):
/// IPaddr2 answers 3 for them; `show` changes nothing and answers 0,
/// `garp` announces only an address this node holds (1 when it holds
/// none).
fn floatip_own_actions() {
    let node = Node::with_base();
    for (action, ours_expected) in [("show", 0), ("garp", 1)] {
        let params = [("ip", VIP), ("nic", "eth0")];
        let stock = run_quietly(
            &node,
            &Subject::stock(Stock::V4_12),
            action,
            &params,
            User::Root,
        );
        assert_eq!(stock, 3, "IPaddr2 {action}");
        let ours = run_quietly(&node, &Subject::floatip(), action, &params, User::Root);
        assert_eq!(ours, ours_expected, "floatip {action}");
        assert!(node.ns.find(VIP).is_empty(), "{action} configured nothing");
    }
}

/// reload (`Difference::ReloadAction`): IPaddr2 has none and
/// answers 3 whether or not the VIP runs; floatip answers as monitor (7)
/// where it does not run and 0 where it does, and its usage line is the
/// stock one with `reload` after `monitor`. What a reload leaves is
/// compared with the stock agent's stop + start in `reload_*`.
fn reload_action() {
    let params = [("ip", VIP), ("nic", "eth0"), ("cidr_netmask", "24")];
    for (agent, stopped, started) in [
        (&Subject::stock(Stock::V4_12), 3, 3),
        (&Subject::floatip(), 7, 0),
    ] {
        let node = Node::with_base();
        let code = run_quietly(&node, agent, "reload", &params, User::Root);
        assert_eq!(
            code,
            stopped,
            "{} reload, not running",
            agent.path.display()
        );
        assert!(node.ns.find(VIP).is_empty(), "reload configured nothing");
        assert_eq!(run_quietly(&node, agent, "start", &params, User::Root), 0);
        let code = run_quietly(&node, agent, "reload", &params, User::Root);
        assert_eq!(code, started, "{} reload, running", agent.path.display());
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
    let stock = usage(&Subject::stock(Stock::V4_12).path);
    assert_eq!(
        ours.replace("|reload", ""),
        stock,
        "usage apart from reload"
    );
    assert!(ours.contains("|monitor|reload|"), "{ours}");
}
