//! The parameter table: every parameter IPaddr2 declares (and floatip's
//! own), its name, meta-data type and default, as one typed enum, and the
//! raw reader that looks them up in the environment. A misspelt parameter
//! is a compile error, and a default is written here only.

use crate::config::values::shown;
use crate::env::Env;
use crate::ocf::{Error, Result};

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

/// Which address family a parameter is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Both,
    Ipv4,
    Ipv6,
}

/// How reload applies a changed value (see `actions::reload`, and the
/// reload table in docs/operations.md, which a test holds to this one). Data for the
/// tests that hold the docs and the reload code to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub enum ReloadClass {
    /// A running background sender is ended and replaced, on the same
    /// timeline.
    Announcement,
    /// Read by the next monitor; nothing to change now.
    NextMonitor,
    /// Read by the next start or stop; nothing to change now.
    NextStartStop,
    /// The address is changed in place (readdress) and read back.
    InPlace,
    /// The address moves to the interface the new value names.
    Readdress,
    /// The IPv6 address label is added or changed.
    AddressLabel,
    /// Turned on: a conflicting loopback copy is moved away; turned off
    /// after one was: 1 with the reason (restart-by-1).
    LvsMove,
    /// The address is not where the new value looks: reload answers 7 and
    /// Pacemaker recovers with stop (old parameters) and start.
    RecoverBy7,
    /// Marked unique in the meta-data: Pacemaker restarts instead.
    Unique,
    /// Any change answers 1 with the reason: Pacemaker restarts the VIP
    /// (and counts one failure).
    Restart,
}

/// What stop does with a parameter. Every parameter is validated at
/// start, validate-all, monitor (probe and status too), reload and garp:
/// an invalid value answers 6 there. Stop never answers an error for one
/// (a failed stop gets the node fenced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub enum AtStop {
    /// Not read.
    Unread,
    /// Read leniently: an unreadable value is the default.
    Lenient,
    /// Locates the VIP: an invalid value means nothing can have been
    /// started with it, and stop answers 0 with a warning.
    Locates,
}

macro_rules! parameters {
    ($($variant:ident = $name:literal, $default:literal, $kind:ident, $family:ident, $origin:literal, $reload:ident, $stop:ident;)*) => {
        /// A parameter, by the name Pacemaker passes it as (`OCF_RESKEY_<name>`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Param {
            $($variant,)*
            /// Accepted but not listed: IPaddr2 once called cidr_netmask `netmask`.
            Netmask,
        }

        impl Param {
            /// Every parameter the meta-data lists, in its order. This table
            /// and `ocf-metadata/IPaddr2.xml` must agree; a test holds them
            /// together.
            pub const LISTED: &'static [Param] = &[$(Param::$variant,)*];

            /// Accepted, never listed.
            pub const HIDDEN: &'static [Param] = &[Param::Netmask];

            pub fn name(self) -> &'static str {
                match self {
                    $(Param::$variant => $name,)*
                    Param::Netmask => "netmask",
                }
            }

            /// The meta-data's default; empty where it has none (or a
            /// derived one).
            pub fn default(self) -> &'static str {
                match self {
                    $(Param::$variant => $default,)*
                    Param::Netmask => "",
                }
            }

            pub fn kind(self) -> ParamType {
                match self {
                    $(Param::$variant => ParamType::$kind,)*
                    Param::Netmask => ParamType::String,
                }
            }

            /// The address family it is for.
            #[cfg_attr(not(test), allow(dead_code))]
            pub fn family(self) -> Family {
                match self {
                    $(Param::$variant => Family::$family,)*
                    Param::Netmask => Family::Both,
                }
            }

            /// Where it comes from: the IPaddr2 version that has it
            /// ("main": upstream's development branch, after 4.18), or
            /// "floatip" for floatip's own.
            pub fn origin(self) -> &'static str {
                match self {
                    $(Param::$variant => $origin,)*
                    Param::Netmask => "4.12",
                }
            }

            /// How reload applies a changed value.
            #[cfg_attr(not(test), allow(dead_code))]
            pub fn reload(self) -> ReloadClass {
                match self {
                    $(Param::$variant => ReloadClass::$reload,)*
                    Param::Netmask => ReloadClass::InPlace,
                }
            }

            /// What stop does with it.
            #[cfg_attr(not(test), allow(dead_code))]
            pub fn at_stop(self) -> AtStop {
                match self {
                    $(Param::$variant => AtStop::$stop,)*
                    Param::Netmask => AtStop::Unread,
                }
            }
        }
    };
}

