//! Parsers of single values, pure: each returns the value or a reasoned
//! exit-code-6 error, and writes what it has to say (a value taken as
//! false, a suffix ignored) into [`Notes`] instead of the log, so that a
//! test can read it and the action logs it once.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::{ArpSender, Broadcast, DadMode, Lifetime, Mode, Spacing, Targets};
use crate::ocf::{log, Error, Result};

/// The longest label the kernel keeps (IFNAMSIZ - 1).
pub const LABEL_MAX: usize = 15;

/// Upper bound on garp_targets addresses (and on `neighbours` targets), so
/// that no value can make one round thousands of frames.
pub const TARGET_LIMIT: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Warning,
    Error,
}

/// What parsing had to say, in the order it said it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes(pub Vec<(Level, String)>);

impl Notes {
    pub fn warn(&mut self, text: String) {
        self.0.push((Level::Warning, text));
    }

    pub fn error(&mut self, text: String) {
        self.0.push((Level::Error, text));
    }

    /// Logs every note, as ocf_log would have at the moment it was made.
    pub fn emit(self) {
        for (level, text) in self.0 {
            match level {
                Level::Warning => log::warn(text),
                Level::Error => log::error(text),
            }
        }
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
pub fn parse_bool(name: &str, value: &str, notes: &mut Notes) -> bool {
    if is_true(value) {
        return true;
    }
    if !is_false(value) {
        notes.warn(format!(
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
pub fn parse_decimal(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// A positive whole number, or 6 with `reason` and the value.
pub fn parse_positive(text: &str, reason: &str) -> Result<u32> {
    parse_decimal(text).filter(|n| *n > 0).ok_or_else(|| {
        Error::configured(format!(
            "{reason} [{}]: expected a positive whole number",
            shown(text)
        ))
    })
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
pub fn parse_ip_parameter(value: &str, notes: &mut Notes) -> Result<IpAddr> {
    let Some((address, suffix)) = value.split_once('/') else {
        return parse_ip(value);
    };
    let ipv6_with_prefix = address.parse::<Ipv6Addr>().is_ok()
        && suffix.len() <= 3
        && parse_decimal(suffix).is_some_and(|p| p <= 128);
    if !ipv6_with_prefix {
        return parse_ip(value);
    }
    let ip = parse_ip(address)?;
    notes.warn(format!(
        "ip [{}]: the suffix /{suffix} is ignored; the prefix length comes from cidr_netmask or the routing table",
        shown(value)
    ));
    Ok(ip)
}

/// OCF_CHECK_LEVEL: the depth of a monitor. Levels are cumulative, and a
/// number between implemented levels (0, 10, 20) means the next lower
/// one (OCF RA API). A value that is not a number is level 0 with a
/// warning: a typo in one monitor operation must not fail a healthy VIP.
pub fn parse_check_level(value: Option<&str>, notes: &mut Notes) -> u32 {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return 0;
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        notes.warn(format!(
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

/// Interface names as the kernel accepts them (IFNAMSIZ, and up to 127
/// bytes for alternative names), checked before they reach netlink.
pub fn parse_nic_name(value: &str) -> Result<String> {
    let valid = !value.is_empty()
        && value.len() < 128
        && !matches!(value, "." | "..")
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '/' && c != ':');
    accepted_name(value, valid, |shown| {
        format!("Invalid interface name [{shown}]: nic must name a network interface such as eth0")
    })
}

pub fn parse_iflabel(value: &str) -> Result<String> {
    // Its length is checked together with the interface's name (the
    // kernel's 15 characters are for `<nic>:<iflabel>`), with IPaddr2's
    // wording, once the interface is known.
    let valid = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    accepted_name(value, valid, |shown| {
        format!("Invalid iflabel [{shown}]: expected letters, digits, '_', '-' or '.'")
    })
}

/// A name the caller judged `valid`, or 6 with the reason `refusal` gives
/// for the value as shown.
fn accepted_name(
    value: &str,
    valid: bool,
    refusal: impl FnOnce(String) -> String,
) -> Result<String> {
    if valid {
        Ok(value.to_owned())
    } else {
        Err(Error::configured(refusal(shown(value))))
    }
}

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
pub fn parse_namespace(value: &str) -> Result<String> {
    let valid = value.len() < 256
        && !matches!(value, "." | "..")
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    accepted_name(value, valid, |shown| {
        format!(
            "Invalid network_namespace [{shown}]: expected the name of a namespace in /run/netns"
        )
    })
}

/// cidr_netmask: a prefix length (findif.sh's prefixcheck: 1 to 3 digits,
/// 1..=max), or an IPv4 dotted-quad netmask, converted with a warning.
pub fn parse_netmask(value: &str, max: u8, notes: &mut Notes) -> Result<u8> {
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
            notes.error(format!("Bogus netmask: {value}"));
            return Err(invalid());
        }
        notes.warn(format!(
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
        notes.warn(format!(
            "cidr_netmask [{value}] has a leading zero: read as the decimal prefix length {prefix}"
        ));
    }
    Ok(prefix)
}

pub fn parse_broadcast(value: &str) -> Result<Broadcast> {
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

pub fn parse_lifetime(value: &str) -> Result<Lifetime> {
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

pub fn parse_arp_sender(value: &str) -> Result<ArpSender> {
    match value {
        "send_arp" => Ok(ArpSender::SendArp),
        "iputils_arping" => Ok(ArpSender::IputilsArping),
        "libnet_arping" => Ok(ArpSender::LibnetArping),
        "ipoibarping" => Ok(ArpSender::IpoibArping),
        other => Err(Error::configured(format!(
            "unrecognized arp_sender value: {} (expected send_arp, iputils_arping, \
             libnet_arping or ipoibarping)",
            shown(other)
        ))),
    }
}

/// send_arp_opts: `-A` (replies only) and `-U` (requests only) choose the
/// forms, as they do for arping; send_arp's interval, count and pid file
/// options are ignored with a warning, because the parameters rule.
pub fn parse_send_arp_opts(value: &str, notes: &mut Notes) -> Result<Option<Mode>> {
    let mut mode = None;
    let mut words = value.split_whitespace();
    while let Some(word) = words.next() {
        match word {
            "-A" => mode = Some(Mode::Reply),
            "-U" => mode = Some(Mode::Request),
            "-i" | "-r" | "-c" | "-p" | "-w" => {
                let value = words.next().unwrap_or("");
                notes.warn(format!(
                    "send_arp_opts {word} {} ignored: arp_interval, garp_count and HA_RSCTMP decide",
                    shown(value)
                ));
            }
            "-q" | "-b" => notes.warn(format!("send_arp_opts {word} ignored")),
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

pub fn parse_mode(value: &str) -> Result<Mode> {
    match value {
        "both" => Ok(Mode::Both),
        "request" => Ok(Mode::Request),
        "reply" => Ok(Mode::Reply),
        other => Err(Error::configured(format!(
            "Invalid garp_mode [{}]: expected both, request or reply",
            shown(other)
        ))),
    }
}

pub fn parse_dad_mode(value: &str) -> Result<DadMode> {
    match value {
        "probe" => Ok(DadMode::Probe),
        "kernel" => Ok(DadMode::Kernel),
        other => Err(Error::configured(format!(
            "Invalid dad_mode [{}]: expected probe or kernel",
            shown(other)
        ))),
    }
}

pub fn parse_spacing(value: &str) -> Result<Spacing> {
    match value {
        "backoff" => Ok(Spacing::Backoff),
        "fixed" => Ok(Spacing::Fixed),
        other => Err(Error::configured(format!(
            "Invalid garp_spacing [{}]: expected backoff or fixed",
            shown(other)
        ))),
    }
}

/// garp_targets: a keyword, or a list of addresses of the VIP's family
/// (comma or space separated; duplicates dropped; at most TARGET_LIMIT).
pub fn parse_targets(value: &str, ipv4: bool, notes: &mut Notes) -> Result<Targets> {
    let refuse = |bad: &str| {
        Error::configured(format!(
            "Invalid garp_targets [{}]: {} is not understood (expected gateway, neighbours, none, or {} addresses on the VIP's link)",
            shown(value),
            shown(bad),
            if ipv4 { "IPv4" } else { "IPv6" }
        ))
    };
    match value {
        "gateway" => return Ok(Targets::Gateway),
        "neighbours" | "neighbors" => return Ok(Targets::Neighbours),
        "none" => return Ok(Targets::None),
        _ => {}
    }
    let mut addresses = Vec::new();
    let mut dropped = 0usize;
    for word in value.split([',', ' ']).filter(|w| !w.is_empty()) {
        let ip: IpAddr = word.parse().map_err(|_| refuse(word))?;
        if ip.is_ipv4() != ipv4 || ip.is_unspecified() || ip.is_multicast() {
            return Err(refuse(word));
        }
        if addresses.contains(&ip) {
            continue;
        }
        if addresses.len() == TARGET_LIMIT {
            dropped += 1;
            continue;
        }
        addresses.push(ip);
    }
    if addresses.is_empty() {
        return Err(refuse(value));
    }
    if dropped > 0 {
        // Every round sends one frame per target: the list is bounded like
        // `neighbours`, so no value makes a round unbounded.
        notes.warn(format!(
            "garp_targets lists more than {TARGET_LIMIT} addresses: only the first {TARGET_LIMIT} are addressed ({dropped} more ignored)"
        ));
    }
    Ok(Targets::Addresses(addresses))
}

/// IPaddr2's CLUSTERIP MAC check: six two-character groups, multicast bit
/// set in the first octet.
pub fn is_cluster_mac(value: &str) -> bool {
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
