//! The cases: every parameter with valid, edge and invalid values, IPv6,
//! and faults, each with its accepted differences.

use super::*;

/// Every parameter with valid, edge and invalid values, and faults.
pub(super) fn cases() -> Vec<Case> {
    use Setup::*;
    use Step::*;
    let mut all = vec![
        // ip
        case("ip only", Base, &[]),
        case("ip other address", Base, &[("ip", "192.0.2.200")]),
        case("ip network address", Base, &[("ip", "192.0.2.0")]),
        case("ip broadcast address", Base, &[("ip", "192.0.2.255")]),
        case("invalid ip", Base, &[("ip", "192.0.2.300")]).accept(MONITORS, Difference::InvalidIs6),
        case("empty ip", Base, &[("ip", "")]),
        case("ip with spaces", Base, &[("ip", " 192.0.2.10")])
            .accept(&[Validate, Start, StartAgain], Difference::Whitespace)
            .accept(MONITORS, Difference::InvalidIs6),
        case("ip with letters", Base, &[("ip", "not_ip_address")])
            .accept(MONITORS, Difference::InvalidIs6),
        case("ip leading zeros", Base, &[("ip", "192.0.2.010")])
            .accept(MONITORS, Difference::InvalidIs6),
        case("ip three octets", Base, &[("ip", "192.0.2")])
            .accept(MONITORS, Difference::InvalidIs6),
        case("ip zero first octet", Base, &[("ip", "0.0.2.10")])
            .accept(MONITORS, Difference::InvalidIs6),
        case(
            "ip shell metacharacters",
            Base,
            &[("ip", "192.0.2.10;true")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case("ip unicode", Base, &[("ip", "192.0.2.１０")])
            .accept(MONITORS, Difference::InvalidIs6),
        case("unreachable ip", Base, &[("ip", "198.51.100.7")])
            .accept(&[Monitor, Status], Difference::ByValue),
        case("loopback ip", Base, &[("ip", "127.0.0.3")]),
        case(
            "loopback ip with nic",
            Base,
            &[("ip", "127.0.0.4"), ("nic", "lo"), ("cidr_netmask", "8")],
        ),
        // nic
        case("nic", Base, &[("nic", "eth0")]),
        case(
            "other nic with cidr_netmask",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
        )
        .accept(WHILE_STARTED, Difference::DerivedBroadcast),
        case("other nic without cidr_netmask", Base, &[("nic", "eth1")])
            .accept(&[Monitor, Status], Difference::ByValue),
        case("missing nic", Base, &[("nic", "eth9")]).accept(&[Status], Difference::ByValue),
        case(
            "missing nic with cidr_netmask",
            Base,
            &[("nic", "eth9"), ("cidr_netmask", "24")],
        )
        .accept(&[Monitor], Difference::NicVanished),
        case("empty nic", Base, &[("nic", "")]),
        case("nic:label", Base, &[("nic", "eth0:vip")]),
        case("nic:label long", Base, &[("nic", "eth0:abcdefghijk")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("nic path", Base, &[("nic", "../eth0")]).accept(MONITORS, Difference::InvalidIs6),
        case("nic with space", Base, &[("nic", "eth 0")]).accept(MONITORS, Difference::InvalidIs6),
        case("nic overlong", Base, &[("nic", "eth0eth0eth0eth0eth0")])
            .accept(&[Status], Difference::ByValue),
        // cidr_netmask
        case(
            "nic and cidr_netmask",
            Base,
            &[("nic", "eth0"), ("cidr_netmask", "24")],
        ),
        case("narrower cidr_netmask", Base, &[("cidr_netmask", "28")]),
        case("wider cidr_netmask", Base, &[("cidr_netmask", "16")])
            .accept(&[Monitor, Status], Difference::ByValue),
        case("cidr_netmask 32", Base, &[("cidr_netmask", "32")]),
        case(
            "cidr_netmask 1",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "1")],
        )
        .accept(WHILE_STARTED, Difference::DerivedBroadcast),
        case("dotted netmask", Base, &[("cidr_netmask", "255.255.255.0")]),
        case(
            "dotted netmask 28",
            Base,
            &[("cidr_netmask", "255.255.255.240")],
        ),
        case(
            "non-contiguous netmask",
            Base,
            &[("cidr_netmask", "255.0.255.0")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case("netmask alias", Base, &[("netmask", "24")]),
        case(
            "netmask alias and cidr_netmask",
            Base,
            &[("netmask", "16"), ("cidr_netmask", "24")],
        ),
        case("invalid cidr_netmask", Base, &[("cidr_netmask", "33")])
            .accept(MONITORS, Difference::InvalidIs6),
        case("cidr_netmask zero", Base, &[("cidr_netmask", "0")])
            .accept(MONITORS, Difference::InvalidIs6),
        case(
            "cidr_netmask letters",
            Base,
            &[("cidr_netmask", "not_netmask")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case("cidr_netmask negative", Base, &[("cidr_netmask", "-1")])
            .accept(MONITORS, Difference::InvalidIs6),
        case(
            "cidr_netmask four digits",
            Base,
            &[("cidr_netmask", "0024")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case("empty cidr_netmask", Base, &[("cidr_netmask", "")]),
        // broadcast
        case("broadcast address", Base, &[("broadcast", "192.0.2.127")]),
        case(
            "broadcast plus",
            Base,
            &[("cidr_netmask", "26"), ("broadcast", "+")],
        ),
        case("broadcast minus", Base, &[("broadcast", "-")]),
        case("invalid broadcast", Base, &[("broadcast", "bcast")])
            .accept(MONITORS, Difference::InvalidIs6),
        case(
            "broadcast out of range",
            Base,
            &[("broadcast", "192.0.2.256")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case("empty broadcast", Base, &[("broadcast", "")]),
        // iflabel
        case("iflabel", Base, &[("nic", "eth0"), ("iflabel", "vip")]),
        case(
            "iflabel fifteen",
            Base,
            &[("nic", "eth0"), ("iflabel", "abcdefghij")],
        ),
        case("iflabel without nic", Base, &[("iflabel", "x")]),
        case(
            "label too long",
            Base,
            &[("nic", "eth0"), ("iflabel", "abcdefghijk")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("empty iflabel", Base, &[("nic", "eth0"), ("iflabel", "")]),
        // noprefixroute, nodad, preferred_lft on IPv4
        case("noprefixroute", Base, &[("noprefixroute", "true")]),
        case(
            "noprefixroute yes",
            Base,
            &[
                ("nic", "eth1"),
                ("cidr_netmask", "24"),
                ("noprefixroute", "yes"),
            ],
        )
        .accept(WHILE_STARTED, Difference::DerivedBroadcast),
        case(
            "noprefixroute unknown spelling",
            Base,
            &[("noprefixroute", "maybe")],
        ),
        case("nodad on IPv4", Base, &[("nodad", "true")]),
        case("preferred_lft on IPv4", Base, &[("preferred_lft", "0")]),
        case(
            "preferred_lft garbage on IPv4",
            Base,
            &[("preferred_lft", "soon")],
        ),
        case("preferred_lft empty", Base, &[("preferred_lft", "")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        // announcements
        case("arp_count one", Base, &[("arp_count", "1")]),
        case("arp_count ten", Base, &[("arp_count", "10")]),
        case("arp_count zero", Base, &[("arp_count", "0")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("arp_count empty", Base, &[("arp_count", "")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("arp_count letters", Base, &[("arp_count", "five")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("arp_interval 100", Base, &[("arp_interval", "100")]),
        case("arp_interval one", Base, &[("arp_interval", "1")]),
        case("arp_interval empty", Base, &[("arp_interval", "")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("arp_interval zero", Base, &[("arp_interval", "0")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("arp_interval negative", Base, &[("arp_interval", "-200")])
            .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("arp_count_refresh", Base, &[("arp_count_refresh", "2")]),
        case("arp_bg false", Base, &[("arp_bg", "false")]),
        case("arp_bg true", Base, &[("arp_bg", "true")]),
        case("arp_bg unknown spelling", Base, &[("arp_bg", "sometimes")]),
        case("arp_sender send_arp", Base, &[("arp_sender", "send_arp")]),
        case(
            "arp_sender iputils_arping",
            Base,
            &[("arp_sender", "iputils_arping")],
        ),
        case(
            "arp_sender libnet_arping",
            Base,
            &[("arp_sender", "libnet_arping")],
        ),
        case(
            "arp_sender ipoibarping",
            Base,
            &[("arp_sender", "ipoibarping")],
        )
        .accept(EVERY_ACTION, Difference::NativeSender),
        case(
            "unknown arp_sender",
            Base,
            &[("arp_sender", "carrier-pigeon")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("send_arp_opts reply", Base, &[("send_arp_opts", "-A")]),
        case("send_arp_opts request", Base, &[("send_arp_opts", "-U")]),
        case(
            "send_arp_opts interval",
            Base,
            &[("send_arp_opts", "-i 100")],
        ),
        case("send_arp_opts unknown", Base, &[("send_arp_opts", "-X")])
            .accept(ALL_BUT_STOPS, Difference::SendArpOptsChecked),
        case("garp_count", Base, &[("garp_count", "3")]),
        case("garp_count zero", Base, &[("garp_count", "0")])
            .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        case("garp_mode reply", Base, &[("garp_mode", "reply")]),
        case("garp_mode unknown", Base, &[("garp_mode", "loud")])
            .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        case("garp_spacing fixed", Base, &[("garp_spacing", "fixed")]),
        case("garp_spacing unknown", Base, &[("garp_spacing", "random")])
            .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        case("garp_window", Base, &[("garp_window", "5")]),
        case("garp_window zero", Base, &[("garp_window", "0")]),
        case("garp_window unknown", Base, &[("garp_window", "30s")])
            .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        // Paced, one VIP alone on its port: every outcome stays IPaddr2's.
        case("garp_rate", Base, &[("garp_rate", "15")]),
        case("garp_rate unknown", Base, &[("garp_rate", "fast")])
            .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        // No connection to reset: stop's outcome stays IPaddr2's.
        case("reset_connections", Base, &[("reset_connections", "true")]),
        // A boolean spelled otherwise is false with a warning, as IPaddr2's
        // ocf_is_true reads its own booleans.
        case(
            "reset_connections unknown spelling",
            Base,
            &[("reset_connections", "perhaps")],
        ),
        // The VIP lives on its macvlan, not on the nic: every step that
        // shows it differs by that interface, and by nothing else.
        case(
            "virtual_mac auto",
            Base,
            &[("nic", "eth0"), ("virtual_mac", "auto")],
        )
        .accept(WHILE_STARTED, Difference::VirtualMac),
        case("virtual_mac unknown", Base, &[("virtual_mac", "maybe")])
            .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        // A gateway that answers (the closed loop ends with the rounds), one
        // that is not there (the extension runs until stop ends it), and the
        // level-10 monitor's echo: the outcomes stay IPaddr2's.
        case("gateway answers", Gateway, &[]),
        case("gateway silent", Gateway, &[("garp_targets", "192.0.2.99")]),
        case("gateway open loop", Gateway, &[("garp_window", "0")]),
        case(
            "gateway OCF_CHECK_LEVEL 10",
            Gateway,
            &[("OCF_CHECK_LEVEL", "10")],
        ),
        case(
            "ipv6 gateway answers",
            Gateway,
            &[("ip", V6), ("nodad", "true")],
        ),
        case(
            "ipv6 gateway silent",
            Gateway,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("garp_targets", "2001:db8:1234::99"),
            ],
        ),
        case(
            "ipv6 gateway OCF_CHECK_LEVEL 10",
            Gateway,
            &[("ip", V6), ("nodad", "true"), ("OCF_CHECK_LEVEL", "10")],
        ),
        // other IPaddr2 parameters
        case("flush_routes", Base, &[("flush_routes", "true")]),
        case("run_arping", Base, &[("run_arping", "true")]),
        case(
            "run_arping unknown spelling",
            Base,
            &[("run_arping", "perhaps")],
        ),
        case(
            "check_link_status false",
            Base,
            &[("check_link_status", "false")],
        ),
        case("lvs_support", Base, &[("lvs_support", "true")]),
        case(
            "lvs_support with a loopback copy",
            BaseWithLoopbackVip,
            &[("lvs_support", "true")],
        )
        .accept(WHILE_STARTED, Difference::BaseBroadcastByValue),
        case(
            "lvs_support with nic",
            BaseWithLoopbackVip,
            &[("lvs_support", "true"), ("nic", "eth0")],
        )
        .accept(WHILE_STARTED, Difference::BaseBroadcastByValue),
        case(
            "lvs_ipv6_addrlabel on IPv4",
            Base,
            &[("lvs_ipv6_addrlabel", "true")],
        )
        .accept_against(&[Stock::V4_12], STOPS, Difference::StopNeedsOnlyTarget)
        .accept(ALL_BUT_STOPS, Difference::Ipv4IgnoresAddrlabel),
        case(
            "lvs_ipv6_addrlabel_value garbage on IPv4",
            Base,
            &[("lvs_ipv6_addrlabel_value", "x")],
        ),
        case(
            "unique_clone_address without globally_unique",
            Base,
            &[("unique_clone_address", "true")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "unique_clone_address",
            Base,
            &[
                ("unique_clone_address", "true"),
                ("OCF_RESKEY_CRM_meta_globally_unique", "true"),
                ("OCF_RESKEY_CRM_meta_clone_max", "3"),
                ("OCF_RESKEY_CRM_meta_clone", "2"),
            ],
        ),
        case(
            "clone_max one",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "1")],
        ),
        case(
            "clone_max zero",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "0")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "clone_max letters",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "many")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "cluster ip clone",
            Base,
            &[("OCF_RESKEY_CRM_meta_clone_max", "2")],
        )
        .accept(EVERY_ACTION, Difference::ClusterIpRefused),
        case(
            "cluster ip clone bad hash",
            Base,
            &[
                ("OCF_RESKEY_CRM_meta_clone_max", "2"),
                ("clusterip_hash", "random"),
            ],
        )
        .accept(ALL_BUT_STOPS, Difference::ClusterIpRefused)
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "cluster ip clone bad mac",
            Base,
            &[
                ("OCF_RESKEY_CRM_meta_clone_max", "2"),
                ("mac", "00:11:22:33:44:55"),
            ],
        )
        .accept(ALL_BUT_STOPS, Difference::ClusterIpRefused)
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "lvs_support with clones",
            Base,
            &[
                ("lvs_support", "true"),
                ("OCF_RESKEY_CRM_meta_clone_max", "2"),
            ],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case("mac without clone", Base, &[("mac", "not-a-mac")]),
        case(
            "clusterip_hash without clone",
            Base,
            &[("clusterip_hash", "sourceip")],
        ),
        case(
            "network_namespace missing",
            Base,
            &[("network_namespace", "fip-no-such-namespace")],
        )
        .accept(EVERY_ACTION, Difference::NamespaceInProcess),
        case(
            "network_namespace path",
            Base,
            &[("network_namespace", "../x")],
        )
        .accept(EVERY_ACTION, Difference::NamespaceInProcess),
        case("OCF_CHECK_LEVEL 10", Base, &[("OCF_CHECK_LEVEL", "10")]),
        case("OCF_CHECK_LEVEL 20", Base, &[("OCF_CHECK_LEVEL", "20")]),
        case(
            "no base, nic and cidr_netmask",
            Bare,
            &[("nic", "eth0"), ("cidr_netmask", "24")],
        )
        .accept(WHILE_STARTED, Difference::DerivedBroadcast),
        case(
            "no base, cidr_netmask only",
            Bare,
            &[("cidr_netmask", "24")],
        )
        .accept(&[Monitor, Status], Difference::ByValue),
        case(
            "no base, /32",
            Bare,
            &[("nic", "eth0"), ("cidr_netmask", "32")],
        ),
        case(
            "no base, broadcast given",
            Bare,
            &[
                ("nic", "eth0"),
                ("cidr_netmask", "28"),
                ("broadcast", "192.0.2.255"),
            ],
        ),
        // IPv6
        case("ipv6 nodad", Base6, &[("ip", V6), ("nodad", "true")]),
        // dad_mode: floatip's own (IPaddr2 ignores it).
        case(
            "ipv6 dad_mode kernel",
            Base6,
            &[("ip", V6), ("dad_mode", "kernel")],
        ),
        case(
            "ipv6 dad_mode probe",
            Base6,
            &[("ip", V6), ("dad_mode", "probe")],
        ),
        case(
            "ipv6 dad_mode kernel with nodad",
            Base6,
            &[("ip", V6), ("dad_mode", "kernel"), ("nodad", "true")],
        ),
        case(
            "ipv6 dad_mode unknown",
            Base6,
            &[("ip", V6), ("dad_mode", "optimistic")],
        )
        .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        case("dad_mode unknown on IPv4", Base, &[("dad_mode", "fast")])
            .accept(ALL_BUT_STOPS, Difference::OwnParametersValidated),
        case(
            "ipv6 nic and cidr_netmask",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("nic", "eth0"),
                ("cidr_netmask", "64"),
            ],
        ),
        case(
            "ipv6 other nic",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("nic", "eth1"),
                ("cidr_netmask", "80"),
            ],
        ),
        case(
            "ipv6 narrower prefix",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "80")],
        ),
        case(
            "ipv6 wider prefix",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "48")],
        )
        .accept(&[Monitor, Status], Difference::ByValue),
        case(
            "ipv6 prefix 128",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("cidr_netmask", "128")],
        ),
        case(
            "ipv6 noprefixroute",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("noprefixroute", "true")],
        ),
        case(
            "ipv6 preferred_lft 0",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "0")],
        ),
        case(
            "ipv6 preferred_lft 3600",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("preferred_lft", "3600")],
        ),
        case(
            "ipv6 uppercase spelling",
            Base6,
            &[("ip", "2001:DB8:1234::0010"), ("nodad", "true")],
        ),
        case(
            "ipv6 invalid netmask",
            Base6,
            &[("ip", V6), ("cidr_netmask", "129")],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        case("ipv6 invalid address", Base6, &[("ip", "2001:db8::g")])
            .accept(MONITORS, Difference::InvalidIs6),
        case(
            "ipv6 link-local without nic",
            Base6,
            &[("ip", "fe80::2"), ("nodad", "true")],
        ),
        case(
            "ipv6 link-local with nic",
            Base6,
            &[("ip", "fe80::2"), ("nodad", "true"), ("nic", "eth0")],
        ),
        case(
            "ipv6 unreachable",
            Base6,
            &[("ip", "2001:db8:5678::2"), ("nodad", "true")],
        )
        .accept(&[Monitor, Status], Difference::ByValue),
        case(
            "ipv6 lvs_support",
            Base6,
            &[("ip", V6), ("lvs_support", "true")],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "ipv6 addrlabel",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
            ],
        ),
        case(
            "ipv6 addrlabel value",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
                ("lvs_ipv6_addrlabel_value", "77"),
            ],
        ),
        case(
            "ipv6 addrlabel bad value",
            Base6,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("lvs_ipv6_addrlabel", "true"),
                ("lvs_ipv6_addrlabel_value", "x"),
            ],
        )
        .accept(STOPS, Difference::StopNeedsOnlyTarget),
        case(
            "ipv6 send_arp_opts ignored",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("send_arp_opts", "-X")],
        ),
        case(
            "ipv6 arp_bg true",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("arp_bg", "true")],
        )
        .accept(&[Leftover], Difference::SenderEnded),
        case(
            "ipv6 arp_count 1",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("arp_count", "1")],
        ),
        case(
            "ipv6 broadcast ignored",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("broadcast", "192.0.2.255")],
        )
        .accept(WHILE_STARTED, Difference::BroadcastIpv4Only)
        .accept_against(NEWER, AFTER_STOP, Difference::LabelLeftBehind),
        case(
            "ipv6 unique_clone_address",
            Base6,
            &[
                ("ip", V6),
                ("unique_clone_address", "true"),
                ("OCF_RESKEY_CRM_meta_globally_unique", "true"),
            ],
        )
        .accept(MONITORS, Difference::InvalidIs6),
        // faults
        faulty(
            "fault nic removed",
            Base,
            &[("nic", "eth1"), ("cidr_netmask", "24")],
            Fault::NicRemoved,
        )
        .accept(&[Monitor], Difference::NicVanished)
        .accept(&[Start, StartAgain], Difference::DerivedBroadcast),
        faulty(
            "fault address removed by hand",
            Base,
            &[],
            Fault::AddressRemoved,
        ),
        // arp_count=30: the stock agent's sender outlives the case's steps
        // (6 s) however loaded the machine, so that Difference::SenderEnded shows.
        faulty(
            "fault base removed",
            Base,
            &[("arp_count", "30")],
            Fault::BaseRemoved,
        )
        .accept(&[Leftover], Difference::SenderEnded)
        .accept(&[Monitor, Status], Difference::ByValue),
        faulty(
            "fault base removed, promote_secondaries",
            Base,
            &[],
            Fault::BaseRemovedPromoting,
        ),
        faulty(
            "fault carrier lost",
            Base,
            &[("nic", "eth0")],
            Fault::CarrierLost,
        )
        .accept(&[Probe, Monitor, Status], Difference::CheckLinkStatus)
        .accept(&[Probe, Monitor, Status], Difference::LinkDownIs1),
        // 4.18 asks `ip addr show eth0 vipnic` and never sees it down.
        faulty(
            "fault carrier lost, nic with an altname",
            Altname,
            &[("nic", "eth0")],
            Fault::CarrierLost,
        )
        .accept(&[Probe, Monitor, Status], Difference::CheckLinkStatus)
        .accept(&[Probe, Monitor, Status], Difference::LinkCheckSeesAltnames),
        faulty(
            "fault carrier lost, check_link_status false",
            Base,
            &[("check_link_status", "false")],
            Fault::CarrierLost,
        ),
        faulty(
            "fault copy on another nic",
            Base,
            &[("nic", "eth0")],
            Fault::CopyOnOtherNic,
        ),
        faulty(
            "fault copy on another nic, no nic given",
            Base,
            &[],
            Fault::CopyOnOtherNic,
        )
        .accept(
            &[Stop, StopAgain, ProbeAfterStop],
            Difference::CopiesThatCount,
        ),
        case(
            "copy already on another nic /32",
            CopyOnEth1("192.0.2.10/32"),
            &[],
        )
        .accept(AFTER_VALIDATE, Difference::NoSecondCopy),
        // The copy's own prefix route makes both findifs choose eth1.
        case(
            "copy already on another nic /24",
            CopyOnEth1("192.0.2.10/24"),
            &[],
        )
        // 4.17's findif takes eth0's route (metric first), and the stock
        // agent adds a second copy there.
        .accept_against(NEWER, AFTER_VALIDATE, Difference::NoSecondCopy),
        case(
            "run_arping with the VIP on this node's second nic",
            SecondNicOnTheSegment,
            &[
                ("nic", "eth0"),
                ("cidr_netmask", "24"),
                ("run_arping", "true"),
            ],
        )
        .accept(WHILE_STARTED, Difference::OwnInterfaces),
        case(
            "ipv6 copy already on another nic /128",
            CopyOnEth1("2001:db8:1234::10/128"),
            &[("ip", V6)],
        )
        // 4.17's findif reads the copy's host route and stays on eth1.
        .accept_against(&[Stock::V4_12], AFTER_VALIDATE, Difference::NoSecondCopy),
        faulty(
            "fault ipv6 address removed",
            Base6,
            &[("ip", V6), ("nodad", "true")],
            Fault::AddressRemoved,
        )
        .accept_against(NEWER, AFTER_STOP, Difference::LabelLeftBehind),
        // resource-agents 4.15: an IPv6 VIP's prefix route is the route
        // findif chose, at its metric.
        case(
            "ipv6 base route at metric 512",
            Base6Metric512,
            &[("ip", V6), ("nodad", "true")],
        ),
        case(
            "ipv6 base route at metric 512, nic and cidr_netmask",
            Base6Metric512,
            &[
                ("ip", V6),
                ("nodad", "true"),
                ("nic", "eth0"),
                ("cidr_netmask", "64"),
            ],
        ),
        // resource-agents 4.16: proto.
        // The static route has no source address: no base's broadcast.
        case("static route, no proto", StaticRouteOnEth1, &[])
            .accept(WHILE_STARTED, Difference::DerivedBroadcast),
        case(
            "static route, proto kernel",
            StaticRouteOnEth1,
            &[("proto", "kernel")],
        )
        .accept(WHILE_STARTED, Difference::ProtoHonoured)
        .accept(WHILE_STARTED, Difference::ProtoKeepsBroadcast),
        case(
            "static route, proto static",
            StaticRouteOnEth1,
            &[("proto", "static")],
        )
        .accept(WHILE_STARTED, Difference::DerivedBroadcast),
        case(
            "static route, proto 2",
            StaticRouteOnEth1,
            &[("proto", "2")],
        )
        .accept(WHILE_STARTED, Difference::ProtoHonoured)
        .accept(WHILE_STARTED, Difference::ProtoKeepsBroadcast),
        case(
            "static route, proto unknown",
            StaticRouteOnEth1,
            &[("proto", "nosuchproto")],
        )
        .accept_against(
            &[Stock::V4_12],
            ALL_BUT_STOPS,
            Difference::OwnParametersValidated,
        )
        .accept_against(NEWER, ALL_BUT_STOPS, Difference::ProtoValidated),
        // Routes that lead nowhere never place a VIP (4.16 ignores
        // unreachable, prohibit and blackhole; throw is floatip's own).
        case("unreachable route", SpecialRoute("unreachable"), &[]),
        case("prohibit route", SpecialRoute("prohibit"), &[]),
        case("blackhole route", SpecialRoute("blackhole"), &[]),
        case("throw route", SpecialRoute("throw"), &[]),
        // resource-agents 4.16: the VIP without its iflabel.
        case(
            "vip configured without its iflabel",
            Unlabelled,
            &[("iflabel", "vip"), ("nic", "eth0"), ("cidr_netmask", "24")],
        )
        .accept_against(&[Stock::V4_12], WHILE_STARTED, Difference::LabelChecked)
        .accept_against(NEWER, &[Status], Difference::LabelChecked),
        case(
            "ipv6 iflabel",
            Base6,
            &[("ip", V6), ("nodad", "true"), ("iflabel", "vip")],
        )
        .accept(WHILE_STARTED, Difference::Ipv6IflabelIgnored),
    ];
    all.extend(fidelity_cases());
    let as_nobody = |name, params: &[(&'static str, &'static str)]| Case {
        user: User::Nobody,
        ..case(name, Setup::Base, params)
    };
    all.extend([
        as_nobody("as nobody", &[]),
        as_nobody(
            "as nobody, network_namespace missing",
            &[("network_namespace", "fip-no-such-namespace")],
        )
        .accept(EVERY_ACTION, Difference::NamespaceInProcess),
        as_nobody("as nobody, invalid ip", &[("ip", "bogus")])
            .accept(MONITORS, Difference::InvalidIs6),
        as_nobody("as nobody, empty ip", &[("ip", "")]),
    ]);
    all
}
