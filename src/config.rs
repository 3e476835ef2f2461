//! Every parameter, read once from the environment into one typed struct.
//!
//! Semantics follow IPaddr2 4.12 (see DESIGN.md "Parameters"): empty values
//! of parameters whose default is empty or derived mean "unset"; an empty
//! arp_interval, arp_count or preferred_lft is invalid; booleans accept
//! ocf_is_true's spellings and treat anything else as false.

use std::net::{IpAddr, Ipv4Addr};

use crate::announce::schedule::{Mode, Spacing};
use crate::announce::targets::{self, Targets};
use crate::announce::{sender, Plan};
use crate::env::Env;
use crate::ocf::{log, Error, Result};

/// The content type of a parameter in the meta-data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Boolean,
}

impl ParamType {
    /// The meta-data's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Boolean => "boolean",
        }
    }
}

/// One parameter as the meta-data declares it. This table and
/// `ocf-metadata/IPaddr2.xml` must agree; a test holds them together.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: &'static str,
    pub kind: ParamType,
}

const fn spec(name: &'static str, default: &'static str, kind: ParamType) -> ParamSpec {
    ParamSpec {
        name,
        default,
        kind,
    }
}

pub const PARAMETERS: &[ParamSpec] = &[
    spec("ip", "", ParamType::String),
    spec("nic", "", ParamType::String),
    spec("cidr_netmask", "", ParamType::String),
    spec("broadcast", "", ParamType::String),
    spec("iflabel", "", ParamType::String),
    spec("lvs_support", "false", ParamType::Boolean),
    spec("lvs_ipv6_addrlabel", "false", ParamType::Boolean),
    spec("lvs_ipv6_addrlabel_value", "99", ParamType::Integer),
    spec("mac", "", ParamType::String),
    spec("clusterip_hash", "sourceip-sourceport", ParamType::String),
    spec("unique_clone_address", "false", ParamType::Boolean),
    spec("arp_interval", "200", ParamType::Integer),
    spec("arp_count", "5", ParamType::Integer),
    spec("arp_count_refresh", "0", ParamType::Integer),
    spec("arp_bg", "", ParamType::String),
    spec("arp_sender", "", ParamType::String),
    spec("send_arp_opts", "", ParamType::String),
    spec("flush_routes", "false", ParamType::Boolean),
    spec("run_arping", "false", ParamType::String),
    spec("nodad", "false", ParamType::String),
    spec("noprefixroute", "false", ParamType::String),
    spec("preferred_lft", "forever", ParamType::String),
    spec("network_namespace", "", ParamType::String),
    spec("garp_count", "", ParamType::Integer),
    spec("garp_mode", "both", ParamType::String),
    spec("garp_spacing", "backoff", ParamType::String),
    spec("check_link_status", "true", ParamType::Boolean),
    spec("garp_targets", "gateway", ParamType::String),
];

/// Accepted but not listed: IPaddr2 once called cidr_netmask `netmask`.
pub const HIDDEN_ALIASES: &[&str] = &["netmask"];

/// The interface the VIP goes on, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicName(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    Address(Ipv4Addr),
    /// `+`: the prefix's network with all host bits set.
    SetHostBits,
    /// `-`: the prefix's network with all host bits clear.
    ClearHostBits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    Forever,
    Seconds(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArpSender {
    SendArp,
    IputilsArping,
    LibnetArping,
    IpoibArping,
}

impl ArpSender {
    pub fn as_str(self) -> &'static str {
        match self {
            ArpSender::SendArp => "send_arp",
            ArpSender::IputilsArping => "iputils_arping",
            ArpSender::LibnetArping => "libnet_arping",
            ArpSender::IpoibArping => "ipoibarping",
        }
    }
}

/// What it takes to find the VIP: all that stop and probes need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub ip: IpAddr,
    pub nic: Option<NicName>,
    pub network_namespace: Option<String>,
    /// Where the background sender's pid file is (HA_RSCTMP).
    pub sender_pid_file: std::path::PathBuf,
    /// LVS direct routing: the VIP may also sit on lo as a /32, which is
    /// not the resource.
    pub lvs_support: bool,
    /// `$HA_RSCTMP`, where lvs_support remembers a loopback copy.
    pub rsctmp: std::path::PathBuf,
}

/// The whole configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub target: Target,
    /// The label's suffix (`iflabel`, or the part after `:` in `nic`).
    pub iflabel: Option<String>,
    pub cidr_netmask: Option<u8>,
    pub broadcast: Option<Broadcast>,
    pub noprefixroute: bool,
    pub nodad: bool,
    pub preferred_lft: Lifetime,
    /// Announcements on start: garp_count (or arp_count) rounds.
    pub announce: Plan,
    /// Neighbours addressed directly in every round.
    pub garp_targets: Targets,
    pub arp_count_refresh: u32,
    pub arp_bg: bool,
    pub arp_sender: Option<ArpSender>,
    pub lvs_ipv6_addrlabel: bool,
    pub lvs_ipv6_addrlabel_value: u32,
    pub flush_routes: bool,
    pub run_arping: bool,
    pub unique_clone_address: bool,
    /// `OCF_RESKEY_CRM_meta_timeout`, the action's deadline.
    pub timeout_ms: Option<u64>,
    /// monitor: a present address on a down or carrier-less link is a failure.
    pub check_link_status: bool,
    /// monitor: OCF_CHECK_LEVEL (0, 10 or 20).
    pub check_level: u32,
}

