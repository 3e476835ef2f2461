//! Announcements: telling every neighbour that the VIP now lives at this
//! node's MAC address, with gratuitous ARP for IPv4 and unsolicited
//! Neighbour Advertisements for IPv6.
//!
//! One `Announcer` per interface and address sends a round of frames (the
//! broadcast forms and one directed request per garp_targets neighbour);
//! the `schedule` says when rounds leave; `run` sends them and, closed
//! loop, reads the targets' answers (`acks`) and asks again until each
//! has answered or garp_window ends; `sender` runs the rounds after the
//! first (and the extension) in a detached background process and lets
//! stop end it; `probe` asks the link whether another host holds the
//! address. Start, monitor's refresh and `floatip garp` all announce
//! through [`Announcer::prepare`] and [`run_and_report`].

pub mod acks;
pub mod collision;
pub mod heal;
pub mod pacing;
pub mod probe;
pub mod run;
pub mod schedule;
pub mod sender;
pub mod targets;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;
use std::thread;
use std::time::Instant;

use crate::config::{Pacing, Targets};
use crate::net::{solicited_node, Mac, BROADCAST_MAC, ETH_P_ARP};
use crate::netlink::{Link, LinkRoutes, Netlink};
use crate::ocf::{log, messages};
use crate::sys::socket::{Icmpv6Socket, PacketSocket};
use crate::wire::arp::{self, Form};
use crate::wire::ndp;
use crate::wire::received::{self, ArpOperation, Message, Ndp, NdpKind};
use pacing::{Pacer, Protocol, Urgency};
pub use run::{run_and_report, Limits, Progress, Stopped};
pub use targets::Directed;

/// [`Announcer::prepare`]'s answer where announcing is a courtesy, not
/// the action's outcome (start once the address is up, monitor's refresh
/// and heal, a resumed sender): a failure is logged in IPaddr2's words and
/// nothing is announced.
pub fn or_logged(prepared: io::Result<Option<Announcer>>) -> Option<Announcer> {
    prepared.unwrap_or_else(|e| {
        log::error(format!("{}: {e}", messages::SEND_GARP_FAILED));
        None
    })
}

/// What a foreground announcement (monitor's refresh and heal, `floatip
/// garp` with a timeout) leaves unsent when garp_rate's budget did not
/// reach its deadline: dropped, and said.
pub fn report_held(announcer: &Announcer, ip: IpAddr) {
    let held = announcer.held();
    if let (Some(pacer), true) = (announcer.pacer(), held > 0) {
        log::warn(format!(
            "garp_rate={}: {held} frame(s) announcing {ip} found no room in the budget of {} \
             before the action's timeout: not sent",
            pacer.rate(),
            pacer.port()
        ));
    }
}

/// Directed requests to a neighbour's known MAC that may go unanswered
/// before the next ones are broadcast.
const UNICAST_MISSES: u8 = 2;

/// ICMPv6 Neighbour Advertisement, the only message an announcing socket
/// reads (RFC 4861 §4.4).
const NEIGHBOUR_ADVERT: u8 = 136;

/// Why an interface gets no announcements.
pub fn unannounceable(link: &Link) -> Option<&'static str> {
    if link.is_loopback() {
        Some("loopback")
    } else if link.is_noarp() {
        Some("it does not use ARP (NOARP)")
    } else if link.is_infiniband() {
        Some("InfiniBand (IPoIB) announcements are not supported by this floatip version")
    } else if link.ethernet_mac().is_none() {
        Some("it has no Ethernet address")
    } else {
        None
    }
}

/// What became of one round's frames. A frame the kernel could not take
/// (EAGAIN: the send buffer is full behind a slow qdisc; ENOBUFS: a
/// zero-length queue, a policer, a tc drop; ENETDOWN; ENOMEM) is lost,
/// as if the wire had dropped it: the schedule goes on, and later rounds
/// are the retry. ENXIO and ENODEV say the interface went away: the
/// caller looks the address up again.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub lost: u32,
    /// The errno of the first lost frame.
    pub errno: Option<i32>,
    pub interface_gone: bool,
    /// Frames garp_rate held back past the deadline: they wait in the
    /// announcer for [`Announcer::flush`].
    pub held: u32,
}

