//! The configuration parser against IPaddr2's semantics, and against
//! arbitrary environments.

use std::net::{IpAddr, Ipv4Addr};

use super::params::{AtStop, ParamType};
use super::values::{parse_bool, Notes};
use super::*;
use crate::ocf::ExitCode;

fn params(pairs: &[(&str, &str)]) -> Env {
    Env::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.to_string())),
    )
}

fn config(pairs: &[(&str, &str)]) -> Result<Config> {
    parse(&params(pairs), &mut Notes::default())
}

fn notes(pairs: &[(&str, &str)]) -> Vec<String> {
    let mut notes = Notes::default();
    let _ = parse(&params(pairs), &mut notes);
    notes.0.into_iter().map(|(_, text)| text).collect()
}

fn code(pairs: &[(&str, &str)]) -> Option<ExitCode> {
    config(pairs).err().map(|e| e.code)
}

#[test]
fn defaults_match_ipaddr2() {
    let c = config(&[("ip", "192.0.2.10")]).unwrap();
    assert_eq!(c.announce.plan.interval_ms, 200);
    assert_eq!(c.announce.plan.rounds, 5);
    assert_eq!(c.announce.plan.mode, Mode::Both);
    assert_eq!(c.announce.plan.spacing, Spacing::Backoff);
    assert_eq!(c.announce.refresh_rounds, 0);
    assert!(c.announce.arp_bg, "arp_bg defaults to true for IPv4");
    assert_eq!(c.address.preferred_lft, Lifetime::Forever);
    assert_eq!(c.address.cidr_netmask, None);
    assert_eq!(c.vip.nic, None);
    let v6 = config(&[("ip", "2001:db8::10")]).unwrap();
    assert!(!v6.announce.arp_bg, "arp_bg defaults to false for IPv6");
}

#[test]
fn ip_is_a_value_not_text() {
    let a = config(&[("ip", "2001:DB8::0001")]).unwrap();
    let b = config(&[("ip", "2001:db8::1")]).unwrap();
    assert_eq!(a.vip.ip, b.vip.ip);
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
    let missing = parse_for_stop(&params(&[]), &mut Notes::default()).unwrap_err();
    assert_eq!(missing.code, ExitCode::ErrConfigured);
    assert_eq!(missing.reason, "IP address (the ip parameter) is mandatory");
}

#[test]
fn netmask_forms() {
    let prefix = |v: &str| {
        config(&[("ip", "192.0.2.10"), ("cidr_netmask", v)]).map(|c| c.address.cidr_netmask)
    };
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
    assert_eq!(alias.address.cidr_netmask, Some(16));
    let v6 = config(&[("ip", "2001:db8::1"), ("cidr_netmask", "128")]).unwrap();
    assert_eq!(v6.address.cidr_netmask, Some(128));
}

#[test]
fn broadcast_forms() {
    let brd =
        |v: &str| config(&[("ip", "192.0.2.10"), ("broadcast", v)]).map(|c| c.address.broadcast);
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
    assert_eq!(c.vip.nic, Some(NicName("eth0".into())));
    assert_eq!(c.address.iflabel.as_deref(), Some("iflabel"));
    let c = config(&[("ip", "192.0.2.10"), ("nic", "eth0"), ("iflabel", "x1")]).unwrap();
    assert_eq!(c.address.iflabel.as_deref(), Some("x1"));
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
    let rounds = |p: &[(&str, &str)]| config(p).unwrap().announce.plan.rounds;
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
    let plan = |p: &[(&str, &str)]| config(p).map(|c| c.announce.plan);
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
        assert!(parse_bool("x", t, &mut Notes::default()), "{t}");
    }
    for f in ["no", "false", "0", "off", "", "maybe"] {
        assert!(!parse_bool("x", f, &mut Notes::default()), "{f}");
    }
}

