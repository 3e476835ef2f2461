//! garp_rate: the node's announcement frames through one switch port, kept
//! within a rate the switch accepts. Switches police ARP per port (Cisco's
//! Dynamic ARP Inspection err-disables a port above 15 ARP packets per
//! second by default), and when a node takes over, Pacemaker starts its
//! VIPs several at a time, each a separate floatip process.
//!
//! - **One budget per port and family.** A port is a network namespace
//!   (its SO_NETNS_COOKIE, else its nsfs device and inode) and the lowest
//!   device a VIP's interface sends through in it (a VLAN or macvlan
//!   counts against its parent). ARP and NDP frames have budgets of their
//!   own, each at garp_rate.
//! - **The ledger.** Each budget is a small file under `$HA_RSCTMP`: the
//!   boot id, the CLOCK_MONOTONIC times of the frames sent within the last
//!   window, and the frames waiting, by process. It is read and rewritten
//!   (atomically, by rename) only inside a flock held for a few
//!   microseconds, never across a sleep; the kernel drops the lock of a
//!   holder that dies. Records of another boot, in the future or older
//!   than the window are ignored, so a killed process's waits lapse within
//!   a second and a wall-clock step changes nothing.
//! - **The rule.** A frame leaves when fewer than garp_rate frames left in
//!   the last [`WINDOW`] (1 s and a guard for scheduling jitter, so that a
//!   capture at the switch sees at most garp_rate in every 1-second
//!   window) and no frame waits ahead of it. Ahead means more urgent
//!   ([`Urgency`]), or as urgent and waiting longer. While VIPs are being
//!   started (a first frame left or waits within [`STARTS_MEMORY`]) the
//!   less urgent frames keep [`reserved`] slots free for the first frames
//!   still to come: Pacemaker starts the next VIP only once one returns.
//! - **A frame counts when it is let go**, whether or not the kernel then
//!   takes it: a lost frame (ENOBUFS) spent its slot, so pacing never sends
//!   more than the rate even when the link drops frames.
//! - **Untrusted state** (a ledger or lock another user could have
//!   written, a symlink, garbage) is ignored with one warning, and the
//!   process then paces itself at garp_rate alone.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::config::{paths, Pacing};
use crate::netlink::{Link, Netlink};
use crate::ocf::log;
use crate::state;
use crate::sys::shared::{self, monotonic_ns};

/// The sliding window garp_rate counts in: a second, and a guard against
/// the jitter between letting a frame go and the wire seeing it.
pub const WINDOW: Duration = Duration::from_millis(1_020);

/// How long after a first frame VIPs count as being started.
const STARTS_MEMORY: Duration = Duration::from_secs(2);

/// How often a waiting process looks again at most: also how fresh its
/// record stays, well within the window after which it lapses.
const POLL: Duration = Duration::from_millis(100);

/// The shortest wait before a waiting frame looks again.
const POLL_BEHIND: Duration = Duration::from_millis(1);

/// How long one look waits for a taken lock; a look that gets no lock
/// looks again soon (the lock is busy, not untrusted).
const LOCK_PATIENCE: Duration = Duration::from_millis(50);

/// The most bytes a ledger may have: far more than any rate needs.
const LEDGER_LIMIT: usize = 256 * 1024;

/// The first line of a ledger.
const LEDGER_MAGIC: &str = "floatip-garp-rate 1";

/// How urgent a frame is; the most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// A VIP's very first frame: until it leaves, no neighbour follows.
    FirstFrame = 0,
    /// The rest of a first round (the other forms, the directed requests).
    FirstRound = 1,
    /// A directed request to a target that has not answered.
    Unanswered = 2,
    /// Later rounds, the extension, refreshes and heals.
    Later = 3,
}

impl Urgency {
    fn from_digit(digit: &str) -> Option<Urgency> {
        Some(match digit {
            "0" => Urgency::FirstFrame,
            "1" => Urgency::FirstRound,
            "2" => Urgency::Unanswered,
            "3" => Urgency::Later,
            _ => return None,
        })
    }
}

/// Which budget of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Arp,
    Ndp,
}

