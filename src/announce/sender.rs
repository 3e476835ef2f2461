//! The background sender: the rounds after the first, sent by a detached
//! process so that start returns at once (arp_bg), and the closed loop's
//! extension, which always runs here (also after foreground rounds, when
//! arp_bg is false: start must not block for garp_window).
//!
//! Its pid file, `$HA_RSCTMP/send_arp-<ip>` (IPaddr2's name, with the
//! namespace added when one is set), is written before it sends anything:
//! the child waits on a pipe until the parent has written it, and gives up
//! if the parent dies first. The pid file is exactly one line, the bare
//! pid (the stock agent's stop runs ``kill `cat pidfile` ``); beside it a
//! companion file of floatip's own records the sender's start time (field
//! 22 of /proc/<pid>/stat, clock ticks since boot, untouched by steps of
//! the wall clock).
//!
//! stop ends the sender before removing the address (a late frame from the
//! old owner would undo a failover), and signals only a process it has
//! proven to be the sender, held through a pidfd so that a recycled pid can
//! never be hit: with the companion, the pid's start time must match it
//! exactly (so no other floatip process, another resource's action, an
//! operator's `floatip garp` or a keeper, is ever signalled); without it
//! (a pid file the stock IPaddr2 wrote) the process must be one of the
//! stock agent's senders, so clusters can switch agents. The waits come
//! out of stop's own timeout budget: when it runs short the sender is
//! killed and stop goes on to remove the address (a sender re-checks the
//! address before every round and exits when it is gone).

use std::fs;
use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::announce::probe::LateWatch;
use crate::announce::schedule::Schedule;
use crate::announce::{collision, run_and_report, Announcer, Limits, Progress, Stopped};
use crate::config::paths;
use crate::netlink::Netlink;
use crate::ocf::log;
use crate::state;
use crate::sys::process::{self, Forked};

/// Programs whose pid files stop may act on: ours, and the stock agent's.
const STOCK_SENDERS: &[&str] = &["send_arp", "arping", "ipoibarping", "send_ua"];

/// How long stop waits at most for a signalled sender to go, before
/// killing it (and again after): less when the action's budget is short.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// A pid file holds one pid; anything longer is not one of ours.
const PID_FILE_LIMIT: usize = 32;

/// Every file of one sender.
fn remove_files(pid_file: &Path) {
    state::remove(pid_file);
    state::remove(&paths::sender_companion(pid_file));
    state::remove(&paths::sender_schedule(pid_file));
}

/// Starts the detached sender for what is left of `events` (the caller
/// has sent the first round, or all of them), then the extension within
/// `window` of the first round. Returns once the pid file names it.
pub fn spawn(
    announcer: Announcer,
    events: Schedule,
    progress: Progress,
    window: Duration,
    pid_file: &Path,
    late: Option<LateWatch>,
) -> io::Result<()> {
    if let Some(dir) = pid_file.parent() {
        state::ensure_dir(dir)?;
    }
    let (ready_read, ready_write) = process::pipe()?;
    let pid = match process::fork()? {
        Forked::Child => {
            drop(ready_write);
            let work = Work {
                announcer,
                events,
                progress,
                window,
                late,
            };
            process::exit_child(child(work, pid_file, ready_read))
        }
        Forked::Parent(pid) => pid,
    };
    drop(ready_read);
    let result = write_pid_file(pid_file, pid);
    let mut go = fs::File::from(ready_write);
    if result.is_ok() {
        go.write_all(b"g")?;
    }
    // On failure the pipe closes without a byte and the child exits unsent.
    result
}

/// What the sender is handed.
struct Work {
    announcer: Announcer,
    events: Schedule,
    progress: Progress,
    window: Duration,
    /// dad_mode=probe's late listening, what is left of it.
    late: Option<LateWatch>,
}

