//! The background sender: the rounds after the first, sent by a detached
//! process so that start returns at once (arp_bg).
//!
//! Its pid file, `$HA_RSCTMP/send_arp-<ip>` (IPaddr2's name, with the
//! namespace added when one is set), is written before it sends anything:
//! the child waits on a pipe until the parent has written it, and gives up
//! if the parent dies first. stop ends the sender before removing the
//! address (a late frame from the old owner would undo a failover), and
//! signals only a process it has proven to be a sender: the right program,
//! started no later than the pid file was written, held through a pidfd so
//! that a recycled pid can never be hit. A sender the stock IPaddr2 left
//! (send_arp or arping) is ended the same way, so clusters can switch.

use std::fs;
use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::announce::schedule::Event;
use crate::announce::{report, run, Announcer};
use crate::netlink::Netlink;
use crate::ocf::log;

const DEFAULT_RSCTMP: &str = "/run/resource-agents";

/// Programs whose pid files stop may act on: ours, and the stock agent's.
const STOCK_SENDERS: &[&str] = &["send_arp", "arping", "ipoibarping", "send_ua"];

/// How long stop waits for a signalled sender to go.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// `$HA_RSCTMP`, resource-agents' directory for small state files.
pub fn rsctmp(configured: Option<&str>) -> PathBuf {
    PathBuf::from(
        configured
            .filter(|d| !d.is_empty())
            .unwrap_or(DEFAULT_RSCTMP),
    )
}

pub fn pid_file(configured_rsctmp: Option<&str>, namespace: Option<&str>, ip: IpAddr) -> PathBuf {
    let name = match namespace {
        Some(ns) => format!("send_arp-{ns}-{ip}"),
        None => format!("send_arp-{ip}"),
    };
    rsctmp(configured_rsctmp).join(name)
}

/// Starts the detached sender for `events` (the rounds after the first,
/// which the caller has sent).
/// Returns once the pid file names it.
pub fn spawn(
    announcer: Announcer,
    events: Vec<Event>,
    start: Instant,
    pid_file: &Path,
) -> io::Result<()> {
    if let Some(dir) = pid_file.parent() {
        fs::create_dir_all(dir)?;
    }
    let (ready_read, ready_write) = pipe()?;
    // SAFETY: floatip is single-threaded, so the child may do anything the
    // parent could; it leaves only through _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        drop(ready_write);
        let code = child(announcer, &events, start, pid_file, ready_read);
        // SAFETY: ends the child without running the parent's exit handlers.
        unsafe { libc::_exit(code) };
    }
    drop(ready_read);
    let result = write_pid_file(pid_file, pid);
    let mut go = fs::File::from(ready_write);
    if result.is_ok() {
        go.write_all(b"g")?;
    }
    // On failure the pipe closes without a byte and the child exits unsent.
    result
}

fn child(
    announcer: Announcer,
    events: &[Event],
    start: Instant,
    pid_file: &Path,
    ready: OwnedFd,
) -> i32 {
    let mut byte = [0u8; 1];
    let mut ready = fs::File::from(ready);
    if !matches!(ready.read(&mut byte), Ok(1)) {
        return 0;
    }
    drop(ready);
    detach(&announcer);
    let ip = announcer.ip();
    let mut netlink = Netlink::open().ok();
    let result = run(&announcer, events, start, None, netlink.as_mut());
    report(&result, ip);
    // Remove the pid file only while it still names us.
    if read_pid(pid_file) == Some(std::process::id() as i32) {
        let _ = fs::remove_file(pid_file);
    }
    0
}

/// Its own session, no terminal, stdio on /dev/null so Pacemaker's pipes
/// close, and no descriptor but the announcer's own.
fn detach(announcer: &Announcer) {
    // SAFETY: plain system calls on this process's own descriptors.
    unsafe {
        libc::setsid();
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for fd in 0..3 {
                libc::dup2(null, fd);
            }
            if null > 2 {
                libc::close(null);
            }
        }
    }
    close_other_descriptors(&announcer.descriptors());
}

