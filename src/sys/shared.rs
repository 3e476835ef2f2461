//! What processes of one node share without talking to each other: the
//! monotonic clock, the boot they run in, the network namespace they are
//! in, and advisory locks the kernel releases when a holder dies.

use std::fs::File;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::thread;
use std::time::{Duration, Instant};

use crate::sys::fallbacks;

/// SO_NETNS_COOKIE (Linux 5.14): a 64-bit number that names a network
/// namespace for as long as the system runs, never reused. 71 on every
/// architecture floatip is built for (mips and sparc differ).
const SO_NETNS_COOKIE: libc::c_int = 71;

/// CLOCK_MONOTONIC in nanoseconds: the clock Instant reads, as a number
/// other processes of the same boot can compare. Steps of the wall clock
/// do not move it.
pub fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    u64::try_from(now.tv_sec)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::try_from(now.tv_nsec).unwrap_or(0))
}

/// The Instant `ns` (a [`monotonic_ns`] reading) stands for.
pub fn instant_of(ns: u64) -> Instant {
    let (now, now_ns) = (Instant::now(), monotonic_ns());
    if ns >= now_ns {
        now + Duration::from_nanos(ns - now_ns)
    } else {
        now.checked_sub(Duration::from_nanos(now_ns - ns))
            .unwrap_or(now)
    }
}

/// This boot's id: records of another boot mean nothing in this one.
pub fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|id| id.trim().to_owned())
        .unwrap_or_default()
}

/// The network namespace this thread is in, as a file name's part:
/// `c<cookie>` from SO_NETNS_COOKIE of a socket opened here (after
/// setns), else `i<dev>-<inode>` of its nsfs file. Inode numbers are
/// reused as soon as a namespace is gone, which is why whoever keys
/// records by them must ignore old records.
pub fn namespace_id() -> io::Result<String> {
    if let Some(cookie) = namespace_cookie().filter(|_| !fallbacks::forced("netns-cookie")) {
        return Ok(format!("c{cookie}"));
    }
    let metadata = std::fs::metadata("/proc/thread-self/ns/net")?;
    Ok(format!("i{}-{}", metadata.dev(), metadata.ino()))
}

fn namespace_cookie() -> Option<u64> {
    // SAFETY: socket(2) has no memory arguments; the descriptor is owned
    // at once.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: fd is a fresh descriptor nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut cookie: u64 = 0;
    let mut length = mem::size_of::<u64>() as libc::socklen_t;
    // SAFETY: the kernel writes at most `length` bytes into `cookie`.
    let got = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_NETNS_COOKIE,
            (&mut cookie as *mut u64).cast(),
            &mut length,
        )
    };
    (got == 0 && length as usize == mem::size_of::<u64>()).then_some(cookie)
}

/// How often a taken lock is tried again.
const LOCK_RETRY: Duration = Duration::from_micros(500);

/// Takes `file`'s exclusive flock, trying for at most `patience`: a
/// holder that is stopped (SIGSTOP) cannot hang the caller. The kernel
/// drops the lock when the file is closed or its holder dies.
pub fn lock_exclusive(file: &File, patience: Duration) -> io::Result<()> {
    let give_up = Instant::now() + patience;
    loop {
        // SAFETY: flock(2) on a descriptor this File owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        let taken = matches!(error.raw_os_error(), Some(libc::EWOULDBLOCK | libc::EINTR));
        if !taken || Instant::now() >= give_up {
            return Err(error);
        }
        thread::sleep(LOCK_RETRY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_and_the_namespace_are_readable() {
        let before = monotonic_ns();
        assert!(monotonic_ns() >= before);
        let when = instant_of(before + 1_000_000_000);
        assert!(when > Instant::now() + Duration::from_millis(900));
        let id = namespace_id().unwrap();
        assert!(id.starts_with('c') || id.starts_with('i'), "{id}");
        assert_eq!(id, namespace_id().unwrap(), "stable within a namespace");
        assert_eq!(boot_id().len(), 36);
    }
}
