//! Every parameter, read once from the environment into typed, grouped
//! configuration.
//!
//! Semantics follow IPaddr2 4.12 (see docs/reference.md, "Parameters"): empty values
//! of parameters whose default is empty or derived mean "unset"; an empty
//! arp_interval, arp_count or preferred_lft is invalid; booleans accept
//! ocf_is_true's spellings and treat anything else as false.
//!
//! - `params`: the table (a typed [`Param`]) and the raw reader;
//! - `values`: pure parsers of single values, with [`Notes`];
//! - `rules`: IPaddr2's rules between parameters;
//! - `paths`: HA_RSCTMP and the state files in it;
//! - here: the grouped [`Config`] start, monitor and garp use, and the
//!   lenient [`StopConfig`] that stop needs.

pub mod params;
pub mod paths;
pub mod rt_protos;
pub mod rules;
pub mod values;
pub mod virtual_mac;

#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::env::Env;
use crate::ocf::{Error, Result};
#[cfg(test)]
pub use params::{Family, ReloadClass};
pub use params::{Meta, Param, Params};
use values::{parse_bool, Notes};
pub use virtual_mac::VirtualMac;

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

/// Which gratuitous ARP forms a round sends (garp_mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Both,
    Request,
    Reply,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Both => "both",
            Mode::Request => "request",
            Mode::Reply => "reply",
        }
    }
}

/// How rounds are spread over time (garp_spacing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spacing {
    Backoff,
    Fixed,
}

impl Spacing {
    pub fn as_str(self) -> &'static str {
        match self {
            Spacing::Backoff => "backoff",
            Spacing::Fixed => "fixed",
        }
    }
}

/// How IPv6 duplicate address detection is done (dad_mode), when nodad
/// does not turn it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DadMode {
    /// floatip probes the link itself, then adds the address as checked.
    Probe,
    /// The kernel's own DAD, as IPaddr2.
    Kernel,
}

/// Neighbours addressed directly in every round (garp_targets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    Gateway,
    Neighbours,
    None,
    Addresses(Vec<IpAddr>),
}

/// How announcements are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub rounds: u32,
    pub interval_ms: u32,
    pub mode: Mode,
    pub spacing: Spacing,
}

impl Plan {
    pub fn describe(&self, ip: IpAddr) -> String {
        let forms = match ip {
            IpAddr::V4(_) => format!(", {} form(s)", self.mode.as_str()),
            IpAddr::V6(_) => String::new(),
        };
        format!(
            "{} round(s), {} spacing from {} ms{forms}",
            self.rounds,
            self.spacing.as_str(),
            self.interval_ms
        )
    }
}

/// What it takes to find the VIP: all that stop and probes need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    pub ip: IpAddr,
    pub nic: Option<NicName>,
    pub network_namespace: Option<String>,
    /// Where the background sender's pid file is (HA_RSCTMP).
    pub sender_pid_file: PathBuf,
    /// LVS direct routing: the VIP may also sit on lo as a /32, which is
    /// not the resource.
    pub lvs_support: bool,
    /// `$HA_RSCTMP`, where lvs_support remembers a loopback copy.
    pub rsctmp: PathBuf,
}

/// How the address is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressConfig {
    /// The label's suffix (`iflabel`, or the part after `:` in `nic`).
    pub iflabel: Option<String>,
    pub cidr_netmask: Option<u8>,
    pub broadcast: Option<Broadcast>,
    /// proto: findif considers only routes of this protocol.
    pub proto: Option<u8>,
    pub noprefixroute: bool,
    pub nodad: bool,
    pub dad_mode: DadMode,
    pub preferred_lft: Lifetime,
}

/// How and to whom it is announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceConfig {
    /// On start: garp_count (or arp_count) rounds.
    pub plan: Plan,
    pub targets: Targets,
    /// How long after the first round unanswered targets are still asked
    /// (garp_window); zero: open-loop, as IPaddr2.
    pub window: Duration,
    pub arp_bg: bool,
    pub arp_sender: Option<ArpSender>,
    /// Rounds re-sent on every healthy monitor.
    pub refresh_rounds: u32,
    /// Probe for another holder before adding (IPv4).
    pub run_arping: bool,
    /// garp_rate: how the node's announcements share a switch port.
    pub pacing: Pacing,
}

/// garp_rate, and where the node-wide budgets are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacing {
    /// Frames per second per port and family; 0: unlimited.
    pub rate: u32,
    /// `$HA_RSCTMP`, under which the budgets live.
    pub rsctmp: PathBuf,
}

/// What monitor checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorConfig {
    /// A present address on a down or carrier-less link is a failure.
    pub check_link_status: bool,
    /// OCF_CHECK_LEVEL (0, 10 or 20).
    pub check_level: u32,
}

