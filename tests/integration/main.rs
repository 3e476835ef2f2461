//! floatip's integration tests. They build their own network namespaces
//! and need root; without root every trial is reported as ignored (never a
//! silent pass). Run: `sudo cargo test --test integration`.

/// A module's trials, each named `module::function` after its function:
/// `trials!("copies": start_without_nic_makes_no_second_copy, …)`.
macro_rules! trials {
    ($module:literal: $($test:ident),* $(,)?) => {
        vec![$($crate::trial(concat!($module, "::", stringify!($test)), $test)),*]
    };
}

mod actions;
mod bad_input;
mod by_hand;
mod closed_loop;
mod conformance;
mod connections;
mod copies;
mod dad;
mod differential;
mod faults;
mod garp;
mod gateways;
mod ipv6;
mod kernel_floor;
mod listening;
mod lost_frames;
mod ocft;
mod output;
mod pacing;
mod packaging;
mod parameters;
mod preflight;
mod reload;
mod reload_safety;
mod state_files;
mod stock_agents;
mod support;
mod targets;
mod virtual_mac;

use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let root = nix_is_root();
    let mut trials: Vec<Trial> = Vec::new();
    trials.extend(actions::trials());
    trials.extend(by_hand::trials());
    trials.extend(closed_loop::trials());
    trials.extend(ocft::trials());
    trials.extend(conformance::trials());
    trials.extend(connections::trials());
    trials.extend(dad::trials());
    trials.extend(differential::trials());
    trials.extend(differential::reload_trials());
    trials.extend(copies::trials());
    trials.extend(lost_frames::trials());
    trials.extend(garp::trials());
    trials.extend(gateways::trials());
    trials.extend(ipv6::trials());
    trials.extend(listening::trials());
    trials.extend(parameters::trials());
    trials.extend(reload::trials());
    trials.extend(reload_safety::trials());
    trials.extend(targets::trials());
    trials.extend(packaging::trials());
    trials.extend(bad_input::trials());
    trials.extend(faults::trials());
    trials.extend(output::trials());
    trials.extend(pacing::trials());
    trials.extend(preflight::trials());
    trials.extend(state_files::trials());
    trials.extend(stock_agents::trials());
    trials.extend(kernel_floor::trials());
    trials.extend(virtual_mac::trials());
    if !root {
        eprintln!("integration tests need root (network namespaces): reported as ignored");
        trials = trials
            .into_iter()
            .map(|t| t.with_ignored_flag(true))
            .collect();
    }
    let conclusion = libtest_mimic::run(&args, trials);
    support::remove_leftover_namespaces();
    conclusion.exit();
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// Builds a trial from a plain function that panics on failure.
pub fn trial(name: &str, test: fn()) -> Trial {
    Trial::test(name, move || {
        test();
        Ok(())
    })
}
