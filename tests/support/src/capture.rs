//! Packet captures taken on a peer and decoded here: what a neighbour
//! actually received, with the kernel's timestamps. tcpdump only writes
//! the pcap file; the decoding is ours, field by field.

use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::netns::Netns;
use crate::tempdir::TempDir;

pub struct Capture {
    child: Child,
    file: PathBuf,
    _dir: TempDir,
}

impl Capture {
    /// Starts capturing `filter` on `dev` in `ns`; returns once tcpdump
    /// is listening.
    pub fn start(ns: &Netns, dev: &str, filter: &str) -> Capture {
        let dir = TempDir::new();
        let file = dir.path().join("capture.pcap");
        let mut child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &ns.name,
                "tcpdump",
                "--immediate-mode",
                "-i",
                dev,
                "-U",
                "-n",
                "-w",
            ])
            .arg(&file)
            .arg(filter)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tcpdump");
        let mut line = String::new();
        BufReader::new(child.stderr.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("listening on"), "tcpdump: {line}");
        Capture {
            child,
            file,
            _dir: dir,
        }
    }

    /// Stops the capture and decodes every frame in it.
    pub fn finish(mut self) -> Vec<Frame> {
        // SIGTERM lets tcpdump flush; -U already wrote every packet.
        unsafe_kill(self.child.id(), 15);
        let _ = self.child.wait();
        read_pcap(&std::fs::read(&self.file).unwrap_or_default())
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unsafe_kill(pid: u32, signal: i32) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub time: SystemTime,
    pub bytes: Vec<u8>,
}

fn read_pcap(data: &[u8]) -> Vec<Frame> {
    const GLOBAL_HEADER: usize = 24;
    const RECORD_HEADER: usize = 16;
    let mut frames = Vec::new();
    if data.len() < GLOBAL_HEADER {
        return frames;
    }
    let magic = u32::from_le_bytes(data[0..4].try_into().unwrap());
    let nanos = magic == 0xa1b2_3c4d;
    assert!(magic == 0xa1b2_c3d4 || nanos, "little-endian pcap expected");
    let mut offset = GLOBAL_HEADER;
    while offset + RECORD_HEADER <= data.len() {
        let word =
            |i: usize| u32::from_le_bytes(data[offset + i..offset + i + 4].try_into().unwrap());
        let (seconds, fraction, length) = (word(0), word(4), word(8) as usize);
        offset += RECORD_HEADER;
        if offset + length > data.len() {
            break;
        }
        let sub = if nanos {
            Duration::from_nanos(fraction.into())
        } else {
            Duration::from_micros(fraction.into())
        };
        frames.push(Frame {
            time: UNIX_EPOCH + Duration::from_secs(seconds.into()) + sub,
            bytes: data[offset..offset + length].to_vec(),
        });
        offset += length;
    }
    frames
}

/// An Ethernet + ARP frame, decoded (RFC 826 layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arp {
    pub eth_destination: [u8; 6],
    pub eth_source: [u8; 6],
    pub operation: u16,
    pub sender_mac: [u8; 6],
    pub sender_ip: Ipv4Addr,
    pub target_mac: [u8; 6],
    pub target_ip: Ipv4Addr,
}

pub const REQUEST: u16 = 1;
pub const REPLY: u16 = 2;

impl Frame {
    pub fn arp(&self) -> Option<Arp> {
        let b = &self.bytes;
        if b.len() < 42 || b[12..14] != [0x08, 0x06] {
            return None;
        }
        assert_eq!(
            &b[14..20],
            &[0, 1, 0x08, 0x00, 6, 4],
            "Ethernet/IPv4 ARP header"
        );
        let mac = |i: usize| -> [u8; 6] { b[i..i + 6].try_into().unwrap() };
        let ip = |i: usize| Ipv4Addr::new(b[i], b[i + 1], b[i + 2], b[i + 3]);
        Some(Arp {
            eth_destination: mac(0),
            eth_source: mac(6),
            operation: u16::from_be_bytes([b[20], b[21]]),
            sender_mac: mac(22),
            sender_ip: ip(28),
            target_mac: mac(32),
            target_ip: ip(38),
        })
    }
}

/// The ARP frames announcing `ip` (sender IP = `ip`), with their times.
pub fn announcements(frames: &[Frame], ip: Ipv4Addr) -> Vec<(SystemTime, Arp)> {
    frames
        .iter()
        .filter_map(|f| f.arp().map(|a| (f.time, a)))
        .filter(|(_, a)| a.sender_ip == ip)
        .collect()
}

pub fn parse_mac(text: &str) -> [u8; 6] {
    let bytes: Vec<u8> = text
        .split(':')
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}

/// A Neighbour Discovery message in an Ethernet frame, decoded (RFC 8200
/// header, RFC 4861 §4.3/§4.4 message): a solicitation (135) or an
/// advertisement (136).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ndp {
    pub eth_destination: [u8; 6],
    pub eth_source: [u8; 6],
    pub hop_limit: u8,
    pub source: std::net::Ipv6Addr,
    pub destination: std::net::Ipv6Addr,
    pub icmp_type: u8,
    pub router: bool,
    pub solicited: bool,
    pub override_flag: bool,
    pub target: std::net::Ipv6Addr,
    /// (option type, length in 8-octet units, data)
    pub options: Vec<(u8, u8, Vec<u8>)>,
}

/// An unsolicited Neighbour Advertisement is an [`Ndp`] of type 136.
pub type Advert = Ndp;

impl Frame {
    pub fn ndp(&self) -> Option<Ndp> {
        let b = &self.bytes;
        let ip6 = |i: usize| std::net::Ipv6Addr::from(<[u8; 16]>::try_from(&b[i..i + 16]).unwrap());
        if b.len() < 78 || b[12..14] != [0x86, 0xdd] || b[20] != 58 || !matches!(b[54], 135 | 136) {
            return None;
        }
        let mut options = Vec::new();
        let mut at = 78;
        while at + 2 <= b.len() {
            let (kind, units) = (b[at], b[at + 1]);
            let end = at + usize::from(units) * 8;
            if units == 0 || end > b.len() {
                break;
            }
            options.push((kind, units, b[at + 2..end].to_vec()));
            at = end;
        }
        Some(Ndp {
            eth_destination: b[0..6].try_into().unwrap(),
            eth_source: b[6..12].try_into().unwrap(),
            hop_limit: b[21],
            source: ip6(22),
            destination: ip6(38),
            icmp_type: b[54],
            router: b[58] & 0x80 != 0,
            solicited: b[58] & 0x40 != 0,
            override_flag: b[58] & 0x20 != 0,
            target: ip6(62),
            options,
        })
    }

    pub fn advert(&self) -> Option<Advert> {
        self.ndp().filter(|m| m.icmp_type == 136)
    }
}

/// The advertisements whose target is `ip`, with their times.
pub fn adverts(frames: &[Frame], ip: std::net::Ipv6Addr) -> Vec<(SystemTime, Advert)> {
    frames
        .iter()
        .filter_map(|f| f.advert().map(|a| (f.time, a)))
        .filter(|(_, a)| a.target == ip)
        .collect()
}

/// The most of `times` within any one second (a sliding window): what a
/// switch that polices frames per second per port counts.
pub fn busiest_second(times: &[SystemTime]) -> usize {
    let mut times = times.to_vec();
    times.sort();
    let mut busiest = 0;
    let mut first = 0;
    for (last, t) in times.iter().enumerate() {
        while t.duration_since(times[first]).unwrap_or_default() >= Duration::from_secs(1) {
            first += 1;
        }
        busiest = busiest.max(last + 1 - first);
    }
    busiest
}