fn child(mut work: Work, pid_file: &Path, ready: OwnedFd) -> i32 {
    let mut byte = [0u8; 1];
    let mut ready = fs::File::from(ready);
    if !matches!(ready.read(&mut byte), Ok(1)) {
        return 0;
    }
    drop(ready);
    let mut keep = work.announcer.descriptors();
    keep.extend(work.late.iter().flat_map(LateWatch::descriptors));
    process::detach(&keep);
    write_schedule(pid_file, &work.events, work.progress.first_round);
    let mut netlink = Netlink::open().ok();
    let limits = Limits {
        deadline: None,
        window: work.window,
        extend: true,
        watch: work.late.as_ref(),
    };
    let mut result = run_and_report(
        &work.announcer,
        &mut work.events,
        &mut work.progress,
        &limits,
        netlink.as_mut(),
    );
    // The rounds are over before the late listening is: it goes on alone.
    if let (Ok(()), Some(late)) = (&result, &work.late) {
        if let Some(mac) = late.wait(late.until()) {
            result = Err(Stopped::Collision(mac));
        }
    }
    work.progress.losses.report(work.announcer.ip());
    if let Some(pacer) = work.announcer.pacer().filter(|p| !p.waited().is_zero()) {
        log::info(format!(
            "garp_rate={}: the frames announcing {} waited {} ms in all for the budget of {}",
            pacer.rate(),
            work.announcer.ip(),
            pacer.waited().as_millis(),
            pacer.port()
        ));
    }
    if let (Err(Stopped::Collision(mac)), Some(late)) = (&result, &work.late) {
        let ip = work.announcer.ip();
        let reason = collision::reason(ip, *mac, late.link_name());
        if let Some(netlink) = netlink.as_mut() {
            collision::withdraw(netlink, ip, work.announcer.ifindex);
        }
        collision::record(pid_file, &reason);
    }
    // Remove the pid file only while it still names us.
    if read_pid(pid_file) == Some(std::process::id() as i32) {
        remove_files(pid_file);
    }
    0
}

/// The schedule record, written by the sender itself so that start does
/// not wait for it. Informational only: a sender without it still runs and
/// stops.
fn write_schedule(pid_file: &Path, events: &Schedule, start: Instant) {
    let first_round = SystemTime::now() - start.elapsed();
    let millis = first_round
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let record = format!("{millis} {}\n", events.to_record());
    let _ = state::write_atomically(&paths::sender_schedule(pid_file), record.as_bytes());
}

/// The companion first, then the pid file, each written atomically: a pid
/// file of ours never appears without the start time that proves it.
fn write_pid_file(path: &Path, pid: i32) -> io::Result<()> {
    let started = process::start_ticks(pid).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "the sender's start time is unreadable",
        )
    })?;
    state::write_atomically(
        &paths::sender_companion(path),
        format!("{pid} {started}\n").as_bytes(),
    )?;
    state::write_atomically(path, format!("{pid}\n").as_bytes())
}

fn read_pid(path: &Path) -> Option<i32> {
    state::read_small(path, PID_FILE_LIMIT)
        .ok()??
        .trim()
        .parse()
        .ok()
}

/// The start time the companion records for `pid`, if it is about `pid`.
fn recorded_start(pid_file: &Path, pid: i32) -> Option<u64> {
    let text = state::read_small(&paths::sender_companion(pid_file), 64).ok()??;
    let mut words = text.split_whitespace();
    let recorded_pid: i32 = words.next()?.parse().ok()?;
    let ticks: u64 = words.next()?.parse().ok()?;
    (recorded_pid == pid && words.next().is_none()).then_some(ticks)
}

/// A background sender as `floatip show` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub pid: i32,
    pub started: Option<SystemTime>,
    /// Announcements (rounds, or frames with fixed spacing) still to
    /// come, when floatip's schedule record is there to tell.
    pub left: Option<u64>,
}

/// The sender the pid file names, if it is one and it runs; never
/// signals anything, and reads only what any user may read.
pub fn inspect(pid_file: &Path, ip: IpAddr) -> Option<Running> {
    let pid = read_pid(pid_file).filter(|pid| *pid > 1)?;
    if !process::is_running(pid) || !is_sender(pid, pid_file, ip) {
        return None;
    }
    let left = schedule_record(pid_file).and_then(|(first_round, record)| {
        let elapsed = SystemTime::now()
            .duration_since(first_round)
            .unwrap_or_default();
        Some(Schedule::from_record(&record)?.left_after(elapsed))
    });
    Some(Running {
        pid,
        started: process::start_time(pid),
        left,
    })
}

