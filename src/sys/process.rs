//! Processes: fork (floatip is single-threaded, so a child may do what
//! the parent could), detaching, pidfds, and what /proc says of a process.

use std::fs;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::sys::{fallbacks, poll};

/// fork and setns act on the calling thread only: both are safe here
/// because floatip never starts a thread. Checked in debug builds.
pub fn debug_assert_single_threaded() {
    debug_assert_eq!(thread_count(), Some(1), "floatip must stay single-threaded");
}

fn thread_count() -> Option<usize> {
    Some(fs::read_dir("/proc/self/task").ok()?.count())
}

/// The two ends of a close-on-exec pipe: (read, write).
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?)
}

/// Where fork left this process.
pub enum Forked {
    Parent(libc::pid_t),
    Child,
}

/// fork(2). The child must leave through [`exit_child`], never by
/// returning into the parent's code path.
pub fn fork() -> io::Result<Forked> {
    debug_assert_single_threaded();
    // SAFETY: floatip is single-threaded, so the child may do anything the
    // parent could.
    match unsafe { libc::fork() } {
        pid if pid < 0 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

/// Ends a forked child without running the parent's exit handlers.
pub fn exit_child(code: i32) -> ! {
    // SAFETY: _exit has no preconditions (nix has no safe wrapper).
    unsafe { libc::_exit(code) }
}

/// Releasing a packet socket waits for an RCU grace period (the kernel's
/// packet_release calls synchronize_net: about 10 ms here), paid by
/// whoever drops the last reference. So that this is never the agent
/// itself (nor the background sender that stop waits for), a socket gets
/// a keeper: a forked child, executing nothing, that holds a reference and
/// waits until every holder of the keeper pipe's write end has exited
/// (also when killed), then lets go. `None` when it cannot be had, in
/// which case the agent simply pays the grace period itself.
pub fn spawn_keeper() -> Option<OwnedFd> {
    let (read_end, write_end) = pipe().ok()?;
    match fork().ok()? {
        Forked::Child => {
            drop(write_end);
            // SAFETY: closes this process's own standard descriptors:
            // nothing of Pacemaker's (its pipes) may be held open by us.
            unsafe {
                for fd in 0..3 {
                    libc::close(fd);
                }
            }
            let mut byte = [0u8];
            while let Err(nix::errno::Errno::EINTR) = nix::unistd::read(&read_end, &mut byte) {}
            exit_child(0)
        }
        Forked::Parent(_) => Some(write_end),
    }
}

/// Its own session, no terminal, stdio on /dev/null so Pacemaker's pipes
/// close, and no descriptor but `keep`. A step that fails leaves that
/// much undone and the rest still done: the sender announces either way.
pub fn detach(keep: &[RawFd]) {
    let _ = nix::unistd::setsid();
    if let Ok(null) = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = nix::unistd::dup2_stdin(&null);
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
        if null.as_raw_fd() <= 2 {
            // It was opened as a closed standard descriptor: it stays one.
            std::mem::forget(null);
        }
    }
    close_other_descriptors(keep);
}

/// Closes every descriptor from 3 up except those in `keep`.
fn close_other_descriptors(keep: &[RawFd]) {
    let mut keep: Vec<libc::c_uint> = keep.iter().map(|fd| *fd as libc::c_uint).collect();
    keep.sort_unstable();
    let mut from: libc::c_uint = 3;
    for fd in keep.into_iter().filter(|fd| *fd >= 3) {
        if fd > from {
            close_range(from, fd - 1);
        }
        from = fd + 1;
    }
    close_range(from, libc::c_uint::MAX);
}

/// close_range(2) (Linux 5.9); before it, each open descriptor in the
/// range, as /proc/self/fd lists them.
fn close_range(first: libc::c_uint, last: libc::c_uint) {
    if !fallbacks::forced("close-range") {
        // SAFETY: close_range only closes descriptors.
        let rc = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0 as libc::c_uint) };
        if rc == 0 {
            return;
        }
    }
    let Ok(entries) = fs::read_dir("/proc/self/fd") else {
        return;
    };
    let open: Vec<libc::c_uint> = entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|fd| (first..=last).contains(fd))
        .collect();
    for fd in open {
        // SAFETY: closing a descriptor of this process; the directory's
        // own descriptor is gone with `entries` already.
        unsafe { libc::close(fd as libc::c_int) };
    }
}