/// Reads parameters from an [`Env`], turning malformed values into reasoned
/// exit code 6 errors.
pub struct Params<'a> {
    env: &'a Env,
}

impl<'a> Params<'a> {
    pub fn new(env: &'a Env) -> Self {
        Params { env }
    }

    /// The raw value; `Ok(None)` when unset. Non-UTF-8 is a configuration
    /// error, never a panic.
    pub fn raw(&self, name: &str) -> Result<Option<&'a str>> {
        match self.env.param(name) {
            None => Ok(None),
            Some(value) => value.to_str().map(Some).ok_or_else(|| {
                Error::configured(format!(
                    "Invalid {name} [{}]: the value is not valid UTF-8",
                    shown(value.to_string_lossy().as_ref())
                ))
            }),
        }
    }

    /// The value, with the empty string meaning unset.
    pub fn nonempty(&self, name: &str) -> Result<Option<&'a str>> {
        Ok(self.raw(name)?.filter(|v| !v.is_empty()))
    }

    /// The value or the parameter's default when unset (an empty value is
    /// kept: it is invalid for these parameters, as in IPaddr2).
    fn or_default(&self, name: &str) -> Result<&'a str> {
        let default = PARAMETERS
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.default)
            .unwrap_or("");
        Ok(self.raw(name)?.unwrap_or(default))
    }

    fn boolean(&self, name: &str) -> Result<bool> {
        Ok(parse_bool(name, self.or_default(name)?))
    }

    fn meta(&self, name: &str) -> Result<Option<&'a str>> {
        self.nonempty(&format!("CRM_meta_{name}"))
    }

    /// The VIP's address and where to look for it: what stop needs, and
    /// nothing more, so that stop never fails on an unrelated parameter.
    pub fn target(&self) -> Result<Target> {
        let ip_text = self
            .nonempty("ip")?
            .ok_or_else(|| Error::configured("IP address (the ip parameter) is mandatory"))?;
        let mut ip = parse_ip_parameter(ip_text)?;
        if self.boolean("unique_clone_address")? {
            ip = unique_clone_ip(ip, self.meta("clone")?)?;
        }
        let nic = match self.nonempty("nic")? {
            None => None,
            Some(value) => {
                let base = value.split(':').next().unwrap_or(value);
                Some(NicName(parse_nic_name(base)?))
            }
        };
        let network_namespace = self
            .nonempty("network_namespace")?
            .map(parse_namespace)
            .transpose()?;
        let sender_pid_file =
            sender::pid_file(self.env.get("HA_RSCTMP"), network_namespace.as_deref(), ip);
        Ok(Target {
            ip,
            nic,
            network_namespace,
            sender_pid_file,
            lvs_support: self.boolean("lvs_support")?,
            rsctmp: sender::rsctmp(self.env.get("HA_RSCTMP")),
        })
    }

    /// The IPv6 address label stop removes, read leniently: stop must not
    /// fail on a parameter it does not need, so an unreadable value means
    /// IPaddr2's default label.
    pub fn addrlabel_to_remove(&self, target: &Target) -> Option<u32> {
        let enabled = self
            .raw("lvs_ipv6_addrlabel")
            .ok()
            .flatten()
            .is_some_and(is_true);
        if !enabled || !target.ip.is_ipv6() {
            return None;
        }
        let value = self
            .raw("lvs_ipv6_addrlabel_value")
            .ok()
            .flatten()
            .and_then(parse_decimal);
        Some(value.unwrap_or(99))
    }

    /// `OCF_RESKEY_CRM_meta_timeout` in ms, read leniently (stop needs it
    /// and must not fail on it): unset or unreadable means the default.
    pub fn timeout_ms(&self) -> Option<u64> {
        self.meta("timeout")
            .ok()
            .flatten()
            .and_then(|v| v.parse::<u64>().ok())
    }

    /// flush_routes, read leniently for stop.
    pub fn flush_routes_on_stop(&self) -> bool {
        self.raw("flush_routes").ok().flatten().is_some_and(is_true)
    }

    /// Every parameter, validated as start and validate-all need it.
    pub fn config(&self) -> Result<Config> {
        let target = self.target()?;
        let ipv4 = target.ip.is_ipv4();

        let clone_max = match self.meta("clone_max")? {
            None => 1,
            Some(v) => parse_decimal(v).filter(|n| *n > 0).ok_or_else(|| {
                Error::configured(format!(
                    "Invalid meta-attribute clone_max [{}], should be positive integer",
                    shown(v)
                ))
            })?,
        };
        let lvs_support = target.lvs_support;
        if lvs_support && clone_max > 1 {
            return Err(Error::configured(
                "LVS and load sharing do not go together well",
            ));
        }
        let lvs_ipv6_addrlabel = self.boolean("lvs_ipv6_addrlabel")?;
        if ipv4 && lvs_ipv6_addrlabel {
            return Err(Error::configured(
                "IPv4 does not support lvs_ipv6_addrlabel",
            ));
        }
        if !ipv4 && lvs_support {
            return Err(Error::configured("The IPv6 does not support lvs_support"));
        }
        let addrlabel_text = self.or_default("lvs_ipv6_addrlabel_value")?;
        let lvs_ipv6_addrlabel_value = match parse_decimal(addrlabel_text) {
            Some(v) => v,
            None if lvs_ipv6_addrlabel => {
                return Err(Error::configured(format!(
                    "Invalid lvs_ipv6_addrlabel_value [{}], should be positive integer",
                    shown(addrlabel_text)
                )))
            }
            None => 99,
        };

        let unique_clone_address = self.boolean("unique_clone_address")?;
        let globally_unique = self.meta("globally_unique")?.is_some_and(is_true);
        if unique_clone_address && !globally_unique {
            return Err(Error::configured(
                "unique_clone_address makes sense only with meta globally_unique set",
            ));
        }
        if clone_max > 1 && !unique_clone_address {
            // Validate what IPaddr2 validates, then refuse: CLUSTERIP is gone.
            let hash = self.or_default("clusterip_hash")?;
            if !matches!(
                hash,
                "sourceip" | "sourceip-sourceport" | "sourceip-sourceport-destport"
            ) {
                return Err(Error::configured(format!(
                    "Invalid OCF_RESKEY_clusterip_hash [{}]",
                    shown(hash)
                )));
            }
            if let Some(mac) = self.nonempty("mac")? {
                if !is_cluster_mac(mac) {
                    return Err(Error::configured(format!(
                        "Invalid IF_MAC [{}]",
                        shown(mac)
                    )));
                }
            }
            return Err(Error::configured(
                "Cluster IP clone mode (clone_max > 1 without unique_clone_address) needs \
                 iptables CLUSTERIP, which Linux removed in 2023 (6.7); use one VIP per node \
                 with unique_clone_address=true, or a load balancer",
            ));
        }

        // IPaddr2: a `nic` with a colon always decides the label, and an
        // empty part after the colon (`eth0:`) means no label at all.
        let iflabel = match self.nonempty("nic")?.and_then(|n| n.split_once(':')) {
            Some((_, "")) => None,
            Some((_, label)) => Some(parse_iflabel(label)?),
            None => self.nonempty("iflabel")?.map(parse_iflabel).transpose()?,
        };

        if let (Some(nic), Some(label)) = (&target.nic, &iflabel) {
            check_label_length(&nic.0, label)?;
        }

        let netmask_text = match self.nonempty("cidr_netmask")? {
            Some(v) => Some(v),
            None => self.nonempty("netmask")?,
        };
        let cidr_netmask = netmask_text
            .map(|v| parse_netmask(v, if ipv4 { 32 } else { 128 }))
            .transpose()?;

        let broadcast = match self.nonempty("broadcast")? {
            Some(v) if ipv4 => Some(parse_broadcast(v)?),
            _ => None,
        };

        let arp_interval_ms = self.positive("arp_interval", "Invalid OCF_RESKEY_arp_interval")?;
        let arp_count = self.positive("arp_count", "Invalid OCF_RESKEY_arp_count")?;
        // garp_count is floatip's name for arp_count; it wins when both are set.
        let rounds = match self.nonempty("garp_count")? {
            Some(_) => self.positive("garp_count", "Invalid OCF_RESKEY_garp_count")?,
            None => arp_count,
        };
        let refresh_text = self.or_default("arp_count_refresh")?;
        let arp_count_refresh = parse_decimal(refresh_text).ok_or_else(|| {
            Error::configured(format!(
                "Invalid OCF_RESKEY_arp_count_refresh [{}]: expected a whole number of rounds, 0 or more",
                shown(refresh_text)
            ))
        })?;
        let arp_bg = match self.nonempty("arp_bg")? {
            Some(v) => parse_bool("arp_bg", v),
            None => ipv4,
        };
        let arp_sender = self
            .nonempty("arp_sender")?
            .map(|v| match v {
                "send_arp" => Ok(ArpSender::SendArp),
                "iputils_arping" => Ok(ArpSender::IputilsArping),
                "libnet_arping" => Ok(ArpSender::LibnetArping),
                "ipoibarping" => Ok(ArpSender::IpoibArping),
                other => Err(Error::configured(format!(
                    "unrecognized arp_sender value: {} (expected send_arp, iputils_arping, \
                     libnet_arping or ipoibarping)",
                    shown(other)
                ))),
            })
            .transpose()?;
        // send_arp_opts is an IPv4 setting: IPaddr2 ignores it for IPv6, so
        // a working IPv6 configuration must not fail on it here either.
        let opts_mode = match self.nonempty("send_arp_opts")? {
            Some(opts) if ipv4 => parse_send_arp_opts(opts)?,
            _ => None,
        };
        let mode = match self.nonempty("garp_mode")? {
            Some("both") => Mode::Both,
            Some("request") => Mode::Request,
            Some("reply") => Mode::Reply,
            Some(other) => {
                return Err(Error::configured(format!(
                    "Invalid garp_mode [{}]: expected both, request or reply",
                    shown(other)
                )))
            }
            None => opts_mode.unwrap_or(Mode::Both),
        };
        let spacing = match self.nonempty("garp_spacing")? {
            None | Some("backoff") => Spacing::Backoff,
            Some("fixed") => Spacing::Fixed,
            Some(other) => {
                return Err(Error::configured(format!(
                    "Invalid garp_spacing [{}]: expected backoff or fixed",
                    shown(other)
                )))
            }
        };

        let garp_targets = match self.nonempty("garp_targets")? {
            None => Targets::Gateway,
            Some(value) => targets::parse(value, ipv4).map_err(|bad| {
                Error::configured(format!(
                    "Invalid garp_targets [{}]: {} is not understood (expected gateway, neighbours, none, or {} addresses on the VIP's link)",
                    shown(value),
                    shown(&bad),
                    if ipv4 { "IPv4" } else { "IPv6" }
                ))
            })?,
        };
        // IPaddr2 rejects an empty preferred_lft for every family but uses
        // it only for IPv6: the value itself is checked only there.
        let lft_text = self.or_default("preferred_lft")?;
        let preferred_lft = if ipv4 && !lft_text.is_empty() {
            Lifetime::Forever
        } else {
            parse_lifetime(lft_text)?
        };

        let timeout_ms = self.timeout_ms();
        let check_level = check_level(
            self.env
                .get("OCF_CHECK_LEVEL")
                .or(self.env.get("OCF_RESKEY_OCF_CHECK_LEVEL")),
        );

        Ok(Config {
            target,
            iflabel,
            cidr_netmask,
            broadcast,
            noprefixroute: self.boolean("noprefixroute")?,
            nodad: self.boolean("nodad")?,
            preferred_lft,
            announce: Plan {
                rounds,
                interval_ms: arp_interval_ms,
                mode,
                spacing,
            },
            garp_targets,
            arp_count_refresh,
            arp_bg,
            arp_sender,
            lvs_ipv6_addrlabel,
            lvs_ipv6_addrlabel_value,
            flush_routes: self.boolean("flush_routes")?,
            run_arping: self.boolean("run_arping")?,
            unique_clone_address,
            timeout_ms,
            check_link_status: self.boolean("check_link_status")?,
            check_level,
        })
    }

    fn positive(&self, name: &str, reason: &str) -> Result<u32> {
        let text = self.or_default(name)?;
        parse_decimal(text).filter(|n| *n > 0).ok_or_else(|| {
            Error::configured(format!(
                "{reason} [{}]: expected a positive whole number",
                shown(text)
            ))
        })
    }
}

