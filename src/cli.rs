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
use crate::metadata;
use crate::ocf::action::{self, Action, ENTRIES};
use crate::ocf::{Error, ExitCode};

/// What argv asks for.
pub(crate) enum Invocation {
    Action(Action, ByHand),
    /// Help or version text, already decided: print it and exit 0.
    Print(String),
}

/// Options that only people give, beyond the parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ByHand {
    /// `show --json`: for scripts.
    pub json: bool,
    /// `preflight --cib FILE|- [--json] [--local]`.
    pub preflight: Option<crate::actions::PreflightRequest>,
}

pub fn command(agent: &str) -> Command {
    let mut command = Command::new("floatip")
        .bin_name(agent.to_owned())
        .about("OCF resource agent for a floating IP address: a native drop-in replacement for ocf:heartbeat:IPaddr2")
        .long_about(
            "floatip is a Pacemaker OCF resource agent that adds, removes and monitors a \
             virtual IP address and announces it to the neighbours when it moves. Under \
             Pacemaker, parameters come from OCF_RESKEY_<name>; by hand, the same parameters \
             are accepted as long options, spelt with hyphens (--cidr-netmask) or as the \
             parameter is named (--cidr_netmask).",
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
            Action::Garp => with_options(subcommand, GARP_OPTIONS),
            Action::Show => with_options(subcommand, SHOW_OPTIONS).arg(
                Arg::new("json")
                    .long("json")
                    .action(ArgAction::SetTrue)
                    .help("Print the same as JSON, for scripts"),
            ),
            Action::Preflight => preflight_options(subcommand),
            _ => with_parameters(subcommand),
        });
    }
    command
}

/// An option of `garp` or `show`: its spelling, the parameter it sets,
/// whether it is required, and what the help adds to the parameter's
/// description.
struct HandOption {
    long: &'static str,
    param: Param,
    required: bool,
    note: &'static str,
}

const fn option(
    long: &'static str,
    param: Param,
    required: bool,
    note: &'static str,
) -> HandOption {
    HandOption {
        long,
        param,
        required,
        note,
    }
}

const GARP_OPTIONS: &[HandOption] = &[
    option("nic", Param::Nic, true, "the interface to announce on"),
    option(
        "ip",
        Param::Ip,
        true,
        "the address to announce; it must be configured on the interface",
    ),
    option("count", Param::GarpCount, false, "default 5"),
    option(
        "interval",
        Param::ArpInterval,
        false,
        "the base spacing; default 200",
    ),
    option("mode", Param::GarpMode, false, "default both"),
    option("spacing", Param::GarpSpacing, false, "default backoff"),
    option("targets", Param::GarpTargets, false, "default gateway"),
    option(
        "window",
        Param::GarpWindow,
        false,
        "default 30; garp waits for the targets' answers that long at most",
    ),
    option(
        "rate",
        Param::GarpRate,
        false,
        "frames per second on the port, shared with every floatip on the node; default unlimited (0)",
    ),
];

const SHOW_OPTIONS: &[HandOption] = &[
    option("ip", Param::Ip, true, "the address to show"),
    option("nic", Param::Nic, false, "also show this interface's state"),
    option(
        "network-namespace",
        Param::NetworkNamespace,
        false,
        "look inside it (entering it needs root)",
    ),
];

/// The help of a parameter's option: its meta-data shortdesc with type
/// and default; the long help adds the longdesc and the variable it is
/// under Pacemaker.
fn parameter_help(param: Param, note: Option<&str>) -> (String, String) {
    let doc = metadata::parameter(param.name());
    let shortdesc = doc.as_ref().map_or("", |d| d.shortdesc.as_str());
    let default = param.default();
    let mut facts = vec![param.kind().as_str().to_owned()];
    if !default.is_empty() {
        facts.push(format!("default {default}"));
    }
    let short = match note {
        Some(note) => format!("{shortdesc}: {note}"),
        None => format!("{shortdesc} ({})", facts.join(", ")),
    };
    let longdesc = doc.as_ref().map_or("", |d| d.longdesc.as_str());
    let long = format!(
        "{short}\n\n{longdesc}\n\nUnder Pacemaker: OCF_RESKEY_{} ({}).",
        param.name(),
        facts.join(", ")
    );
    (short, long)
}

/// A long option for a value: `--some-name`, also accepted as
/// `--some_name`; its id is `id`.
fn value_option(id: &'static str, long: &'static str) -> Arg {
    let hyphenated = long.replace('_', "-");
    let mut arg = Arg::new(id)
        .long(hyphenated.clone())
        .value_name("VALUE")
        .value_parser(clap::value_parser!(OsString))
        .action(ArgAction::Set);
    if hyphenated != long {
        arg = arg.alias(long);
    }
    arg
}

fn with_options(mut command: Command, options: &[HandOption]) -> Command {
    for option in options {
        let (short, long) = parameter_help(option.param, Some(option.note));
        command = command.arg(
            value_option(option.long, option.long)
                .required(option.required)
                .help(short)
                .long_help(long),
        );
    }
    command
}

fn with_parameters(mut command: Command) -> Command {
    for param in Param::LISTED {
        let (short, long) = parameter_help(*param, None);
        command = command.arg(
            value_option(param.name(), param.name())
                .help(short)
                .long_help(long),
        );
    }
    for alias in Param::HIDDEN {
        command = command.arg(value_option(alias.name(), alias.name()).hide(true));
    }
    command
}

