//! AF_PACKET sockets on one interface. Announcements use protocol 0, so the
//! kernel queues nothing for them to read; conflict probes bind to the
//! protocol whose answers they wait for.
//!
//! Releasing a packet socket waits for an RCU grace period (the kernel's
//! packet_release calls synchronize_net: about 10 ms here), paid by whoever
//! drops the last reference. So that this is never the agent itself (nor
//! the background sender that stop waits for), each socket gets a keeper:
//! a forked child, executing nothing, that holds a reference and waits
//! until every holder of the keeper pipe has exited (also when killed),
//! then lets go.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub struct PacketSocket {
    fd: OwnedFd,
    ifindex: i32,
    /// Write end of the keeper's pipe: the keeper lets go of the socket
    /// when every copy of this end is closed.
    keeper: Option<OwnedFd>,
}

impl PacketSocket {
    pub fn open(ifindex: u32) -> io::Result<PacketSocket> {
        // SAFETY: socket(2) with constant arguments; the result is checked
        // and owned from here on.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let ifindex = i32::try_from(ifindex).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "interface index out of range")
        })?;
        let keeper = spawn_keeper();
        Ok(PacketSocket {
            fd,
            ifindex,
            keeper,
        })
    }

    /// The descriptors a forked process must keep for this socket to stay
    /// usable and cheap to release.
    pub fn descriptors(&self) -> Vec<std::os::fd::RawFd> {
        let mut fds = vec![self.fd.as_raw_fd()];
        fds.extend(self.keeper.as_ref().map(|k| k.as_raw_fd()));
        fds
    }

    /// A socket that also receives `protocol` frames seen on the interface.
    pub fn open_receiving(ifindex: u32, protocol: u16) -> io::Result<PacketSocket> {
        let socket = PacketSocket::open(ifindex)?;
        // SAFETY: sockaddr_ll is plain data; zeroed is valid.
        let mut address: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_protocol = protocol.to_be();
        address.sll_ifindex = socket.ifindex;
        // SAFETY: address is valid for its length.
        let rc = unsafe {
            libc::bind(
                socket.fd.as_raw_fd(),
                (&address as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(socket)
    }

    /// Receives one frame, waiting until `deadline`; `None` on timeout.
    pub fn receive(
        &self,
        buffer: &mut [u8],
        deadline: std::time::Instant,
    ) -> io::Result<Option<usize>> {
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let mut poll = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let millis = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut poll, 1, millis) };
            if ready < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
            if ready == 0 {
                return Ok(None);
            }
            // SAFETY: buffer is valid for its length.
            let got = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if got < 0 {
                let error = io::Error::last_os_error();
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) {
                    continue;
                }
                return Err(error);
            }
            return Ok(Some(got as usize));
        }
    }

    /// Sends one complete Ethernet frame (header included) to `destination`.
    pub fn send(&self, frame: &[u8], destination: [u8; 6], protocol: u16) -> io::Result<()> {
        // SAFETY: sockaddr_ll is plain data; zeroed is a valid value.
        let mut address: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_protocol = protocol.to_be();
        address.sll_ifindex = self.ifindex;
        address.sll_halen = 6;
        address.sll_addr[..6].copy_from_slice(&destination);
        // SAFETY: frame and address are valid for the lengths given.
        let sent = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&address as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Forks the keeper (see the module documentation); `None` when it cannot
/// be had, in which case the agent simply pays the grace period itself.
fn spawn_keeper() -> Option<OwnedFd> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe2 fills both descriptors on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return None;
    }
    let (read_end, write_end) = (fds[0], fds[1]);
    // SAFETY: floatip is single-threaded; the child calls only
    // async-signal-safe functions and leaves through _exit.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        unsafe {
            libc::close(write_end);
            // Nothing of Pacemaker's (its pipes) may be held open by us.
            for fd in 0..3 {
                libc::close(fd);
            }
            let mut byte = 0u8;
            while libc::read(read_end, (&mut byte as *mut u8).cast(), 1) != 0 {
                if *libc::__errno_location() != libc::EINTR {
                    break;
                }
            }
            libc::_exit(0);
        }
    }
    // SAFETY: read_end is ours to close; write_end is owned from here on.
    unsafe { libc::close(read_end) };
    if pid < 0 {
        unsafe { libc::close(write_end) };
        return None;
    }
    Some(unsafe { OwnedFd::from_raw_fd(write_end) })
}