/// The whole configuration, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub vip: Vip,
    pub address: AddressConfig,
    pub announce: AnnounceConfig,
    pub monitor: MonitorConfig,
    /// lvs_ipv6_addrlabel: the label value, when one is to be added.
    pub addrlabel: Option<u32>,
    /// reset_connections: stop aborts the VIP's TCP connections first.
    pub reset_connections: bool,
    /// virtual_mac: the VIP lives on a macvlan with a MAC of its own.
    pub virtual_mac: VirtualMac,
    /// `OCF_RESKEY_CRM_meta_timeout`, the action's deadline.
    pub timeout_ms: Option<u64>,
}

/// What stop needs: the VIP, and the rest read leniently, because stop
/// must not fail on a parameter it does not need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopConfig {
    pub vip: Vip,
    pub timeout_ms: Option<u64>,
    pub flush_routes: bool,
    /// reset_connections: abort the VIP's TCP connections before removing
    /// it (read leniently: unreadable is off).
    pub reset_connections: bool,
    /// The IPv6 address label to remove (IPaddr2's default when the
    /// configured value is unreadable).
    pub addrlabel: Option<u32>,
}

/// The configuration for start, validate-all, monitor and garp; what
/// parsing had to say is logged once.
pub fn load(env: &Env) -> Result<Config> {
    let mut notes = Notes::default();
    let config = parse(env, &mut notes);
    notes.emit();
    config
}

/// What stop needs; `Err` when not even the VIP can be known.
pub fn load_for_stop(env: &Env) -> Result<StopConfig> {
    let mut notes = Notes::default();
    let config = parse_for_stop(env, &mut notes);
    notes.emit();
    config
}

/// A missing ip, the one configuration error IPaddr2 reports before it
/// checks for root.
pub fn require_ip(env: &Env) -> Result<()> {
    match Params::new(env).nonempty(Param::Ip)? {
        Some(_) => Ok(()),
        None => Err(missing_ip()),
    }
}

fn missing_ip() -> Error {
    Error::configured("IP address (the ip parameter) is mandatory")
}

pub fn parse_for_stop(env: &Env, notes: &mut Notes) -> Result<StopConfig> {
    let params = Params::new(env);
    let vip = vip(&params, notes)?;
    let enabled = values::is_true(
        params
            .lenient(Param::LvsIpv6Addrlabel)
            .unwrap_or(Param::LvsIpv6Addrlabel.default()),
    );
    let addrlabel = (enabled && vip.ip.is_ipv6()).then(|| {
        params
            .lenient(Param::LvsIpv6AddrlabelValue)
            .and_then(values::parse_decimal)
            .unwrap_or_else(rules::default_addrlabel)
    });
    Ok(StopConfig {
        vip,
        timeout_ms: timeout_ms(&params),
        flush_routes: params
            .lenient(Param::FlushRoutes)
            .is_some_and(values::is_true),
        reset_connections: params
            .lenient(Param::ResetConnections)
            .is_some_and(values::is_true),
        addrlabel,
    })
}

/// `OCF_RESKEY_CRM_meta_timeout` in ms, read leniently (stop needs it
/// and must not fail on it): unset or unreadable means the default.
fn timeout_ms(params: &Params) -> Option<u64> {
    params
        .meta(Meta::Timeout)
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok())
}

fn boolean(params: &Params, param: Param, notes: &mut Notes) -> Result<bool> {
    Ok(parse_bool(param.name(), params.or_default(param)?, notes))
}

/// The VIP's address and where to look for it.
fn vip(params: &Params, notes: &mut Notes) -> Result<Vip> {
    let ip_text = params.nonempty(Param::Ip)?.ok_or_else(missing_ip)?;
    let mut ip = values::parse_ip_parameter(ip_text, notes)?;
    if boolean(params, Param::UniqueCloneAddress, notes)? {
        ip = rules::unique_clone_ip(ip, params.meta(Meta::Clone)?)?;
    }
    let nic = match params.nonempty(Param::Nic)? {
        None => None,
        Some(value) => {
            let base = value.split(':').next().unwrap_or(value);
            Some(NicName(values::parse_nic_name(base)?))
        }
    };
    let network_namespace = params
        .nonempty(Param::NetworkNamespace)?
        .map(values::parse_namespace)
        .transpose()?;
    let rsctmp = paths::rsctmp(params.rsctmp());
    Ok(Vip {
        ip,
        nic,
        sender_pid_file: paths::sender_pid_file(&rsctmp, network_namespace.as_deref(), ip),
        network_namespace,
        lvs_support: boolean(params, Param::LvsSupport, notes)?,
        rsctmp,
    })
}

