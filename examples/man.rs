//! Writes the floatip(8) man page, generated from the CLI definition:
//! `cargo run --example man > floatip.8`.

use std::io::{self, Write};

use floatip::cli;

fn main() -> io::Result<()> {
    let command = cli::command("floatip");
    let man = clap_mangen::Man::new(command.clone())
        .section("8")
        .manual("System Administration");
    let mut out = io::stdout().lock();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    writeln!(out, ".SH ACTIONS")?;
    for action in command.get_subcommands() {
        writeln!(
            out,
            ".TP\n\\fB{}\\fR",
            action.get_name().replace('-', "\\-")
        )?;
        if let Some(about) = action.get_about() {
            writeln!(out, "{}", roff_text(&about.to_string()))?;
        }
    }
    writeln!(
        out,
        ".PP\nAny other action exits 3 before anything is validated."
    )?;

    // Every action takes the resource's parameters as long options.
    writeln!(out, ".SH PARAMETERS")?;
    writeln!(
        out,
        "Under Pacemaker each parameter arrives as OCF_RESKEY_<name>; by hand the same \
         parameters are accepted as long options of every action."
    )?;
    if let Some(start) = command.find_subcommand("start") {
        for arg in start.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                writeln!(
                    out,
                    ".TP\n\\fB\\-\\-{}\\fR \\fIVALUE\\fR",
                    long.replace('-', "\\-")
                )?;
                if let Some(help) = arg.get_help() {
                    writeln!(out, "{}", roff_text(&help.to_string()))?;
                }
            }
        }
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    writeln!(
        out,
        "OCF exit codes: 0 success, 1 generic error, 2 invalid arguments, 3 unimplemented action, \
         4 insufficient privileges, 5 not installed, 6 not configured, 7 not running. Every failure \
         prints one ocf\\-exit\\-reason: line on standard error."
    )?;
    writeln!(out, ".SH FILES")?;
    writeln!(
        out,
        "/usr/lib/ocf/resource.d/floatip/IPaddr2 (the agent link), \
         $HA_RSCTMP/send_arp\\-<ip> (the background sender's pid file, with floatip's \
         .floatip\\-start and .floatip\\-schedule beside it), $HA_RSCTMP/<ip> (lvs_support), \
         /usr/share/bash\\-completion/completions/floatip (bash completion)."
    )?;
    writeln!(
        out,
        ".SH \"SEE ALSO\"\nocf_heartbeat_IPaddr2(7), pcs(8), crm_mon(8)"
    )?;
    man.render_version_section(&mut out)?;
    Ok(())
}

fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