impl Protocol {
    /// The budget frames about `ip` draw from.
    pub fn of(ip: std::net::IpAddr) -> Protocol {
        if ip.is_ipv4() {
            Protocol::Arp
        } else {
            Protocol::Ndp
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Protocol::Arp => "arp",
            Protocol::Ndp => "ndp",
        }
    }
}

/// Slots of a full window the less urgent frames leave to first frames
/// while VIPs are being started: half, but never all.
pub fn reserved(rate: u32) -> u32 {
    (rate / 2).min(rate.saturating_sub(1))
}

/// A process's frame waiting for budget.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Waiter {
    pid: u32,
    urgency: Urgency,
    /// When it began to wait.
    since: u64,
    /// When its process last looked: a record not renewed within the
    /// window belongs to a process that is gone.
    seen: u64,
    /// Frames its process has waiting in all (for `floatip show`).
    frames: u32,
}

impl Waiter {
    fn is_ahead_of(&self, other: &Waiter) -> bool {
        (self.urgency, self.since, self.pid) < (other.urgency, other.since, other.pid)
    }
}

/// One budget's records.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Ledger {
    /// When frames left, oldest first.
    sent: Vec<u64>,
    /// When the last first frame left.
    last_first: Option<u64>,
    waiting: Vec<Waiter>,
}

/// What the rule says of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Go,
    /// Look again at this time (CLOCK_MONOTONIC ns).
    WaitUntil(u64),
}

impl Ledger {
    /// The ledger a file's text records; what is not this boot's, or not
    /// a well-formed ledger, records nothing.
    fn parse(text: &str, boot_id: &str) -> Option<Ledger> {
        let mut lines = text.lines();
        let header = lines.next()?;
        if header.strip_prefix(LEDGER_MAGIC)?.trim() != boot_id {
            return Some(Ledger::default());
        }
        let mut ledger = Ledger::default();
        for line in lines {
            let mut words = line.split_whitespace();
            match words.next()? {
                "sent" => {
                    for word in words {
                        ledger.sent.push(word.parse().ok()?);
                    }
                }
                "first" => ledger.last_first = Some(words.next()?.parse().ok()?),
                "wait" => {
                    let mut number = || words.next().and_then(|w| w.parse::<u64>().ok());
                    let pid = u32::try_from(number()?).ok()?;
                    let urgency = Urgency::from_digit(&number()?.to_string())?;
                    let (since, seen) = (number()?, number()?);
                    let frames = u32::try_from(number()?).ok()?;
                    ledger.waiting.push(Waiter {
                        pid,
                        urgency,
                        since,
                        seen,
                        frames,
                    });
                }
                _ => return None,
            }
        }
        ledger.sent.sort_unstable();
        Some(ledger)
    }

    fn to_text(&self, boot_id: &str) -> String {
        let mut text = format!("{LEDGER_MAGIC} {boot_id}\nsent");
        for at in &self.sent {
            text.push_str(&format!(" {at}"));
        }
        text.push('\n');
        if let Some(first) = self.last_first {
            text.push_str(&format!("first {first}\n"));
        }
        for w in &self.waiting {
            text.push_str(&format!(
                "wait {} {} {} {} {}\n",
                w.pid, w.urgency as u8, w.since, w.seen, w.frames
            ));
        }
        text
    }

    /// Forgets what no longer counts at `now`: frames older than the
    /// window, waits not renewed within it, and anything in the future
    /// (a record no clock of this boot could have written).
    fn prune(&mut self, now: u64) {
        let window = WINDOW.as_nanos() as u64;
        let current = |at: u64| at <= now && now - at < window;
        self.sent.retain(|at| current(*at));
        self.waiting.retain(|w| current(w.seen) && w.since <= now);
        let memory = STARTS_MEMORY.as_nanos() as u64;
        self.last_first = self.last_first.filter(|at| *at <= now && now - at < memory);
    }

    /// Whether VIPs are being started: a first frame left or waits.
    fn starting(&self) -> bool {
        self.last_first.is_some()
            || self
                .waiting
                .iter()
                .any(|w| w.urgency == Urgency::FirstFrame)
    }