/// Every parameter, validated as start and validate-all need it, in
/// IPaddr2's order (so the first error reported is IPaddr2's first).
pub fn parse(env: &Env, notes: &mut Notes) -> Result<Config> {
    let params = Params::new(env);
    let vip = vip(&params, notes)?;
    let ipv4 = vip.ip.is_ipv4();

    let clone_max = rules::clone_max(&params)?;
    rules::check_family_features(ipv4, clone_max, vip.lvs_support)?;
    // For IPv6 only: an IPv4 VIP ignores it (the default is true).
    let lvs_ipv6_addrlabel = !ipv4 && boolean(&params, Param::LvsIpv6Addrlabel, notes)?;
    let addrlabel_value = rules::addrlabel_value(&params, lvs_ipv6_addrlabel)?;
    let unique_clone_address = params
        .or_default(Param::UniqueCloneAddress)
        .map(values::is_true)?;
    rules::check_clone_mode(&params, clone_max, unique_clone_address)?;
    rules::warn_cluster_ip_only(&params, notes)?;

    let iflabel = rules::iflabel(&params)?;
    if let (Some(nic), Some(label)) = (&vip.nic, &iflabel) {
        values::check_label_length(&nic.0, label)?;
    }
    let max_prefix = if ipv4 { 32 } else { 128 };
    let cidr_netmask = rules::netmask_text(&params)?
        .map(|v| values::parse_netmask(v, max_prefix, notes))
        .transpose()?;
    let broadcast = match params.nonempty(Param::Broadcast)? {
        Some(v) if ipv4 => Some(values::parse_broadcast(v)?),
        _ => None,
    };
    let proto = params
        .nonempty(Param::Proto)?
        .map(rt_protos::parse)
        .transpose()?;

    let interval_ms = rules::positive(&params, Param::ArpInterval)?;
    let arp_count = rules::positive(&params, Param::ArpCount)?;
    let rounds = rules::rounds(&params, arp_count)?;
    let refresh_rounds = rules::refresh_rounds(&params)?;
    let window = rules::window(&params)?;
    let pacing = Pacing {
        rate: rules::rate(&params)?,
        rsctmp: vip.rsctmp.clone(),
    };
    let arp_bg = match params.nonempty(Param::ArpBg)? {
        Some(v) => parse_bool(Param::ArpBg.name(), v, notes),
        None => ipv4,
    };
    let arp_sender = params
        .nonempty(Param::ArpSender)?
        .map(values::parse_arp_sender)
        .transpose()?;
    // send_arp_opts is an IPv4 setting: IPaddr2 ignores it for IPv6, so
    // a working IPv6 configuration must not fail on it here either.
    let opts_mode = match params.nonempty(Param::SendArpOpts)? {
        Some(opts) if ipv4 => values::parse_send_arp_opts(opts, notes)?,
        _ => None,
    };
    let mode = match params.nonempty(Param::GarpMode)? {
        Some(v) => values::parse_mode(v)?,
        None => opts_mode.unwrap_or(Mode::Both),
    };
    let spacing = params
        .nonempty(Param::GarpSpacing)?
        .map_or(Ok(Spacing::Backoff), values::parse_spacing)?;
    let targets = match params.nonempty(Param::GarpTargets)? {
        None => Targets::Gateway,
        Some(value) => values::parse_targets(value, ipv4, notes)?,
    };
    // IPaddr2 rejects an empty preferred_lft for every family but uses
    // it only for IPv6: the value itself is checked only there.
    let lft_text = params.or_default(Param::PreferredLft)?;
    let preferred_lft = if ipv4 && !lft_text.is_empty() {
        Lifetime::Forever
    } else {
        values::parse_lifetime(lft_text)?
    };
    let timeout_ms = timeout_ms(&params);
    let check_level = values::parse_check_level(params.check_level(), notes);
    let dad_mode = params
        .nonempty(Param::DadMode)?
        .map_or(Ok(DadMode::Probe), values::parse_dad_mode)?;

    let noprefixroute = boolean(&params, Param::Noprefixroute, notes)?;
    let nodad = boolean(&params, Param::Nodad, notes)?;
    // flush_routes matters only to stop, which reads it leniently; read
    // here too so that validate-all reports a value it cannot take.
    boolean(&params, Param::FlushRoutes, notes)?;
    let reset_connections = boolean(&params, Param::ResetConnections, notes)?;
    let virtual_mac = match params.nonempty(Param::VirtualMac)? {
        Some(value) => VirtualMac::parse(value).map_err(Error::configured)?,
        None => VirtualMac::Off,
    };
    let run_arping = boolean(&params, Param::RunArping, notes)?;
    let check_link_status = boolean(&params, Param::CheckLinkStatus, notes)?;

    Ok(Config {
        vip,
        address: AddressConfig {
            iflabel,
            cidr_netmask,
            broadcast,
            proto,
            noprefixroute,
            nodad,
            dad_mode,
            preferred_lft,
        },
        announce: AnnounceConfig {
            plan: Plan {
                rounds,
                interval_ms,
                mode,
                spacing,
            },
            targets,
            window,
            arp_bg,
            arp_sender,
            refresh_rounds,
            run_arping,
            pacing,
        },
        monitor: MonitorConfig {
            check_link_status,
            check_level,
        },
        addrlabel: lvs_ipv6_addrlabel.then_some(addrlabel_value),
        reset_connections,
        virtual_mac,
        timeout_ms,
    })
}
