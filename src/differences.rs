//! The deliberate differences from the stock agent, as data: what
//! floatip does, why, and for which resources it matters. The docs'
//! differences table (docs/reference.md) is generated from this list
//! (`cargo run --example differences -- --write docs/reference.md`, and a test
//! fails when they disagree); the differential test accepts a difference
//! from the stock agent only by naming an entry here, and an operator's
//! preflight can ask which entries apply to a resource.

use crate::config::params::Param;
use crate::config::values::is_true;

/// For which resources a difference can be seen.
#[derive(Clone, Copy)]
pub enum Applies {
    /// Any resource (it depends on the node, the network or the action,
    /// not on the parameters).
    Always,
    /// Resources whose parameters satisfy the predicate.
    When(fn(&Resource) -> bool),
    /// Only by-hand use: nothing a resource under Pacemaker sees.
    ByHand,
}

const fn always() -> Applies {
    Applies::Always
}

const fn when(predicate: fn(&Resource) -> bool) -> Applies {
    Applies::When(predicate)
}

const fn by_hand() -> Applies {
    Applies::ByHand
}

/// A stock agent floatip is compared with: a Debian package of
/// resource-agents (the differential test runs each), or upstream's
/// development branch (read, not run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stock {
    /// Debian 12 (bookworm), 2023: floatip was built against it.
    V4_12,
    /// Debian 13 (trixie): upstream 4.16.0 with 4.17's findif.sh.
    V4_16,
    /// Debian sid.
    V4_18,
    /// Upstream's development branch after 4.18 (no package yet).
    Main,
}

impl Stock {
    pub const ALL: &'static [Stock] = &[Stock::V4_12, Stock::V4_16, Stock::V4_18, Stock::Main];

    /// The short name the docs use.
    pub fn name(self) -> &'static str {
        match self {
            Stock::V4_12 => "4.12",
            Stock::V4_16 => "4.16",
            Stock::V4_18 => "4.18",
            Stock::Main => "main",
        }
    }

    /// The exact Debian package the differential test runs; `None` for
    /// upstream's branch.
    pub fn package(self) -> Option<&'static str> {
        match self {
            Stock::V4_12 => Some("1:4.12.0-2"),
            Stock::V4_16 => Some("1:4.16.0-3+deb13u2"),
            Stock::V4_18 => Some("1:4.18.0-4"),
            Stock::Main => None,
        }
    }
}

/// Every stock agent.
const fn every() -> &'static [Stock] {
    Stock::ALL
}

/// These stock agents only.
const fn only(stocks: &'static [Stock]) -> &'static [Stock] {
    stocks
}

/// Since this release of the stock agent (earlier ones agree with floatip).
const fn until(last: Stock) -> &'static [Stock] {
    match last {
        Stock::V4_12 => &[Stock::V4_12],
        Stock::V4_16 => &[Stock::V4_12, Stock::V4_16],
        Stock::V4_18 => &[Stock::V4_12, Stock::V4_16, Stock::V4_18],
        Stock::Main => Stock::ALL,
    }
}

macro_rules! differences {
    ($($variant:ident: $applies:expr, $against:expr, $floatip:literal, $why:literal;)*) => {
        /// One deliberate difference from the stock agent.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Difference {
            $($variant,)*
        }

        impl Difference {
            /// Every difference, in the order the docs list them.
            pub const ALL: &'static [Difference] = &[$(Difference::$variant,)*];

            /// Its name, as the docs' table anchors its row
            /// (`reference.md#difference-ClosedLoop`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Difference::$variant => stringify!($variant),)*
                }
            }

            /// What floatip does.
            pub fn floatip(self) -> &'static str {
                match self {
                    $(Difference::$variant => $floatip,)*
                }
            }

            /// Why, and what the stock agent does instead.
            pub fn why(self) -> &'static str {
                match self {
                    $(Difference::$variant => $why,)*
                }
            }

            /// For which resources it can be seen.
            pub fn applies_to(self) -> Applies {
                match self {
                    $(Difference::$variant => $applies,)*
                }
            }

            /// The stock agents that behave otherwise.
            pub fn against(self) -> &'static [Stock] {
                match self {
                    $(Difference::$variant => $against,)*
                }
            }
        }
    };
}