parameters! {
    // name, meta-data default, type, family, origin, how reload applies it,
    // what stop does with it
    Ip = "ip", "", String, Both, "4.12", Unique, Locates;
    Nic = "nic", "", String, Both, "4.12", Readdress, Locates;
    CidrNetmask = "cidr_netmask", "", String, Both, "4.12", InPlace, Unread;
    Broadcast = "broadcast", "", String, Ipv4, "4.12", InPlace, Unread;
    Proto = "proto", "", String, Both, "4.16", Readdress, Unread;
    Iflabel = "iflabel", "", String, Both, "4.12", InPlace, Unread;
    LvsSupport = "lvs_support", "false", Boolean, Ipv4, "4.12", LvsMove, Locates;
    LvsIpv6Addrlabel = "lvs_ipv6_addrlabel", "true", Boolean, Ipv6, "4.12", AddressLabel, Lenient;
    LvsIpv6AddrlabelValue = "lvs_ipv6_addrlabel_value", "99", Integer, Ipv6, "4.12", AddressLabel, Lenient;
    Mac = "mac", "", String, Ipv4, "4.12", NextStartStop, Unread;
    ClusteripHash = "clusterip_hash", "sourceip-sourceport", String, Ipv4, "4.12", NextStartStop, Unread;
    ClusteripFirewall = "clusterip_firewall", "auto", String, Both, "main", NextStartStop, Unread;
    ClusteripHashSeed = "clusterip_hash_seed", "", String, Both, "main", NextStartStop, Unread;
    ClusteripTable = "clusterip_table", "mangle", String, Both, "main", NextStartStop, Unread;
    ClusteripChain = "clusterip_chain", "PREROUTING", String, Both, "main", NextStartStop, Unread;
    ClusteripMacMangle = "clusterip_mac_mangle", "false", Boolean, Both, "main", NextStartStop, Unread;
    UniqueCloneAddress = "unique_clone_address", "false", Boolean, Both, "4.12", RecoverBy7, Locates;
    ArpInterval = "arp_interval", "200", Integer, Both, "4.12", Announcement, Unread;
    ArpCount = "arp_count", "5", Integer, Both, "4.12", Announcement, Unread;
    ArpCountRefresh = "arp_count_refresh", "0", Integer, Both, "4.12", NextMonitor, Unread;
    ArpBg = "arp_bg", "", String, Both, "4.12", NextStartStop, Unread;
    ArpSender = "arp_sender", "", String, Both, "4.12", Announcement, Unread;
    SendArpOpts = "send_arp_opts", "", String, Ipv4, "4.12", Announcement, Unread;
    FlushRoutes = "flush_routes", "false", Boolean, Both, "4.12", NextStartStop, Lenient;
    RunArping = "run_arping", "false", String, Ipv4, "4.12", NextStartStop, Unread;
    Nodad = "nodad", "false", String, Ipv6, "4.12", NextStartStop, Unread;
    Noprefixroute = "noprefixroute", "false", String, Both, "4.12", InPlace, Unread;
    PreferredLft = "preferred_lft", "forever", String, Ipv6, "4.12", InPlace, Unread;
    NetworkNamespace = "network_namespace", "", String, Both, "4.12", RecoverBy7, Locates;
    GarpCount = "garp_count", "", Integer, Both, "floatip", Announcement, Unread;
    GarpMode = "garp_mode", "both", String, Both, "floatip", Announcement, Unread;
    GarpSpacing = "garp_spacing", "backoff", String, Both, "floatip", Announcement, Unread;
    CheckLinkStatus = "check_link_status", "true", Boolean, Both, "4.17", NextMonitor, Unread;
    GarpTargets = "garp_targets", "gateway", String, Both, "floatip", Announcement, Unread;
    GarpWindow = "garp_window", "30", Integer, Both, "floatip", Announcement, Unread;
    GarpRate = "garp_rate", "", Integer, Both, "floatip", Announcement, Unread;
    ResetConnections = "reset_connections", "false", Boolean, Both, "floatip", NextStartStop, Lenient;
    DadMode = "dad_mode", "probe", String, Ipv6, "floatip", NextStartStop, Unread;
    VirtualMac = "virtual_mac", "", String, Both, "floatip", Restart, Unread;
}