    /// The rule, for `me` at `now`, at `rate` frames per window: the frame
    /// goes (and is recorded as sent) when the window has room for it
    /// after every frame waiting ahead of it, else it waits (and is
    /// recorded waiting) until about its turn.
    fn decide(&mut self, mut me: Waiter, now: u64, rate: u32) -> Verdict {
        self.prune(now);
        self.waiting.retain(|w| w.pid != me.pid);
        let limit = if me.urgency == Urgency::FirstFrame || !self.starting() {
            rate
        } else {
            rate - reserved(rate)
        } as usize;
        let in_window = self.sent.len();
        let ahead = self.waiting.iter().filter(|w| w.is_ahead_of(&me)).count();
        if in_window + ahead < limit {
            self.sent.push(now);
            if me.urgency == Urgency::FirstFrame {
                self.last_first = Some(now);
            }
            // Never more than a window's worth is worth keeping.
            let excess = self.sent.len().saturating_sub(rate as usize);
            self.sent.drain(..excess);
            return Verdict::Go;
        }
        // This frame's turn comes when `in_window + ahead + 1 - limit` of
        // the frames in the window have expired; the frames ahead that do
        // not fit yet will take slots that free later still, so the newest
        // expiry is as early as it can be. Waiters look again at least
        // every POLL, which keeps their records fresh.
        let window = WINDOW.as_nanos() as u64;
        let turn = match self.sent.get(in_window + ahead - limit) {
            Some(at) => at + window,
            None => self.sent.last().map_or(now, |at| at + window),
        };
        me.seen = now;
        self.waiting.push(me);
        let until = turn.min(now + POLL.as_nanos() as u64);
        Verdict::WaitUntil(until.max(now + POLL_BEHIND.as_nanos() as u64))
    }

    /// Frames waiting for budget, over every live process.
    fn frames_waiting(&self) -> u32 {
        self.waiting.iter().map(|w| w.frames).sum()
    }
}

/// Where one port's budget is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    ledger: PathBuf,
    lock: PathBuf,
    /// The port, in words, for logs: `eth0` or `eth0.10 (on eth0)`.
    pub port: String,
}

impl Budget {
    /// The budget `link`'s frames of `protocol` draw from, in the network
    /// namespace this process is in.
    pub fn of(
        netlink: &mut Netlink,
        link: &Link,
        protocol: Protocol,
        rsctmp: &Path,
    ) -> io::Result<Budget> {
        let namespace = shared::namespace_id()?;
        let base = base_device(netlink, link);
        let port = if base.index == link.index {
            link.name.to_string()
        } else {
            format!("{} (on {})", link.name, base.name)
        };
        let name = format!("{namespace}-{}.{}", base.index, protocol.as_str());
        let (ledger, lock) = paths::garp_rate_budget(rsctmp, &name);
        Ok(Budget { ledger, lock, port })
    }

    /// Runs `change` on the ledger inside the lock and writes it back.
    /// The clock is read inside the lock: a time read before it could be
    /// older than what another process recorded meanwhile, which would
    /// look like a record from the future.
    fn with_ledger<T>(
        &self,
        boot_id: &str,
        change: impl FnOnce(&mut Ledger, u64) -> T,
    ) -> io::Result<T> {
        let lock = state::open_lock(&self.lock)?;
        shared::lock_exclusive(&lock, LOCK_PATIENCE)?;
        let mut ledger = self.read(boot_id)?;
        let answer = change(&mut ledger, monotonic_ns());
        state::write_atomically(&self.ledger, ledger.to_text(boot_id).as_bytes())?;
        drop::<File>(lock);
        Ok(answer)
    }

    fn read(&self, boot_id: &str) -> io::Result<Ledger> {
        let Some(text) = state::read_small(&self.ledger, LEDGER_LIMIT)? else {
            return Ok(Ledger::default());
        };
        Ledger::parse(&text, boot_id).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a garp_rate ledger", self.ledger.display()),
            )
        })
    }

    /// Frames that wait for this budget now, over every floatip process
    /// on the node (read without the lock: a glance, for `floatip show`).
    /// `None` when no floatip process has used this budget yet.
    pub fn frames_waiting(&self) -> io::Result<Option<u32>> {
        if std::fs::symlink_metadata(&self.ledger).is_err() {
            return Ok(None);
        }
        let mut ledger = self.read(&shared::boot_id())?;
        ledger.prune(monotonic_ns());
        Ok(Some(ledger.frames_waiting()))
    }
}

