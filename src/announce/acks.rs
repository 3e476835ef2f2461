//! Acknowledgements: which garp_targets neighbours answered our directed
//! requests, and when. An answer (an ARP reply, a solicited Neighbour
//! Advertisement, sent to the VIP) is proof that the path is open and that
//! this neighbour now maps the VIP to this node; each target is
//! acknowledged once per announcement.

use std::net::IpAddr;
use std::time::Duration;

use crate::announce::Directed;

/// One target's answer: how long after the first round, and how many
/// rounds (and repeats) had gone out by then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answered {
    pub after: Duration,
    pub rounds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acks {
    entries: Vec<(Directed, Option<Answered>)>,
}

impl Acks {
    pub fn new(targets: &[Directed]) -> Acks {
        Acks {
            entries: targets.iter().map(|t| (*t, None)).collect(),
        }
    }

    /// Records `ip`'s answer; `true` only the first time a target answers.
    pub fn record(&mut self, ip: IpAddr, answered: Answered) -> bool {
        match self
            .entries
            .iter_mut()
            .find(|(t, a)| t.ip == ip && a.is_none())
        {
            Some((_, slot)) => {
                *slot = Some(answered);
                true
            }
            None => false,
        }
    }

    /// Whether any target has answered yet.
    pub fn any(&self) -> bool {
        self.entries.iter().any(|(_, a)| a.is_some())
    }

    /// The targets that have not answered.
    pub fn unanswered(&self) -> Vec<Directed> {
        self.entries
            .iter()
            .filter(|(_, a)| a.is_none())
            .map(|(t, _)| *t)
            .collect()
    }

    /// Every target, with its answer if it gave one.
    pub fn entries(&self) -> &[(Directed, Option<Answered>)] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_target_is_acknowledged_once() {
        let a = Directed {
            ip: "192.0.2.254".parse().unwrap(),
            mac: None,
        };
        let b = Directed {
            ip: "192.0.2.253".parse().unwrap(),
            mac: None,
        };
        let mut acks = Acks::new(&[a, b]);
        assert!(!acks.any());
        let first = Answered {
            after: Duration::from_millis(3),
            rounds: 1,
        };
        assert!(acks.record(a.ip, first));
        assert!(!acks.record(a.ip, first), "once per announcement");
        assert!(
            !acks.record("192.0.2.9".parse().unwrap(), first),
            "not a target"
        );
        assert!(acks.any());
        assert_eq!(acks.unanswered(), vec![b]);
        assert!(acks.record(b.ip, first));
        assert!(acks.unanswered().is_empty());
    }
}
