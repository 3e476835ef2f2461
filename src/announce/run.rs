//! Running one announcement: the garp_count rounds on their schedule, as
//! every peer does, and — closed loop, while garp_window lasts — whatever
//! it takes for every garp_targets neighbour to have heard:
//!
//! - between rounds the answers to the directed requests are read (see
//!   [`super::acks`]) instead of sleeping; each is logged once;
//! - the first answer after a silence (no target answered the first
//!   round) means the path has just opened: one full round goes out at
//!   once, so that every neighbour behind it learns too;
//! - when the rounds are over and a target is still unanswered, the
//!   extension asks the unanswered targets again, one directed request
//!   each every [`EXTENSION_GAP`], until each has answered or the window
//!   ends, which a warning per silent target reports;
//! - a round due while the interface has no carrier waits for the
//!   carrier (rtnetlink link events) and leaves the moment it is back; the
//!   rounds after it keep their spacing from then.
//!
//! When every target answers in time nothing extra is sent. Before every
//! frame the address is checked to be still configured here: an address
//! this node no longer holds is never announced.

use std::io;
use std::net::IpAddr;
use std::thread;
use std::time::{Duration, Instant};

use crate::announce::acks::{Acks, Answered};
use crate::announce::probe::LateWatch;
use crate::announce::schedule::Schedule;
use crate::announce::{Announcer, Losses, Patience};
use crate::net::Mac;
use crate::netlink::{Events, Netlink, Wakeup};
use crate::ocf::log;
use crate::ocf::messages;
use crate::wire::arp::Form;

/// The pace of the extension: fast enough that a path opening is caught
/// within ~150 ms (plus a round trip), cheap enough for a whole window
/// (one small frame per unanswered target: ~200 frames in 30 s).
pub const EXTENSION_GAP: Duration = Duration::from_millis(150);

/// What bounds a run.
#[derive(Clone, Copy)]
pub struct Limits<'a> {
    /// Foreground runs end here (the action's timeout): rounds that would
    /// pass it are skipped.
    pub deadline: Option<Instant>,
    /// garp_window, from the first round; zero: open-loop.
    pub window: Duration,
    /// Whether this run goes on past the rounds while a target is
    /// unanswered (the detached sender's part).
    pub extend: bool,
    /// dad_mode=probe's late listening, read during the waits: a late
    /// claim ends the run ([`Stopped::Collision`]).
    pub watch: Option<&'a LateWatch>,
}

/// While the late watch is on, waits for answers are cut into slices of
/// this length, and the watch's socket is read between them.
const WATCH_SLICE: Duration = Duration::from_millis(10);
/// How long one read of the watch's socket between slices may wait.
const WATCH_READ: Duration = Duration::from_millis(1);

/// How far an announcement has got; start hands it to the detached
/// sender, which carries on from there.
#[derive(Debug, Clone)]
pub struct Progress {
    /// When the first round left: the schedule and the window count from it.
    pub first_round: Instant,
    /// Rounds sent so far, extension requests included.
    pub rounds: u32,
    pub acks: Acks,
    /// Frames the kernel could not take; the rounds went on.
    pub losses: Losses,
}

impl Progress {
    /// An announcement whose first round left at `first_round`.
    pub fn after_first_round(announcer: &Announcer, first_round: Instant) -> Progress {
        Progress {
            first_round,
            rounds: 1,
            acks: Acks::new(&announcer.answering_targets()),
            losses: Losses::default(),
        }
    }

    /// An announcement that began at `first_round` in another process
    /// (a sender reload replaced) and has sent `rounds` rounds: the
    /// targets are asked afresh.
    pub fn resumed(announcer: &Announcer, first_round: Instant, rounds: u32) -> Progress {
        Progress {
            rounds,
            ..Progress::after_first_round(announcer, first_round)
        }
    }