/// The lowest device `link` sends through in this namespace (itself when
/// it is not stacked on another). A loop or a parent that cannot be read
/// ends the walk where it is.
fn base_device(netlink: &mut Netlink, link: &Link) -> Link {
    let mut base = link.clone();
    for _ in 0..8 {
        let Some(lower) = base.lower else { break };
        match netlink.link_by_index(lower) {
            Ok(Some(parent)) if parent.index != link.index => base = parent,
            _ => break,
        }
    }
    base
}

/// One process's side of a budget.
pub struct Pacer {
    rate: u32,
    budget: Budget,
    boot_id: String,
    /// The shared ledger could not be trusted: this process paces alone,
    /// on a ledger of its own.
    alone: Cell<bool>,
    own: RefCell<Ledger>,
    /// How long the first frame let go waited, once one was.
    first_wait: Cell<Option<Duration>>,
    /// How long frames waited in all.
    waited: Cell<Duration>,
}

impl Pacer {
    /// The pacer for `link`'s frames of `protocol` under `pacing`; `None`
    /// when garp_rate is unlimited. A budget that cannot be located (no
    /// namespace identity) is paced alone.
    pub fn for_link(
        pacing: &Pacing,
        netlink: &mut Netlink,
        link: &Link,
        protocol: Protocol,
    ) -> Option<Pacer> {
        if pacing.rate == 0 {
            return None;
        }
        let (budget, alone) = match Budget::of(netlink, link, protocol, &pacing.rsctmp) {
            Ok(budget) => (budget, false),
            Err(e) => {
                log::warn(format!(
                    "garp_rate: the port of {} cannot be identified ({e}): this process paces its own frames at {} per second",
                    link.name, pacing.rate
                ));
                let budget = Budget {
                    ledger: PathBuf::new(),
                    lock: PathBuf::new(),
                    port: link.name.to_string(),
                };
                (budget, true)
            }
        };
        Some(Pacer {
            rate: pacing.rate,
            budget,
            boot_id: shared::boot_id(),
            alone: Cell::new(alone),
            own: RefCell::new(Ledger::default()),
            first_wait: Cell::new(None),
            waited: Cell::new(Duration::ZERO),
        })
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    pub fn port(&self) -> &str {
        &self.budget.port
    }

    /// How long the first frame let go had waited for budget.
    pub fn first_wait(&self) -> Option<Duration> {
        self.first_wait.get()
    }

    /// How long this process's frames waited in all.
    pub fn waited(&self) -> Duration {
        self.waited.get()
    }

    /// Waits until one frame of `urgency` may leave, or until `deadline`:
    /// `true` when it may (it is counted as sent), `false` when the
    /// deadline came first (nothing is counted). `queued`: the frames this
    /// process has waiting, this one included.
    pub fn admit(&self, urgency: Urgency, queued: u32, deadline: Option<Instant>) -> bool {
        let began = Instant::now();
        let me = Waiter {
            pid: std::process::id(),
            urgency,
            since: monotonic_ns(),
            seen: 0,
            frames: queued.max(1),
        };
        loop {
            let verdict = self.decide(me.clone());
            let until = match verdict {
                Verdict::Go => {
                    let waited = began.elapsed();
                    self.waited.set(self.waited.get() + waited);
                    if self.first_wait.get().is_none() {
                        self.first_wait.set(Some(waited));
                    }
                    return true;
                }
                Verdict::WaitUntil(at) => shared::instant_of(at),
            };
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                self.withdraw();
                return false;
            }
            let until = deadline.map_or(until, |d| until.min(d));
            if until > now {
                thread::sleep(until - now);
            }
        }
    }