/// ocf_is_true's spellings, in any case.
pub fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "yes" | "true" | "1" | "on" | "ja"
    )
}

fn is_false(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "no" | "false" | "0" | "off" | "nein" | ""
    )
}

/// IPaddr2 treats every value that is not a true spelling as false; so do
/// we, but we say so when the value is neither.
pub fn parse_bool(name: &str, value: &str) -> bool {
    if is_true(value) {
        return true;
    }
    if !is_false(value) {
        log::warn(format!(
            "{name} [{}] is neither a true (yes, true, 1, on) nor a false (no, false, 0, off) value: taken as false",
            shown(value)
        ));
    }
    false
}

/// A value as it appears in a message: bounded, so a 100 KB parameter does
/// not become a 100 KB log line.
pub fn shown(value: &str) -> String {
    const MAX: usize = 64;
    let escaped: String = value.escape_debug().collect();
    if escaped.chars().count() <= MAX {
        escaped
    } else {
        let head: String = escaped.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// ocf_is_decimal: only ASCII digits, at least one. Bounded to u32.
fn parse_decimal(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

pub fn parse_ip(value: &str) -> Result<IpAddr> {
    let invalid = || {
        Error::configured(format!(
            "IP address [{}] not valid: ip must be an IPv4 address (dotted quad) or an IPv6 address",
            shown(value)
        ))
    };
    let ip: IpAddr = value.parse().map_err(|_| invalid())?;
    match ip {
        // findif.sh's IPv4 check: the first octet is 1-255.
        IpAddr::V4(v4) if v4.octets()[0] == 0 => Err(invalid()),
        IpAddr::V6(v6) if v6.is_unspecified() => Err(invalid()),
        // The kernel never sends or answers for ::ffff:a.b.c.d on the wire:
        // such a VIP could be added but never reached, on any node.
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => Err(Error::configured(format!(
            "IP address [{}] not valid: an IPv4-mapped IPv6 address can never be a VIP; use the IPv4 address {} itself",
            shown(value),
            v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default()
        ))),
        // The kernel refuses a multicast address as an interface address.
        IpAddr::V6(v6) if v6.is_multicast() => Err(Error::configured(format!(
            "IP address [{}] not valid: a multicast address cannot be a VIP",
            shown(value)
        ))),
        _ => Ok(ip),
    }
}

/// The ip parameter as IPaddr2 reads it: an IPv6 address may carry a
/// prefix suffix (`2001:db8::10/64`), which IPaddr2's `ip route get` drops,
/// so the prefix still comes from cidr_netmask or the routing table. An
/// IPv4 address with a suffix is refused, as IPaddr2 refuses it.
pub fn parse_ip_parameter(value: &str) -> Result<IpAddr> {
    let Some((address, suffix)) = value.split_once('/') else {
        return parse_ip(value);
    };
    let ipv6_with_prefix = address.parse::<std::net::Ipv6Addr>().is_ok()
        && suffix.len() <= 3
        && parse_decimal(suffix).is_some_and(|p| p <= 128);
    if !ipv6_with_prefix {
        return parse_ip(value);
    }
    let ip = parse_ip(address)?;
    log::warn(format!(
        "ip [{}]: the suffix /{suffix} is ignored; the prefix length comes from cidr_netmask or the routing table",
        shown(value)
    ));
    Ok(ip)
}

/// OCF_CHECK_LEVEL: the depth of a monitor. Levels are cumulative, and a
/// number between implemented levels (0, 10, 20) means the next lower
/// one (OCF RA API). A value that is not a number is level 0 with a
/// warning: a typo in one monitor operation must not fail a healthy VIP.
pub fn check_level(value: Option<&str>) -> u32 {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return 0;
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        log::warn(format!(
            "OCF_CHECK_LEVEL [{}] is not a number: monitoring at level 0",
            shown(value)
        ));
        return 0;
    }
    // Only its magnitude matters: a digit string too long for u64 is deep.
    let level = value.parse::<u64>().unwrap_or(u64::MAX);
    match level {
        0..=9 => 0,
        10..=19 => 10,
        _ => 20,
    }
}

fn unique_clone_ip(ip: IpAddr, clone: Option<&str>) -> Result<IpAddr> {
    let IpAddr::V4(v4) = ip else {
        return Err(Error::configured(
            "unique_clone_address works only with IPv4 addresses",
        ));
    };
    let number = match clone {
        None => 0,
        Some(v) => parse_decimal(v).ok_or_else(|| {
            Error::configured(format!("Invalid meta-attribute clone [{}]", shown(v)))
        })?,
    };
    let [a, b, c, d] = v4.octets();
    let last = u32::from(d) + number;
    let last = u8::try_from(last).map_err(|_| {
        Error::configured(format!(
            "unique_clone_address: {v4} plus clone number {number} is past the last octet"
        ))
    })?;
    Ok(IpAddr::V4(Ipv4Addr::new(a, b, c, last)))
}

/// Interface names as the kernel accepts them (IFNAMSIZ, and up to 127
/// bytes for alternative names), checked before they reach netlink.
pub fn parse_nic_name(value: &str) -> Result<String> {
    let valid = !value.is_empty()
        && value.len() < 128
        && value != "."
        && value != ".."
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '/' && c != ':');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(Error::configured(format!(
            "Invalid interface name [{}]: nic must name a network interface such as eth0",
            shown(value)
        )))
    }
}