impl Delivery {
    /// Counts one send; an error that is not a lost frame ends the round.
    fn count(&mut self, sent: io::Result<()>) -> io::Result<()> {
        let Err(error) = sent else {
            return Ok(());
        };
        let errno = error.raw_os_error();
        match errno {
            Some(libc::EAGAIN | libc::ENOBUFS | libc::ENETDOWN | libc::ENOMEM) => {}
            Some(libc::ENXIO | libc::ENODEV) => self.interface_gone = true,
            _ => return Err(error),
        }
        self.lost += 1;
        self.errno = self.errno.or(errno);
        Ok(())
    }

    pub fn add(&mut self, other: Delivery) {
        self.lost += other.lost;
        self.errno = self.errno.or(other.errno);
        self.interface_gone |= other.interface_gone;
        self.held += other.held;
    }
}

/// The frames of a whole announcement that could not be sent: the first
/// loss is logged with its errno, the count when the announcement ends.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Losses {
    pub frames: u64,
    errno: Option<i32>,
}

impl Losses {
    pub fn note(&mut self, delivery: &Delivery, announcer: &Announcer) {
        if delivery.lost == 0 {
            return;
        }
        if self.frames == 0 {
            log::warn(format!(
                "A frame announcing {} on {} could not be sent ({}): counted as lost, \
                 the announcement goes on",
                announcer.ip(),
                announcer.ifname,
                errno_text(delivery.errno)
            ));
        }
        self.frames += u64::from(delivery.lost);
        self.errno = self.errno.or(delivery.errno);
    }

    /// The count, once the announcement is over.
    pub fn report(&self, ip: IpAddr) {
        if self.frames > 0 {
            log::warn(format!(
                "{} frame(s) announcing {ip} could not be sent (first: {})",
                self.frames,
                errno_text(self.errno)
            ));
        }
    }
}

fn errno_text(errno: Option<i32>) -> String {
    errno.map_or_else(
        || "unknown error".to_owned(),
        |errno| io::Error::from_raw_os_error(errno).to_string(),
    )
}

/// Sends the frames of one announcement on one interface.
pub struct Announcer {
    transport: Transport,
    mac: Mac,
    /// Neighbours addressed directly in every round (garp_targets).
    targets: Vec<Directed>,
    /// Whether the socket queues the answers to the directed requests.
    listening: bool,
    /// Per target: directed requests sent to its known MAC since its
    /// last answer (see [`Announcer::destination`]).
    misses: Vec<Cell<u8>>,
    /// Per target: it has answered (paced, it is asked no more).
    answered: Vec<Cell<bool>>,
    /// Rounds begun: the first round's frames are the most urgent.
    rounds_begun: Cell<u32>,
    /// garp_rate's share of the port, when a rate is set.
    pacer: Option<Pacer>,
    /// How long frames may wait for budget (`None`: as long as it takes).
    patience: Cell<Patience>,
    /// Frames held back by garp_rate, oldest first.
    held: RefCell<VecDeque<Outgoing>>,
    /// Answers read while paced frames waited, not yet handed out.
    heard: RefCell<VecDeque<IpAddr>>,
    pub ifindex: u32,
    pub ifname: String,
}

/// How long a frame may wait for garp_rate's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Until the budget allows it (the background sender).
    Unbounded,
    /// Until this time (a foreground action's deadline).
    Until(Instant),
    /// start: its first frame waits until this time, every other frame
    /// goes only if the budget allows it at once (the rest is the
    /// sender's), so that start returns right after its first frame.
    FirstFrameUntil(Instant),
}

/// A frame built and waiting to go.
struct Outgoing {
    bytes: Vec<u8>,
    to: Destination,
    urgency: Urgency,
    /// The garp_targets neighbour a directed request asks.
    target: Option<IpAddr>,
}

enum Destination {
    Link(Mac),
    Ipv6(Ipv6Addr),
}