/// Pacemaker's meta-attributes of the resource and the operation
/// (`OCF_RESKEY_CRM_meta_<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    Timeout,
    Interval,
    Clone,
    CloneMax,
    GloballyUnique,
}

impl Meta {
    #[cfg(test)]
    pub const ALL: &'static [Meta] = &[
        Meta::Timeout,
        Meta::Interval,
        Meta::Clone,
        Meta::CloneMax,
        Meta::GloballyUnique,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Meta::Timeout => "CRM_meta_timeout",
            Meta::Interval => "CRM_meta_interval",
            Meta::Clone => "CRM_meta_clone",
            Meta::CloneMax => "CRM_meta_clone_max",
            Meta::GloballyUnique => "CRM_meta_globally_unique",
        }
    }
}

/// The raw parameters of one action: text, before any meaning is given
/// to it.
#[derive(Clone, Copy)]
pub struct Params<'a> {
    env: &'a Env,
}

impl<'a> Params<'a> {
    pub fn new(env: &'a Env) -> Self {
        Params { env }
    }

    /// The raw value; `Ok(None)` when unset. Non-UTF-8 is a configuration
    /// error, never a panic.
    pub fn raw(&self, param: Param) -> Result<Option<&'a str>> {
        self.raw_named(param.name())
    }

    fn raw_named(&self, name: &str) -> Result<Option<&'a str>> {
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
    pub fn nonempty(&self, param: Param) -> Result<Option<&'a str>> {
        Ok(self.raw(param)?.filter(|v| !v.is_empty()))
    }

    /// The value or the parameter's default when unset (an empty value is
    /// kept: it is invalid for these parameters, as in IPaddr2).
    pub fn or_default(&self, param: Param) -> Result<&'a str> {
        Ok(self.raw(param)?.unwrap_or(param.default()))
    }

    /// A meta-attribute; empty means unset.
    pub fn meta(&self, meta: Meta) -> Result<Option<&'a str>> {
        Ok(self.raw_named(meta.name())?.filter(|v| !v.is_empty()))
    }

    /// A value read leniently, for stop: unreadable is the same as unset.
    pub fn lenient(&self, param: Param) -> Option<&'a str> {
        self.raw(param).ok().flatten()
    }

    /// OCF_CHECK_LEVEL, which Pacemaker passes outside OCF_RESKEY_ (and
    /// some tools inside it).
    pub fn check_level(&self) -> Option<&'a str> {
        self.env
            .get("OCF_CHECK_LEVEL")
            .or(self.env.get("OCF_RESKEY_OCF_CHECK_LEVEL"))
    }

    /// `$HA_RSCTMP` as configured.
    pub fn rsctmp(&self) -> Option<&'a str> {
        self.env.get("HA_RSCTMP")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, content type, default) of every `<parameter>` in the XML.
    fn declared() -> Vec<(String, String, String)> {
        crate::metadata::XML
            .split("<parameter ")
            .skip(1)
            .map(|chunk| {
                let attr = |text: &str, key: &str| {
                    let start = text.find(&format!("{key}=\"")).map(|i| i + key.len() + 2)?;
                    let end = text[start..].find('"')? + start;
                    Some(text[start..end].to_owned())
                };
                let name = attr(chunk, "name").expect("parameter name");
                let content = &chunk[chunk.find("<content").expect("content")..];
                let kind = attr(content, "type").expect("content type");
                let default =
                    attr(content.split('>').next().unwrap(), "default").unwrap_or_default();
                (name, kind, default)
            })
            .collect()
    }

    #[test]
    fn xml_and_parser_agree() {
        let declared = declared();
        assert_eq!(declared.len(), Param::LISTED.len(), "{declared:?}");
        for param in Param::LISTED {
            let name = param.name();
            let (_, kind, default) = declared
                .iter()
                .find(|(declared, _, _)| declared == name)
                .unwrap_or_else(|| panic!("{name} missing from the meta-data"));
            assert_eq!(kind, param.kind().as_str(), "{name}");
            assert_eq!(default, param.default(), "{name}");
        }
    }

    #[test]
    fn names_are_unique_and_tables_complete() {
        let mut names: Vec<&str> = Param::LISTED
            .iter()
            .chain(Param::HIDDEN)
            .map(|p| p.name())
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "every name once");
        assert_eq!(Param::LISTED.len(), 39);
        assert_eq!(Param::LvsIpv6AddrlabelValue.default(), "99");
    }
}