    /// An announcement about to start: no round has left yet.
    pub fn before_first_round(announcer: &Announcer, first_round: Instant) -> Progress {
        Progress {
            rounds: 0,
            ..Progress::after_first_round(announcer, first_round)
        }
    }
}

/// Why a run of events ended early.
#[derive(Debug)]
pub enum Stopped {
    /// The address is no longer configured: announcing it would be a lie.
    AddressGone,
    /// The deadline came first; the events that would pass it were skipped.
    Deadline(u64),
    Failed(io::Error),
    /// Another node answered for the address late (dad_mode=probe): its
    /// MAC. The caller withdraws the address.
    Collision(Mac),
}

/// Sends what is left of `events` (the caller may have sent the very
/// first round itself, without the checks, to lose no time), then the
/// extension if `limits` ask for it. A failed look at the address is no
/// evidence that it is gone: the round goes.
pub fn run(
    announcer: &Announcer,
    events: &mut Schedule,
    progress: &mut Progress,
    limits: &Limits,
    netlink: Option<&mut Netlink>,
) -> Result<(), Stopped> {
    let closed_loop = !limits.window.is_zero();
    if announcer.pacer().is_some() {
        announcer.set_patience(limits.deadline.map_or(Patience::Unbounded, Patience::Until));
    }
    let mut runner = Runner {
        announcer,
        netlink,
        window_end: progress.first_round.checked_add(limits.window),
        deadline: limits.deadline,
        listening: closed_loop && announcer.is_listening(),
        closed_loop,
        full_round: events.round_forms(),
        last_sent: progress.first_round,
        in_extension: false,
        watch: limits.watch,
        progress,
    };
    runner.flush()?;
    runner.rounds(events)?;
    if limits.extend && runner.listening {
        runner.extension()?;
    }
    Ok(())
}

struct Runner<'a> {
    watch: Option<&'a LateWatch>,
    announcer: &'a Announcer,
    netlink: Option<&'a mut Netlink>,
    progress: &'a mut Progress,
    /// `None`: a window too long for the clock to express, so never.
    window_end: Option<Instant>,
    deadline: Option<Instant>,
    /// Answers are read (closed loop, and there are targets).
    listening: bool,
    closed_loop: bool,
    /// What a full round sends (garp_mode's forms), for the path opening.
    full_round: &'static [Form],
    last_sent: Instant,
    /// The rounds are over: the last answer ends the run at once.
    in_extension: bool,
}