enum Transport {
    Arp { socket: PacketSocket, ip: Ipv4Addr },
    Ndp { socket: Icmpv6Socket, ip: Ipv6Addr },
}

impl Announcer {
    /// An announcer for `ip` on an announceable `link` (`None` without an
    /// Ethernet address). An IPv6 address must not be tentative: it is the
    /// advertisements' source. `listen`: queue the answers to directed
    /// requests from the moment the socket exists, so that none to the
    /// first round is missed.
    fn open(link: &Link, ip: IpAddr, listen: bool) -> io::Result<Option<Announcer>> {
        let Some(mac) = link.ethernet_mac() else {
            return Ok(None);
        };
        let transport = match ip {
            IpAddr::V4(ip) => Transport::Arp {
                socket: if listen {
                    PacketSocket::open_receiving(link.index, ETH_P_ARP)?
                } else {
                    PacketSocket::open(link.index)?
                },
                ip,
            },
            IpAddr::V6(ip) => {
                let socket = Icmpv6Socket::open(link.index, ip, ndp::HOP_LIMIT)?;
                // Everything else sent to the VIP is none of its business.
                socket.accept_only(if listen { &[NEIGHBOUR_ADVERT] } else { &[] })?;
                if listen {
                    socket.report_header()?;
                }
                Transport::Ndp { socket, ip }
            }
        };
        Ok(Some(Announcer {
            transport,
            mac,
            targets: Vec::new(),
            listening: listen,
            misses: Vec::new(),
            answered: Vec::new(),
            rounds_begun: Cell::new(0),
            pacer: None,
            patience: Cell::new(Patience::Unbounded),
            held: RefCell::new(VecDeque::new()),
            heard: RefCell::new(VecDeque::new()),
            ifindex: link.index,
            ifname: link.name.to_string(),
        }))
    }

    /// The announce-now path: an announcer for `ip/prefix_len` on `link`
    /// that also addresses the garp_targets neighbours of that link, and
    /// (`closed_loop`) listens for their answers.
    /// `known`: the link's routes, when the caller read them already.
    pub fn prepare(
        netlink: &mut Netlink,
        link: &Link,
        ip: IpAddr,
        prefix_len: u8,
        targets: &Targets,
        closed_loop: bool,
        known: Option<LinkRoutes>,
    ) -> io::Result<Option<Announcer>> {
        if unannounceable(link).is_some() {
            return Ok(None);
        }
        let targets = targets::resolve(netlink, targets, link, ip, prefix_len, known);
        let listen = closed_loop && !targets.is_empty();
        let Some(mut announcer) = Announcer::open(link, ip, listen)? else {
            return Ok(None);
        };
        announcer.misses = targets.iter().map(|_| Cell::new(0)).collect();
        announcer.answered = targets.iter().map(|_| Cell::new(false)).collect();
        announcer.targets = targets;
        Ok(Some(announcer))
    }

    /// Paces this announcer's frames under garp_rate (nothing changes
    /// when it is unlimited), waiting at most as `patience` says.
    pub fn paced(
        mut self,
        pacing: &Pacing,
        netlink: &mut Netlink,
        link: &Link,
        patience: Patience,
    ) -> Announcer {
        let protocol = match self.transport {
            Transport::Arp { .. } => Protocol::Arp,
            Transport::Ndp { .. } => Protocol::Ndp,
        };
        self.pacer = Pacer::for_link(pacing, netlink, link, protocol);
        self.patience.set(patience);
        self
    }

    /// garp_rate's share of the port, when a rate is set.
    pub fn pacer(&self) -> Option<&Pacer> {
        self.pacer.as_ref()
    }

    /// How long frames may wait for budget from now on.
    pub fn set_patience(&self, patience: Patience) {
        self.patience.set(patience);
    }

    /// Counts `rounds` as sent already (a sender that resumes one):
    /// their frames are not a first round's.
    pub fn set_rounds_begun(&self, rounds: u32) {
        self.rounds_begun.set(rounds);
    }

    /// Frames held back by garp_rate, still to go.
    pub fn held(&self) -> usize {
        self.held.borrow().len()
    }

