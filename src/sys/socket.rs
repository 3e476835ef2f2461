//! The sockets announcements go out on: an AF_PACKET socket on one
//! interface (ARP, and IPv6 frames from `::`), and a raw ICMPv6 socket
//! bound to the VIP (advertisements and solicitations from it, and the
//! advertisements that answer them); and the raw ICMP socket of the
//! self-healing monitor's echo requests.
//!
//! Packet sockets used only to send bind no protocol, so the kernel
//! queues nothing for them to read; probes bind to the protocol whose
//! answers they wait for. Each packet socket gets a keeper (see
//! [`crate::sys::process::spawn_keeper`]) so that releasing it never
//! waits for the kernel's RCU grace period.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Instant;

use crate::net::Mac;
use crate::sys::{fallbacks, poll, process};

pub struct PacketSocket {
    fd: OwnedFd,
    ifindex: i32,
    /// Write end of the keeper's pipe: the keeper lets go of the socket
    /// when every copy of this end is closed.
    keeper: Option<OwnedFd>,
    /// Bound to every protocol: only incoming frames of this one are
    /// handed out ([`PacketSocket::open_receiving_incoming`]).
    incoming_only: Option<u16>,
}

impl PacketSocket {
    pub fn open(ifindex: u32) -> io::Result<PacketSocket> {
        let fd = socket(libc::AF_PACKET, 0)?;
        let ifindex = i32::try_from(ifindex).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "interface index out of range")
        })?;
        Ok(PacketSocket {
            fd,
            ifindex,
            keeper: process::spawn_keeper(),
            incoming_only: None,
        })
    }

    /// A socket that also receives `protocol` frames seen on the interface.
    pub fn open_receiving(ifindex: u32, protocol: u16) -> io::Result<PacketSocket> {
        let socket = PacketSocket::open(ifindex)?;
        bind(&socket.fd, &socket.link_address(protocol))?;
        Ok(socket)
    }

    /// A socket that receives the `protocol` frames arriving on the
    /// interface before anything stacked on it takes them: bound to every
    /// protocol (ETH_P_ALL taps see a frame before a macvlan's handler
    /// does, which keeps a multicast frame carrying one of its own
    /// private-mode MACs from the lower device), handing out only
    /// incoming frames of `protocol` (never PACKET_OUTGOING: what this
    /// node sends).
    pub fn open_receiving_incoming(ifindex: u32, protocol: u16) -> io::Result<PacketSocket> {
        const ETH_P_ALL: u16 = 0x0003;
        let mut socket = PacketSocket::open(ifindex)?;
        bind(&socket.fd, &socket.link_address(ETH_P_ALL))?;
        socket.incoming_only = Some(protocol);
        Ok(socket)
    }

    /// The descriptors a forked process must keep for this socket to stay
    /// usable and cheap to release.
    pub fn descriptors(&self) -> Vec<RawFd> {
        let mut fds = vec![self.fd.as_raw_fd()];
        fds.extend(self.keeper.as_ref().map(|k| k.as_raw_fd()));
        fds
    }

    /// Receives one frame, waiting until `deadline`; `None` on timeout.
    /// A socket bound to one protocol is not handed the frames this node
    /// sends (the kernel copies those only to sockets that take every
    /// protocol); what this node's other interfaces send is told apart by
    /// MAC (`announce::probe::ThisNode`).
    pub fn receive(&self, buffer: &mut [u8], deadline: Instant) -> io::Result<Option<usize>> {
        let Some(protocol) = self.incoming_only else {
            return receive_when_ready(&self.fd, deadline, || recv_now(&self.fd, buffer));
        };
        // Frames of other protocols and our own are passed over until
        // the deadline: every wait still ends there.
        loop {
            let mut wanted = false;
            let read = receive_when_ready(&self.fd, deadline, || {
                let (length, from) = recv_from_now(&self.fd, buffer);
                wanted = u16::from_be(from.sll_protocol) == protocol
                    && from.sll_pkttype != libc::PACKET_OUTGOING;
                length
            })?;
            match read {
                Some(length) if wanted => return Ok(Some(length)),
                Some(_) => continue,
                None => return Ok(None),
            }
        }
    }

    /// One frame already queued, without waiting; `None` when none is.
    pub fn receive_queued(&self, buffer: &mut [u8]) -> io::Result<Option<usize>> {
        receive_queued(|| recv_now(&self.fd, buffer))
    }

    /// Sends one complete Ethernet frame (header included) to `destination`.
    pub fn send(&self, frame: &[u8], destination: Mac, protocol: u16) -> io::Result<()> {
        let mut address = self.link_address(protocol);
        address.sll_halen = 6;
        address.sll_addr[..6].copy_from_slice(&destination);
        send_to(&self.fd, frame, &address)
    }

    fn link_address(&self, protocol: u16) -> libc::sockaddr_ll {
        // SAFETY: sockaddr_ll is plain data; zeroed is a valid value.
        let mut address: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_protocol = protocol.to_be();
        address.sll_ifindex = self.ifindex;
        address
    }
}