differences! {
    ByValue: always(),
        every(),
        r#"monitor, probe, status and stop find the VIP by value in the kernel's address list (on the given nic, or on any interface), not through findif"#,
        r#"IPaddr2 looks only where the current routes point: after a base address or route change it reports 7 (or a soft 1) and "stops" with 0 while the VIP stays configured, a duplicate address waiting to happen"#;
    StopNeedsOnlyTarget: always(),
        every(),
        r#"stop reads only what locates the VIP (ip, nic, network_namespace, unique_clone_address, lvs_support; lvs_ipv6_addrlabel, lvs_ipv6_addrlabel_value, flush_routes and reset_connections leniently), and never fails on an invalid parameter: with an unusable ip or nic nothing can have been started, and it answers 0 with a warning"#,
        r#"a failed stop gets the node fenced; IPaddr2's stop answers 6 for e.g. an empty arp_interval"#;
    InvalidIs6: always(),
        every(),
        r#"monitor, probe and status of an invalid configuration answer 6"#,
        r#"IPaddr2 answers 7 or a soft 1, which hides the mistake or restarts in a loop"#;
    DerivedBroadcast: when(|r| !r.is_ipv6() && r.value(Param::Broadcast).is_none()),
        every(),
        r#"with no base address to copy it from, the broadcast is derived from the prefix (none for /31, /32 and links without broadcast)"#,
        r#"IPaddr2 then sets no broadcast although its documentation promises derivation"#;
    NoSecondCopy: when(|r| r.value(Param::Nic).is_none()),
        every(),
        r#"without nic, a copy of the VIP already on another non-loopback interface is the resource: start answers 0, warns naming both interfaces and adds nothing (`differential::copy_already_on_another_nic_/32`, `…ipv6…/128`)"#,
        r#"the probe already said 0 for that copy; IPaddr2 adds a second copy where findif points (a duplicate on one node), and its stop then removes only that one"#;
    MetricBreaksTies: when(|r| r.leaves_findif_a_choice()),
        only(&[Stock::V4_12]),
        r#"findif breaks a tie between equally long routes by the lowest metric"#,
        r#"IPaddr2 4.12 takes whichever `ip route` lists last (upstream 4.16.0 fails start with "More than 1 routes match"; Debian 13 carries 4.17's findif instead)"#;
    LongestPrefixFirst: when(|r| r.leaves_findif_a_choice()),
        only(&[Stock::V4_16, Stock::V4_18, Stock::Main]),
        r#"findif takes the longest matching prefix first, then the lowest metric: the route the kernel itself uses for the VIP's subnet"#,
        r#"4.17's findif (in Debian 13's 4.16 and in 4.18) takes the lowest metric first, whatever the prefix: a wider route with a lower metric (a /16 at 100 beside the /24 at 256) puts the VIP on the wrong interface"#;
    ClusterIpRefused: always(),
        every(),
        r#"Cluster IP clone mode (clone_max > 1 without unique_clone_address) is refused with 6"#,
        r#"4.12 to 4.18 need the iptables CLUSTERIP target, which Linux removed in 6.7; upstream's development branch rebuilt the mode on nftables' cluster match, which floatip does not implement: one VIP per node (unique_clone_address) or a load balancer"#;
    ClusterIpParametersIgnored: when(|r| r.sets_cluster_ip_parameters()),
        only(&[Stock::Main]),
        r#"clusterip_hash and the development branch's clusterip_firewall, clusterip_hash_seed, clusterip_table, clusterip_chain and clusterip_mac_mangle are accepted and ignored with a warning"#,
        r#"a resource written for the newest stock agent keeps its configuration; Cluster IP clone mode itself stays refused (4.12 to 4.18 ignore the parameters they do not know)"#;
    ByHandOptions: by_hand(),
        every(),
        r#"by-hand long options (`--ip`, `--nic`, …) and commands: `floatip garp`, `floatip show`, `floatip preflight --cib` (what floatip would do with a CIB's IPaddr2 resources)"#,
        r#"for operators; Pacemaker's environment interface is unchanged"#;
    NamespaceInProcess: when(|r| r.value(Param::NetworkNamespace).is_some()),
        every(),
        r#"a network namespace missing on this node: start 5, probe 7, stop 0; an invalid name is 6"#,
        r#"it is a property of the node, not of the configuration; IPaddr2 re-executes itself through `ip netns exec`, which exits 255, not an OCF code"#;
    CopiesThatCount: always(),
        every(),
        r#"the copies that count as the resource: a copy on the given nic; with no nic, a copy on any interface except loopback ones (unless findif itself puts the VIP on lo: 127.0.0.0/8; never with lvs_support, whose /32 on lo is the realserver's). Without nic, stop removes every copy that counts"#,
        r#"LVS-DR realservers and anycast hosts keep the VIP on lo and `::1` is the host's own: a probe that claimed them would make every node "run" the resource and Pacemaker's stop would delete IPv6 localhost everywhere. IPaddr2 removes only the copy findif points at and then reports 7 while another counting copy is still configured"#;
    WrongPlace: when(|r| r.value(Param::Nic).is_some()),
        every(),
        r#"the configured nic vanished or was renamed while a copy of the VIP sits on another (non-loopback) interface: probe and monitor 1, stop removes that copy and answers 0 once a look finds it gone"#,
        r#"the resource is still here, in the wrong place; IPaddr2 answers 7 and "stops" with 0 while the address stays, a duplicate address on the next start elsewhere"#;
    SenderEnded: always(),
        every(),
        r#"stop always ends the background sender"#,
        r#"IPaddr2 never ends a background `send_ua` (IPv6), and exits before ending `send_arp` when findif fails at stop, so the old node keeps announcing after its stop"#;
    BaseBroadcastByValue: when(|r| !r.is_ipv6() && r.value(Param::Broadcast).is_none()),
        every(),
        r#"the base address's broadcast is looked up by value"#,
        r#"IPaddr2 greps `ip addr` output for the base address as a substring and can take another address's line (e.g. a /32 copy on lo), losing the broadcast"#;
    NicVanished: when(|r| r.value(Param::Nic).is_some()),
        every(),
        r#"a recurring monitor whose configured nic is gone answers 1 whether or not cidr_netmask is set, and its reason says the interface vanished"#,
        r#"IPaddr2 answers 1 only when findif fails, i.e. without cidr_netmask, and 7 with it; its reason is findif's "Unable to find nic or netmask""#;
    UniqueCloneIpv6: when(|r| r.is_ipv6() && r.truthy(Param::UniqueCloneAddress)),
        every(),
        r#"unique_clone_address with an IPv6 VIP is refused with 6 and the reason says it is for IPv4 only"#,
        r#"the stock agent appends the clone number to the address's text and then refuses the garbage it made ("IP address [2001:db8::10...] not valid"), with the same code"#;
    BroadcastIpv4Only: when(|r| r.is_ipv6() && r.value(Param::Broadcast).is_some()),
        every(),
        r#"broadcast is ignored for IPv6"#,
        r#"IPaddr2 passes it to `ip -6 addr add`, which fails the start"#;
    FamilyChecks: when(|r| if r.is_ipv6() { r.value(Param::SendArpOpts).is_some() } else { r.value(Param::PreferredLft).is_some() }),
        every(),
        r#"preferred_lft and send_arp_opts are checked only for the family that uses them"#,
        r#"a configuration that works with IPaddr2 keeps working (IPaddr2 uses preferred_lft only for IPv6, send_arp_opts only for IPv4)"#;
    SendArpOptsChecked: when(|r| !r.is_ipv6() && r.value(Param::SendArpOpts).is_some()),
        every(),
        r#"unknown send_arp_opts are refused with 6"#,
        r#"IPaddr2 starts and its send_arp rejects them, so no announcement is sent at all"#;
    Whitespace: when(|r| r.has_surrounding_whitespace()),
        every(),
        r#"a value with surrounding whitespace (e.g. `ip=" 192.0.2.10"`) is refused with 6"#,
        r#"IPaddr2 accepts it only by accident of shell word splitting; a stray character in a CIB value is a mistake worth seeing"#;
    OwnParametersValidated: when(|r| r.sets_own_parameters()),
        every(),
        r#"floatip's own parameters (garp_count, garp_mode, garp_spacing, garp_targets, garp_window, garp_rate, reset_connections, dad_mode, check_link_status, virtual_mac) are validated"#,
        r#"IPaddr2 ignores parameters it does not know"#;
    StartRollsBack: always(),
        every(),
        r#"start rolls back an address it added when a later step (bringing the link up) fails"#,
        r#"never leave a half-configured address"#;
    StopLooksAgain: always(),
        every(),
        r#"stop removes and looks again until a look finds nothing (at most three passes)"#,
        r#"it answers 0 only after seeing the VIP gone, and never fails because something re-added it meanwhile"#;
    NamespaceNames: when(|r| r.value(Param::NetworkNamespace).is_some()),
        every(),
        r#"network_namespace names are limited to letters, digits, '.', '_' and '-'"#,
        r#"nothing a shell or a path would interpret reaches the filesystem"#;
    EpermIs4: always(),
        every(),
        r#"netlink EPERM (no CAP_NET_ADMIN) is exit 4"#,
        r#"it is a privilege problem (OCF_ERR_PERM), not a generic failure"#;
    BackoffSchedule: when(|r| r.value(Param::GarpSpacing).is_none_or(|v| v == "backoff")),
        every(),
        r#"announcements on a front-loaded backoff schedule by default (`garp_spacing=fixed` restores the even cadence)"#,
        r#"the first frame leaves before start returns; loss bursts of up to a second are survived (IPaddr2's last frame leaves at 0.9 s)"#;
    NativeSender: always(),
        every(),
        r#"announcements are sent natively whatever `arp_sender` says"#,
        r#"one well-tested sender instead of distribution-dependent binaries"#;
    SendArpOptsAU: when(|r| !r.is_ipv6() && r.value(Param::SendArpOpts).is_some()),
        every(),
        r#"`send_arp_opts` `-A` and `-U` work"#,
        r#"Debian's send_arp rejects both; their arping meaning is the useful one"#;
    SenderIdentity: always(),
        every(),
        r#"stop ends the background sender only after proving its identity"#,
        r#"IPaddr2's stop kills whatever pid its pid file names"#;
    SenderRechecks: always(),
        every(),
        r#"the background sender re-checks that the address is still configured before each round"#,
        r#"a sender must never announce an address this node no longer holds"#;
    SenderHoldsNoDescriptors: always(),
        every(),
        r#"the background sender holds none of the agent's descriptors"#,
        r#"IPaddr2's background send_arp keeps the agent's stdout open until it ends, so whoever reads it waits for the last frame"#;
    RefreshInForeground: when(|r| r.value(Param::ArpCountRefresh).is_some_and(is_nonzero)),
        every(),
        r#"`arp_count_refresh` rounds are sent in the foreground, at most 150 ms apart, and for IPv6 too"#,
        r#"a monitor must be short; IPaddr2 forks a background send_arp on every monitor and refreshes only IPv4"#;
    ProbedDad: when(|r| r.probes_dad()),
        every(),
        r#"IPv6: duplicate address detection is floatip's own by default (dad_mode=probe): three RFC 4862 probes with a nonce in 150 ms before the address is added, which then carries the nodad flag (and the start log's "Adding inet6 address … (with nodad …)" says so); a collision's exit reason names the answering MAC; listening goes on until the last probe + 1 s, and a late duplicate (a proxy, an anycast responder) withdraws the address: start 1 in the foreground, otherwise the next monitor 1 with the reason (see "IPv6 duplicate address detection in 150 ms"); `dad_mode=kernel` is IPaddr2's behaviour"#,
        r#"a client follows in about 150 ms instead of the kernel's 1-2 s, with the same outcome on a duplicate (start 1, `IPv6 address collision <ip> [DAD]`, nothing left); the flag says the kernel has nothing left to check. The differential test accepts exactly this flag on every IPv6 case with probing"#;
    KernelDadEvents: when(|r| r.is_ipv6() && !r.truthy(Param::Nodad) && r.value(Param::DadMode) == Some("kernel")),
        every(),
        r#"IPv6 with dad_mode=kernel: DAD is awaited on netlink events, not by polling once a second"#,
        r#"the first advertisement leaves within milliseconds of DAD's end instead of up to a second later"#;
    DadfailedFailsMonitor: when(|r| r.is_ipv6()),
        every(),
        r#"IPv6: a `dadfailed` VIP fails monitor with 1"#,
        r#"another node holds the address; IPaddr2 reports success"#;
    Ipv6ByValue: when(|r| r.is_ipv6()),
        every(),
        r#"IPv6 addresses are compared as values everywhere"#,
        r#"IPaddr2 canonicalises through `ip route get` and then matches text"#;
    CheckLinkStatus: when(|r| r.value(Param::CheckLinkStatus).is_none_or(is_true)),
        until(Stock::V4_16),
        r#"check_link_status defaults to true (as in resource-agents 4.17+), on every distribution"#,
        r#"IPaddr2 4.12 and 4.16 report success while the cable is out, so the VIP is never recovered elsewhere (upstream 4.18 also defaults it to false on RHEL before 10.1)"#;
    LinkDownIs1: when(|r| r.value(Param::CheckLinkStatus).is_none_or(is_true)),
        only(&[Stock::V4_18, Stock::Main]),
        r#"a configured VIP whose interface is down or has no carrier answers 1 at monitor and probe (check_link_status)"#,
        r#"a soft failure: Pacemaker moves the VIP and may bring it back when the link returns. 4.18 answers 5, a hard error that keeps the VIP off the node until a cleanup; upstream's development branch answers 7, which tells Pacemaker the VIP is cleanly stopped while it is still configured"#;
    LinkCheckSeesAltnames: when(|r| r.value(Param::CheckLinkStatus).is_none_or(is_true)),
        only(&[Stock::V4_18, Stock::Main]),
        r#"check_link_status sees a down interface that has an alternative name, whatever name nic uses"#,
        r#"4.18 asks `ip addr show` for the interface together with its altnames, which fails, so a link with any altname (udev gives most NICs one) never counts as down: its monitor says 0 with the cable out"#;
    AddrlabelByDefault: when(|r| r.is_ipv6() && r.value(Param::LvsIpv6Addrlabel).is_none()),
        only(&[Stock::V4_12]),
        r#"an IPv6 VIP gets its address label (prefix VIP/128, lvs_ipv6_addrlabel_value) unless lvs_ipv6_addrlabel=false, and stop removes it: the default is true, as since resource-agents 4.15"#,
        r#"so that the VIP is never chosen as a source address; 4.12's default was false, so a 4.12 user's IPv6 VIPs gain a label they never had (set lvs_ipv6_addrlabel=false to keep 4.12's behaviour)"#;
    Ipv4IgnoresAddrlabel: when(|r| !r.is_ipv6() && r.truthy(Param::LvsIpv6Addrlabel)),
        only(&[Stock::V4_12]),
        r#"lvs_ipv6_addrlabel=true with an IPv4 VIP is accepted and ignored, as since 4.15.1"#,
        r#"4.12 refuses it with 6; with true the default, an IPv4 resource that spells it out must keep working"#;
    Ipv6RouteMetric: when(|r| r.is_ipv6()),
        only(&[Stock::V4_12]),
        r#"an IPv6 VIP is added with the metric of the route findif chose (IFA_RT_PRIORITY), as since 4.15, so that its prefix route is that route"#,
        r#"4.12 adds it at the kernel's default metric 256: where the base address's prefix route has another metric (e.g. 512) the VIP brings a second prefix route, which stop leaves behind"#;
    LabelChecked: when(|r| !r.is_ipv6() && r.sets_iflabel()),
        every(),
        r#"a VIP configured without its iflabel fails start, monitor and status with 1, as start and monitor do since 4.16; the reason names the label found and the one expected, and start reads back what it added"#,
        r#"4.12 reports such a VIP running; 4.16 and later answer 1 at start and monitor (monitor without a reason), but status says stopped (7) while the address is configured"#;
    Ipv6IflabelIgnored: when(|r| r.is_ipv6() && r.sets_iflabel()),
        only(&[Stock::V4_16, Stock::V4_18, Stock::Main]),
        r#"iflabel is ignored for IPv6 (Linux keeps labels only for IPv4 addresses): the VIP starts"#,
        r#"4.16 and later look for the label on IPv6 too: start adds the address, then fails with 1 ("Failed to add … with error partial3") and leaves it configured, and monitor answers 1"#;
    ProtoValidated: when(|r| r.value(Param::Proto).is_some()),
        only(&[Stock::V4_16, Stock::V4_18, Stock::Main]),
        r#"proto must be a number 0–255 or a name in iproute2's rt_protos table; anything else is refused with 6"#,
        r#"the stock agent hands it to `ip route list proto`, which fails, so findif finds nothing and start fails with 1 on every node in turn (with nic and cidr_netmask set, it starts without the filter)"#;
    ProtoHonoured: when(|r| r.value(Param::Proto).is_some()),
        only(&[Stock::V4_12]),
        r#"proto (resource-agents 4.16) limits findif to the routes of that protocol"#,
        r#"4.12 does not know it and places the VIP by every route"#;
    ProtoKeepsBroadcast: when(|r| !r.is_ipv6() && r.value(Param::Proto).is_some() && r.value(Param::Broadcast).is_none()),
        only(&[Stock::V4_16, Stock::V4_18, Stock::Main]),
        r#"with proto set, an IPv4 VIP still gets its base address's broadcast"#,
        r#"the stock agent reads the base address from a fixed field of `ip route` output, which the proto filter shifts (ip omits what it filtered by): with proto set its VIPs get no broadcast"#;
    InvalidStart6: always(),
        only(&[Stock::V4_18, Stock::Main]),
        r#"start with an invalid ip, nic, cidr_netmask or broadcast answers 6, as validate-all does"#,
        r#"4.17 and later answer 5 for every failure of findif at start, its configuration errors included: a hard error on this node (the VIP tries the next one, with the same mistake) instead of a configuration error that stops it everywhere"#;
    NoRouteStart1: always(),
        only(&[Stock::V4_18, Stock::Main]),
        r#"start where no route leads to the VIP (findif finds no interface) answers 1"#,
        r#"a missing route can be a moment's state (an interface still coming up): 1 lets Pacemaker retry where start-failure-is-fatal=false, and bans the node as 5 would where it is true (the default); 4.12 and Debian 13's 4.16 answer 1, 4.17 and later 5, which keeps the VIP off the node until a cleanup whatever the cluster's settings"#;
    LabelLeftBehind: when(|r| r.is_ipv6() && r.labels_ipv6()),
        every(),
        r#"stop removes the VIP's IPv6 address label whether or not the address is still configured, and only a label with the configured value; a start refused for an invalid value adds none"#,
        r#"the stock agent adds the label before the address and removes it only with an address it finds: a start that `ip` refuses (a broadcast or preferred_lft it cannot take) or a VIP removed before stop leaves a label for an address nobody holds"#;
    HostRoutesNeverPlace: when(|r| r.leaves_findif_a_choice()),
        only(&[Stock::V4_16, Stock::V4_18, Stock::Main]),
        r#"findif never places a VIP by a host route (/32, /128), such as an anycast copy's on lo"#,
        r#"4.17's findif (in Debian 13's 4.16 and in 4.18) reads them as /32 and /128 routes: a VIP whose only other copy is an anycast /128 on lo "starts" there, reachable from nowhere; floatip places it by the network's route, or fails start with 1 where there is none, as 4.12 does"#;
    SecondHolder: always(),
        every(),
        r#"OCF_CHECK_LEVEL 20 detects a second holder of the VIP"#,
        r#"IPaddr2 has no deeper check"#;
    GarpTargets: when(|r| r.value(Param::GarpTargets) != Some("none")),
        every(),
        r#"every announcement round also addresses the gateways directly (garp_targets)"#,
        r#"neighbours that drop gratuitous ARP or unsolicited NA never follow IPaddr2's failover"#;
    ClosedLoop: when(|r| r.closes_the_loop()),
        every(),
        r#"announcements are closed-loop: garp_count rounds, plus the extension while a target is unanswered (directed requests every 150 ms within garp_window, 30 s by default), one full round when the path opens, a round due without carrier waits for it; garp_window=0 is IPaddr2's open loop"#,
        r#"a neighbour that misses every round of an open-loop announcement (a loss of more than ~1.5 s: a spanning-tree port still blocking, a busy gateway) keeps sending to the dead node for minutes; IPaddr2 never finds out"#;
    NodeWidePacing: when(|r| r.value(Param::GarpRate).is_some_and(is_nonzero)),
        every(),
        r#"garp_rate paces every announcement frame of every floatip on the node through one switch port (per network namespace and base device, ARP and NDP apart): at most garp_rate frames in every sliding 1-second window, first frames first; start waits for its first frame at most until its timeout's margin and leaves the rest to the background sender"#,
        r#"each IPaddr2 instance announces on its own schedule, so a node taking over 40 VIPs sends hundreds of ARP frames in a second and a switch policing ARP (Dynamic ARP Inspection: 15 per second by default) err-disables the port"#;
    ResetsConnections: when(|r| r.truthy(Param::ResetConnections)),
        every(),
        r#"with reset_connections, stop withdraws the VIP's local route, resets every TCP connection whose local address is the VIP (SOCK_DESTROY), then removes the address"#,
        r#"a client idle on a connection to the VIP is never told the other end is gone and waits for TCP keepalive (two hours by default); with a RST it reconnects at once, to the new holder"#;
    VirtualMac: when(|r| r.value(Param::VirtualMac).is_some()),
        every(),
        r#"with virtual_mac, the VIP lives on a macvlan of the nic carrying a MAC of its own, the same on every node (auto: derived from the VIP); the nic gets arp_ignore=1 and arp_announce=2 while an IPv4 virtual-MAC VIP uses it; stop removes the macvlan and puts the settings back; a monitor sends one round from the macvlan when none went for 50 s, and OCF_CHECK_LEVEL 20 listens on the nic for any answer this node did not send"#,
        r#"neighbours that never take an announcement (routers and firewalls that pin IP to MAC or ignore gratuitous ARP, stacks that learn only from requests to them) keep sending to the dead node's MAC for minutes or hours after an IPaddr2 failover; with a MAC that moves with the VIP their cache never has to change (keepalived's use_vmac; resource-agents approximates it with iface-macvlan grouped with IPaddr2, without the ARP-flux, IPv6 or placement handling)"#;
    ExtensionDetached: when(|r| r.closes_the_loop() && !r.sends_in_background()),
        every(),
        r#"with arp_bg=false (IPv6's default) the rounds stay in the foreground as in IPaddr2, but the extension for unanswered targets continues in a detached sender (with a pid file, ended by stop)"#,
        r#"start must not block for the window, and the extension is what makes a late path converge"#;
    Level10Echo: always(),
        every(),
        r#"OCF_CHECK_LEVEL 10 sends an echo request from the VIP to each gateway and, if none answers, warns and announces once; it never fails the monitor"#,
        r#"a gateway that lost the VIP's entry is corrected within one monitor interval; IPaddr2 ignores OCF_CHECK_LEVEL"#;
    OwnInterfaces: always(),
        every(),
        r#"run_arping and OCF_CHECK_LEVEL 20 take no answer from this node's own interfaces for another holder (Linux answers ARP for any local address on any interface, so a second NIC in the same VLAN answers); received ARP and NDP count only when valid (RFC 5227 §2.1.1, RFC 4861 §7.1: an advertisement with hop limit below 255, a bad checksum or an unfitting destination is ignored)"#,
        r#"a node with two NICs in one VLAN must not fail its own start or report a split brain, and a frame forged from off-link must not either; IPaddr2's `arping -D` counts any reply (`differential::run_arping_with_the_VIP_on_this_node's_second_nic`: its start fails with a collision, floatip's adds the VIP)"#;
    NativeRunArping: when(|r| !r.is_ipv6() && r.truthy(Param::RunArping)),
        every(),
        r#"run_arping is native and reports the conflicting MAC"#,
        r#"IPaddr2 runs arping and silently skips the check when it is not installed"#;
    LvsRealserverCopy: when(|r| !r.is_ipv6() && r.truthy(Param::LvsSupport) && r.value(Param::Nic).is_none()),
        every(),
        r#"with lvs_support and no nic, monitor and stop ignore a /32 of the VIP on lo"#,
        r#"that is the realserver's copy, not the resource"#;
    CheckLevels: always(),
        every(),
        r#"OCF_CHECK_LEVEL: levels are cumulative (20 includes what 10 checks), a number between levels means the next lower one (15 is 10, 25 is 20), and anything that is not a non-negative number is level 0 with a warning"#,
        r#"a typo in one monitor operation must not make a healthy VIP fatal on every node; IPaddr2 ignores OCF_CHECK_LEVEL altogether"#;
    Ipv6PrefixSuffix: when(|r| r.is_ipv6() && r.value(Param::Ip).is_some_and(|ip| ip.contains('/'))),
        every(),
        r#"an IPv6 `ip` with a prefix suffix (`2001:db8::10/64`) runs with the suffix ignored, as in IPaddr2, but with a warning; the prefix comes from cidr_netmask or the routing table"#,
        r#"IPaddr2 drops the suffix silently through `ip route get`; an IPv4 `ip` with a suffix is refused (6) by both"#;
    LeadingZeros: when(|r| r.has_leading_zeros()),
        every(),
        r#"a prefix length with a leading zero (`cidr_netmask=030`, `064`) is read as decimal (30, 64) with a warning, and an address with a leading zero in an octet (`192.0.02.10`) is refused with 6"#,
        r#"iproute2 reads leading zeros as octal: IPaddr2 adds `/24` for `030` (or `192.0.2.10` for `192.0.02.10`) and then never finds what it added (monitor 7 forever, stop leaves it). A migrating user with such a value should write the prefix they meant: 24, not 030"#;
    NeverWorks: always(),
        every(),
        r#"values that can never work answer 6 at once at every action but stop: `ip=192.0.2.09`, `ip=::`, malformed IPv6 text, IPv4-mapped (`::ffff:192.0.2.10`) and multicast IPv6 addresses, a nic with a space or tab, a garbage, negative or over-32-bit preferred_lft"#,
        r#"IPaddr2 starts and fails with 1 on every node in turn (or, for a mapped address, answers 7 at probe), so the mistake surfaces as a failover storm instead of a configuration error"#;
    SilentlyChanged: always(),
        every(),
        r#"values IPaddr2 silently turns into something else are refused with 6: a dotted netmask for an IPv6 VIP (use a prefix length, e.g. 64), an lvs_ipv6_addrlabel_value past 32 bits (use 0 to 4294967295), an iflabel with a space (use letters, digits, `_`, `-`, `.`)"#,
        r#"IPaddr2 passes them to `ip`, which reads something else or fails later; the migrating user changes the value to what they meant"#;
    RefreshValidated: when(|r| r.value(Param::ArpCountRefresh).is_some()),
        every(),
        r#"arp_count_refresh is validated (a whole number, 0 or more)"#,
        r#"IPaddr2 never checks it"#;
    NoHang: when(|r| r.value(Param::ArpInterval) == Some("1")),
        every(),
        r#"arp_interval=1 works (rounds 50 µs apart at first, then backoff)"#,
        r#"IPaddr2's send_arp hangs with it until it is killed; with arp_bg=false its start hangs until Pacemaker's timeout"#;
    NodeFaultIs1: always(),
        every(),
        r#"a node-local fault (e.g. the interface cannot be brought up, netlink refuses) answers 1, a soft failure: Pacemaker recovers the resource, on another node if this one keeps failing"#,
        r#"2 (OCF_ERR_ARGS) bans the node for an argument problem; with lo down both agents start and monitor normally in our runs (`differential::lo_down`), and floatip never answers 2 for a fault of the node"#;
    UnprivilegedNamespace: when(|r| r.value(Param::NetworkNamespace).is_some()),
        every(),
        r#"run as an unprivileged user with network_namespace set: start and stop 4 (not root), monitor 1 or 7 with an exit reason"#,
        r#"IPaddr2 re-executes itself through `ip netns exec`, which fails and exits 255, not an OCF code; without network_namespace both answer 4"#;
    ReloadAction: always(),
        every(),
        r#"a `reload` action, listed in the meta-data (OCF 1.0 legacy reload) and in the usage line (`{start|stop|status|monitor|reload|validate-all|meta-data}`): every parameter change but `ip` applies in place (see "Change parameters in place"); a nic change to an interface that is down, has no carrier, or where the new IPv6 copy fails DAD or is still tentative at reload's timeout answers 1 and keeps the working copy (Pacemaker counts a failure, then stops with the old parameters and starts with the new)"#,
        r#"IPaddr2 has none, so Pacemaker stops and starts the VIP and everything ordered after it for any change (6 lost pings of a 10 ms client in our cluster, none with reload); ocf-tester reports floatip as supporting reload; `differential::reload_action` compares the answers and the usage lines, `differential::reload_*` what a reload leaves against the stock stop + start"#;
    OwnPrefixRoute: always(),
        every(),
        r#"findif does not let the VIP's own prefix route (source: the VIP) decide where an already configured VIP belongs, unless no other route leads there"#,
        r#"a reload (or start on a started VIP) places the address as a first start would; IPaddr2's findif takes the most specific route, which may be the one the VIP itself brought"#;
    UnknownActions: always(),
        every(),
        r#"unknown actions (notify, promote, reload-agent, …, or none) answer 3 before any validation, with an exit reason"#,
        r#"IPaddr2 validates first and answers 6 for an invalid configuration (`differential::unknown_actions`)"#;
    NoInstance: always(),
        every(),
        r#"runs without OCF_RESOURCE_INSTANCE (it logs as `IPaddr2[<pid>]`)"#,
        r#"IPaddr2 exits 2 when OCF_RA_VERSION_MAJOR is set and the instance is not; by hand there is no instance"#;
    Altname: when(|r| r.value(Param::Nic).is_some()),
        every(),
        r#"alternative interface names (`ip link property add … altname`) work as nic"#,
        r#"IPaddr2 compares interface names as text and fails, or loses the address it added"#;
    NamespaceNotANamespace: when(|r| r.value(Param::NetworkNamespace).is_some()),
        every(),
        r#"a network_namespace entry that is not a network namespace (a FIFO, a plain file, a directory) is treated like a missing one: stop 0, probe 7, start 5 with a reason"#,
        r#"nothing of ours can be behind it; IPaddr2's `ip netns exec` fails with 255, or blocks on a FIFO"#;
    DadfailedAfresh: always(),
        every(),
        r#"start on an existing copy that is `dadfailed` removes it and starts afresh (DAD then decides); on a copy whose interface is administratively down, brings the interface up"#,
        r#""already started" must mean usable; IPaddr2 answers 0 for both, leaving a dead VIP until the next monitor"#;
    SenderStartTime: always(),
        every(),
        r#"the background sender's start time is recorded beside its pid file (`send_arp-<ip>.floatip-start`: pid and field 22 of /proc/<pid>/stat) and stop signals only the process whose start time matches exactly; the pid file itself stays one line, the bare pid"#,
        r#"no other floatip process (another resource's sender or action, an operator's `floatip garp`) can ever be signalled, and no step of the wall clock can make stop miss the real sender; IPaddr2's stop runs ``kill `cat pidfile` ``"#;
    StopBudget: always(),
        every(),
        r#"stop's wait for the sender comes out of its own timeout (OCF_RESKEY_CRM_meta_timeout, 20 s when unset): SIGTERM, then SIGKILL when the budget runs short, then the address is removed anyway"#,
        r#"a stop that overruns its timeout gets the node fenced"#;
    LogNeverBlocks: always(),
        every(),
        r#"a log line that cannot be written is dropped: HA_LOGFILE or HA_DEBUGLOG a FIFO without a reader, a socket, a directory, a full or read-only filesystem; /dev/log missing or its queue full; a failing stderr. A stdout that cannot take meta-data is exit 1 (`output::failing_stdout_and_stderr`)"#,
        r#"logging must never block or end an action: IPaddr2's shell blocks opening a FIFO without a reader and glibc's syslog() blocks on a full /dev/log queue, until Pacemaker's timeout (a stop that overruns gets the node fenced)"#;
    GarpTargetsBounded: when(|r| r.value(Param::GarpTargets).is_some()),
        every(),
        r#"garp_targets lists more than 256 addresses: the first 256 are addressed, with a warning"#,
        r#"every round sends one frame per target; a runaway list must not make a round unbounded"#;
    HyphenOptions: by_hand(),
        every(),
        r#"by hand, long options are spelt with hyphens (`--cidr-netmask`) as well as with the parameter's own underscore (`--cidr_netmask`); each option's help is the parameter's description from the meta-data"#,
        r#"Linux tools take hyphens and operators type them; IPaddr2 has no options at all (parameters come only from the environment, which floatip reads unchanged)"#;
    OwnActions: by_hand(),
        every(),
        r#"floatip answers two by-hand actions of its own, `garp` (re-announce an address this node holds; 1 when it holds none) and `show`; IPaddr2 answers 3 for both (compared in the differential test)"#,
        r#"what operators reach for when a neighbour's cache is stuck, without a separate arping or send_arp"#;
    Show: by_hand(),
        every(),
        r#"`floatip show --ip ADDR [--nic NIC] [--json]`: where the VIP is configured (prefix, flags such as tentative/dadfailed/nodad), its links, and the background sender (pid, since when, announcements left); changes nothing, any user"#,
        r#"the questions an operator asks when something is stuck, answered without `ip`, `ps` and the pid file; IPaddr2 has no such action (its `status` is kept exactly: `running` / `stopped`)"#;
    Completion: by_hand(),
        every(),
        r#"bash completion, generated by clap from the same definition, installed by `make install`, the .deb and the RPM"#,
        r#"IPaddr2 ships none"#;
    SenderSchedule: always(),
        every(),
        r#"the background sender also records its schedule beside its pid file (`send_arp-<ip>.floatip-schedule`: when the first round left and what is left), removed with the pid file"#,
        r#"so that `floatip show` can say how many announcements are left; the pid file itself stays one line, the bare pid"#;
}