    /// Sends the frames garp_rate held back, as the budget allows.
    pub fn flush(&self) -> io::Result<Delivery> {
        let frames: Vec<Outgoing> = self.held.borrow_mut().drain(..).collect();
        self.transmit(frames)
    }

    /// Whether answers to the directed requests are read.
    pub fn is_listening(&self) -> bool {
        self.listening
    }

    /// The next target that answers before `until`, if one does; any
    /// other frame is passed over, and after [`probe::MAX_FRAMES_PER_WAIT`]
    /// of them the rest of the wait is slept. A failing socket answers
    /// nothing (the rest of the wait is slept too): an announcement never
    /// fails for want of acknowledgements.
    pub fn answer(&self, until: Instant) -> Option<IpAddr> {
        if let Some(heard) = self.heard.borrow_mut().pop_front() {
            return Some(heard);
        }
        self.read_answer(Some(until))
    }

    /// Reads the answers already queued on the socket, for [`answer`] to
    /// hand out: paced frames wait for budget, and a target that answered
    /// meanwhile is not asked again; a late round reads them before it
    /// leaves.
    ///
    /// [`answer`]: Announcer::answer
    pub fn read_queued_answers(&self) {
        if !self.listening {
            return;
        }
        while let Some(ip) = self.read_answer(None) {
            self.heard.borrow_mut().push_back(ip);
        }
    }

    fn has_answered(&self, ip: IpAddr) -> bool {
        self.targets
            .iter()
            .zip(&self.answered)
            .any(|(target, answered)| target.ip == ip && answered.get())
    }

    /// The next target's answer before `until`; `None` for `until`: only
    /// among the frames already queued, without waiting.
    fn read_answer(&self, until: Option<Instant>) -> Option<IpAddr> {
        let mut buffer = [0u8; 1536];
        for _ in 0..probe::MAX_FRAMES_PER_WAIT {
            let received = match &self.transport {
                Transport::Arp { socket, ip } => {
                    let got = match until {
                        Some(until) => socket.receive(&mut buffer, until),
                        None => socket.receive_queued(&mut buffer),
                    };
                    got.map(|got| {
                        got.map(|n| {
                            received::frame(&buffer[..n]).and_then(|m| self.arp_answer(&m, *ip))
                        })
                    })
                }
                Transport::Ndp { socket, ip } => {
                    let got = match until {
                        Some(until) => socket.receive(&mut buffer, until),
                        None => socket.receive_queued(&mut buffer),
                    };
                    got.map(|got| {
                        got.map(|r| {
                            let message = &buffer[..r.length];
                            received::icmpv6_message(r.source, r.destination, r.hop_limit, message)
                                .and_then(|m| self.ndp_answer(&m, *ip))
                        })
                    })
                }
            };
            match received {
                Ok(None) => return None,
                Ok(Some(Some(ip))) => {
                    if let Some(index) = self.targets.iter().position(|t| t.ip == ip) {
                        self.misses[index].set(0);
                        self.answered[index].set(true);
                    }
                    return Some(ip);
                }
                Ok(Some(None)) => continue,
                // The interface went down under a packet socket: reported
                // once, the socket goes on.
                Err(e) if e.raw_os_error() == Some(libc::ENETDOWN) => continue,
                Err(_) => break,
            }
        }
        let now = Instant::now();
        if let Some(until) = until.filter(|until| *until > now) {
            thread::sleep(until - now);
        }
        None
    }

    fn is_target(&self, ip: IpAddr) -> bool {
        self.targets.iter().any(|t| t.ip == ip)
    }

    /// An ARP reply to one of our directed requests: sent to this
    /// interface's MAC (Ethernet destination and target hardware address),
    /// for the VIP, from the neighbour we asked.
    fn arp_answer(&self, message: &Message, vip: Ipv4Addr) -> Option<IpAddr> {
        let Message::Arp(arp) = message else {
            return None;
        };
        let sender = IpAddr::V4(arp.sender_ip);
        let answer = arp.operation == ArpOperation::Reply
            && arp.destination == self.mac
            && arp.target_mac == self.mac
            && arp.target_ip == vip
            && self.is_target(sender);
        answer.then_some(sender)
    }