/// A raw ICMPv6 socket bound to the VIP on one interface, sending with the
/// hop limit Neighbour Discovery requires.
pub struct Icmpv6Socket {
    fd: OwnedFd,
    ifindex: u32,
}

impl Icmpv6Socket {
    pub fn open(ifindex: u32, source: Ipv6Addr, hop_limit: u8) -> io::Result<Icmpv6Socket> {
        let socket = Icmpv6Socket {
            fd: socket(libc::AF_INET6, libc::IPPROTO_ICMPV6)?,
            ifindex,
        };
        let hop_limit = libc::c_int::from(hop_limit);
        socket.set(libc::IPV6_MULTICAST_HOPS, hop_limit)?;
        socket.set(libc::IPV6_UNICAST_HOPS, hop_limit)?;
        socket.set(libc::IPV6_MULTICAST_IF, ifindex as libc::c_int)?;
        bind(&socket.fd, &ipv6_address(source, ifindex))?;
        Ok(socket)
    }

    fn set(&self, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
        setsockopt(&self.fd, libc::IPPROTO_IPV6, option, &value)
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Sends one ICMPv6 message to `destination` on this interface.
    pub fn send_to(&self, message: &[u8], destination: Ipv6Addr) -> io::Result<()> {
        send_to(&self.fd, message, &ipv6_address(destination, self.ifindex))
    }

    /// Lets only ICMPv6 messages of `types` be queued (ICMP6_FILTER, RFC
    /// 3542 §3.2): a socket that sends advertisements must not fill up
    /// with every other ICMPv6 message sent to the VIP.
    pub fn accept_only(&self, types: &[u8]) -> io::Result<()> {
        icmpv6_accept_only(&self.fd, types)
    }

    /// Receives one ICMPv6 message sent to the bound address, with the
    /// IPv6 header's facts Neighbour Discovery checks (RFC 4861 §7.1),
    /// waiting until `deadline`; `None` on timeout. A message whose
    /// destination or hop limit the kernel did not report is passed over.
    pub fn receive(
        &self,
        buffer: &mut [u8],
        deadline: Instant,
    ) -> io::Result<Option<Icmpv6Received>> {
        loop {
            let Some(received) = receive_with_header(&self.fd, buffer, Some(deadline))? else {
                return Ok(None);
            };
            if let Some(received) = received {
                return Ok(Some(received));
            }
        }
    }

    /// One message already queued, without waiting; `None` when none is
    /// (or only messages without their header are).
    pub fn receive_queued(&self, buffer: &mut [u8]) -> io::Result<Option<Icmpv6Received>> {
        for _ in 0..QUEUED_READS {
            match receive_with_header(&self.fd, buffer, None)? {
                None => return Ok(None),
                Some(Some(received)) => return Ok(Some(received)),
                Some(None) => continue,
            }
        }
        Ok(None)
    }

    /// Has the kernel report each message's destination and hop limit.
    pub fn report_header(&self) -> io::Result<()> {
        self.set(libc::IPV6_RECVPKTINFO, 1)?;
        self.set(libc::IPV6_RECVHOPLIMIT, 1)
    }
}

/// One ICMPv6 message as a raw socket read it.
#[derive(Debug, Clone, Copy)]
pub struct Icmpv6Received {
    pub length: usize,
    pub source: Ipv6Addr,
    pub destination: Ipv6Addr,
    pub hop_limit: u8,
}

/// recvmsg(2) with the IPV6_PKTINFO and IPV6_HOPLIMIT control messages:
/// `Some(None)` for a message that lacks either.
/// `deadline`: `None` reads only what is queued.
fn receive_with_header(
    fd: &OwnedFd,
    buffer: &mut [u8],
    deadline: Option<Instant>,
) -> io::Result<Option<Option<Icmpv6Received>>> {
    // SAFETY: sockaddr_in6 is plain data; zeroed is valid.
    let mut from: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    // u64 keeps the control buffer aligned for cmsghdr.
    let mut control = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buffer.as_mut_ptr().cast(),
        iov_len: buffer.len(),
    };
    // SAFETY: msghdr is plain data; zeroed is valid.
    let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
    let mut read = || {
        header.msg_name = (&mut from as *mut libc::sockaddr_in6).cast();
        header.msg_namelen = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        header.msg_iov = &mut iov;
        header.msg_iovlen = 1;
        header.msg_control = control.as_mut_ptr().cast();
        header.msg_controllen = std::mem::size_of_val(&control);
        header.msg_flags = 0;
        // SAFETY: every pointer in header is valid for its length.
        unsafe { libc::recvmsg(fd.as_raw_fd(), &mut header, libc::MSG_DONTWAIT) }
    };
    let received = match deadline {
        Some(deadline) => receive_when_ready(fd, deadline, &mut read)?,
        None => receive_queued(&mut read)?,
    };
    let Some(length) = received else {
        return Ok(None);
    };
    let mut destination = None;
    let mut hop_limit = None;
    // SAFETY: the kernel filled header's control buffer; the CMSG macros
    // walk it within msg_controllen, and each datum is read unaligned.
    unsafe {
        let mut message = libc::CMSG_FIRSTHDR(&header);
        while !message.is_null() {
            let data = libc::CMSG_DATA(message);
            match ((*message).cmsg_level, (*message).cmsg_type) {
                (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
                    let info = data.cast::<libc::in6_pktinfo>().read_unaligned();
                    destination = Some(Ipv6Addr::from(info.ipi6_addr.s6_addr));
                }
                (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => {
                    let limit = data.cast::<libc::c_int>().read_unaligned();
                    hop_limit = u8::try_from(limit).ok();
                }
                _ => {}
            }
            message = libc::CMSG_NXTHDR(&header, message);
        }
    }
    let truncated = header.msg_flags & libc::MSG_TRUNC != 0;
    Ok(Some(match (destination, hop_limit, truncated) {
        (Some(destination), Some(hop_limit), false) => Some(Icmpv6Received {
            length,
            source: Ipv6Addr::from(from.sin6_addr.s6_addr),
            destination,
            hop_limit,
        }),
        _ => None,
    }))
}

/// A raw ICMP or ICMPv6 socket bound to the VIP and to one interface:
/// echo requests leave from the VIP, and the replies addressed to it are
/// read here (only echo replies are queued).
pub struct EchoSocket {
    fd: OwnedFd,
    ifindex: u32,
}

impl EchoSocket {
    pub fn open(ifindex: u32, source: IpAddr) -> io::Result<EchoSocket> {
        const ICMP_FILTER: libc::c_int = 1;
        const ICMP_ECHOREPLY: u32 = 0;
        const ICMPV6_ECHO_REPLY: u8 = 129;
        let (domain, protocol) = match source {
            IpAddr::V4(_) => (libc::AF_INET, libc::IPPROTO_ICMP),
            IpAddr::V6(_) => (libc::AF_INET6, libc::IPPROTO_ICMPV6),
        };
        let socket = EchoSocket {
            fd: socket(domain, protocol)?,
            ifindex,
        };
        let index = libc::c_int::try_from(ifindex).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "interface index out of range")
        })?;
        bind_to_interface(&socket.fd, index)?;
        match source {
            IpAddr::V4(v4) => {
                // A set bit blocks its type (linux/icmp.h).
                let blocked: u32 = !(1 << ICMP_ECHOREPLY);
                setsockopt(&socket.fd, libc::SOL_RAW, ICMP_FILTER, &blocked)?;
                bind(&socket.fd, &ipv4_address(v4))?;
            }
            IpAddr::V6(v6) => {
                icmpv6_accept_only(&socket.fd, &[ICMPV6_ECHO_REPLY])?;
                bind(&socket.fd, &ipv6_address(v6, ifindex))?;
            }
        }
        Ok(socket)
    }

    pub fn send_to(&self, message: &[u8], destination: IpAddr) -> io::Result<()> {
        match destination {
            IpAddr::V4(v4) => send_to(&self.fd, message, &ipv4_address(v4)),
            IpAddr::V6(v6) => send_to(&self.fd, message, &ipv6_address(v6, self.ifindex)),
        }
    }

    /// One reply and its sender, waiting until `deadline`.
    pub fn receive(
        &self,
        buffer: &mut [u8],
        deadline: Instant,
    ) -> io::Result<Option<(usize, IpAddr)>> {
        receive_from(&self.fd, buffer, deadline)
    }
}