/// Parses argv. An unknown or missing action is exit 3 before anything else
/// is looked at; a malformed option is exit 2 with a reason.
pub(crate) fn parse(agent: &str, args: &[OsString], env: &mut Env) -> Result<Invocation, Error> {
    // Pacemaker's call, `agent <action>` and nothing else, needs no option
    // parser: building clap's definition of every action and parameter
    // would be most of a monitor's run time.
    if let [_, action] = args {
        if let Some(action) = action.to_str().and_then(Action::from_name) {
            return Ok(Invocation::Action(action, ByHand::default()));
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
        Some("help") => return Ok(Invocation::Action(Action::Usage, ByHand::default())),
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
    let options = match action {
        Action::Garp => GARP_OPTIONS,
        Action::Show => SHOW_OPTIONS,
        _ => &[],
    };
    for option in options {
        if let Some(value) = sub.get_one::<OsString>(option.long) {
            env.set_param(option.param.name(), value.clone());
        }
    }
    if options.is_empty() && action != Action::Preflight {
        for name in Param::LISTED.iter().chain(Param::HIDDEN).map(|p| p.name()) {
            if let Some(value) = sub.get_one::<OsString>(name) {
                env.set_param(name, value.clone());
            }
        }
    }
    let by_hand = ByHand {
        json: action == Action::Show && sub.get_flag("json"),
        preflight: (action == Action::Preflight).then(|| crate::actions::PreflightRequest {
            cib: sub.get_one::<OsString>("cib").cloned().unwrap_or_default(),
            json: sub.get_flag("json"),
            local: sub.get_flag("local"),
        }),
    };
    Ok(Invocation::Action(action, by_hand))
}

/// `preflight`'s own options: no parameters (the CIB has them).
fn preflight_options(subcommand: Command) -> Command {
    subcommand
        .arg(
            Arg::new("cib")
                .long("cib")
                .required(true)
                .value_name("FILE")
                .value_parser(clap::value_parser!(OsString))
                .help("The cluster's configuration: a file, or - for stdin (cibadmin --query, cibadmin --query --scope resources, crm configure show xml)"),
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("Print the same as JSON, for scripts"),
        )
        .arg(
            Arg::new("local")
                .long("local")
                .action(ArgAction::SetTrue)
                .help("Also check this node: the nic exists, findif places the VIP, network_namespace exists"),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The help of every parameter's option says what the meta-data says,
    /// and every parameter the meta-data lists has an option.
    #[test]
    fn help_and_meta_data_agree() {
        let command = command("floatip");
        let start = command.find_subcommand("start").unwrap();
        for param in Param::LISTED {
            let doc = metadata::parameter(param.name())
                .unwrap_or_else(|| panic!("{} is not in the meta-data", param.name()));
            let arg = start
                .get_arguments()
                .find(|a| a.get_id() == param.name())
                .unwrap_or_else(|| panic!("no option for {}", param.name()));
            let hyphenated = param.name().replace('_', "-");
            assert_eq!(arg.get_long(), Some(hyphenated.as_str()));
            if hyphenated != param.name() {
                let aliases = arg.get_all_aliases().unwrap_or_default();
                assert_eq!(aliases, [param.name()], "{}", param.name());
            }
            let help = arg.get_help().unwrap().to_string();
            assert!(help.starts_with(&doc.shortdesc), "{help}");
            assert!(help.contains(param.kind().as_str()), "{help}");
            if !param.default().is_empty() {
                assert!(
                    help.contains(&format!("default {}", param.default())),
                    "{help}"
                );
            }
            let long = arg.get_long_help().unwrap().to_string();
            assert!(long.contains(&doc.longdesc), "{}", param.name());
        }
        for (name, options) in [("garp", GARP_OPTIONS), ("show", SHOW_OPTIONS)] {
            let sub = command.find_subcommand(name).unwrap();
            for option in options {
                let doc = metadata::parameter(option.param.name()).unwrap();
                let arg = sub
                    .get_arguments()
                    .find(|a| a.get_id() == option.long)
                    .unwrap();
                assert!(arg
                    .get_help()
                    .unwrap()
                    .to_string()
                    .starts_with(&doc.shortdesc));
            }
        }
    }

    #[test]
    fn both_spellings_set_the_parameter() {
        for spelling in ["--cidr-netmask", "--cidr_netmask"] {
            let mut env = Env::default();
            let args: Vec<OsString> = ["floatip", "start", "--ip", "192.0.2.10", spelling, "24"]
                .map(OsString::from)
                .to_vec();
            assert!(matches!(
                parse("floatip", &args, &mut env),
                Ok(Invocation::Action(Action::Start, _))
            ));
            assert_eq!(env.get("OCF_RESKEY_cidr_netmask"), Some("24"), "{spelling}");
        }
        let mut env = Env::default();
        let args: Vec<OsString> = ["floatip", "show", "--ip", "192.0.2.10", "--json"]
            .map(OsString::from)
            .to_vec();
        assert!(matches!(
            parse("floatip", &args, &mut env),
            Ok(Invocation::Action(Action::Show, ByHand { json: true, .. }))
        ));
    }
}