    /// A solicited advertisement sent to the VIP (hop limit, code and
    /// checksum were checked on the way in) for the neighbour we asked.
    fn ndp_answer(&self, message: &Ndp, vip: Ipv6Addr) -> Option<IpAddr> {
        let NdpKind::Advertisement {
            target, solicited, ..
        } = message.kind
        else {
            return None;
        };
        let neighbour = IpAddr::V6(target);
        (solicited && message.destination == vip && self.is_target(neighbour)).then_some(neighbour)
    }

    /// The neighbours addressed directly.
    pub fn targets(&self) -> &[Directed] {
        &self.targets
    }

    /// The targets that answer a directed request (acknowledgements are
    /// awaited from these only).
    pub fn answering_targets(&self) -> Vec<Directed> {
        let vip = self.ip();
        self.targets
            .iter()
            .filter(|t| t.answers_for(vip))
            .copied()
            .collect()
    }

    /// Sends one round: these ARP forms back to back (or one NA), then one
    /// directed request per target (paced: per target that has not
    /// answered; one that answered costs nothing more). Sockets never
    /// block: a frame the kernel cannot take now is a lost frame (see
    /// [`Delivery`]), and the round goes on with the next.
    pub fn send(&self, forms: &[Form]) -> io::Result<Delivery> {
        let first = self.rounds_begun.get() == 0;
        self.rounds_begun
            .set(self.rounds_begun.get().saturating_add(1));
        let mut frames = Vec::new();
        match &self.transport {
            Transport::Arp { ip, .. } => {
                for form in forms {
                    let frame = arp::gratuitous(*form, self.mac, *ip);
                    frames.push((frame.to_vec(), Destination::Link(BROADCAST_MAC)));
                }
            }
            Transport::Ndp { ip, .. } => {
                let advert = ndp::unsolicited_advert(self.mac, *ip);
                frames.push((advert.to_vec(), Destination::Ipv6(ndp::ALL_NODES)));
            }
        }
        let mut frames: Vec<Outgoing> = frames
            .into_iter()
            .enumerate()
            .map(|(i, (bytes, to))| Outgoing {
                bytes,
                to,
                target: None,
                urgency: match (first, i) {
                    (true, 0) => Urgency::FirstFrame,
                    (true, _) => Urgency::FirstRound,
                    (false, _) => Urgency::Later,
                },
            })
            .collect();
        let targets: Vec<Directed> = self
            .targets
            .iter()
            .zip(&self.answered)
            .filter(|(_, answered)| self.pacer.is_none() || !answered.get())
            .map(|(target, _)| *target)
            .collect();
        let directed = if first {
            Urgency::FirstRound
        } else {
            Urgency::Unanswered
        };
        frames.extend(self.directed(&targets, directed));
        self.transmit(frames)
    }

    /// Where a directed ARP request to `target` goes: its MAC from the
    /// neighbour table, until two requests there went unanswered (the
    /// neighbour may have a new MAC, a replaced router): then broadcast.
    fn destination(&self, target: &Directed) -> Mac {
        let Some(mac) = target.mac else {
            return BROADCAST_MAC;
        };
        // Open loop, no answer is read: nothing can tell a miss.
        let index = self.targets.iter().position(|t| t.ip == target.ip);
        let Some(index) = index.filter(|_| self.listening) else {
            return mac;
        };
        let misses = &self.misses[index];
        misses.set(misses.get().saturating_add(1));
        if misses.get() > UNICAST_MISSES {
            BROADCAST_MAC
        } else {
            mac
        }
    }

    /// One directed request to each of `targets`, nothing else (the
    /// extension, a heal's gateways).
    pub fn send_directed(&self, targets: &[Directed]) -> io::Result<Delivery> {
        let frames = self.directed(targets, Urgency::Later);
        self.transmit(frames)
    }