fn parse_iflabel(value: &str) -> Result<String> {
    let valid = value.len() <= 15
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(Error::configured(format!(
            "Invalid iflabel [{}]: expected letters, digits, '_', '-' or '.'",
            shown(value)
        )))
    }
}

/// The longest label the kernel keeps (IFNAMSIZ - 1).
pub const LABEL_MAX: usize = 15;

/// The label is `<nic>:<iflabel>` and must fit the kernel's 15 characters.
pub fn check_label_length(nic: &str, iflabel: &str) -> Result<String> {
    let label = format!("{nic}:{iflabel}");
    if label.len() > LABEL_MAX {
        return Err(Error::configured(format!(
            "Interface label [{}] exceeds maximum character limit of {LABEL_MAX} (the label is nic:iflabel)",
            shown(&label)
        )));
    }
    Ok(label)
}

/// Namespace names as `ip netns add` users write them: letters, digits,
/// '.', '_' and '-' (nothing a shell or a path would interpret).
fn parse_namespace(value: &str) -> Result<String> {
    let valid = value.len() < 256
        && value != "."
        && value != ".."
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(Error::configured(format!(
            "Invalid network_namespace [{}]: expected the name of a namespace in /run/netns",
            shown(value)
        )))
    }
}

/// cidr_netmask: a prefix length (findif.sh's prefixcheck: 1 to 3 digits,
/// 1..=max), or an IPv4 dotted-quad netmask, converted with a warning.
fn parse_netmask(value: &str, max: u8) -> Result<u8> {
    let invalid = || {
        Error::configured(format!(
            "Invalid netmask specification [{}]: cidr_netmask must be a prefix length from 1 to {max}{}",
            shown(value),
            if max == 32 { " or a dotted-quad netmask" } else { "" }
        ))
    };
    if max == 32 && value.contains('.') {
        let mask: Ipv4Addr = value.parse().map_err(|_| invalid())?;
        let bits = u32::from(mask);
        let prefix = bits.leading_ones();
        if bits.count_ones() != prefix {
            log::error(format!("Bogus netmask: {value}"));
            return Err(invalid());
        }
        log::warn(format!(
            "Please convert dotted quad netmask {value} to CIDR notation {prefix}!"
        ));
        return u8::try_from(prefix)
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(invalid);
    }
    if value.len() > 3 {
        return Err(invalid());
    }
    let prefix = parse_decimal(value)
        .and_then(|n| u8::try_from(n).ok())
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(invalid)?;
    if value.starts_with('0') {
        // iproute2 reads a leading zero as octal (030 is /24 to `ip`), and
        // IPaddr2 then loses track of the address it added; a prefix
        // length is a decimal number, so floatip reads it as one.
        log::warn(format!(
            "cidr_netmask [{value}] has a leading zero: read as the decimal prefix length {prefix}"
        ));
    }
    Ok(prefix)
}

