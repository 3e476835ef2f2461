//! `floatip show`: what an operator wants to know about a VIP, for
//! people (or `--json`, for scripts): where it is configured, with which
//! prefix and flags, the state of the links, and whether a background
//! sender still announces it. Changes nothing, signals nothing, and works
//! as any user where the kernel allows reading.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::actions::{connections, enter_namespace, open_netlink, Namespace};
use crate::announce::pacing::{Budget, Protocol};
use crate::announce::sender::{self, Running};
use crate::config;
use crate::env::Env;
use crate::netlink::{Address, Link, Name, TcpState, INFINITY_LIFE_TIME};
use crate::ocf::Context;
use crate::ocf::{log, Error, Result};
use crate::printable::json_string as string;
use crate::virtual_mac;

/// One copy of the VIP and the interface it is on.
struct Copy {
    address: Address,
    link: Option<Link>,
    /// virtual_mac: the nic under the floatip macvlan the copy is on.
    nic_below: Option<Link>,
}

struct Report {
    ip: IpAddr,
    /// `--nic`, as given, and the interface it names (if any).
    nic: Option<(String, Option<Link>)>,
    copies: Vec<Copy>,
    sender: Option<Running>,
    /// garp_rate's budget of the port each copy is on: its name and the
    /// frames waiting for it, once a budget was used there.
    waiting: Vec<(String, u32)>,
    /// The VIP's TCP connections by state (`None`: unreadable).
    connections: Option<Vec<(TcpState, usize)>>,
}

pub fn show(env: &Env, json: bool) -> Result<()> {
    let stop = config::load_for_stop(env)?;
    let vip = &stop.vip;
    // The pid file is read first: it lives outside the namespace.
    let sender = sender::inspect(&vip.sender_pid_file, vip.ip);
    if let Namespace::Unavailable(why) = enter_namespace(vip)? {
        return Err(Error::installed(why));
    }
    let mut netlink = open_netlink()?;
    let read = |e| Error::generic(format!("Could not read the addresses of this node: {e}"));
    let copies: Vec<Copy> = netlink
        .find_address(vip.ip)
        .map_err(read)?
        .into_iter()
        .map(|address| {
            let link = netlink.link_by_index(address.index).ok().flatten();
            let nic_below = link
                .as_ref()
                .and_then(|l| virtual_mac::nic_of(&mut netlink, l, vip.ip));
            Copy {
                link,
                address,
                nic_below,
            }
        })
        .collect();
    let nic = vip.nic.as_ref().map(|nic| {
        let link = netlink.link_by_name(&nic.0).ok().flatten();
        (nic.0.clone(), link)
    });
    let waiting = copies
        .iter()
        .filter_map(|copy| copy.link.as_ref())
        .filter_map(|link| {
            let budget = Budget::of(&mut netlink, link, Protocol::of(vip.ip), &vip.rsctmp).ok()?;
            Some((budget.port.clone(), budget.frames_waiting().ok()??))
        })
        .collect();
    let report = Report {
        ip: vip.ip,
        nic,
        copies,
        sender,
        waiting,
        connections: connections::by_state(vip.ip),
    };
    let text = if json {
        to_json(&report)
    } else {
        to_text(&report)
    };
    log::stdout(&text).or_fail("Could not write to stdout")
}

fn interface_of(copy: &Copy) -> String {
    copy.link.as_ref().map_or_else(
        || format!("#{}", copy.address.index),
        |l| l.name.to_string(),
    )
}

fn lifetime(address: &Address) -> Option<String> {
    address.preferred_lft.map(|seconds| match seconds {
        INFINITY_LIFE_TIME => "forever".to_owned(),
        seconds => format!("{seconds}s"),
    })
}

fn link_text(link: &Link) -> String {
    let mut facts = vec![if link.is_up() { "up" } else { "down" }.to_owned()];
    match link.carrier {
        Some(true) => facts.push("carrier".into()),
        Some(false) => facts.push("no carrier".into()),
        None => {}
    }
    facts.push(format!("operstate {}", link.oper_state.as_str()));
    if let Some(mac) = link.ethernet_mac() {
        facts.push(crate::net::format_mac(mac));
    }
    facts.join(", ")
}

fn started_ago(started: Option<SystemTime>) -> Option<u64> {
    Some(SystemTime::now().duration_since(started?).ok()?.as_secs())
}

