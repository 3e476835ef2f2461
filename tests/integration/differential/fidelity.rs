//! The fidelity cases: the classes a differential run found where
//! floatip had not answered as the stock agent does, each compared here.

use super::*;

/// The classes a differential run of issue 12 found: each compared here
/// from now on, several examples of each.
pub(super) fn fidelity_cases() -> Vec<Case> {
    use Setup::*;
    use Step::*;
    vec![
        // A loopback copy is not the resource (ARCHITECTURE.md, "Which copies count").
        case("ipv6 localhost", Base6, &[("ip", "::1")])
            .accept(&[Monitor, Status], Difference::ByValue),
        case(
            "ipv6 localhost, nodad",
            Base6,
            &[("ip", "::1"), ("nodad", "true")],
        )
        .accept(&[Monitor, Status], Difference::ByValue),
        case(
            "ipv4 loopback copy, no lvs_support",
            BaseWithLoopbackVip,
            &[],
        )
        .accept(WHILE_STARTED, Difference::BaseBroadcastByValue),
        case(
            "ipv4 loopback copy of an unreachable ip",
            LoopbackCopy("198.51.100.7/32"),
            &[("ip", "198.51.100.7")],
        )
        .accept(&[Monitor, Status], Difference::ByValue),
        case(
            "ipv4 loopback copy, other prefix",
            LoopbackCopy("192.0.2.10/24"),
            &[],
        )
        .accept(WHILE_STARTED, Difference::BaseBroadcastByValue),
        case(
            "ipv6 anycast copy on lo",
            LoopbackCopy("2001:db8:1234::10/128"),
            &[("ip", V6), ("nodad", "true")],
        )
        .accept(AFTER_VALIDATE, Difference::HostRoutesNeverPlace),
        case(
            "ipv6 anycast copy on lo of an unreachable ip",
            LoopbackCopy("2001:db8:5678::2/128"),
            &[("ip", "2001:db8:5678::2"), ("nodad", "true")],
        )
        .accept_against(&[Stock::V4_12], &[Monitor, Status], Difference::ByValue)
        .accept_against(NEWER, EVERY_ACTION, Difference::HostRoutesNeverPlace),
        case("loopback ip 127.0.0.1", Base, &[("ip", "127.0.0.1")]),
        // An IPv6 ip with a prefix suffix keeps IPaddr2's meaning.
        case(
            "ipv6 ip with prefix suffix",
            Base6,
            &[("ip", "2001:db8:1234::10/64"), ("nodad", "true")],
        ),
        case(
            "ipv6 ip with prefix suffix and cidr_netmask",
            Base6,
            &[
                ("ip", "2001:db8:1234::10/48"),
                ("nodad", "true"),
                ("cidr_netmask", "80"),
            ],
        ),
        case(
            "ipv6 ip with prefix suffix 128",
            Base6,
            &[("ip", "2001:db8:1234::10/128"), ("nodad", "true")],
        ),
        case(
            "ipv6 ip with an invalid prefix suffix",
            Base6,
            &[("ip", "2001:db8:1234::10/200"), ("nodad", "true")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case(
            "ipv6 dadfailed copy already here",
            DadfailedCopy,
            &[("ip", V6), ("nic", "eth0"), ("cidr_netmask", "64")],
        )
        .accept(WHILE_STARTED, Difference::DadfailedAfresh),
        case(
            "ipv4 ip with prefix suffix",
            Base,
            &[("ip", "192.0.2.10/24")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case(
            "ipv4 ip with prefix suffix 32",
            Base,
            &[("ip", "192.0.2.10/32")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        // OCF_CHECK_LEVEL never makes a healthy VIP fatal.
        case(
            "OCF_CHECK_LEVEL letters",
            Base,
            &[("OCF_CHECK_LEVEL", "abc")],
        ),
        case(
            "OCF_CHECK_LEVEL negative",
            Base,
            &[("OCF_CHECK_LEVEL", "-1")],
        ),
        case("OCF_CHECK_LEVEL 15", Base, &[("OCF_CHECK_LEVEL", "15")]),
        case("OCF_CHECK_LEVEL 25", Base, &[("OCF_CHECK_LEVEL", "25")]),
        case(
            "OCF_CHECK_LEVEL huge",
            Base,
            &[("OCF_CHECK_LEVEL", "99999999999999999999999")],
        ),
        case("OCF_CHECK_LEVEL empty", Base, &[("OCF_CHECK_LEVEL", "")]),
        case(
            "ipv6 OCF_CHECK_LEVEL letters",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("OCF_CHECK_LEVEL", "deep")],
        ),
        // The kernel's own "forever".
        case(
            "ipv6 preferred_lft 4294967295",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("preferred_lft", "4294967295"),
            ],
        ),
        case(
            "ipv6 preferred_lft 4294967294",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("preferred_lft", "4294967294"),
            ],
        ),
        case(
            "preferred_lft 4294967295 on IPv4",
            Base,
            &[("preferred_lft", "4294967295")],
        ),
        // Addresses that can never be a VIP.
        case("ipv4-mapped ipv6", Base6, &[("ip", "::ffff:192.0.2.10")])
            .accept(MONITORS, Difference::InvalidIs6),
        case(
            "ipv4-mapped ipv6 with nic",
            Base6,
            &[
                ("ip", "::ffff:192.0.2.10"),
                ("nic", "eth0"),
                ("cidr_netmask", "128"),
            ],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case("ipv6 multicast", Base6, &[("ip", "ff02::10")])
            .accept(ALL_BUT_STOPS, Difference::NeverWorks),
        case("ipv6 unspecified", Base6, &[("ip", "::")])
            .accept(&[Validate, Start, StartAgain], Difference::NeverWorks)
            .accept(MONITORS, Difference::InvalidIs6),
        // iflabel too long only together with the derived nic.
        case(
            "iflabel too long with derived nic",
            Base,
            &[("iflabel", "abcdefghijk")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "iflabel too long with derived nic, unreachable",
            Base,
            &[("ip", "198.51.100.7"), ("iflabel", "abcdefghijk")],
        )
        .accept(&[Monitor, Status], Difference::ByValue),
        case(
            "ipv6 iflabel too long with derived nic",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("iflabel", "abcdefghijk")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "iflabel fits with derived nic",
            Base,
            &[("iflabel", "abcdefghij")],
        ),
        // An empty label after the colon.
        case("nic with empty label", Base, &[("nic", "eth0:")]),
        case(
            "nic with empty label and iflabel",
            Base,
            &[("nic", "eth0:"), ("iflabel", "x")],
        ),
        case(
            "nic with label and iflabel",
            Base,
            &[("nic", "eth0:a"), ("iflabel", "x")],
        ),
        // Leading zeros: iproute2 reads them as octal.
        case(
            "ip leading zero in an octet",
            Base,
            &[("ip", "192.0.02.10")],
        )
        .accept(&[Validate, Start, StartAgain], Difference::LeadingZeros)
        .accept(MONITORS, Difference::InvalidIs6),
        case(
            "cidr_netmask leading zero",
            Base,
            &[("cidr_netmask", "030")],
        )
        .accept(AFTER_VALIDATE, Difference::LeadingZeros),
        case(
            "ipv6 prefix leading zero",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "064")],
        )
        .accept(
            &[Validate, Start, StartAgain, Probe, Monitor, Status],
            Difference::LeadingZeros,
        ),
        // Values that can never work.
        case("ip octal digit", Base, &[("ip", "192.0.2.09")])
            .accept(&[Validate, Start, StartAgain], Difference::NeverWorks)
            .accept(MONITORS, Difference::InvalidIs6),
        case("ipv6 malformed", Base6, &[("ip", "2001:db8:::10")])
            .accept(&[Validate, Start, StartAgain], Difference::NeverWorks)
            .accept(MONITORS, Difference::InvalidIs6),
        case(
            "ipv6 preferred_lft garbage",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "soon")],
        )
        .accept(ALL_BUT_STOPS, Difference::NeverWorks)
        .accept_against(NEWER, STOPS, Difference::LabelLeftBehind),
        case(
            "ipv6 preferred_lft negative",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "-1")],
        )
        .accept(ALL_BUT_STOPS, Difference::NeverWorks)
        .accept_against(NEWER, STOPS, Difference::LabelLeftBehind),
        case(
            "ipv6 preferred_lft too large",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("preferred_lft", "4294967296"),
            ],
        )
        .accept(ALL_BUT_STOPS, Difference::NeverWorks)
        .accept_against(NEWER, STOPS, Difference::LabelLeftBehind),
        case("nic with a tab", Base, &[("nic", "eth\t0")]).accept(MONITORS, Difference::InvalidIs6),
        // Values IPaddr2 silently turns into something else.
        case(
            "ipv6 dotted netmask",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("cidr_netmask", "255.255.255.0"),
            ],
        )
        .accept(ALL_BUT_STOPS, Difference::SilentlyChanged),
        case(
            "ipv6 addrlabel value out of range",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
                ("lvs_ipv6_addrlabel_value", "4294967296"),
            ],
        )
        .accept(ALL_BUT_STOPS, Difference::SilentlyChanged),
        case(
            "iflabel with a space",
            Base,
            &[("nic", "eth0"), ("iflabel", "a b")],
        )
        .accept(ALL_BUT_STOPS, Difference::SilentlyChanged),
        // arp_count_refresh is validated.
        case(
            "arp_count_refresh letters",
            Base,
            &[("arp_count_refresh", "x")],
        )
        .accept(ALL_BUT_STOPS, Difference::RefreshValidated),
        case(
            "arp_count_refresh negative",
            Base,
            &[("arp_count_refresh", "-1")],
        )
        .accept(ALL_BUT_STOPS, Difference::RefreshValidated),
        // arp_interval=1 with a foreground sender: the stock's start hangs.
        case(
            "arp_interval one, arp_bg false",
            Base,
            &[("arp_interval", "1"), ("arp_bg", "false")],
        )
        .accept(&[Start], Difference::NoHang),
        // A node-local fault.
        case("lo down", LoopbackDown, &[]),
        case(
            "lo down, nic and cidr_netmask",
            LoopbackDown,
            &[("nic", "eth0"), ("cidr_netmask", "24")],
        ),
        // Alternative interface names.
        case("nic altname", Altname, &[("nic", "vipnic")]).accept(
            &[Validate, Start, StartAgain, Probe, Monitor, Status],
            Difference::Altname,
        ),
        case(
            "nic altname with cidr_netmask",
            Altname,
            &[("nic", "vipnic"), ("cidr_netmask", "24")],
        )
        .accept_against(UNTIL_4_16, AFTER_VALIDATE, Difference::Altname)
        // 4.18 finds the VIP by the altname too, and removes it.
        .accept_against(&[Stock::V4_18], WHILE_STARTED, Difference::Altname),
        // The configured nic renamed or removed while the VIP is elsewhere.
        faulty(
            "fault nic renamed",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
            Fault::NicRenamed,
        )
        .accept(&[Start, StartAgain], Difference::DerivedBroadcast)
        .accept(
            &[Probe, Monitor, Status, Stop, StopAgain, ProbeAfterStop],
            Difference::WrongPlace,
        ),
        faulty(
            "fault nic removed, copy elsewhere",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
            Fault::NicRemovedCopyElsewhere,
        )
        .accept(&[Start, StartAgain], Difference::DerivedBroadcast)
        .accept(
            &[Probe, Monitor, Status, Stop, StopAgain, ProbeAfterStop],
            Difference::WrongPlace,
        ),
    ]
}