/// SO_BINDTOIFINDEX (Linux 5.0); before it, SO_BINDTODEVICE with the
/// interface's name (read here, in the namespace the socket lives in).
fn bind_to_interface(fd: &OwnedFd, index: libc::c_int) -> io::Result<()> {
    if !fallbacks::forced("bind-to-ifindex") {
        match setsockopt(fd, libc::SOL_SOCKET, libc::SO_BINDTOIFINDEX, &index) {
            Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {}
            other => return other,
        }
    }
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: name has room for IF_NAMESIZE bytes, as if_indextoname needs.
    let found = unsafe { libc::if_indextoname(index as libc::c_uint, name.as_mut_ptr()) };
    if found.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: if_indextoname wrote a NUL-terminated name into `name`.
    let length = unsafe { libc::strlen(name.as_ptr()) };
    // SAFETY: name is valid for `length` bytes.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_ptr().cast(),
            length as libc::socklen_t,
        )
    };
    checked(rc as isize)
}

/// Membership of an IPv6 multicast group on one interface, for as long
/// as it is held: the kernel reports it (MLD), so that a switch snooping
/// MLD delivers the group's frames to this port.
pub struct Membership {
    fd: OwnedFd,
}

impl Membership {
    pub fn join(group: Ipv6Addr, ifindex: u32) -> io::Result<Membership> {
        // SAFETY: socket(2) with constant arguments; checked and owned.
        let fd = unsafe { libc::socket(libc::AF_INET6, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let request = libc::ipv6_mreq {
            ipv6mr_multiaddr: libc::in6_addr {
                s6_addr: group.octets(),
            },
            ipv6mr_interface: ifindex,
        };
        // SAFETY: request is a valid ipv6_mreq for its size.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::IPPROTO_IPV6,
                libc::IPV6_ADD_MEMBERSHIP,
                (&request as *const libc::ipv6_mreq).cast(),
                std::mem::size_of::<libc::ipv6_mreq>() as libc::socklen_t,
            )
        };
        checked(rc as isize)?;
        Ok(Membership { fd })
    }

