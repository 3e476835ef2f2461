//! When announcement frames leave.
//!
//! A neighbour flips about 0.1 ms after the first good frame, so the first
//! round leaves at once, before start returns. After that:
//!
//! - `backoff` (default) front-loads the rounds and caps the gap: for
//!   arp_interval I the rounds leave at 0, 0.5 I, 1.6 I, 3.75 I, 7.5 I and
//!   then every 7.5 I (for I = 200 ms: 0, 100, 320, 750, 1500, 3000, … ms),
//!   each round's frames back to back. With 60% frame loss a round (two
//!   frames) is lost with p = 0.36, so three rounds within 320 ms reach
//!   p90; a 300 ms loss burst leaves the rounds at 320 and 750 ms; a 1.2 s
//!   burst leaves the one at 1.5 s.
//! - `fixed` is IPaddr2's even cadence: one frame every I/2 (a request and
//!   a reply per I when both forms are sent).
//!
//! garp_count is the number of rounds either way. The schedule is an
//! iterator computed from each event's index, so a huge garp_count costs
//! no memory; foreground runs are cut at the action's deadline.

use std::time::Duration;

use crate::config::{Mode, Plan, Spacing};
use crate::wire::arp::Form;

/// The frames of one round, by garp_mode.
pub fn forms(mode: Mode) -> &'static [Form] {
    match mode {
        Mode::Both => &[Form::Request, Form::Reply],
        Mode::Request => &[Form::Request],
        Mode::Reply => &[Form::Reply],
    }
}

/// When round n leaves, in units of arp_interval / 20 after the first, so
/// that the schedule scales with arp_interval: 0, 0.5, 1.6, 3.75, 7.5 I,
/// then one capped gap (7.5 I) per further round.
const BACKOFF_AT_TWENTIETHS: &[u64] = &[0, 10, 32, 75, 150];
const BACKOFF_CAP_TWENTIETHS: u64 = 150;

/// One moment of the schedule: these forms leave at `at` after the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: Duration,
    pub forms: Vec<Form>,
}

/// The schedule for `rounds` rounds, generated lazily: each event is
/// computed from its index, so no count (up to u32::MAX rounds) costs
/// memory, and the arithmetic saturates instead of overflowing.
#[derive(Debug, Clone)]
pub struct Schedule {
    interval_ms: u64,
    mode: Mode,
    spacing: Spacing,
    next: u64,
    end: u64,
}

impl Schedule {
    /// The schedule of `plan`'s rounds.
    pub fn of(plan: &Plan) -> Schedule {
        Schedule::new(plan.rounds, plan.interval_ms, plan.mode, plan.spacing)
    }

    pub fn new(rounds: u32, interval_ms: u32, mode: Mode, spacing: Spacing) -> Schedule {
        let per_round = match spacing {
            Spacing::Backoff => 1,
            Spacing::Fixed => forms(mode).len() as u64,
        };
        Schedule {
            interval_ms: u64::from(interval_ms),
            mode,
            spacing,
            next: 0,
            end: u64::from(rounds) * per_round,
        }
    }

    /// The frames of one whole round (garp_mode's forms), whatever the
    /// spacing: what goes out when a path opens.
    pub fn round_forms(&self) -> &'static [Form] {
        forms(self.mode)
    }

    /// Events not yet taken.
    pub fn remaining(&self) -> u64 {
        self.end - self.next
    }

    /// Of the events not yet taken, those due later than `elapsed` after
    /// the first: what is left of a run begun `elapsed` ago. A binary
    /// search (events are in time order), so a huge schedule costs nothing.
    pub fn left_after(&self, elapsed: Duration) -> u64 {
        let (mut low, mut high) = (self.next, self.end);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.event(middle).at <= elapsed {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        self.end - low
    }

    /// Takes the events due no later than `elapsed` after the first (a
    /// run begun `elapsed` ago has sent them); how many it took.
    pub fn skip_until(&mut self, elapsed: Duration) -> u64 {
        let left = self.left_after(elapsed);
        let skipped = self.remaining() - left;
        self.next = self.end - left;
        skipped
    }

    /// The schedule as one line of text, for the sender's state file.
    pub fn to_record(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.interval_ms,
            self.mode.as_str(),
            self.spacing.as_str(),
            self.next,
            self.end
        )
    }

    /// The schedule a record describes; `None` for anything else.
    pub fn from_record(text: &str) -> Option<Schedule> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [interval, mode, spacing, next, end] = words[..] else {
            return None;
        };
        let mode = match mode {
            "both" => Mode::Both,
            "request" => Mode::Request,
            "reply" => Mode::Reply,
            _ => return None,
        };
        let spacing = match spacing {
            "backoff" => Spacing::Backoff,
            "fixed" => Spacing::Fixed,
            _ => return None,
        };
        let (next, end): (u64, u64) = (next.parse().ok()?, end.parse().ok()?);
        (next <= end).then_some(())?;
        Some(Schedule {
            interval_ms: interval.parse().ok()?,
            mode,
            spacing,
            next,
            end,
        })
    }

    fn event(&self, index: u64) -> Event {
        match self.spacing {
            Spacing::Backoff => {
                let last = BACKOFF_AT_TWENTIETHS.len() - 1;
                let at_twentieths = match usize::try_from(index)
                    .ok()
                    .and_then(|i| BACKOFF_AT_TWENTIETHS.get(i))
                {
                    Some(at) => *at,
                    None => BACKOFF_AT_TWENTIETHS[last].saturating_add(
                        (index - last as u64).saturating_mul(BACKOFF_CAP_TWENTIETHS),
                    ),
                };
                Event {
                    at: Duration::from_micros(
                        at_twentieths
                            .saturating_mul(self.interval_ms)
                            .saturating_mul(50),
                    ),
                    forms: forms(self.mode).to_vec(),
                }
            }
            Spacing::Fixed => {
                let forms = forms(self.mode);
                Event {
                    at: Duration::from_micros(
                        index.saturating_mul(self.interval_ms).saturating_mul(500),
                    ),
                    forms: vec![forms[(index % forms.len() as u64) as usize]],
                }
            }
        }
    }
}