    fn decide(&self, me: Waiter) -> Verdict {
        if !self.alone.get() {
            let decided = self.budget.with_ledger(&self.boot_id, |ledger, now| {
                ledger.decide(me.clone(), now, self.rate)
            });
            match decided {
                Ok(verdict) => return verdict,
                // Busy, not untrusted: look again soon.
                Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => {
                    return Verdict::WaitUntil(monotonic_ns() + POLL_BEHIND.as_nanos() as u64)
                }
                Err(e) => self.go_alone(&e),
            }
        }
        let mut own = self.own.borrow_mut();
        // Alone there is nobody to wait behind.
        own.waiting.clear();
        own.decide(me, monotonic_ns(), self.rate)
    }

    /// Takes this process's wait off the ledger (its deadline came).
    fn withdraw(&self) {
        if self.alone.get() {
            return;
        }
        let pid = std::process::id();
        let removed = self.budget.with_ledger(&self.boot_id, |ledger, _| {
            ledger.waiting.retain(|w| w.pid != pid);
        });
        // A record left behind lapses within the window anyway.
        match removed {
            Err(e) if e.raw_os_error() != Some(libc::EWOULDBLOCK) => self.go_alone(&e),
            _ => {}
        }
    }

    fn go_alone(&self, error: &io::Error) {
        self.alone.set(true);
        log::warn(format!(
            "garp_rate: the budget of {} cannot be shared ({error}): ignored; this process \
             paces its own frames at {} per second",
            self.budget.port, self.rate
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn waiter(pid: u32, urgency: Urgency, since: u64) -> Waiter {
        Waiter {
            pid,
            urgency,
            since,
            seen: since,
            frames: 1,
        }
    }

    /// Every window of WINDOW holds at most `rate` of `sent`.
    fn within_rate(sent: &[u64], rate: usize) -> bool {
        let window = WINDOW.as_nanos() as u64;
        sent.iter().all(|start| {
            sent.iter()
                .filter(|t| **t >= *start && **t - start < window)
                .count()
                <= rate
        })
    }

    /// Runs the rule in steps of `step` ns over `frames` (pid, urgency,
    /// arriving at): when each frame left.
    fn simulate(rate: u32, frames: &[(u32, Urgency, u64)], step: u64) -> Vec<(u32, u64)> {
        let mut ledger = Ledger::default();
        let mut left: Vec<(u32, u64)> = Vec::new();
        let mut pending: Vec<(u32, Urgency, u64)> = frames.to_vec();
        let mut now = 0;
        while !pending.is_empty() && now < 60_000 * MS {
            // Each process tries its oldest frame, in an order the
            // scheduler might pick: by pid.
            let mut i = 0;
            while i < pending.len() {
                let (pid, urgency, at) = pending[i];
                let first_of_pid = pending.iter().position(|p| p.0 == pid) == Some(i);
                if at <= now
                    && first_of_pid
                    && ledger.decide(waiter(pid, urgency, at), now, rate) == Verdict::Go
                {
                    left.push((pid, now));
                    pending.remove(i);
                    continue;
                }
                i += 1;
            }
            now += step;
        }
        left
    }

    #[test]
    fn no_window_holds_more_than_the_rate() {
        // 40 VIPs, each a first frame then two more, arriving over 200 ms.
        let mut frames = Vec::new();
        for pid in 0..40u32 {
            let at = u64::from(pid) * 5 * MS;
            frames.push((pid, Urgency::FirstFrame, at));
            frames.push((pid, Urgency::FirstRound, at));
            frames.push((pid, Urgency::Later, at));
        }
        let left = simulate(15, &frames, MS);
        assert_eq!(left.len(), 120);
        let times: Vec<u64> = left.iter().map(|l| l.1).collect();
        assert!(within_rate(&times, 15));
    }

    #[test]
    fn first_frames_go_first_and_the_last_within_n_over_rate() {
        // Pacemaker-like: 8 starts at once, the next as each returns
        // (right after its first frame), 40 in all; each start leaves two
        // more frames of its first round behind.
        let rate = 15;
        let mut ledger = Ledger::default();
        let mut sent_first: Vec<u64> = Vec::new();
        let mut started = 8u32;
        let mut running: Vec<(u32, u64)> = (0..8).map(|pid| (pid, 0)).collect();
        let mut rest: Vec<(u32, u64)> = Vec::new();
        let mut now = 0;
        while sent_first.len() < 40 {
            running.sort_by_key(|r| r.1);
            let mut still = Vec::new();
            for (pid, since) in running.drain(..) {
                if ledger.decide(waiter(pid, Urgency::FirstFrame, since), now, rate) == Verdict::Go
                {
                    sent_first.push(now);
                    rest.push((pid + 100, now));
                    rest.push((pid + 200, now));
                    if started < 40 {
                        // Pacemaker starts the next one 20 ms later.
                        still.push((started, now + 20 * MS));
                        started += 1;
                    }
                } else {
                    still.push((pid, since));
                }
            }
            running = still.into_iter().filter(|r| r.1 <= now + 20 * MS).collect();
            rest.retain(|(pid, since)| {
                ledger.decide(waiter(*pid, Urgency::FirstRound, *since), now, rate) != Verdict::Go
            });
            now += MS;
            assert!(now < 10_000 * MS, "first frames starved");
        }
        let last = *sent_first.last().unwrap();
        let bound = Duration::from_secs_f64(40.0 / 15.0 + 0.6);
        assert!(
            Duration::from_nanos(last) <= bound,
            "the 40th first frame left after {} ms",
            last / MS
        );
    }

    #[test]
    fn urgency_then_age_orders_the_waiters() {
        let mut ledger = Ledger::default();
        for i in 0..3 {
            assert_eq!(
                ledger.decide(waiter(1, Urgency::Later, 0), i, 3),
                Verdict::Go
            );
        }
        // The window is full: both wait; the first frame is ahead.
        assert!(matches!(
            ledger.decide(waiter(2, Urgency::Later, 10), 10, 3),
            Verdict::WaitUntil(_)
        ));
        assert!(matches!(
            ledger.decide(waiter(3, Urgency::FirstFrame, 20), 20, 3),
            Verdict::WaitUntil(_)
        ));
        // One slot frees: it is the first frame's, ahead of the older wait.
        let later = WINDOW.as_nanos() as u64;
        assert!(matches!(
            ledger.decide(waiter(2, Urgency::Later, 10), later, 3),
            Verdict::WaitUntil(_)
        ));
        assert_eq!(
            ledger.decide(waiter(3, Urgency::FirstFrame, 20), later, 3),
            Verdict::Go
        );
    }

    #[test]
    fn dead_waiters_and_foreign_records_lapse() {
        let mut ledger = Ledger::default();
        ledger.waiting.push(waiter(9, Urgency::FirstFrame, 0));
        ledger.sent = vec![5, 6];
        // Within the window the dead process's wait still counts.
        assert!(matches!(
            ledger.decide(waiter(1, Urgency::Later, 10), 10, 5),
            Verdict::WaitUntil(_)
        ));
        let after = WINDOW.as_nanos() as u64 + 1;
        assert_eq!(
            ledger.decide(waiter(1, Urgency::Later, 10), after, 5),
            Verdict::Go
        );
        // A record in the future is no record.
        ledger.sent = vec![u64::MAX / 2];
        ledger.prune(after);
        assert!(ledger.sent.is_empty());
        // Another boot's ledger starts empty; garbage is refused.
        let text = Ledger {
            sent: vec![1, 2],
            last_first: Some(2),
            waiting: vec![waiter(4, Urgency::Unanswered, 1)],
        }
        .to_text("boot-a");
        assert_eq!(Ledger::parse(&text, "boot-a").unwrap().sent, vec![1, 2]);
        assert_eq!(Ledger::parse(&text, "boot-a").unwrap().waiting.len(), 1);
        assert_eq!(Ledger::parse(&text, "boot-b"), Some(Ledger::default()));
        for bad in [
            "",
            "nonsense",
            "floatip-garp-rate 1 boot-a\nsent x",
            "floatip-garp-rate 1 boot-a\nwait 1 7 0 0 1",
        ] {
            assert_eq!(Ledger::parse(bad, "boot-a"), None, "{bad:?}");
        }
    }

    #[test]
    fn the_reserve_never_starves_the_rest() {
        for rate in [1, 2, 3, 15, 100] {
            assert!(reserved(rate) < rate);
        }
        assert_eq!(reserved(15), 7);
    }
}