fn parse_broadcast(value: &str) -> Result<Broadcast> {
    match value {
        "+" => Ok(Broadcast::SetHostBits),
        "-" => Ok(Broadcast::ClearHostBits),
        _ => match value.parse::<Ipv4Addr>() {
            Ok(addr) if addr.octets()[0] != 0 => Ok(Broadcast::Address(addr)),
            _ => Err(Error::configured(format!(
                "Invalid broadcast address [{}]: expected an IPv4 address, '+' or '-'",
                shown(value)
            ))),
        },
    }
}

fn parse_lifetime(value: &str) -> Result<Lifetime> {
    if value.is_empty() {
        return Err(Error::configured(
            "Empty value is invalid for OCF_RESKEY_preferred_lft",
        ));
    }
    if value == "forever" {
        return Ok(Lifetime::Forever);
    }
    // 4294967295 is the kernel's own "forever" (INFINITY_LIFE_TIME), which
    // `ip` passes through unchanged: the same address as "forever".
    parse_decimal(value).map(Lifetime::Seconds).ok_or_else(|| {
        Error::configured(format!(
            "Invalid preferred_lft [{}]: expected 'forever' or a number of seconds",
            shown(value)
        ))
    })
}

/// send_arp_opts: `-A` (replies only) and `-U` (requests only) choose the
/// forms, as they do for arping; send_arp's interval, count and pid file
/// options are ignored with a warning, because the parameters rule.
fn parse_send_arp_opts(value: &str) -> Result<Option<Mode>> {
    let mut mode = None;
    let mut words = value.split_whitespace();
    while let Some(word) = words.next() {
        match word {
            "-A" => mode = Some(Mode::Reply),
            "-U" => mode = Some(Mode::Request),
            "-i" | "-r" | "-c" | "-p" | "-w" => {
                let value = words.next().unwrap_or("");
                log::warn(format!(
                    "send_arp_opts {word} {} ignored: arp_interval, garp_count and HA_RSCTMP decide",
                    shown(value)
                ));
            }
            "-q" | "-b" => log::warn(format!("send_arp_opts {word} ignored")),
            other => {
                return Err(Error::configured(format!(
                    "Invalid send_arp_opts [{}]: {} is not understood (accepted: -A, -U; -i, -r, -c, -p, -w, -q, -b are ignored)",
                    shown(value),
                    shown(other)
                )))
            }
        }
    }
    Ok(mode)
}