impl Runner<'_> {
    fn rounds(&mut self, events: &mut Schedule) -> Result<(), Stopped> {
        // Added to every later round's time by a wait for the carrier.
        let mut shift = Duration::ZERO;
        let paced = self.announcer.pacer().is_some();
        while let Some(event) = events.clone().next() {
            let due = self
                .progress
                .first_round
                .checked_add(event.at.saturating_add(shift));
            if self.deadline.is_some_and(|d| due.is_none_or(|due| due > d)) {
                // Paced, what the deadline cuts is left for the sender.
                if !paced {
                    events.next();
                    return Err(Stopped::Deadline(events.remaining() + 1));
                }
                return Err(Stopped::Deadline(events.remaining()));
            }
            events.next();
            // Past what Instant can express: as good as never.
            let Some(due) = due else {
                return Ok(());
            };
            self.listen(due)?;
            shift += self.wait_for_carrier();
            self.check_held()?;
            self.send(&event.forms, None)?;
            if self.announcer.held() > 0 {
                // garp_rate's budget did not reach the deadline.
                return Err(Stopped::Deadline(events.remaining()));
            }
        }
        Ok(())
    }

    /// Sends what garp_rate held back in the process this announcement
    /// began in (the rest of start's first round), before anything else.
    fn flush(&mut self) -> Result<(), Stopped> {
        if self.announcer.held() == 0 {
            return Ok(());
        }
        self.check_held()?;
        let delivery = self.announcer.flush().map_err(Stopped::Failed)?;
        self.progress.losses.note(&delivery, self.announcer);
        self.last_sent = Instant::now();
        if delivery.held > 0 {
            return Err(Stopped::Deadline(0));
        }
        Ok(())
    }

    fn extension(&mut self) -> Result<(), Stopped> {
        self.in_extension = true;
        loop {
            let unanswered = self.progress.acks.unanswered();
            if unanswered.is_empty() {
                return Ok(());
            }
            let now = Instant::now();
            if self.window_over(now) {
                self.report_unanswered();
                return Ok(());
            }
            let next = self.last_sent + EXTENSION_GAP;
            if now < next {
                let until = self.window_end.map_or(next, |end| next.min(end));
                self.listen(until)?;
                continue;
            }
            self.wait_for_carrier();
            if self.window_over(Instant::now()) {
                continue;
            }
            self.check_held()?;
            self.send(&[], Some(&unanswered))?;
        }
    }

    fn window_over(&self, now: Instant) -> bool {
        self.window_end.is_some_and(|end| now >= end)
    }

    /// Sends `forms` and the directed requests (to `only` these targets,
    /// or to all), counting the round.
    fn send(&mut self, forms: &[Form], only: Option<&[super::Directed]>) -> Result<(), Stopped> {
        let result = match only {
            None => self.announcer.send(forms),
            Some(targets) => self.announcer.send_directed(targets),
        };
        let delivery = result.map_err(Stopped::Failed)?;
        self.progress.losses.note(&delivery, self.announcer);
        self.progress.rounds = self.progress.rounds.saturating_add(1);
        self.last_sent = Instant::now();
        if delivery.interface_gone {
            // ENXIO/ENODEV: is the address still here at all?
            self.check_held()?;
        }
        Ok(())
    }

    fn check_held(&mut self) -> Result<(), Stopped> {
        if let Some(netlink) = self.netlink.as_deref_mut() {
            if let Ok(false) = netlink.holds(self.announcer.ip(), self.announcer.ifindex) {
                return Err(Stopped::AddressGone);
            }
        }
        Ok(())
    }

    /// Reads answers until `until` (sleeps, when not listening), and the
    /// late watch's socket while it is on.
    fn listen(&mut self, until: Instant) -> Result<(), Stopped> {
        loop {
            let Some(watch) = self.watch.filter(|w| !w.is_over()) else {
                return self.answers(until).map(|_| ());
            };
            if !self.listening {
                // Nothing else to read: the wait is the watch's.
                if let Some(mac) = watch.wait(until) {
                    return Err(Stopped::Collision(mac));
                }
                if Instant::now() >= until {
                    return Ok(());
                }
                continue;
            }
            let all_answered = self.answers(until.min(Instant::now() + WATCH_SLICE))?;
            if let Some(mac) = watch.wait(Instant::now() + WATCH_READ) {
                return Err(Stopped::Collision(mac));
            }
            if all_answered || Instant::now() >= until {
                return Ok(());
            }
        }
    }

    /// Reads answers until `until` (sleeps, when not listening); `true`
    /// when the extension's last unanswered target answered.
    fn answers(&mut self, until: Instant) -> Result<bool, Stopped> {
        if self.listening && until <= Instant::now() {
            // A round already due (it waited for garp_rate's budget, or
            // for carrier): what answered meanwhile is still heard.
            self.announcer.read_queued_answers();
        }
        if !self.listening {
            let now = Instant::now();
            if until > now {
                thread::sleep(until - now);
            }
            return Ok(false);
        }
        while let Some(ip) = self.announcer.answer(until) {
            self.acknowledge(ip)?;
            if self.in_extension && self.progress.acks.unanswered().is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn acknowledge(&mut self, ip: IpAddr) -> Result<(), Stopped> {
        let after = self.progress.first_round.elapsed();
        let rounds = self.progress.rounds;
        let silence = !self.progress.acks.any() && rounds >= 2;
        if !self.progress.acks.record(ip, Answered { after, rounds }) {
            return Ok(());
        }
        let vip = self.announcer.ip();
        log::info(format!(
            "{ip} acknowledged {vip}: it answered after {} ms and {rounds} round(s)",
            after.as_millis()
        ));
        if silence {
            log::info(format!(
                "The path to {ip} opened after {} ms without an answer: one full round of {} for {vip} now",
                after.as_millis(),
                self.announcer.kind()
            ));
            self.check_held()?;
            let forms = self.full_round;
            self.send(forms, None)?;
        }
        Ok(())
    }

    /// Without carrier (closed loop, within the window and the deadline):
    /// waits for it to return; how long it waited.
    fn wait_for_carrier(&mut self) -> Duration {
        if !self.closed_loop {
            return Duration::ZERO;
        }
        let until = match (self.window_end, self.deadline) {
            (Some(end), Some(deadline)) => Some(end.min(deadline)),
            (end, deadline) => end.or(deadline),
        };
        let ifindex = self.announcer.ifindex;
        let Some(netlink) = self.netlink.as_deref_mut() else {
            return Duration::ZERO;
        };
        let began = Instant::now();
        if has_carrier(netlink, ifindex) || until.is_some_and(|u| began >= u) {
            return Duration::ZERO;
        }
        // Subscribed before the second look, so that no change slips by.
        let Ok(mut events) = Events::links() else {
            return Duration::ZERO;
        };
        let (ifname, vip) = (&self.announcer.ifname, self.announcer.ip());
        log::info(format!(
            "{ifname} has no carrier: the next announcement of {vip} waits for it"
        ));
        // Far enough to stand for "no end" when the window has none.
        let until = until.unwrap_or_else(|| began + Duration::from_secs(u64::from(u32::MAX)));
        loop {
            if has_carrier(netlink, ifindex) {
                let waited = began.elapsed();
                log::info(format!(
                    "{ifname} has carrier again after {} ms: announcing {vip}",
                    waited.as_millis()
                ));
                return waited;
            }
            match events.wait(until) {
                Ok(Wakeup::Changed) => continue,
                Ok(Wakeup::TimedOut) | Err(_) => return began.elapsed(),
            }
        }
    }

    fn report_unanswered(&self) {
        for (target, answered) in self.progress.acks.entries() {
            if answered.is_none() {
                log::warn(format!(
                    "{} never answered: it may still send to the old node \
                     (no answer for {} to {} round(s) within garp_window)",
                    target.ip,
                    self.announcer.ip(),
                    self.progress.rounds
                ));
            }
        }
    }
}

/// A link that cannot be read counts as having carrier: the round goes
/// (and the address check that follows finds a vanished interface).
fn has_carrier(netlink: &mut Netlink, ifindex: u32) -> bool {
    match netlink.link_by_index(ifindex) {
        Ok(Some(link)) => link.has_carrier(),
        _ => true,
    }
}

/// Logs how a run ended, in IPaddr2's words where people search for them.
pub fn report(result: &Result<(), Stopped>, ip: IpAddr) {
    match result {
        Ok(()) => {}
        Err(Stopped::AddressGone) => log::info(format!(
            "{ip} is no longer configured here: announcements stopped"
        )),
        Err(Stopped::Deadline(skipped)) => log::warn(format!(
            "{skipped} announcement(s) for {ip} skipped: they would pass the action's timeout"
        )),
        Err(Stopped::Failed(e)) => log::error(format!("{}: {e}", messages::SEND_GARP_FAILED)),
        // The caller withdraws the address and says why.
        Err(Stopped::Collision(_)) => {}
    }
}

/// [`run`], then [`report`]: what every announcement does.
pub fn run_and_report(
    announcer: &Announcer,
    events: &mut Schedule,
    progress: &mut Progress,
    limits: &Limits,
    netlink: Option<&mut Netlink>,
) -> Result<(), Stopped> {
    let result = run(announcer, events, progress, limits, netlink);
    report(&result, announcer.ip());
    result
}