/// A process to signal and wait for. Through a pidfd (Linux 5.3) no
/// recycled pid can redirect a signal; before pidfds, by pid, with the
/// process's start time read again right before every signal, so that a
/// pid recycled since is caught (what remains is the microseconds between
/// that read and the signal).
pub enum Process {
    Pidfd(OwnedFd),
    Pid { pid: i32, started: u64 },
}

impl Process {
    /// `None` when there is no such process.
    pub fn open(pid: i32) -> io::Result<Option<Process>> {
        if !fallbacks::forced("pidfd") {
            match pidfd_open(pid) {
                Ok(found) => return Ok(found.map(Process::Pidfd)),
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(start_ticks(pid).map(|started| Process::Pid { pid, started }))
    }

    /// Signals it; one that is gone already is fine.
    pub fn signal(&self, signal: libc::c_int) -> io::Result<()> {
        match self {
            Process::Pidfd(pidfd) => pidfd_signal(pidfd, signal),
            Process::Pid { pid, started } => {
                if start_ticks(*pid) != Some(*started) {
                    return Ok(());
                }
                nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(*pid),
                    nix::sys::signal::Signal::try_from(signal).map_err(io::Error::from)?,
                )
                .or_else(|e| match e {
                    nix::errno::Errno::ESRCH => Ok(()),
                    e => Err(io::Error::from(e)),
                })
            }
        }
    }

    /// Waits until it has exited; false on timeout.
    pub fn wait_exit(&self, timeout: Duration) -> io::Result<bool> {
        let deadline = Instant::now() + timeout;
        match self {
            Process::Pidfd(pidfd) => poll::wait_readable(pidfd, deadline),
            Process::Pid { pid, started } => loop {
                if !is_running(*pid) || start_ticks(*pid) != Some(*started) {
                    return Ok(true);
                }
                if Instant::now() >= deadline {
                    return Ok(false);
                }
                std::thread::sleep(Duration::from_millis(5));
            },
        }
    }
}

/// A pidfd for `pid`, `None` when there is no such process: signals sent
/// through it can never reach a process that reused the pid.
fn pidfd_open(pid: i32) -> io::Result<Option<OwnedFd>> {
    // SAFETY: pidfd_open returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        let error = io::Error::last_os_error();
        return match error.raw_os_error() {
            Some(libc::ESRCH) => Ok(None),
            _ => Err(error),
        };
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) }))
}

/// Signals the process behind `pidfd`; one that is gone already is fine.
fn pidfd_signal(pidfd: &OwnedFd, signal: libc::c_int) -> io::Result<()> {
    // SAFETY: pidfd_send_signal on a descriptor we own, no siginfo.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if rc < 0 {
        let error = io::Error::last_os_error();
        if error.raw_os_error() == Some(libc::ESRCH) {
            return Ok(());
        }
        return Err(error);
    }
    Ok(())
}

/// Whether `pid` runs: a process that exited and waits to be reaped (a
/// zombie) does not.
pub fn is_running(pid: i32) -> bool {
    stat_fields(pid).is_some_and(|fields| fields.split_whitespace().next() != Some("Z"))
}

/// /proc/<pid>/stat after the command name (which may itself hold spaces
/// and parentheses): the state is the first field.
fn stat_fields(pid: i32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(stat.get(stat.rfind(')')? + 2..)?.to_owned())
}

/// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks
/// since boot (untouched by steps of the wall clock).
pub fn start_ticks(pid: i32) -> Option<u64> {
    stat_fields(pid)?.split_whitespace().nth(19)?.parse().ok()
}

/// When the process started, on the wall clock.
pub fn start_time(pid: i32) -> Option<SystemTime> {
    let start_ticks = start_ticks(pid)?;
    let boot: u64 = fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(
        UNIX_EPOCH
            + Duration::from_secs(boot)
            + Duration::from_millis(start_ticks * 1000 / ticks_per_second),
    )
}
