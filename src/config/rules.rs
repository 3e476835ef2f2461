//! IPaddr2's rules between parameters: what may go together, and what one
//! parameter means for another. Each rule is IPaddr2's (its validate and
//! its start), with its words where people search for them.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::config::params::{Meta, Param, Params};
use crate::config::values::{
    is_cluster_mac, is_true, parse_decimal, parse_iflabel, parse_positive, shown, Notes,
};
use crate::ocf::{Error, Result};

/// unique_clone_address: clone n of a globally unique clone gets the
/// configured IPv4 address plus n.
pub fn unique_clone_ip(ip: IpAddr, clone: Option<&str>) -> Result<IpAddr> {
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

/// clone_max, as a positive number (1 when the resource is no clone).
pub fn clone_max(params: &Params) -> Result<u32> {
    match params.meta(Meta::CloneMax)? {
        None => Ok(1),
        Some(v) => parse_decimal(v).filter(|n| *n > 0).ok_or_else(|| {
            Error::configured(format!(
                "Invalid meta-attribute clone_max [{}], should be positive integer",
                shown(v)
            ))
        }),
    }
}

/// LVS belongs to IPv4 and does not go with load sharing. (The IPv6
/// address label is ignored for IPv4, as since resource-agents 4.15.1,
/// which made it the default.)
pub fn check_family_features(ipv4: bool, clone_max: u32, lvs_support: bool) -> Result<()> {
    if lvs_support && clone_max > 1 {
        return Err(Error::configured(
            "LVS and load sharing do not go together well",
        ));
    }
    if !ipv4 && lvs_support {
        return Err(Error::configured("The IPv6 does not support lvs_support"));
    }
    Ok(())
}

/// lvs_ipv6_addrlabel_value: checked only when the label is wanted.
pub fn addrlabel_value(params: &Params, wanted: bool) -> Result<u32> {
    let text = params.or_default(Param::LvsIpv6AddrlabelValue)?;
    match parse_decimal(text) {
        Some(v) => Ok(v),
        None if wanted => Err(Error::configured(format!(
            "Invalid lvs_ipv6_addrlabel_value [{}], should be positive integer",
            shown(text)
        ))),
        None => Ok(default_addrlabel()),
    }
}

/// IPaddr2's default address label.
pub fn default_addrlabel() -> u32 {
    parse_decimal(Param::LvsIpv6AddrlabelValue.default()).unwrap_or_default()
}

/// The parameters that only configure Cluster IP clone mode, which
/// floatip refuses: accepted so that a resource written for a newer stock
/// agent keeps its configuration, and ignored with a warning.
const CLUSTER_IP_ONLY: &[Param] = &[
    Param::ClusteripHash,
    Param::ClusteripFirewall,
    Param::ClusteripHashSeed,
    Param::ClusteripTable,
    Param::ClusteripChain,
    Param::ClusteripMacMangle,
];

pub fn warn_cluster_ip_only(params: &Params, notes: &mut Notes) -> Result<()> {
    for param in CLUSTER_IP_ONLY {
        if params.nonempty(*param)?.is_some() {
            notes.warn(format!(
                "{} is ignored: it configures Cluster IP clone mode, which floatip does not \
                 support (one VIP per node: unique_clone_address)",
                param.name()
            ));
        }
    }
    Ok(())
}

/// Clones: unique_clone_address needs a globally unique clone; a clone of
/// more than one instance without it is IPaddr2's CLUSTERIP mode, whose
/// parameters are validated as IPaddr2 validates them before it is
/// refused (iptables CLUSTERIP is gone from Linux).
pub fn check_clone_mode(params: &Params, clone_max: u32, unique_clone_address: bool) -> Result<()> {
    let globally_unique = params.meta(Meta::GloballyUnique)?.is_some_and(is_true);
    if unique_clone_address && !globally_unique {
        return Err(Error::configured(
            "unique_clone_address makes sense only with meta globally_unique set",
        ));
    }
    if clone_max <= 1 || unique_clone_address {
        return Ok(());
    }
    let hash = params.or_default(Param::ClusteripHash)?;
    if !matches!(
        hash,
        "sourceip" | "sourceip-sourceport" | "sourceip-sourceport-destport"
    ) {
        return Err(Error::configured(format!(
            "Invalid OCF_RESKEY_clusterip_hash [{}]",
            shown(hash)
        )));
    }
    if let Some(mac) = params.nonempty(Param::Mac)? {
        if !is_cluster_mac(mac) {
            return Err(Error::configured(format!(
                "Invalid IF_MAC [{}]",
                shown(mac)
            )));
        }
    }
    Err(Error::configured(
        "Cluster IP clone mode (clone_max > 1 without unique_clone_address) needs \
         iptables CLUSTERIP, which Linux removed in 2023 (6.7); use one VIP per node \
         with unique_clone_address=true, or a load balancer",
    ))
}

/// The label's suffix. IPaddr2: a `nic` with a colon always decides it,
/// and an empty part after the colon (`eth0:`) means no label at all;
/// otherwise iflabel.
pub fn iflabel(params: &Params) -> Result<Option<String>> {
    match params.nonempty(Param::Nic)?.and_then(|n| n.split_once(':')) {
        Some((_, "")) => Ok(None),
        Some((_, label)) => parse_iflabel(label).map(Some),
        None => params
            .nonempty(Param::Iflabel)?
            .map(parse_iflabel)
            .transpose(),
    }
}

/// cidr_netmask, or IPaddr2's old name for it.
pub fn netmask_text<'a>(params: &Params<'a>) -> Result<Option<&'a str>> {
    match params.nonempty(Param::CidrNetmask)? {
        Some(v) => Ok(Some(v)),
        None => params.nonempty(Param::Netmask),
    }
}