/// Closes every descriptor from 3 up except those in `keep`.
fn close_other_descriptors(keep: &[RawFd]) {
    let mut keep: Vec<libc::c_uint> = keep.iter().map(|fd| *fd as libc::c_uint).collect();
    keep.sort_unstable();
    let mut from: libc::c_uint = 3;
    for fd in keep.into_iter().filter(|fd| *fd >= 3) {
        if fd > from {
            // SAFETY: close_range only closes descriptors.
            unsafe { libc::syscall(libc::SYS_close_range, from, fd - 1, 0 as libc::c_uint) };
        }
        from = fd + 1;
    }
    // SAFETY: as above.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            from,
            libc::c_uint::MAX,
            0 as libc::c_uint,
        )
    };
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 fills both descriptors on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both are fresh descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Written under a temporary name and renamed, so a reader never sees a
/// half-written pid.
fn write_pid_file(path: &Path, pid: i32) -> io::Result<()> {
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&temporary, format!("{pid}\n"))?;
    fs::rename(&temporary, path).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })
}

fn read_pid(path: &Path) -> Option<i32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// stop's part: ends the sender named by the pid file, if it is one.
pub fn stop(pid_file: &Path, ip: IpAddr) {
    let text = match fs::read_to_string(pid_file) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(e) => {
            log::warn(format!("Could not read {}: {e}", pid_file.display()));
            return;
        }
    };
    match text.trim().parse::<i32>() {
        Ok(pid) if pid > 1 => match end_sender(pid, pid_file) {
            Ok(true) => log::info(format!("killed previously running send_arp for {ip}")),
            Ok(false) => log::info(format!(
                "{} names process {pid}, which is not an announcement sender: left alone",
                pid_file.display()
            )),
            Err(e) => log::warn(format!(
                "Could not kill previously running send_arp for {ip}: {e}"
            )),
        },
        _ => log::warn(format!(
            "{} holds no process id: removed",
            pid_file.display()
        )),
    }
    let _ = fs::remove_file(pid_file);
}

/// Ends `pid` if it is a sender; `Ok(false)` if it is not (or is gone).
fn end_sender(pid: i32, pid_file: &Path) -> io::Result<bool> {
    let Some(pidfd) = pidfd_open(pid)? else {
        return Ok(false);
    };
    // Checked after the pidfd is held: the pid cannot be recycled under us.
    if !is_sender(pid, pid_file) {
        return Ok(false);
    }
    pidfd_signal(&pidfd, libc::SIGTERM)?;
    if !wait_exit(&pidfd, EXIT_WAIT)? {
        pidfd_signal(&pidfd, libc::SIGKILL)?;
        if !wait_exit(&pidfd, EXIT_WAIT)? {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the sender did not exit",
            ));
        }
    }
    Ok(true)
}

fn is_sender(pid: i32, pid_file: &Path) -> bool {
    let Ok(exe) = fs::read_link(format!("/proc/{pid}/exe")) else {
        return false;
    };
    let ours = fs::read_link("/proc/self/exe").ok();
    let strip = |p: &Path| {
        p.to_string_lossy()
            .trim_end_matches(" (deleted)")
            .to_owned()
    };
    let program_matches = ours.as_deref().map(strip) == Some(strip(&exe))
        || exe
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| STOCK_SENDERS.contains(&n.trim_end_matches(" (deleted)")));
    program_matches && started_before(pid, pid_file)
}

/// True when the process started no later than the pid file was written
/// (with a second of slack for clock granularity): a process that started
/// after that cannot be the one the file names.
fn started_before(pid: i32, pid_file: &Path) -> bool {
    let (Some(started), Ok(written)) = (
        process_start(pid),
        fs::metadata(pid_file).and_then(|m| m.modified()),
    ) else {
        return false;
    };
    started <= written + Duration::from_secs(2)
}

fn process_start(pid: i32) -> Option<SystemTime> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may itself hold spaces.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let start_ticks: u64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
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

/// Waits until the process behind `pidfd` has exited (the pidfd becomes
/// readable); false on timeout.
fn wait_exit(pidfd: &OwnedFd, timeout: Duration) -> io::Result<bool> {
    let mut poll = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut poll, 1, left.as_millis() as libc::c_int) };
        if rc > 0 {
            return Ok(true);
        }
        if rc == 0 {
            return Ok(false);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}