#[test]
fn clone_rules() {
    let clone = |extra: &[(&str, &str)]| {
        let mut env = params(&[("ip", "192.0.2.10")]);
        for (k, v) in extra {
            env.set(k, *v);
        }
        parse(&env, &mut Notes::default())
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
    assert_eq!(c.vip.ip, "192.0.2.12".parse::<IpAddr>().unwrap());
}

#[test]
fn stop_needs_only_the_target() {
    let env = params(&[
        ("ip", "192.0.2.10"),
        ("arp_count", "garbage"),
        ("cidr_netmask", "99"),
    ]);
    assert!(parse_for_stop(&env, &mut Notes::default()).is_ok());
    assert!(parse(&env, &mut Notes::default()).is_err());
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
    let err = parse(&env, &mut Notes::default()).unwrap_err();
    assert_eq!(err.code, ExitCode::ErrConfigured);
    assert!(err.reason.contains("UTF-8"));
}

#[test]
fn notes_are_made_once_and_in_order() {
    let said = notes(&[
        ("ip", "2001:db8::10/64"),
        ("unique_clone_address", "maybe"),
        ("cidr_netmask", "064"),
        ("nodad", "perhaps"),
    ]);
    assert_eq!(said.len(), 4, "{said:?}");
    assert!(said[0].contains("the suffix /64 is ignored"), "{said:?}");
    assert!(
        said[1].starts_with("unique_clone_address [maybe]"),
        "{said:?}"
    );
    assert!(said[2].contains("leading zero"), "{said:?}");
    assert!(said[3].starts_with("nodad [perhaps]"), "{said:?}");
    assert!(notes(&[("ip", "192.0.2.10")]).is_empty());
    let v4 = notes(&[("ip", "192.0.2.10"), ("cidr_netmask", "255.255.255.0")]);
    assert_eq!(
        v4,
        ["Please convert dotted quad netmask 255.255.255.0 to CIDR notation 24!"]
    );
}

#[test]
fn check_levels() {
    let level = |v: &str| {
        let mut env = params(&[("ip", "192.0.2.10")]);
        env.set("OCF_CHECK_LEVEL", v);
        parse(&env, &mut Notes::default())
            .unwrap()
            .monitor
            .check_level
    };
    for (given, expected) in [
        ("0", 0),
        ("9", 0),
        ("10", 10),
        ("15", 10),
        ("20", 20),
        ("25", 20),
        ("", 0),
        ("deep", 0),
    ] {
        assert_eq!(level(given), expected, "{given}");
    }
    assert_eq!(level(&"9".repeat(40)), 20, "too long for u64 is deep");
}

/// The parser against arbitrary environments: any parameter, any bytes.
/// `cargo test --lib properties` runs it; PROPTEST_CASES=100000 for longer.
#[cfg(test)]
mod properties {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    use proptest::prelude::*;

    use super::*;
    use crate::config::values::Notes;
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
        let mut names: Vec<String> = Param::LISTED
            .iter()
            .chain(Param::HIDDEN)
            .map(|p| p.name().to_owned())
            .collect();
        names.extend(Meta::ALL.iter().map(|m| m.name().to_owned()));
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
            let mut notes = Notes::default();
            for result in [parse_for_stop(&env, &mut notes).map(|_| ()), parse(&env, &mut notes).map(|_| ())] {
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

#[test]
fn garp_targets_keywords_and_addresses() {
    use super::values::parse_targets;
    let parse = |value: &str, ipv4: bool| parse_targets(value, ipv4, &mut Notes::default());
    assert_eq!(parse("gateway", true), Ok(Targets::Gateway));
    assert_eq!(parse("neighbors", true), Ok(Targets::Neighbours));
    assert_eq!(parse("none", false), Ok(Targets::None));
    assert_eq!(
        parse("192.0.2.1, 192.0.2.2,192.0.2.1", true),
        Ok(Targets::Addresses(vec![
            "192.0.2.1".parse().unwrap(),
            "192.0.2.2".parse().unwrap()
        ]))
    );
    for bad in ["2001:db8::1", "gateway,foo", "224.0.0.1", ",", "0.0.0.0"] {
        let e = parse(bad, true).unwrap_err();
        assert_eq!(e.code, ExitCode::ErrConfigured, "{bad}");
        assert!(e.reason.starts_with("Invalid garp_targets"), "{}", e.reason);
    }
    let many: Vec<String> = (0..300)
        .map(|i| format!("198.51.{}.{}", i / 200, i % 200 + 1))
        .collect();
    let mut notes = Notes::default();
    let Ok(Targets::Addresses(list)) = parse_targets(&many.join(","), true, &mut notes) else {
        panic!("a long list is accepted");
    };
    assert_eq!(list.len(), 256);
    assert_eq!(notes.0.len(), 1, "one warning for the rest: {notes:?}");
}

#[test]
fn dad_mode_values() {
    let mode =
        |v: &str| config(&[("ip", "2001:db8::10"), ("dad_mode", v)]).map(|c| c.address.dad_mode);
    assert_eq!(mode("").unwrap(), DadMode::Probe, "empty is the default");
    assert_eq!(mode("probe").unwrap(), DadMode::Probe);
    assert_eq!(mode("kernel").unwrap(), DadMode::Kernel);
    for bad in ["optimistic", "Kernel", " probe"] {
        assert_eq!(
            mode(bad).unwrap_err().code,
            ExitCode::ErrConfigured,
            "{bad}"
        );
    }
    let default = config(&[("ip", "2001:db8::10")]).unwrap();
    assert_eq!(default.address.dad_mode, DadMode::Probe);
}

#[test]
fn garp_window_is_whole_seconds_from_zero() {
    let window = |value: &str| config(&[("ip", "192.0.2.10"), ("garp_window", value)]);
    assert_eq!(
        config(&[("ip", "192.0.2.10")]).unwrap().announce.window,
        std::time::Duration::from_secs(30)
    );
    assert!(
        window("0").unwrap().announce.window.is_zero(),
        "0: open-loop"
    );
    assert_eq!(
        window("").unwrap().announce.window.as_secs(),
        30,
        "empty: default"
    );
    assert_eq!(
        window("4294967295").unwrap().announce.window.as_secs(),
        4294967295
    );
    for bad in ["-1", "1.5", "30s", " 5", "abc", "4294967296"] {
        assert_eq!(
            code(&[("ip", "192.0.2.10"), ("garp_window", bad)]),
            Some(ExitCode::ErrConfigured),
            "{bad}"
        );
    }
}

/// The rows of the docs' table whose header is `header` (the parameter
/// table in docs/reference.md, the reload table in docs/operations.md): each row's
/// first cell's parameter names, and the whole row.
fn readme_rows(header: &str) -> Vec<(Vec<String>, String)> {
    const DOCS: [&str; 2] = [
        include_str!("../../docs/reference.md"),
        include_str!("../../docs/operations.md"),
    ];
    let doc = DOCS
        .iter()
        .find(|doc| doc.contains(header))
        .expect("the table is in docs/reference.md or docs/operations.md");
    let start = doc.find(header).unwrap();
    doc[start..]
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let first = line.split('|').nth(1).unwrap_or("");
            let names = first
                .split([',', ';'])
                .filter_map(|part| part.split_whitespace().next())
                .map(str::to_owned)
                .collect();
            (names, line.to_owned())
        })
        .collect()
}

/// Every parameter the meta-data lists has its row in the docs' (docs/reference.md)
/// parameter table, with the table's default where it has one, marked
/// "(floatip)" exactly when it is floatip's own.
#[test]
fn the_parameter_table_in_the_readme_follows_the_table() {
    let rows = readme_rows("| parameter | default | meaning |");
    for param in Param::LISTED {
        let name = param.name();
        let (names, row) = rows
            .iter()
            .find(|(names, _)| names.iter().any(|n| n == name))
            .unwrap_or_else(|| {
                panic!("{name} has no row in the docs' (docs/reference.md) parameter table")
            });
        let first = row.split('|').nth(1).unwrap();
        // A row of several parameters lists their defaults in order.
        let defaults: Vec<&str> = row.split('|').nth(2).unwrap().trim().split(", ").collect();
        let position = names.iter().position(|n| n == name).unwrap();
        let default = if defaults.len() == names.len() {
            defaults[position]
        } else {
            defaults[0]
        };
        assert!(
            param.default().is_empty() || default == param.default(),
            "{name}: the docs' (docs/reference.md) default is {default}, the table's {}",
            param.default()
        );
        assert_eq!(
            param.origin() == "floatip",
            first.contains("(floatip)"),
            "{name}: origin {} but the row says {first}",
            param.origin()
        );
    }
}

/// Every parameter is in a row of the docs' (docs/reference.md) reload table that says how
/// its class applies.
#[test]
fn the_reload_table_in_the_readme_follows_the_table() {
    let rows = readme_rows("| parameters | how they apply |");
    for param in Param::LISTED {
        let phrase = match param.reload() {
            ReloadClass::Announcement => "to the next announcements",
            ReloadClass::NextMonitor => "from the next monitor",
            ReloadClass::NextStartStop => "from the next start",
            ReloadClass::InPlace => "the address changes in place",
            ReloadClass::Readdress => "the address is added on the new interface",
            ReloadClass::AddressLabel => "the IPv6 address label is added or changed",
            ReloadClass::LvsMove => "a conflicting /32 on lo is moved away",
            ReloadClass::RecoverBy7 => "reload answers 7",
            ReloadClass::Unique => "marked unique",
            ReloadClass::Restart => "restart needed",
        };
        let name = param.name();
        assert!(
            rows.iter()
                .any(|(names, row)| names.iter().any(|n| n == name) && row.contains(phrase)),
            "{name} ({:?}) has no reload row saying \"{phrase}\"",
            param.reload()
        );
    }
}

/// Parameters of one family only are named so in the docs' (docs/reference.md) table.
#[test]
fn family_specific_parameters_say_so() {
    let rows = readme_rows("| parameter | default | meaning |");
    for param in Param::LISTED {
        let family = match param.family() {
            Family::Both => continue,
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        };
        let name = param.name();
        let stated = rows.iter().any(|(names, row)| {
            names.iter().any(|n| n == name)
                && (row.contains(family) || row.contains("Cluster IP") || row.contains("LVS"))
        });
        assert!(stated, "{name} is {family} only: its row should say so");
    }
}

/// What stop reads is what the table says: a parameter it does not read
/// changes nothing whatever its value; one it reads leniently is its
/// default when unreadable; one that locates the VIP changes what stop
/// looks for (or, when invalid, tells it nothing can have been started).
/// Every other action validates every parameter: an invalid value that is
/// not a boolean (booleans warn) is refused there.
#[test]
fn what_stop_does_with_each_parameter_follows_the_table() {
    let stop = |pairs: &[(&str, &str)]| {
        format!(
            "{:?}",
            parse_for_stop(&params(pairs), &mut Notes::default())
        )
    };
    for ip in ["192.0.2.10", "2001:db8::10"] {
        let base = [
            ("ip", ip),
            ("lvs_ipv6_addrlabel", "true"),
            ("CRM_meta_clone", "3"),
        ];
        let unset = stop(&base);
        for param in Param::LISTED.iter().filter(|p| **p != Param::Ip) {
            let name = param.name();
            let sample = match param.kind() {
                ParamType::Boolean => "true",
                _ => "bogus value",
            };
            let with = |value| stop(&[&base[..], &[(name, value)]].concat());
            match param.at_stop() {
                AtStop::Unread => {
                    assert_eq!(with(sample), unset, "{name}: stop should not read it");
                    assert_eq!(with("1"), unset, "{name}: stop should not read it");
                }
                AtStop::Lenient => {
                    let without: Vec<_> =
                        base.iter().filter(|(n, _)| *n != name).copied().collect();
                    assert_eq!(
                        with(param.default()),
                        stop(&without),
                        "{name}: unset is the default"
                    );
                    if param.kind() != ParamType::Boolean {
                        assert_eq!(
                            with("bogus value"),
                            stop(&without),
                            "{name}: unreadable is the default"
                        );
                    }
                }
                AtStop::Locates => {
                    let locating = match param {
                        Param::NetworkNamespace => "blue",
                        Param::Nic => "eth0",
                        _ => sample,
                    };
                    assert_ne!(with(locating), unset, "{name}: stop should look with it");
                }
            }
            // Read only in Cluster IP clone mode, which is refused (as
            // IPaddr2 ignores them outside it).
            let cluster_ip_only = [Param::Mac, Param::ClusteripHash].contains(param);
            if !cluster_ip_only {
                let mut notes = Notes::default();
                let refused = parse(
                    &params(&[&base[..], &[(name, "bogus value\u{1}")]].concat()),
                    &mut notes,
                );
                // Booleans read anything else as false, with a warning.
                let warned = notes.0.iter().any(|(_, text)| text.contains(name));
                let family_ignores = match param.family() {
                    Family::Ipv4 => ip.contains(':'),
                    Family::Ipv6 => !ip.contains(':'),
                    Family::Both => false,
                };
                assert!(
                    refused.is_err() || warned || family_ignores,
                    "{name}: an invalid value passes validation unwarned ({ip})"
                );
            }
        }
    }
}
