//! How a case is run and observed: the node prepared, the fault
//! inflicted, every action's exit code and the VIP as the kernel holds it,
//! and the comparison of the two agents' observations.

use std::path::PathBuf;

use super::*;

/// An agent the differential runs: floatip, or a stock agent with the
/// environment it needs.
pub(super) struct Subject {
    pub(super) path: PathBuf,
    env: Vec<(String, String)>,
}

impl Subject {
    pub(super) fn floatip() -> Subject {
        Subject {
            path: floatip(),
            env: Vec::new(),
        }
    }

    pub(super) fn stock(stock: Stock) -> Subject {
        let version = stock.package().expect("a packaged stock agent");
        let agent = StockAgent::of(version);
        Subject {
            env: agent.env(),
            path: agent.agent,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Observation {
    code: i32,
    /// Every copy of the VIP: (interface, prefix, broadcast, label, flags,
    /// the prefix route's metric).
    vip: Vec<(String, AddrInfo)>,
    /// The IPv6 address label of VIP/128.
    addrlabel: Option<u64>,
    /// What the action said, compared on its own ([`reasons_disagree`]).
    said: Said,
}

/// What the kernel and the exit code show; the reason's wording is
/// compared apart.
impl PartialEq for Observation {
    fn eq(&self, other: &Observation) -> bool {
        self.code == other.code && self.vip == other.vip && self.addrlabel == other.addrlabel
    }
}

/// Differences that show in every observation of a case they apply to,
/// each with how floatip's observation is brought to the stock agent's.
/// A copy of the VIP is taken as the stock agent's only where these
/// account for every field in which they differ.
const WHOLE_CASE: &[(Difference, MakeSame)] = &[
    // floatip probed for duplicates itself before adding an IPv6 VIP
    // (dad_mode=probe): the copy carries the nodad flag, with the stock
    // agent's outcome on a duplicate (start 1, nothing left) in 150 ms
    // instead of the kernel's 1-2 s.
    (
        Difference::ProbedDad,
        MakeSame::Copy(|ours, stock| ours.nodad = stock.nodad),
    ),
    // floatip gives an IPv6 VIP the metric of its route; 4.12 none.
    (
        Difference::Ipv6RouteMetric,
        MakeSame::Copy(|ours, stock| ours.metric = stock.metric),
    ),
    // floatip labels an IPv6 VIP by default; 4.12 did not.
    (
        Difference::AddrlabelByDefault,
        MakeSame::Whole(|ours, stock| ours.addrlabel = stock.addrlabel),
    ),
    // Where findif finds no route at start, 4.17 and later answer 5...
    (
        Difference::NoRouteStart1,
        MakeSame::StartCode { ours: 1, stock: 5 },
    ),
    // ...and 5 too for a configuration error findif reports at start.
    (
        Difference::InvalidStart6,
        MakeSame::StartCode { ours: 6, stock: 5 },
    ),
];

#[derive(Clone, Copy)]
enum MakeSame {
    /// A field of a copy of the VIP.
    Copy(fn(&mut AddrInfo, &AddrInfo)),
    /// Something of the node beside the copies.
    Whole(fn(&mut Observation, &Observation)),
    /// start's exit code (nothing else of the observation).
    StartCode { ours: i32, stock: i32 },
}

impl Observation {
    /// This observation with the case's whole-case differences from
    /// `against` taken out.
    fn as_stock(
        &self,
        stock: &Observation,
        case: &Case,
        against: Stock,
        step: Step,
    ) -> Observation {
        let resource = Resource::new(&case.params);
        let applicable: Vec<MakeSame> = WHOLE_CASE
            .iter()
            .filter(|(difference, _)| {
                difference.applies(&resource) && difference.against().contains(&against)
            })
            .map(|(_, make_same)| *make_same)
            .collect();
        let mut normalised = self.clone();
        for (dev, ours) in &mut normalised.vip {
            let Some((_, theirs)) = stock.vip.iter().find(|(stock_dev, _)| stock_dev == dev) else {
                continue;
            };
            let mut candidate = ours.clone();
            for make_same in &applicable {
                if let MakeSame::Copy(make_same) = make_same {
                    make_same(&mut candidate, theirs);
                }
            }
            if candidate == *theirs {
                *ours = candidate;
            }
        }
        for make_same in &applicable {
            match *make_same {
                MakeSame::Whole(make_same) => make_same(&mut normalised, stock),
                MakeSame::StartCode {
                    ours,
                    stock: theirs,
                } if matches!(step, Step::Start | Step::StartAgain)
                    && normalised.code == ours
                    && stock.code == theirs =>
                {
                    normalised.code = theirs
                }
                _ => {}
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
                    "{dev}/{} brd={} label={}{}{}{}",
                    a.prefix_len,
                    a.broadcast.as_deref().unwrap_or("-"),
                    a.label.as_deref().unwrap_or("-"),
                    if a.noprefixroute {
                        " noprefixroute"
                    } else {
                        ""
                    },
                    if a.nodad { " nodad" } else { "" },
                    a.metric.map(|m| format!(" metric {m}")).unwrap_or_default()
                )
            })
            .collect();
        let addrlabel = self
            .addrlabel
            .map(|l| format!(" addrlabel {l}"))
            .unwrap_or_default();
        format!("{} [{}]{addrlabel}", self.code, copies.join(", "))
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
        Setup::Base6Metric512 => {
            let node = Node::new();
            node.ns.ip(&[
                "addr",
                "add",
                "2001:db8:1234::1/64",
                "dev",
                "eth0",
                "nodad",
                "metric",
                "512",
            ]);
            node
        }
        Setup::StaticRouteOnEth1 => {
            let node = Node::with_base();
            node.ns.ip(&[
                "route",
                "add",
                "192.0.2.0/25",
                "dev",
                "eth1",
                "proto",
                "static",
                "scope",
                "link",
            ]);
            node
        }
        Setup::SpecialRoute(kind) => {
            let node = Node::with_base();
            node.ns.ip(&["route", "add", kind, "192.0.2.0/25"]);
            node
        }
        Setup::Unlabelled => {
            let node = Node::with_base();
            node.ns
                .ip(&["addr", "add", &format!("{VIP}/24"), "dev", "eth0"]);
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
    agent: &Subject,
    action: &str,
    params: &[(&str, &str)],
    user: User,
) -> i32 {
    run_for_reason(node, agent, action, params, user).0
}

/// What an action said on stderr: its last exit reason, and the last
/// error it logged (findif.sh logs its reason as an error and exits with
/// only "[findif] failed").
#[derive(Debug, Clone, Default)]
pub(super) struct Said {
    reason: Option<String>,
    error: Option<String>,
}

/// Runs one action as [`run_quietly`] does, with stderr in a file (a
/// file, never a pipe: a background sender may hold it open), and
/// returns the exit code and what it said.
pub(super) fn run_for_reason(
    node: &Node,
    agent: &Subject,
    action: &str,
    params: &[(&str, &str)],
    user: User,
) -> (i32, Said) {
    let stderr_path = node.rsctmp.path().join(format!("stderr-{action}"));
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    // A hanging action (IPaddr2's start with arp_interval=1 and
    // arp_bg=false) is ended with everything it started.
    let mut builder = node.agent(&agent.path, action);
    for (key, value) in &agent.env {
        builder = builder.env(key, value);
    }
    let mut command = builder.params(params).user(user).quiet().command();
    command.stderr(stderr);
    let code = crate::support::status_within(&mut command, ACTION_TIMEOUT).unwrap_or(TIMED_OUT);
    let said = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let _ = std::fs::remove_file(&stderr_path);
    let reason = said
        .lines()
        .filter_map(|line| line.strip_prefix("ocf-exit-reason:"))
        .next_back()
        .map(str::to_owned);
    let error = said
        .lines()
        .filter_map(|line| line.split_once("ERROR: ").map(|(_, text)| text.to_owned()))
        .next_back();
    (code, Said { reason, error })
}

/// Longer than any action of either agent takes when it works (run_arping
/// listens 3 s; IPv6 DAD takes about 2 s).
pub(super) const ACTION_TIMEOUT: Duration = Duration::from_secs(10);

/// The code recorded for an action that was killed at ACTION_TIMEOUT.
pub(super) const TIMED_OUT: i32 = -2;

pub(super) fn observe(agent: &Subject, case: &Case) -> Vec<Observation> {
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
        let (code, said) = run_for_reason(&node, agent, action, &step, case.user);
        let parsed = ip.parse::<std::net::IpAddr>().ok();
        let vip = if parsed.is_some() {
            node.ns.find(ip)
        } else {
            Vec::new()
        };
        let addrlabel = parsed
            .filter(|ip| ip.is_ipv6())
            .and_then(|_| node.ns.addrlabel(ip));
        observations.push(Observation {
            code,
            vip,
            addrlabel,
            said,
        });
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
        addrlabel: None,
        said: Said::default(),
    });
    observations
}

/// floatip against one stock agent; the differences accepted are the
/// case's that the list marks for that agent.
pub(super) fn compare(case: &Case, against: Stock) {
    let ours = observe(&Subject::floatip(), case);
    let stock = observe(&Subject::stock(against), case);
    let steps = STEPS
        .iter()
        .map(|(step, _, _)| *step)
        .chain([Step::Leftover]);
    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for (step, (a, b)) in steps.zip(ours.iter().zip(&stock)) {
        if a.code == b.code && a.code != 0 {
            if let Some(disagreement) = reasons_disagree(a, b, case, against) {
                unexpected.push(format!("step {step:?}: exit reason: {disagreement}"));
            }
        }
        if a == b {
            continue;
        }
        // Explained by a whole-case difference: a step the case accepts
        // for another reason too still counts as seen.
        let a = &a.as_stock(b, case, against, step);
        if a == b {
            if case.accepts(step, against) {
                seen.push(step);
            }
            continue;
        }
        if case.accepts(step, against) {
            seen.push(step);
            continue;
        }
        unexpected.push(format!(
            "step {step:?}: floatip {}, IPaddr2 {} {}",
            a.brief(),
            against.name(),
            b.brief()
        ));
    }
    let stale: Vec<Step> = case
        .accepted
        .iter()
        .filter(|a| a.against.contains(&against))
        .flat_map(|a| a.steps.iter().copied())
        .filter(|step| !seen.contains(step))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{}: differences from {} not accepted:\n{}",
        case.name,
        against.name(),
        unexpected.join("\n")
    );
    assert!(
        stale.is_empty(),
        "{}: accepted differences that no longer occur at {stale:?} ({:?})",
        case.name,
        case.accepted
            .iter()
            .filter(|a| a.against.contains(&against))
            .filter(|a| a.steps.iter().any(|step| stale.contains(step)))
            .map(|a| a.reason)
            .collect::<Vec<_>>()
    );
}

/// Exit reasons floatip words otherwise, each for a named difference:
/// (the difference, how floatip's reason starts, how the stock agent's
/// does).
const REWORDED: &[(Difference, &str, &str)] = &[
    (
        Difference::NicVanished,
        "Interface ",
        "Unable to find nic or netmask",
    ),
    (
        Difference::UniqueCloneIpv6,
        "unique_clone_address works only with IPv4",
        "IP address [",
    ),
];

/// Where both agents fail with the same code, floatip's exit reason keeps
/// the stock agent's wording (operators search for it) and adds why: it
/// starts with the stock agent's reason, or with findif.sh's logged error
/// where the stock reason is only "[findif] failed"; after a bracketed
/// value (`Invalid interface name [eth9]: …`) the stock agent quotes
/// another program's message, which floatip replaces with its own. Other
/// wordings are accepted only as [`REWORDED`] names them.
fn reasons_disagree(
    ours: &Observation,
    stock: &Observation,
    case: &Case,
    against: Stock,
) -> Option<String> {
    let theirs = stock.said.reason.as_deref()?;
    let mine = ours.said.reason.as_deref().unwrap_or("");
    // findif.sh's own reason is its logged error.
    let wording = match (theirs, stock.said.error.as_deref()) {
        ("[findif] failed", Some(error)) => error,
        _ => theirs,
    };
    let wording = match wording.find("]: ") {
        Some(end) => &wording[..=end],
        None => wording.trim_end_matches('.'),
    };
    // floatip shows a value's control characters escaped (`eth\t0`).
    let wording: String = wording
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let wording = wording.as_str();
    if mine.starts_with(wording) {
        return None;
    }
    let resource = Resource::new(&case.params);
    let reworded = REWORDED.iter().any(|(difference, ours, stock)| {
        difference.applies(&resource)
            && difference.against().contains(&against)
            && mine.starts_with(ours)
            && wording.starts_with(stock)
    });
    if reworded {
        return None;
    }
    Some(format!("floatip {mine:?}, stock {wording:?}"))
}