fn to_text(report: &Report) -> String {
    let ip = report.ip;
    let mut out = String::new();
    let places: Vec<String> = report.copies.iter().map(interface_of).collect();
    if places.is_empty() {
        out.push_str(&format!("{ip}: not configured on this node\n"));
    } else {
        out.push_str(&format!("{ip}: configured on {}\n", places.join(", ")));
    }
    for copy in &report.copies {
        let a = &copy.address;
        let mut line = format!("  {}: {}/{}", interface_of(copy), a.local, a.prefix_len);
        if let Some(broadcast) = a.broadcast {
            line.push_str(&format!(" brd {broadcast}"));
        }
        // The kernel reports every IPv4 address with a label, by default
        // the interface's name: only a label of its own is news.
        if let Some(label) = a.label.as_ref().filter(|l| **l != interface_of(copy)) {
            line.push_str(&format!(" label {label}"));
        }
        if let Some(lifetime) = lifetime(a) {
            line.push_str(&format!(", preferred {lifetime}"));
        }
        out.push_str(&line);
        out.push('\n');
        let flags = a.flags.names();
        if !flags.is_empty() {
            out.push_str(&format!("    flags: {}\n", flags.join(" ")));
        }
        if let Some(link) = &copy.link {
            out.push_str(&format!("    link: {}\n", link_text(link)));
        }
        if let Some(nic) = &copy.nic_below {
            out.push_str(&format!(
                "    virtual MAC: floatip's macvlan of {} ({})\n",
                nic.name,
                link_text(nic)
            ));
        }
    }
    if let Some((name, link)) = &report.nic {
        let name = crate::printable::escape(name);
        let here = |link: &Link| {
            report.copies.iter().any(|c| {
                c.address.index == link.index
                    || c.nic_below.as_ref().is_some_and(|n| n.index == link.index)
            })
        };
        match link {
            None => out.push_str(&format!("  nic {name}: no such interface on this node\n")),
            Some(link) if here(link) => {}
            Some(link) => out.push_str(&format!(
                "  nic {name}: {} (the address is not configured there)\n",
                link_text(link)
            )),
        }
    }
    match &report.sender {
        None => out.push_str("  background sender: none\n"),
        Some(running) => {
            let mut line = format!("  background sender: pid {}", running.pid);
            if let Some(ago) = started_ago(running.started) {
                line.push_str(&format!(", started {ago} s ago"));
            }
            if let Some(left) = running.left {
                line.push_str(&format!(", {left} announcement(s) left"));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    // Connections are news where the address is, or where some are left.
    let connections = report
        .connections
        .as_ref()
        .filter(|states| !report.copies.is_empty() || states.iter().any(|(_, n)| *n > 0));
    if let Some(connections) = connections {
        let total: usize = connections.iter().map(|(_, n)| n).sum();
        let states: Vec<String> = connections
            .iter()
            .map(|(state, n)| format!("{} {n}", state.as_str()))
            .collect();
        out.push_str(&format!("  tcp connections: {total}"));
        if !states.is_empty() {
            out.push_str(&format!(" ({})", states.join(", ")));
        }
        out.push('\n');
    }
    for (port, frames) in &report.waiting {
        out.push_str(&format!(
            "  garp_rate budget of {port}: {frames} frame(s) waiting\n"
        ));
    }
    out
}

fn optional(value: Option<String>) -> String {
    value.unwrap_or_else(|| "null".to_owned())
}

/// A name of the kernel's in JSON: decoded lossily (JSON strings are
/// Unicode), so its exact bytes go beside it in hex.
fn name_json(key: &str, name: &Name) -> String {
    format!(
        "\"{key}\":{},\"{key}_hex\":{}",
        string(&name.lossy()),
        string(&name.hex())
    )
}

fn link_json(link: &Link) -> String {
    format!(
        "{{\"index\":{},{},\"up\":{},\"carrier\":{},\"operstate\":{},\"mac\":{}}}",
        link.index,
        name_json("name", &link.name),
        link.is_up(),
        optional(link.carrier.map(|c| c.to_string())),
        string(&link.oper_state.as_str()),
        optional(
            link.ethernet_mac()
                .map(|m| string(&crate::net::format_mac(m)))
        ),
    )
}

fn to_json(report: &Report) -> String {
    let copies: Vec<String> = report
        .copies
        .iter()
        .map(|copy| {
            let a = &copy.address;
            let flags: Vec<String> = a.flags.names().iter().map(|f| string(f)).collect();
            let interface = match &copy.link {
                Some(link) => name_json("interface", &link.name),
                None => format!("\"interface\":{}", string(&interface_of(copy))),
            };
            let label = match &a.label {
                Some(label) => name_json("label", label),
                None => "\"label\":null".to_owned(),
            };
            format!(
                "{{{interface},\"interface_index\":{},\"prefix_len\":{},\"broadcast\":{},{label},\"flags\":[{}],\"preferred_lft\":{},\"link\":{},\"virtual_mac_of\":{}}}",
                a.index,
                a.prefix_len,
                optional(a.broadcast.map(|b| string(&b.to_string()))),
                flags.join(","),
                optional(lifetime(a).map(|l| string(&l))),
                optional(copy.link.as_ref().map(link_json)),
                optional(copy.nic_below.as_ref().map(link_json)),
            )
        })
        .collect();
    let nic = report.nic.as_ref().map(|(name, link)| {
        format!(
            "{{\"name\":{},\"link\":{}}}",
            string(name),
            optional(link.as_ref().map(link_json))
        )
    });
    let sender = report.sender.as_ref().map(|running| {
        let started = running
            .started
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| format!("{:.3}", d.as_secs_f64()));
        format!(
            "{{\"pid\":{},\"started_unix\":{},\"left\":{}}}",
            running.pid,
            optional(started),
            optional(running.left.map(|l| l.to_string())),
        )
    });
    let waiting: Vec<String> = report
        .waiting
        .iter()
        .map(|(port, frames)| format!("{{\"port\":{},\"frames\":{frames}}}", string(port)))
        .collect();
    let connections = report.connections.as_ref().map(|states| {
        let states: Vec<String> = states
            .iter()
            .map(|(state, n)| format!("{}:{n}", string(state.as_str())))
            .collect();
        format!("{{{}}}", states.join(","))
    });
    format!(
        "{{\"ip\":{},\"configured\":[{}],\"nic\":{},\"sender\":{},\"garp_rate_waiting\":[{}],\"tcp_connections\":{}}}\n",
        string(&report.ip.to_string()),
        copies.join(","),
        optional(nic),
        optional(sender),
        waiting.join(","),
        optional(connections),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(string("eth0"), "\"eth0\"");
        assert_eq!(string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