impl Difference {
    /// Whether a resource with these parameters can see this difference.
    pub fn applies(self, resource: &Resource) -> bool {
        match self.applies_to() {
            Applies::Always => true,
            Applies::When(predicate) => predicate(resource),
            Applies::ByHand => false,
        }
    }
}

/// The docs' table: one row per difference, in order, with a column per
/// stock agent marking those that behave otherwise.
pub fn markdown_table() -> String {
    let mut table = String::from("| difference | why |");
    for stock in Stock::ALL {
        table.push_str(&format!(" {} |", stock.name()));
    }
    table.push_str("\n|---|---|");
    table.push_str(&"---|".repeat(Stock::ALL.len()));
    table.push('\n');
    for difference in Difference::ALL {
        // An anchor per row, so that other pages link to one difference.
        table.push_str(&format!(
            "| <a id=\"difference-{}\"></a>{} | {} |",
            difference.name(),
            difference.floatip(),
            difference.why()
        ));
        for stock in Stock::ALL {
            let mark = if difference.against().contains(stock) {
                "✓"
            } else {
                ""
            };
            table.push_str(&format!(" {mark} |"));
        }
        table.push('\n');
    }
    table
}

/// Where the generated table sits in a Markdown file: between these two
/// lines.
pub const TABLE_BEGINS: &str =
    "<!-- differences: generated from src/differences.rs by `cargo run --example differences -- --write docs/reference.md` -->";