/// IPaddr2's CLUSTERIP MAC check: six two-character groups, multicast bit
/// set in the first octet.
fn is_cluster_mac(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 17
        && bytes.iter().enumerate().all(|(i, b)| {
            if i % 3 == 2 {
                !b.is_ascii_alphanumeric()
            } else {
                b.is_ascii_alphanumeric()
            }
        })
        && matches!(
            bytes[1].to_ascii_lowercase(),
            b'1' | b'3' | b'5' | b'7' | b'9' | b'b' | b'd' | b'f'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::announce::schedule::{Mode, Spacing};
    use crate::ocf::ExitCode;

    fn params(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.to_string())),
        )
    }

    fn config(pairs: &[(&str, &str)]) -> Result<Config> {
        Params::new(&params(pairs)).config()
    }

    fn code(pairs: &[(&str, &str)]) -> Option<ExitCode> {
        config(pairs).err().map(|e| e.code)
    }

    #[test]
    fn defaults_match_ipaddr2() {
        let c = config(&[("ip", "192.0.2.10")]).unwrap();
        assert_eq!(c.announce.interval_ms, 200);
        assert_eq!(c.announce.rounds, 5);
        assert_eq!(c.announce.mode, Mode::Both);
        assert_eq!(c.announce.spacing, Spacing::Backoff);
        assert_eq!(c.arp_count_refresh, 0);
        assert!(c.arp_bg, "arp_bg defaults to true for IPv4");
        assert_eq!(c.preferred_lft, Lifetime::Forever);
        assert_eq!(c.cidr_netmask, None);
        assert_eq!(c.target.nic, None);
        let v6 = config(&[("ip", "2001:db8::10")]).unwrap();
        assert!(!v6.arp_bg, "arp_bg defaults to false for IPv6");
    }

    #[test]
    fn ip_is_a_value_not_text() {
        let a = config(&[("ip", "2001:DB8::0001")]).unwrap();
        let b = config(&[("ip", "2001:db8::1")]).unwrap();
        assert_eq!(a.target.ip, b.target.ip);
    }

    #[test]
    fn invalid_ips_are_configuration_errors() {
        for bad in [
            "not_ip_address",
            "192.0.2",
            "0.1.2.3",
            "192.0.2.256",
            " 192.0.2.1",
            "::",
            "01.2.3.4",
        ] {
            assert_eq!(code(&[("ip", bad)]), Some(ExitCode::ErrConfigured), "{bad}");
        }
        let missing = Params::new(&params(&[])).target().unwrap_err();
        assert_eq!(missing.code, ExitCode::ErrConfigured);
        assert_eq!(missing.reason, "IP address (the ip parameter) is mandatory");
    }

    #[test]
    fn netmask_forms() {
        let prefix =
            |v: &str| config(&[("ip", "192.0.2.10"), ("cidr_netmask", v)]).map(|c| c.cidr_netmask);
        assert_eq!(prefix("24").unwrap(), Some(24));
        assert_eq!(prefix("255.255.255.0").unwrap(), Some(24));
        assert_eq!(prefix("").unwrap(), None);
        for bad in [
            "0",
            "33",
            "not_netmask",
            "255.0.255.0",
            "0.0.0.0",
            "0024",
            "-1",
            "2 4",
        ] {
            assert!(prefix(bad).is_err(), "{bad}");
        }
        let alias = config(&[("ip", "192.0.2.10"), ("netmask", "16")]).unwrap();
        assert_eq!(alias.cidr_netmask, Some(16));
        let v6 = config(&[("ip", "2001:db8::1"), ("cidr_netmask", "128")]).unwrap();
        assert_eq!(v6.cidr_netmask, Some(128));
    }

    #[test]
    fn broadcast_forms() {
        let brd = |v: &str| config(&[("ip", "192.0.2.10"), ("broadcast", v)]).map(|c| c.broadcast);
        assert_eq!(brd("+").unwrap(), Some(Broadcast::SetHostBits));
        assert_eq!(brd("-").unwrap(), Some(Broadcast::ClearHostBits));
        assert_eq!(
            brd("192.0.2.255").unwrap(),
            Some(Broadcast::Address(Ipv4Addr::new(192, 0, 2, 255)))
        );
        assert!(brd("not_broadcast").is_err());
    }

    #[test]
    fn nic_label_forms() {
        let c = config(&[("ip", "192.0.2.10"), ("nic", "eth0:iflabel")]).unwrap();
        assert_eq!(c.target.nic, Some(NicName("eth0".into())));
        assert_eq!(c.iflabel.as_deref(), Some("iflabel"));
        let c = config(&[("ip", "192.0.2.10"), ("nic", "eth0"), ("iflabel", "x1")]).unwrap();
        assert_eq!(c.iflabel.as_deref(), Some("x1"));
        for bad in ["../etc", "eth 0", "/dev/null", "ëth0"] {
            assert_eq!(
                code(&[("ip", "192.0.2.10"), ("nic", bad)]),
                Some(ExitCode::ErrConfigured),
                "{bad}"
            );
        }
    }

    #[test]
    fn counts_must_be_positive() {
        for (name, bad) in [
            ("arp_interval", ""),
            ("arp_interval", "0"),
            ("arp_count", "-1"),
            ("arp_count", "five"),
            ("arp_count", "99999999999"),
        ] {
            assert_eq!(
                code(&[("ip", "192.0.2.10"), (name, bad)]),
                Some(ExitCode::ErrConfigured),
                "{name}={bad}"
            );
        }
        assert_eq!(
            code(&[("ip", "192.0.2.10"), ("preferred_lft", "")]),
            Some(ExitCode::ErrConfigured)
        );
    }

    #[test]
    fn garp_count_wins_over_arp_count() {
        let rounds = |p: &[(&str, &str)]| config(p).unwrap().announce.rounds;
        assert_eq!(rounds(&[("ip", "192.0.2.10"), ("arp_count", "8")]), 8);
        assert_eq!(
            rounds(&[
                ("ip", "192.0.2.10"),
                ("arp_count", "8"),
                ("garp_count", "3")
            ]),
            3
        );
        assert_eq!(rounds(&[("ip", "192.0.2.10"), ("garp_count", "")]), 5);
        assert_eq!(
            code(&[("ip", "192.0.2.10"), ("garp_count", "0")]),
            Some(ExitCode::ErrConfigured)
        );
    }

    #[test]
    fn garp_mode_spacing_and_send_arp_opts() {
        let plan = |p: &[(&str, &str)]| config(p).map(|c| c.announce);
        assert_eq!(
            plan(&[("ip", "192.0.2.10"), ("send_arp_opts", "-A")])
                .unwrap()
                .mode,
            Mode::Reply
        );
        assert_eq!(
            plan(&[("ip", "192.0.2.10"), ("send_arp_opts", "-U -i 100")])
                .unwrap()
                .mode,
            Mode::Request
        );
        assert_eq!(
            plan(&[
                ("ip", "192.0.2.10"),
                ("send_arp_opts", "-A"),
                ("garp_mode", "both")
            ])
            .unwrap()
            .mode,
            Mode::Both
        );
        assert_eq!(
            plan(&[("ip", "192.0.2.10"), ("garp_spacing", "fixed")])
                .unwrap()
                .spacing,
            Spacing::Fixed
        );
        for (name, bad) in [
            ("garp_mode", "loud"),
            ("garp_spacing", "random"),
            ("send_arp_opts", "-X"),
            ("send_arp_opts", "; rm -rf /"),
        ] {
            assert_eq!(
                code(&[("ip", "192.0.2.10"), (name, bad)]),
                Some(ExitCode::ErrConfigured),
                "{name}={bad}"
            );
        }
    }

    #[test]
    fn booleans_accept_ipaddr2_spellings() {
        for t in ["yes", "true", "1", "on", "ja", "YES", "True", "On"] {
            assert!(parse_bool("x", t), "{t}");
        }
        for f in ["no", "false", "0", "off", "", "maybe"] {
            assert!(!parse_bool("x", f), "{f}");
        }
    }

    #[test]
    fn clone_rules() {
        let clone = |extra: &[(&str, &str)]| {
            let mut env = params(&[("ip", "192.0.2.10")]);
            for (k, v) in extra {
                env.set(k, *v);
            }
            Params::new(&env).config()
        };
        assert_eq!(
            clone(&[("OCF_RESKEY_CRM_meta_clone_max", "2")])
                .unwrap_err()
                .code,
            ExitCode::ErrConfigured
        );
        assert_eq!(
            clone(&[("OCF_RESKEY_CRM_meta_clone_max", "x")])
                .unwrap_err()
                .code,
            ExitCode::ErrConfigured
        );
        assert_eq!(
            clone(&[("OCF_RESKEY_unique_clone_address", "true")])
                .unwrap_err()
                .code,
            ExitCode::ErrConfigured
        );
        let c = clone(&[
            ("OCF_RESKEY_unique_clone_address", "true"),
            ("OCF_RESKEY_CRM_meta_globally_unique", "true"),
            ("OCF_RESKEY_CRM_meta_clone_max", "3"),
            ("OCF_RESKEY_CRM_meta_clone", "2"),
        ])
        .unwrap();
        assert_eq!(c.target.ip, "192.0.2.12".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn stop_needs_only_the_target() {
        let env = params(&[
            ("ip", "192.0.2.10"),
            ("arp_count", "garbage"),
            ("cidr_netmask", "99"),
        ]);
        assert!(Params::new(&env).target().is_ok());
        assert!(Params::new(&env).config().is_err());
    }

    #[test]
    fn long_values_are_shown_bounded() {
        let long = "x".repeat(100_000);
        let err = config(&[("ip", &long)]).unwrap_err();
        assert!(err.reason.len() < 300, "{}", err.reason.len());
    }

    #[test]
    fn non_utf8_is_reasoned() {
        use std::os::unix::ffi::OsStringExt;
        let env = Env::from_pairs([(
            std::ffi::OsString::from("OCF_RESKEY_ip"),
            std::ffi::OsString::from_vec(vec![0xff, 0xfe]),
        )]);
        let err = Params::new(&env).config().unwrap_err();
        assert_eq!(err.code, ExitCode::ErrConfigured);
        assert!(err.reason.contains("UTF-8"));
    }
}

/// The parser against arbitrary environments: any parameter, any bytes.
/// `cargo test --lib properties` runs it; PROPTEST_CASES=100000 for longer.
#[cfg(test)]
mod properties {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    use proptest::prelude::*;

    use super::*;
    use crate::ocf::ExitCode;

    /// Values that trip parsers: whitespace, signs, huge numbers, unicode,
    /// shell metacharacters, paths, invalid UTF-8, and plain random bytes.
    fn nasty_value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"".to_vec()),
            Just(b" 24".to_vec()),
            Just(b"24 ".to_vec()),
            Just(b"-1".to_vec()),
            Just(b"99999999999999999999".to_vec()),
            Just("１９２.０.２.１".as_bytes().to_vec()),
            Just(b"$(reboot)".to_vec()),
            Just(b"; rm -rf /".to_vec()),
            Just(b"../../etc/passwd".to_vec()),
            Just(vec![0xff, 0xfe, 0x00]),
            Just(vec![b'9'; 100_000]),
            Just(b"192.0.2.10".to_vec()),
            Just(b"2001:db8::10".to_vec()),
            Just(b"true".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..40),
            "[ -~]{0,30}".prop_map(String::into_bytes),
        ]
    }

    fn parameter_name() -> impl Strategy<Value = String> {
        let mut names: Vec<String> = PARAMETERS.iter().map(|p| p.name.to_owned()).collect();
        names.extend(HIDDEN_ALIASES.iter().map(|a| a.to_string()));
        names.extend(
            [
                "CRM_meta_clone_max",
                "CRM_meta_clone",
                "CRM_meta_globally_unique",
                "CRM_meta_timeout",
            ]
            .map(String::from),
        );
        proptest::sample::select(names)
    }

    proptest! {
        #[test]
        fn never_panics_and_every_error_is_reasoned(
            ip in nasty_value(),
            others in proptest::collection::vec((parameter_name(), nasty_value()), 0..8),
        ) {
            let mut pairs: Vec<(OsString, OsString)> = vec![("OCF_RESKEY_ip".into(), OsString::from_vec(ip))];
            for (name, value) in others {
                pairs.push((format!("OCF_RESKEY_{name}").into(), OsString::from_vec(value)));
            }
            let env = Env::from_pairs(pairs);
            let params = Params::new(&env);
            for result in [params.target().map(|_| ()), params.config().map(|_| ())] {
                if let Err(e) = result {
                    prop_assert_eq!(e.code, ExitCode::ErrConfigured, "{}", e.reason);
                    prop_assert!(!e.reason.is_empty());
                    prop_assert!(!e.reason.contains('\n'), "one line: {}", e.reason);
                    prop_assert!(e.reason.len() < 600, "bounded: {} bytes", e.reason.len());
                }
            }
        }
    }
}