/// A positive count or interval, reasoned in IPaddr2's words.
pub fn positive(params: &Params, param: Param) -> Result<u32> {
    let reason = format!("Invalid OCF_RESKEY_{}", param.name());
    parse_positive(params.or_default(param)?, &reason)
}

/// The rounds of an announcement: garp_count is floatip's name for
/// arp_count and wins when both are set.
pub fn rounds(params: &Params, arp_count: u32) -> Result<u32> {
    match params.nonempty(Param::GarpCount)? {
        Some(_) => positive(params, Param::GarpCount),
        None => Ok(arp_count),
    }
}

/// garp_window: whole seconds, 0 or more (0: announcements are open-loop);
/// empty is the default, as for floatip's other own parameters.
pub fn window(params: &Params) -> Result<Duration> {
    let text = params
        .nonempty(Param::GarpWindow)?
        .unwrap_or(Param::GarpWindow.default());
    let seconds = parse_decimal(text).ok_or_else(|| {
        Error::configured(format!(
            "Invalid OCF_RESKEY_garp_window [{}]: expected whole seconds, 0 or more",
            shown(text)
        ))
    })?;
    Ok(Duration::from_secs(u64::from(seconds)))
}

/// garp_rate: frames per second per port, node-wide; empty or 0 is
/// unlimited.
pub fn rate(params: &Params) -> Result<u32> {
    let Some(text) = params.nonempty(Param::GarpRate)? else {
        return Ok(0);
    };
    parse_decimal(text).ok_or_else(|| {
        Error::configured(format!(
            "Invalid OCF_RESKEY_garp_rate [{}]: expected a whole number of frames per second, 0 (unlimited) or more",
            shown(text)
        ))
    })
}

/// arp_count_refresh: 0 or more rounds.
pub fn refresh_rounds(params: &Params) -> Result<u32> {
    let text = params.or_default(Param::ArpCountRefresh)?;
    parse_decimal(text).ok_or_else(|| {
        Error::configured(format!(
            "Invalid OCF_RESKEY_arp_count_refresh [{}]: expected a whole number of rounds, 0 or more",
            shown(text)
        ))
    })
}