pub const TABLE_ENDS: &str = "<!-- end of differences -->";

/// `document` with the text between the markers replaced by the table;
/// `None` when the markers are missing.
pub fn with_table(document: &str) -> Option<String> {
    let begins = document.find(TABLE_BEGINS)? + TABLE_BEGINS.len();
    let ends = begins + document[begins..].find(TABLE_ENDS)?;
    Some(format!(
        "{}\n{}{}",
        &document[..begins],
        markdown_table(),
        &document[ends..]
    ))
}

/// A number that is not written as zero ("0", "00").
fn is_nonzero(number: &str) -> bool {
    !number.trim_start_matches('0').is_empty()
}

/// A resource's parameters by name, as Pacemaker would pass them
/// (without the `OCF_RESKEY_` prefix).
pub struct Resource<'a> {
    params: &'a [(&'a str, &'a str)],
}

impl<'a> Resource<'a> {
    pub fn new(params: &'a [(&'a str, &'a str)]) -> Self {
        Resource { params }
    }

    /// The value, with the empty string meaning unset.
    fn value(&self, param: Param) -> Option<&'a str> {
        self.params
            .iter()
            .rev()
            .find(|(name, _)| *name == param.name())
            .map(|(_, value)| *value)
            .filter(|value| !value.is_empty())
    }

    fn truthy(&self, param: Param) -> bool {
        self.value(param).is_some_and(is_true)
    }

    fn is_ipv6(&self) -> bool {
        self.value(Param::Ip).is_some_and(|ip| ip.contains(':'))
    }

    /// IPv6 with floatip's own duplicate address detection
    /// (dad_mode=probe, the default, and nodad unset).
    fn probes_dad(&self) -> bool {
        self.is_ipv6()
            && !self.truthy(Param::Nodad)
            && self
                .value(Param::DadMode)
                .is_none_or(|mode| mode == "probe")
    }

    /// garp_window is not 0.
    fn closes_the_loop(&self) -> bool {
        self.value(Param::GarpWindow).is_none_or(is_nonzero)
    }

    /// arp_bg, whose default is true for IPv4 and false for IPv6.
    fn sends_in_background(&self) -> bool {
        self.value(Param::ArpBg).map_or(!self.is_ipv6(), is_true)
    }

    /// lvs_ipv6_addrlabel on (its default).
    fn labels_ipv6(&self) -> bool {
        self.value(Param::LvsIpv6Addrlabel).is_none_or(is_true)
    }

    /// findif picks the interface or the prefix from the routes.
    fn leaves_findif_a_choice(&self) -> bool {
        self.value(Param::Nic).is_none() || self.value(Param::CidrNetmask).is_none()
    }

    /// iflabel, or a label in nic (`eth0:vip`).
    fn sets_iflabel(&self) -> bool {
        self.value(Param::Iflabel).is_some()
            || self
                .value(Param::Nic)
                .is_some_and(|nic| nic.split_once(':').is_some_and(|(_, l)| !l.is_empty()))
    }

    fn sets_cluster_ip_parameters(&self) -> bool {
        Param::LISTED
            .iter()
            .filter(|param| param.name().starts_with("clusterip_"))
            .any(|param| self.value(*param).is_some())
    }

    fn has_surrounding_whitespace(&self) -> bool {
        self.params.iter().any(|(_, value)| value.trim() != *value)
    }

    /// A parameter the stock agent 4.12 does not know.
    fn sets_own_parameters(&self) -> bool {
        Param::LISTED
            .iter()
            .any(|param| param.origin() != "4.12" && self.value(*param).is_some())
    }

    /// A prefix length or an IPv4 octet written with a leading zero.
    fn has_leading_zeros(&self) -> bool {
        let leading_zero = |number: &str| number.len() > 1 && number.starts_with('0');
        self.value(Param::CidrNetmask).is_some_and(leading_zero)
            || (!self.is_ipv6()
                && self
                    .value(Param::Ip)
                    .is_some_and(|ip| ip.split('.').any(leading_zero)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_shows_the_generated_table() {
        const REFERENCE: &str = include_str!("../docs/reference.md");
        let generated =
            with_table(REFERENCE).expect("docs/reference.md marks its differences table");
        assert!(
            generated == REFERENCE,
            "docs/reference.md's differences table is not the one src/differences.rs gives: \
             run `cargo run --example differences -- --write docs/reference.md`"
        );
    }

    #[test]
    fn every_difference_is_reasoned_once() {
        let mut seen = std::collections::HashSet::new();
        for difference in Difference::ALL {
            assert!(!difference.floatip().is_empty(), "{difference:?}");
            assert!(!difference.why().is_empty(), "{difference:?}");
            assert!(!difference.floatip().contains('\n'), "{difference:?}");
            assert!(seen.insert(difference.floatip()), "{difference:?} twice");
            assert!(
                !difference.against().is_empty(),
                "{difference:?} differs from nothing"
            );
        }
    }

    /// The fetched references are the packages the list names, and
    /// nothing else: tests/stock-agents.sha256 lists exactly the newer
    /// packaged versions.
    #[test]
    fn the_fetched_references_are_the_listed_versions() {
        const LIST: &str = include_str!("../tests/stock-agents.sha256");
        let listed: Vec<&str> = LIST
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_whitespace().nth(1))
            .collect();
        let fetched: Vec<&str> = Stock::ALL
            .iter()
            .filter(|s| **s != Stock::V4_12)
            .filter_map(|s| s.package())
            .collect();
        assert_eq!(listed, fetched);
    }

    /// The stop row names what stop reads, as the parameter table says.
    #[test]
    fn the_stop_row_follows_the_parameter_table() {
        use crate::config::params::AtStop;
        let text = Difference::StopNeedsOnlyTarget.floatip();
        for param in Param::LISTED {
            let named = text.contains(param.name());
            assert_eq!(named, param.at_stop() != AtStop::Unread, "{}", param.name());
        }
    }

    #[test]
    fn predicates_read_the_parameters() {
        let applies = |difference: Difference, params: &[(&str, &str)]| {
            difference.applies(&Resource::new(params))
        };
        let v4 = [("ip", "192.0.2.10")];
        let v6 = [("ip", "2001:db8::10")];
        assert!(applies(Difference::DerivedBroadcast, &v4));
        assert!(!applies(Difference::DerivedBroadcast, &v6));
        assert!(applies(Difference::ProbedDad, &v6));
        assert!(!applies(
            Difference::ProbedDad,
            &[("ip", "2001:db8::10"), ("dad_mode", "kernel")]
        ));
        assert!(!applies(
            Difference::ProbedDad,
            &[("ip", "2001:db8::10"), ("nodad", "yes")]
        ));
        assert!(applies(Difference::ExtensionDetached, &v6));
        assert!(!applies(Difference::ExtensionDetached, &v4));
        assert!(!applies(
            Difference::ClosedLoop,
            &[("ip", "192.0.2.10"), ("garp_window", "0")]
        ));
        assert!(applies(Difference::Whitespace, &[("ip", " 192.0.2.10")]));
        assert!(!applies(Difference::Whitespace, &v4));
        assert!(applies(
            Difference::OwnParametersValidated,
            &[("ip", "192.0.2.10"), ("garp_count", "3")]
        ));
        assert!(applies(
            Difference::OwnParametersValidated,
            &[("ip", "192.0.2.10"), ("check_link_status", "false")]
        ));
        assert!(!applies(
            Difference::OwnParametersValidated,
            &[("ip", "192.0.2.10"), ("arp_count", "3")]
        ));
        assert!(applies(
            Difference::LeadingZeros,
            &[("ip", "192.0.2.10"), ("cidr_netmask", "030")]
        ));
        assert!(applies(Difference::LeadingZeros, &[("ip", "192.0.02.10")]));
        assert!(!applies(
            Difference::LeadingZeros,
            &[("ip", "192.0.2.10"), ("cidr_netmask", "0")]
        ));
        assert!(!applies(Difference::Show, &v4));
        assert!(applies(Difference::AddrlabelByDefault, &v6));
        assert!(!applies(
            Difference::AddrlabelByDefault,
            &[("ip", "2001:db8::10"), ("lvs_ipv6_addrlabel", "false")]
        ));
        assert!(applies(
            Difference::Ipv6IflabelIgnored,
            &[("ip", "2001:db8::10"), ("nic", "eth0:vip")]
        ));
        assert!(!applies(
            Difference::Ipv6IflabelIgnored,
            &[("ip", "2001:db8::10"), ("nic", "eth0")]
        ));
        assert!(applies(
            Difference::ProtoKeepsBroadcast,
            &[("ip", "192.0.2.10"), ("proto", "kernel")]
        ));
        assert!(applies(
            Difference::ClusterIpParametersIgnored,
            &[("ip", "192.0.2.10"), ("clusterip_firewall", "nft")]
        ));
        assert!(Difference::CheckLinkStatus
            .against()
            .contains(&Stock::V4_16));
        assert!(!Difference::CheckLinkStatus
            .against()
            .contains(&Stock::V4_18));
        assert!(applies(Difference::ByValue, &v4));
    }
}