    fn directed(&self, targets: &[Directed], urgency: Urgency) -> Vec<Outgoing> {
        let mut frames = Vec::new();
        for target in targets {
            let (bytes, to) = match (&self.transport, target.ip) {
                (Transport::Arp { ip, .. }, IpAddr::V4(neighbour)) => {
                    let destination = self.destination(target);
                    let frame = arp::directed_request(self.mac, *ip, neighbour, destination);
                    (frame.to_vec(), Destination::Link(destination))
                }
                // An IPv6 next hop of an IPv4 route (RFC 5549): it has no
                // IPv4 address to ask for, so it gets the gratuitous
                // request at its MAC (it updates the entry it has).
                (Transport::Arp { ip, .. }, IpAddr::V6(_)) => {
                    let Some(destination) = target.mac else {
                        continue;
                    };
                    let mut frame = arp::gratuitous(Form::Request, self.mac, *ip);
                    frame[..6].copy_from_slice(&destination);
                    (frame.to_vec(), Destination::Link(destination))
                }
                (Transport::Ndp { .. }, IpAddr::V6(neighbour)) => {
                    let message = ndp::solicitation(self.mac, neighbour);
                    (
                        message.to_vec(),
                        Destination::Ipv6(solicited_node(neighbour)),
                    )
                }
                _ => continue,
            };
            frames.push(Outgoing {
                bytes,
                to,
                urgency,
                target: Some(target.ip),
            });
        }
        frames
    }

    /// Sends `frames` in order, each when garp_rate's budget allows it;
    /// those the patience does not reach are held, in order, behind any
    /// held already.
    fn transmit(&self, frames: Vec<Outgoing>) -> io::Result<Delivery> {
        let mut delivery = Delivery::default();
        let mut frames = frames.into_iter();
        while let Some(frame) = frames.next() {
            if let Some(pacer) = &self.pacer {
                // A target that answered while this frame waited costs
                // nothing more.
                if let Some(target) = frame.target {
                    self.read_queued_answers();
                    if self.has_answered(target) {
                        continue;
                    }
                }
                let queued = (self.held.borrow().len() + frames.len() + 1) as u32;
                let deadline = match self.patience.get() {
                    Patience::Unbounded => None,
                    Patience::Until(deadline) => Some(deadline),
                    Patience::FirstFrameUntil(deadline) if frame.urgency == Urgency::FirstFrame => {
                        Some(deadline)
                    }
                    Patience::FirstFrameUntil(_) => Some(Instant::now()),
                };
                let behind_held = !self.held.borrow().is_empty();
                if behind_held || !pacer.admit(frame.urgency, queued, deadline) {
                    let mut held = self.held.borrow_mut();
                    held.push_back(frame);
                    held.extend(frames);
                    delivery.held = held.len() as u32;
                    return Ok(delivery);
                }
            }
            delivery.count(self.emit(&frame))?;
        }
        Ok(delivery)
    }

    fn emit(&self, frame: &Outgoing) -> io::Result<()> {
        match (&self.transport, &frame.to) {
            (Transport::Arp { socket, .. }, Destination::Link(mac)) => {
                socket.send(&frame.bytes, *mac, ETH_P_ARP)
            }
            (Transport::Ndp { socket, .. }, Destination::Ipv6(to)) => {
                socket.send_to(&frame.bytes, *to)
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a frame for another transport",
            )),
        }
    }

    /// The descriptors a forked sender must keep open.
    pub fn descriptors(&self) -> Vec<RawFd> {
        match &self.transport {
            Transport::Arp { socket, .. } => socket.descriptors(),
            Transport::Ndp { socket, .. } => vec![socket.raw_fd()],
        }
    }

    pub fn ip(&self) -> IpAddr {
        match &self.transport {
            Transport::Arp { ip, .. } => IpAddr::V4(*ip),
            Transport::Ndp { ip, .. } => IpAddr::V6(*ip),
        }
    }

    /// What a round is called in logs.
    pub fn kind(&self) -> &'static str {
        match &self.transport {
            Transport::Arp { .. } => "gratuitous ARP",
            Transport::Ndp { .. } => "unsolicited Neighbour Advertisements",
        }
    }
}
