//! floatip: a Pacemaker OCF resource agent for a floating IP address, a
//! native drop-in replacement for `ocf:heartbeat:IPaddr2`.
//!
//! The binary (src/main.rs) calls [`main`]; the library shows nothing else
//! but [`cli::command`], which the man page and completion generators
//! (examples/) share with the agent, and [`differences`], the list of
//! deliberate differences from the stock agent that the docs and the
//! differential test are held to. Everything else is the crate's own, so
//! the compiler reports what nothing uses.

//!
//! Modules, from the top down; a module uses only modules below it (and
//! every module may use `ocf`). ARCHITECTURE.md says what each owns.

mod actions;
mod announce;
pub mod cli;
mod config;
pub mod differences;
mod env;
mod findif;
mod metadata;
mod net;
mod netlink;
mod ocf;
mod printable;
mod state;
mod sys;
mod virtual_mac;
mod wire;

use std::ffi::OsString;
use std::path::Path;

use crate::cli::{ByHand, Invocation};
use crate::env::Env;
use crate::ocf::{action, log, Action, Context, ExitCode, Outcome};

/// The whole process: argv -> action; configuration; dispatch; the error
/// -> the exit reason line and the OCF exit code, in this one place.
pub fn main() -> ! {
    ocf::mark_action_start();
    std::panic::set_hook(Box::new(|info| {
        // A bug must still end as an OCF answer, never as a bare abort,
        // whatever state stderr is in.
        log::stderr_line(&format!("ocf-exit-reason:floatip internal error: {info}"));
        std::process::exit(ExitCode::ErrGeneric.code());
    }));
    let args: Vec<OsString> = std::env::args_os().collect();
    let agent = agent_name(args.first());
    let mut env = Env::from_process();
    let invocation = cli::parse(&agent, &args, &mut env);
    log::init(&agent, &env);
    let result = match invocation {
        Ok(Invocation::Print(text)) => print(&text).map(|()| Outcome::Success),
        Ok(Invocation::Action(action, by_hand)) => run_action(action, by_hand, &agent, &env),
        Err(e) => Err(e),
    };
    let code = match result {
        Ok(outcome) => outcome.code(),
        Err(e) => {
            if !e.reason.is_empty() {
                log::exit_reason(&e.reason);
            }
            e.code
        }
    };
    std::process::exit(code.code());
}

fn run_action(action: Action, by_hand: ByHand, agent: &str, env: &Env) -> ocf::Result<Outcome> {
    let done = match action {
        Action::Monitor => return actions::monitor(env),
        Action::Status => return actions::status(env),
        Action::Reload => return actions::reload(env),
        Action::MetaData => print(metadata::XML),
        Action::Usage => print(&action::usage(agent)),
        Action::Start => actions::start(env),
        Action::Stop => actions::stop(env),
        Action::ValidateAll => actions::validate_all(env),
        Action::Garp => actions::garp(env),
        Action::Show => actions::show(env, by_hand.json),
        Action::Preflight => {
            return actions::preflight(&by_hand.preflight.unwrap_or_default());
        }
    };
    done.map(|()| Outcome::Success)
}

/// What an action prints on stdout; a stdout that cannot take it is the
/// action's failure (1), never a panic.
fn print(text: &str) -> ocf::Result<()> {
    log::stdout(text).or_fail("Could not write to stdout")
}

/// The name floatip was invoked as: `IPaddr2` when installed as the agent
/// link, so that it logs under the name operators search for.
fn agent_name(argv0: Option<&OsString>) -> String {
    argv0
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "floatip".to_owned())
}