    /// The descriptor a forked process must keep to stay a member.
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

fn socket(domain: libc::c_int, protocol: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) with plain arguments; the result is checked.
    let fd = unsafe { libc::socket(domain, libc::SOCK_RAW | libc::SOCK_CLOEXEC, protocol) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn ipv4_address(ip: Ipv4Addr) -> libc::sockaddr_in {
    // SAFETY: sockaddr_in is plain data; zeroed is valid.
    let mut address: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    address.sin_family = libc::AF_INET as libc::sa_family_t;
    address.sin_addr.s_addr = u32::from_ne_bytes(ip.octets());
    address
}

fn ipv6_address(ip: Ipv6Addr, ifindex: u32) -> libc::sockaddr_in6 {
    // SAFETY: sockaddr_in6 is plain data; zeroed is valid.
    let mut address: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    address.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    address.sin6_addr.s6_addr = ip.octets();
    // Needed for link-local and multicast destinations; harmless otherwise.
    address.sin6_scope_id = ifindex;
    address
}

/// The socket addresses bind(2) and sendto(2) are given here: plain
/// sockaddr_* structures of the kernel's layout, and nothing else (sealed,
/// as nix's SockaddrLike: no other type can be passed as an address).
trait SocketAddress: sealed::Sealed + Sized {
    fn raw(&self) -> (*const libc::sockaddr, libc::socklen_t) {
        let length = std::mem::size_of::<Self>() as libc::socklen_t;
        ((self as *const Self).cast(), length)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for libc::sockaddr_ll {}
    impl Sealed for libc::sockaddr_in {}
    impl Sealed for libc::sockaddr_in6 {}
}

impl SocketAddress for libc::sockaddr_ll {}
impl SocketAddress for libc::sockaddr_in {}
impl SocketAddress for libc::sockaddr_in6 {}

fn checked(rc: isize) -> io::Result<()> {
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// ICMP6_FILTER (RFC 3542 §3.2) passing only `types`.
fn icmpv6_accept_only(fd: &OwnedFd, types: &[u8]) -> io::Result<()> {
    const ICMP6_FILTER: libc::c_int = 1;
    // A set bit blocks its type.
    let mut filter = [u32::MAX; 8];
    for kind in types {
        filter[usize::from(kind >> 5)] &= !(1u32 << (kind & 31));
    }
    setsockopt(fd, libc::IPPROTO_ICMPV6, ICMP6_FILTER, &filter)
}

/// `T` is the plain data the option takes.
fn setsockopt<T>(
    fd: &OwnedFd,
    level: libc::c_int,
    option: libc::c_int,
    value: &T,
) -> io::Result<()> {
    let length = std::mem::size_of::<T>() as libc::socklen_t;
    // SAFETY: value is valid for its size.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            option,
            (value as *const T).cast(),
            length,
        )
    };
    checked(rc as isize)
}

/// Waits until `fd` is readable (or `deadline`: `None`), then `read`s
/// without blocking; a read that finds nothing after all, or is
/// interrupted, waits again.
fn receive_when_ready(
    fd: &OwnedFd,
    deadline: Instant,
    mut read: impl FnMut() -> isize,
) -> io::Result<Option<usize>> {
    loop {
        if !poll::wait_readable(fd, deadline)? {
            return Ok(None);
        }
        let got = read();
        if got >= 0 {
            // A frame read after the deadline belongs to no wait: every
            // receive loop ends at its deadline, whatever arrives.
            if Instant::now() > deadline {
                return Ok(None);
            }
            return Ok(Some(got as usize));
        }
        let error = io::Error::last_os_error();
        if !matches!(
            error.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
        ) {
            return Err(error);
        }
    }
}

/// One recv(2) that never blocks: its raw result.
/// One frame and where it came from (its protocol and packet type).
fn recv_from_now(fd: &OwnedFd, buffer: &mut [u8]) -> (isize, libc::sockaddr_ll) {
    // SAFETY: sockaddr_ll is plain data; zeroed is a valid value.
    let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    let mut length = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: buffer and from are valid for the lengths given.
    let got = unsafe {
        libc::recvfrom(
            fd.as_raw_fd(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            libc::MSG_DONTWAIT,
            std::ptr::addr_of_mut!(from).cast(),
            &mut length,
        )
    };
    (got, from)
}

fn recv_now(fd: &OwnedFd, buffer: &mut [u8]) -> isize {
    // SAFETY: buffer is valid for its length.
    unsafe {
        libc::recv(
            fd.as_raw_fd(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            libc::MSG_DONTWAIT,
        )
    }
}

/// How many messages a look at what is queued passes over at most.
const QUEUED_READS: usize = 64;

/// One read of what is already queued: `None` when nothing is (a wait's
/// deadline plays no part: nothing is waited for).
fn receive_queued(mut read: impl FnMut() -> isize) -> io::Result<Option<usize>> {
    loop {
        let got = read();
        if got >= 0 {
            return Ok(Some(got as usize));
        }
        let error = io::Error::last_os_error();
        match error.kind() {
            io::ErrorKind::WouldBlock => return Ok(None),
            io::ErrorKind::Interrupted => continue,
            _ => return Err(error),
        }
    }
}

/// One datagram and its sender's address (IPv4 or IPv6), waiting until
/// `deadline`; `None` on timeout.
fn receive_from(
    fd: &OwnedFd,
    buffer: &mut [u8],
    deadline: Instant,
) -> io::Result<Option<(usize, IpAddr)>> {
    loop {
        // SAFETY: sockaddr_storage is plain data; zeroed is valid.
        let mut from: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let mut length = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let received = receive_when_ready(fd, deadline, || {
            // SAFETY: buffer and from are valid for the lengths given.
            unsafe {
                libc::recvfrom(
                    fd.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    libc::MSG_DONTWAIT,
                    (&mut from as *mut libc::sockaddr_storage).cast(),
                    &mut length,
                )
            }
        })?;
        let Some(got) = received else {
            return Ok(None);
        };
        if let Some(sender) = sender_address(&from) {
            return Ok(Some((got, sender)));
        }
    }
}

/// The IPv4 or IPv6 address recvfrom(2) wrote.
fn sender_address(from: &libc::sockaddr_storage) -> Option<IpAddr> {
    let family = i32::from(from.ss_family);
    let from: *const libc::sockaddr_storage = from;
    match family {
        libc::AF_INET => {
            // SAFETY: the kernel wrote a sockaddr_in for AF_INET.
            let v4 = unsafe { *from.cast::<libc::sockaddr_in>() };
            Some(IpAddr::V4(Ipv4Addr::from(v4.sin_addr.s_addr.to_ne_bytes())))
        }
        libc::AF_INET6 => {
            // SAFETY: the kernel wrote a sockaddr_in6 for AF_INET6.
            let v6 = unsafe { *from.cast::<libc::sockaddr_in6>() };
            Some(IpAddr::V6(Ipv6Addr::from(v6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

fn bind(fd: &OwnedFd, address: &impl SocketAddress) -> io::Result<()> {
    let (address, length) = address.raw();
    // SAFETY: address is valid for its length.
    checked(unsafe { libc::bind(fd.as_raw_fd(), address, length) } as isize)
}

/// Never blocks: a full send buffer (a slow qdisc) answers EAGAIN at once
/// instead of holding the action.
fn send_to(fd: &OwnedFd, bytes: &[u8], address: &impl SocketAddress) -> io::Result<()> {
    let (address, length) = address.raw();
    let data = bytes.as_ptr().cast();
    let flags = libc::MSG_DONTWAIT;
    // SAFETY: bytes and address are valid for the lengths given.
    checked(unsafe { libc::sendto(fd.as_raw_fd(), data, bytes.len(), flags, address, length) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixDatagram;
    use std::time::Duration;

    /// A datagram socket with `count` datagrams of `bytes` queued.
    fn queued(count: usize, bytes: &[u8]) -> OwnedFd {
        let (sender, receiver) = UnixDatagram::pair().unwrap();
        for _ in 0..count {
            sender.send(bytes).unwrap();
        }
        OwnedFd::from(receiver)
    }

    /// A socket that is never empty (a flood) cannot hold a wait past its
    /// deadline: once it has passed, what is read is discarded and the
    /// wait ends, so every receive loop that asks again ends too.
    #[test]
    fn a_flood_never_outlasts_the_deadline() {
        let fd = queued(64, b"unrelated");
        let mut buffer = [0u8; 64];
        let read = |buffer: &mut [u8]| recv_now(&fd, buffer);
        let soon = Instant::now() + Duration::from_secs(1);
        let got = receive_when_ready(&fd, soon, || read(&mut buffer)).unwrap();
        assert_eq!(got, Some(9), "before the deadline a frame is read");
        let past = Instant::now() - Duration::from_millis(1);
        let got = receive_when_ready(&fd, past, || read(&mut buffer)).unwrap();
        assert_eq!(got, None, "after it, nothing is, though more is queued");
    }

    /// A look at what is queued hands out every queued frame (however
    /// late) and ends as soon as none is left: it never waits.
    #[test]
    fn a_look_at_the_queue_takes_what_is_there_and_never_waits() {
        let fd = queued(3, b"queued");
        let mut buffer = [0u8; 64];
        let mut read = || recv_now(&fd, &mut buffer);
        for _ in 0..3 {
            assert_eq!(receive_queued(&mut read).unwrap(), Some(6));
        }
        let began = Instant::now();
        assert_eq!(receive_queued(&mut read).unwrap(), None);
        assert!(began.elapsed() < Duration::from_millis(50));
    }
}