/// The schedule record: when the first round left, and the schedule.
fn schedule_record(pid_file: &Path) -> Option<(SystemTime, String)> {
    let text = state::read_small(&paths::sender_schedule(pid_file), 256).ok()??;
    let (millis, record) = text.trim().split_once(' ')?;
    let first_round = UNIX_EPOCH + Duration::from_millis(millis.parse().ok()?);
    Some((first_round, record.to_owned()))
}

/// When the running sender's announcement began: its schedule record's
/// first round, or (a sender without one, such as the stock agent's) when
/// its pid file was written.
pub fn first_round(pid_file: &Path) -> Option<SystemTime> {
    schedule_record(pid_file)
        .map(|(first_round, _)| first_round)
        .or_else(|| {
            fs::symlink_metadata(pid_file)
                .and_then(|m| m.modified())
                .ok()
        })
}

/// stop's part: ends the sender named by the pid file, if it is one,
/// within `deadline`.
pub fn stop(pid_file: &Path, ip: IpAddr, deadline: Instant) {
    let text = match state::read_small(pid_file, PID_FILE_LIMIT) {
        Ok(Some(text)) => text,
        Ok(None) => {
            remove_files(pid_file);
            return;
        }
        Err(e) => {
            // Nothing is signalled on such a file's word; the address is
            // still removed, and a sender of ours that may be running
            // exits at its next look at the address.
            log::warn(format!(
                "Could not read {}: {e}: removed; nothing is signalled, and a sender of {ip}, \
                 if one runs, ends at its next address check",
                pid_file.display()
            ));
            remove_files(pid_file);
            return;
        }
    };
    match text.trim().parse::<i32>() {
        Ok(pid) if pid > 1 => match end_sender(pid, pid_file, ip, deadline) {
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
    remove_files(pid_file);
}

/// Ends `pid` if it is the sender; `Ok(false)` if it is not (or is gone).
/// SIGTERM, then SIGKILL when it has not gone within its share of the
/// budget; a process that outlives even that is reported, and stop goes on.
fn end_sender(pid: i32, pid_file: &Path, ip: IpAddr, deadline: Instant) -> io::Result<bool> {
    let Some(process) = process::Process::open(pid)? else {
        return Ok(false);
    };
    // Checked after the process is held (by pidfd, or by its start time):
    // the pid cannot be recycled under us.
    if !is_sender(pid, pid_file, ip) {
        return Ok(false);
    }
    let left = || deadline.saturating_duration_since(Instant::now());
    process.signal(libc::SIGTERM)?;
    if process.wait_exit(EXIT_WAIT.min(left() / 2))? {
        return Ok(true);
    }
    process.signal(libc::SIGKILL)?;
    if process.wait_exit(EXIT_WAIT.min(left()))? {
        return Ok(true);
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        "the sender did not exit within stop's timeout; the address is removed anyway",
    ))
}

/// With floatip's companion: exactly the process that was forked as the
/// sender (same pid, same start time since boot). Without it: a sender of
/// the stock agent's, which names this VIP on its command line or started
/// no later than the pid file was written.
fn is_sender(pid: i32, pid_file: &Path, ip: IpAddr) -> bool {
    if let Some(recorded) = recorded_start(pid_file, pid) {
        return process::start_ticks(pid) == Some(recorded);
    }
    let Ok(exe) = fs::read_link(format!("/proc/{pid}/exe")) else {
        return false;
    };
    let stock = exe
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| STOCK_SENDERS.contains(&n.trim_end_matches(" (deleted)")));
    stock && (names_ip(pid, ip) || started_before(pid, pid_file))
}

/// Whether the process's command line has the VIP as one of its words
/// (send_arp and send_ua take it as an argument): proof of identity that
/// no clock can disturb.
fn names_ip(pid: i32, ip: IpAddr) -> bool {
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    cmdline
        .split(|b| *b == 0)
        .filter_map(|word| std::str::from_utf8(word).ok())
        .any(|word| word.parse::<IpAddr>() == Ok(ip))
}

/// True when the process started no later than the pid file was written
/// (with a second of slack for clock granularity): a process that started
/// after that cannot be the one the file names.
fn started_before(pid: i32, pid_file: &Path) -> bool {
    let (Some(started), Ok(written)) = (
        process::start_time(pid),
        fs::symlink_metadata(pid_file).and_then(|m| m.modified()),
    ) else {
        return false;
    };
    started <= written + Duration::from_secs(2)
}