impl Iterator for Schedule {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.next >= self.end {
            return None;
        }
        let event = self.event(self.next);
        self.next += 1;
        Some(event)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.remaining()).unwrap_or(usize::MAX);
        (left, usize::try_from(self.remaining()).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_tell_what_is_left() {
        let mut schedule = Schedule::new(5, 200, Mode::Both, Spacing::Backoff);
        schedule.next();
        let record = schedule.to_record();
        assert_eq!(record, "200 both backoff 1 5");
        let back = Schedule::from_record(&record).unwrap();
        assert_eq!(back.remaining(), 4);
        // Rounds at 0, 100, 320, 750, 1500 ms; the first was taken.
        assert_eq!(back.left_after(Duration::ZERO), 4);
        assert_eq!(back.left_after(Duration::from_millis(100)), 3);
        assert_eq!(back.left_after(Duration::from_millis(800)), 1);
        assert_eq!(back.left_after(Duration::from_secs(2)), 0);
        let huge = Schedule::new(u32::MAX, 200, Mode::Reply, Spacing::Fixed);
        assert_eq!(
            huge.left_after(Duration::from_secs(1)),
            u64::from(u32::MAX) - 11
        );
        for bad in [
            "",
            "200 both backoff 1",
            "200 loud backoff 1 5",
            "200 both backoff 6 5",
            "x both fixed 0 1",
        ] {
            assert!(Schedule::from_record(bad).is_none(), "{bad}");
        }
    }

    fn events(rounds: u32, interval_ms: u32, mode: Mode, spacing: Spacing) -> Vec<Event> {
        Schedule::new(rounds, interval_ms, mode, spacing).collect()
    }

    fn offsets_ms(events: &[Event]) -> Vec<u128> {
        events.iter().map(|e| e.at.as_millis()).collect()
    }

    #[test]
    fn backoff_for_the_default_interval() {
        let e = events(7, 200, Mode::Both, Spacing::Backoff);
        assert_eq!(offsets_ms(&e), vec![0, 100, 320, 750, 1500, 3000, 4500]);
        assert!(e
            .iter()
            .all(|ev| ev.forms == vec![Form::Request, Form::Reply]));
    }

    #[test]
    fn backoff_scales_with_interval_and_count_bounds_it() {
        assert_eq!(
            offsets_ms(&events(3, 100, Mode::Reply, Spacing::Backoff)),
            vec![0, 50, 160]
        );
        assert_eq!(events(1, 200, Mode::Both, Spacing::Backoff).len(), 1);
    }

    #[test]
    fn loss_bursts_are_survived() {
        let e = events(5, 200, Mode::Both, Spacing::Backoff);
        let after = |ms: u128| e.iter().filter(|ev| ev.at.as_millis() > ms).count();
        assert!(after(300) >= 2, "a 300 ms burst leaves rounds");
        assert!(after(1200) >= 1, "a 1.2 s burst leaves a round");
        assert!(
            e.iter().filter(|ev| ev.at.as_millis() <= 350).count() >= 3,
            "three rounds by 350 ms"
        );
    }

    #[test]
    fn huge_counts_are_lazy_and_saturate() {
        let mut schedule = Schedule::new(u32::MAX, u32::MAX, Mode::Both, Spacing::Fixed);
        assert_eq!(schedule.remaining(), 2 * u64::from(u32::MAX));
        let first: Vec<Event> = schedule.by_ref().take(3).collect();
        assert_eq!(first[0].at, Duration::ZERO);
        assert!(first[2].at > first[1].at);
        assert_eq!(schedule.remaining(), 2 * u64::from(u32::MAX) - 3);
        let backoff = Schedule::new(u32::MAX, u32::MAX, Mode::Both, Spacing::Backoff);
        // The last event's time saturates instead of overflowing.
        let last = backoff.event(u64::from(u32::MAX) - 1);
        assert!(last.at >= Duration::from_secs(1 << 40));
    }

    #[test]
    fn fixed_is_ipaddr2_cadence() {
        let e = events(2, 200, Mode::Both, Spacing::Fixed);
        assert_eq!(offsets_ms(&e), vec![0, 100, 200, 300]);
        assert_eq!(e[0].forms, vec![Form::Request]);
        assert_eq!(e[1].forms, vec![Form::Reply]);
        assert_eq!(
            offsets_ms(&events(3, 200, Mode::Request, Spacing::Fixed)),
            vec![0, 100, 200]
        );
    }
}
