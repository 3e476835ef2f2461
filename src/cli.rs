//! argv: the action, and for people running floatip by hand the same
//! parameters as long options (`floatip start --ip 192.0.2.10 --nic eth0`).
//!
//! clap parses argv only; parameters are read by src/config/ from the
//! environment, into which the options are folded. Every argument error
//! becomes an OCF exit code here: clap never exits on its own.

use std::ffi::OsString;

use clap::{Arg, ArgAction, Command};

use crate::config::Param;
use crate::env::Env;
use crate::ocf::action::{self, Action, ENTRIES};
use crate::ocf::{Error, ExitCode};

/// What argv asks for.
pub enum Invocation {
    Action(Action),
    /// Help or version text, already decided: print it and exit 0.
    Print(String),
}

pub fn command(agent: &str) -> Command {
    let mut command = Command::new("floatip")
        .bin_name(agent.to_owned())
        .about("OCF resource agent for a floating IP address: a native drop-in replacement for ocf:heartbeat:IPaddr2")
        .long_about(
            "floatip is a Pacemaker OCF resource agent that adds, removes and monitors a \
             virtual IP address and announces it to the neighbours when it moves. Under \
             Pacemaker, parameters come from OCF_RESKEY_<name>; by hand, the same parameters \
             are accepted as long options.",
        )
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .disable_help_subcommand(true);
    for entry in ENTRIES {
        if entry.name == "help" {
            continue;
        }
        let subcommand = Command::new(entry.name).about(entry.about);
        command = command.subcommand(match entry.action {
            Action::Garp => with_garp_options(subcommand),
            _ => with_parameters(subcommand),
        });
    }
    command
}

/// `floatip garp`'s options and the parameters they stand for.
const GARP_OPTIONS: &[(&str, &str, &str)] = &[
    ("nic", "nic", "interface to announce on (required)"),
    (
        "ip",
        "ip",
        "address to announce; it must be configured on the interface (required)",
    ),
    ("count", "garp_count", "announcement rounds (default 5)"),
    (
        "interval",
        "arp_interval",
        "base spacing in ms (default 200)",
    ),
    ("mode", "garp_mode", "both, request or reply (default both)"),
    (
        "spacing",
        "garp_spacing",
        "backoff or fixed (default backoff)",
    ),
    (
        "targets",
        "garp_targets",
        "also address directly: gateway, neighbours, none, or addresses (default gateway)",
    ),
];

fn with_garp_options(mut command: Command) -> Command {
    for (option, _, help) in GARP_OPTIONS {
        command = command.arg(
            Arg::new(*option)
                .long(*option)
                .value_name("VALUE")
                .value_parser(clap::value_parser!(OsString))
                .action(ArgAction::Set)
                .required(matches!(*option, "nic" | "ip"))
                .help(*help),
        );
    }
    command
}

fn with_parameters(mut command: Command) -> Command {
    for param in Param::LISTED {
        let default = param.default();
        command = command.arg(
            Arg::new(param.name())
                .long(param.name())
                .value_name("VALUE")
                .value_parser(clap::value_parser!(OsString))
                .action(ArgAction::Set)
                .help(format!(
                    "same as OCF_RESKEY_{} ({}{})",
                    param.name(),
                    param.kind().as_str(),
                    if default.is_empty() {
                        String::new()
                    } else {
                        format!(", default {default}")
                    }
                )),
        );
    }
    for alias in Param::HIDDEN {
        command = command.arg(
            Arg::new(alias.name())
                .long(alias.name())
                .value_parser(clap::value_parser!(OsString))
                .action(ArgAction::Set)
                .hide(true),
        );
    }
    command
}

/// Parses argv. An unknown or missing action is exit 3 before anything else
/// is looked at; a malformed option is exit 2 with a reason.
pub fn parse(agent: &str, args: &[OsString], env: &mut Env) -> Result<Invocation, Error> {
    // Pacemaker's call, `agent <action>` and nothing else, needs no option
    // parser: building clap's definition of every action and parameter
    // would be most of a monitor's run time.
    if let [_, action] = args {
        if let Some(action) = action.to_str().and_then(Action::from_name) {
            return Ok(Invocation::Action(action));
        }
    }
    let first = args.get(1).map(|a| a.to_string_lossy().into_owned());
    match first.as_deref() {
        None => return Err(unimplemented_action(agent, "no action given")),
        Some(word) if !word.starts_with('-') && Action::from_name(word).is_none() => {
            return Err(unimplemented_action(
                agent,
                &format!("unsupported action {word}"),
            ));
        }
        Some("help") => return Ok(Invocation::Action(Action::Usage)),
        _ => {}
    }
    let matches = match command(agent).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => {
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Ok(Invocation::Print(e.render().to_string()))
                }
                _ => Err(Error::new(
                    ExitCode::ErrArgs,
                    first_line(&e.render().to_string()),
                )),
            };
        }
    };
    let Some((name, sub)) = matches.subcommand() else {
        return Err(unimplemented_action(agent, "no action given"));
    };
    let action = Action::from_name(name).ok_or_else(|| unimplemented_action(agent, name))?;
    if action == Action::Garp {
        for (option, parameter, _) in GARP_OPTIONS {
            if let Some(value) = sub.get_one::<OsString>(option) {
                env.set_param(parameter, value.clone());
            }
        }
        return Ok(Invocation::Action(action));
    }
    for name in Param::LISTED.iter().chain(Param::HIDDEN).map(|p| p.name()) {
        if let Some(value) = sub.get_one::<OsString>(name) {
            env.set_param(name, value.clone());
        }
    }
    Ok(Invocation::Action(action))
}

fn unimplemented_action(agent: &str, reason: &str) -> Error {
    let _ = crate::ocf::log::stdout(&action::usage(agent));
    Error::new(ExitCode::ErrUnimplemented, reason)
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_owned()
}
