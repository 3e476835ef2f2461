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
//! garp_count bounds the number of rounds either way.

use std::time::Duration;

use crate::announce::arp::Form;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Both,
    Request,
    Reply,
}

impl Mode {
    pub fn forms(self) -> &'static [Form] {
        match self {
            Mode::Both => &[Form::Request, Form::Reply],
            Mode::Request => &[Form::Request],
            Mode::Reply => &[Form::Reply],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Both => "both",
            Mode::Request => "request",
            Mode::Reply => "reply",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spacing {
    Backoff,
    Fixed,
}

impl Spacing {
    pub fn as_str(self) -> &'static str {
        match self {
            Spacing::Backoff => "backoff",
            Spacing::Fixed => "fixed",
        }
    }
}

/// Gaps after the first round, in units of arp_interval / 20, so that the
/// schedule scales with arp_interval: 0.5, 1.1, 2.15, 3.75, then 7.5.
const BACKOFF_GAPS_TWENTIETHS: &[u64] = &[10, 22, 43, 75];
const BACKOFF_CAP_TWENTIETHS: u64 = 150;

/// One moment of the schedule: these forms leave at `at` after the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: Duration,
    pub forms: Vec<Form>,
}

/// The whole schedule for `rounds` rounds.
pub fn events(rounds: u32, interval_ms: u32, mode: Mode, spacing: Spacing) -> Vec<Event> {
    let interval = u64::from(interval_ms);
    let mut events = Vec::new();
    match spacing {
        Spacing::Backoff => {
            let mut at_twentieths = 0u64;
            for round in 0..u64::from(rounds) {
                if round > 0 {
                    let gap = BACKOFF_GAPS_TWENTIETHS
                        .get(round as usize - 1)
                        .copied()
                        .unwrap_or(BACKOFF_CAP_TWENTIETHS);
                    at_twentieths += gap;
                }
                events.push(Event {
                    at: Duration::from_micros(at_twentieths * interval * 50),
                    forms: mode.forms().to_vec(),
                });
            }
        }
        Spacing::Fixed => {
            let half = Duration::from_micros(interval * 500);
            let mut at = Duration::ZERO;
            for _ in 0..rounds {
                for form in mode.forms() {
                    events.push(Event {
                        at,
                        forms: vec![*form],
                    });
                    at += half;
                }
            }
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

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
