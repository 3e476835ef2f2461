//! `floatip preflight --cib FILE|-`: before IPaddr2 resources move to
//! floatip, what floatip would do with each of them, judged from the
//! cluster's configuration (`cibadmin --query | floatip preflight --cib -`).
//!
//! For every `ocf:*:IPaddr2` primitive ([`cib`]): refused (the exit code
//! and reason floatip would give: 6 stops the resource on every node),
//! read differently from the stock agent (the differences whose
//! predicate its parameters satisfy; one line points to those that apply
//! to every resource), or unchanged; with the command that switches it
//! and the one that switches it back. `--local` also asks this node's
//! kernel (the nic, findif, network_namespace); without it only values are
//! judged. It changes nothing and runs no other program.
//!
//! Exit: 0 nothing refused and no configuration-dependent difference; 3
//! differences apply, none refused; 1 a resource would be refused; 2 the
//! input is not a CIB or the command line is wrong.

mod cib;
mod rules;

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;

use crate::actions::open_netlink;
use crate::actions::validate::place;
use crate::config::{self, values::Notes};
use crate::differences::{Applies, Difference, Resource};
use crate::env::Env;
use crate::ocf::{log, Error, ExitCode, Outcome, Result};
use crate::printable::json_string as string;

use cib::{Cib, Primitive};

/// What the command line asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `--cib`: a file, or `-` for stdin.
    pub cib: OsString,
    pub json: bool,
    pub local: bool,
}

/// What floatip would do with one resource on one node (or everywhere).
#[derive(Debug)]
struct Judgement {
    node: Option<String>,
    refused: Option<(ExitCode, String)>,
    differences: Vec<Difference>,
}

pub fn preflight(request: &Request) -> Result<Outcome> {
    let text = read_input(&request.cib)?;
    let cib = cib::parse(&text).map_err(|e| Error::new(ExitCode::ErrArgs, e.0))?;
    let mut netlink = if request.local {
        Some(open_netlink()?)
    } else {
        None
    };
    let judged: Vec<(Primitive, Vec<Judgement>)> = cib
        .primitives
        .iter()
        .map(|p| (p.clone(), judge(p, netlink.as_mut())))
        .collect();
    let report = if request.json {
        to_json(&judged, &cib)
    } else {
        to_text(&judged, &cib, request.local)
    };
    log::stdout(&report).map_err(|e| Error::generic(format!("Could not write to stdout: {e}")))?;
    let refused = judged
        .iter()
        .flat_map(|(_, j)| j)
        .any(|j| j.refused.is_some());
    let different = judged
        .iter()
        .filter(|(p, _)| p.provider != "floatip")
        .flat_map(|(_, j)| j)
        .any(|j| !j.differences.is_empty());
    if refused {
        Err(Error::new(ExitCode::ErrGeneric, ""))
    } else if different {
        Err(Error::new(ExitCode::ErrUnimplemented, ""))
    } else {
        Ok(Outcome::Success)
    }
}

/// The whole input, at most [`cib::MAX_BYTES`] and one byte (to tell a
/// larger one).
fn read_input(path: &OsString) -> Result<String> {
    let mut bytes = Vec::new();
    let limit = (cib::MAX_BYTES + 1) as u64;
    let read = if path == "-" {
        std::io::stdin().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(Path::new(path)).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| {
        Error::new(
            ExitCode::ErrArgs,
            format!("Could not read {}: {e}", Path::new(path).display()),
        )
    })?;
    String::from_utf8(bytes)
        .map_err(|_| Error::new(ExitCode::ErrArgs, "the input is not UTF-8 text"))
}

/// Each node's (or the one) set of effective parameters, judged.
fn judge(
    primitive: &Primitive,
    mut netlink: Option<&mut crate::netlink::Netlink>,
) -> Vec<Judgement> {
    primitive
        .params
        .iter()
        .map(|(node, params)| {
            let env = environment(params, &primitive.meta);
            let mut notes = Notes::default();
            let mut refused = config::parse(&env, &mut notes)
                .err()
                .map(|e| (e.code, e.reason));
            if refused.is_none() {
                if let Some(netlink) = netlink.as_deref_mut() {
                    refused = locally(netlink, &env).err().map(|e| (e.code, e.reason));
                }
            }
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let resource = Resource::new(&pairs);
            // A resource that runs floatip already is only validated.
            let differences = if primitive.provider == "floatip" {
                Vec::new()
            } else {
                Difference::ALL
                    .iter()
                    .copied()
                    .filter(|d| matches!(d.applies_to(), Applies::When(_)) && d.applies(&resource))
                    .collect()
            };
            Judgement {
                node: node.clone(),
                refused,
                differences,
            }
        })
        .collect()
}

/// The environment Pacemaker would give the agent for these parameters.
fn environment(params: &cib::Params, meta: &std::collections::BTreeMap<String, String>) -> Env {
    let mut vars: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (format!("OCF_RESKEY_{k}"), v.clone()))
        .collect();
    for (key, value) in meta {
        match key.as_str() {
            "OCF_CHECK_LEVEL" => vars.push((key.clone(), value.clone())),
            "timeout" => {
                if let Some(ms) = milliseconds(value) {
                    vars.push(("OCF_RESKEY_CRM_meta_timeout".to_owned(), ms.to_string()));
                }
            }
            _ => vars.push((format!("OCF_RESKEY_CRM_meta_{key}"), value.clone())),
        }
    }
    Env::from_vars(vars)
}

/// An operation timeout as Pacemaker passes it (ms): "20s", "20", "2min",
/// "500ms".
fn milliseconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let number: u64 = digits.parse().ok()?;
    match &text[digits.len()..] {
        "" | "s" | "sec" => number.checked_mul(1000),
        "ms" | "msec" => Some(number),
        "m" | "min" => number.checked_mul(60_000),
        "h" | "hr" => number.checked_mul(3_600_000),
        _ => None,
    }
}

/// `--local`: what this node's kernel says of the configuration: the
/// namespace exists; findif places the VIP (nic, route, prefix); a
/// virtual MAC can live on that nic.
fn locally(netlink: &mut crate::netlink::Netlink, env: &Env) -> Result<()> {
    let config = config::load(env)?;
    if let Some(namespace) = &config.vip.network_namespace {
        let path = Path::new("/run/netns").join(namespace);
        if !path.exists() {
            return Err(Error::installed(format!(
                "network_namespace {namespace}: {} does not exist on this node",
                path.display()
            )));
        }
        return Ok(());
    }
    place(netlink, &config).map(|_| ())
}

/// The commands that switch a resource to floatip and back: on the
/// template where it is built from one (which switches every primitive of
/// that template).
fn commands(primitive: &Primitive) -> (String, String) {
    let (element, id) = match &primitive.template {
        Some(template) => ("template", template.as_str()),
        None => ("primitive", primitive.id.as_str()),
    };
    let with = |provider: &str| {
        format!("cibadmin --modify --xml-text '<{element} id=\"{id}\" provider=\"{provider}\"/>'")
    };
    (with("floatip"), with("heartbeat"))
}

fn verdict(judgement: &Judgement) -> &'static str {
    if judgement.refused.is_some() {
        "refused"
    } else if !judgement.differences.is_empty() {
        "different"
    } else {
        "unchanged"
    }
}

fn unconditional() -> usize {
    Difference::ALL
        .iter()
        .filter(|d| matches!(d.applies_to(), Applies::Always))
        .count()
}

fn to_text(judged: &[(Primitive, Vec<Judgement>)], cib: &Cib, local: bool) -> String {
    let mut out = String::new();
    if judged.is_empty() {
        out.push_str("No ocf:*:IPaddr2 primitive in this configuration.\n");
    }
    for (primitive, judgements) in judged {
        out.push_str(&format!(
            "{} (ocf:{}:IPaddr2, {}{})\n",
            crate::printable::escape(&primitive.id),
            crate::printable::escape(&primitive.provider),
            primitive.place,
            primitive
                .template
                .as_ref()
                .map(|t| format!(", from template {t}"))
                .unwrap_or_default()
        ));
        for judgement in judgements {
            let on = judgement
                .node
                .as_ref()
                .map(|n| format!(" on {n}"))
                .unwrap_or_default();
            match &judgement.refused {
                Some((code, reason)) => out.push_str(&format!(
                    "  refused{on}: exit {} ({}): {}\n",
                    code.code(),
                    code.name(),
                    crate::printable::escape(reason)
                )),
                None if judgement.differences.is_empty() => {
                    out.push_str(&format!("  unchanged{on}\n"))
                }
                None => {
                    out.push_str(&format!("  read differently{on}:\n"));
                    for difference in &judgement.differences {
                        let stocks: Vec<&str> =
                            difference.against().iter().map(|s| s.name()).collect();
                        out.push_str(&format!(
                            "  - {} (against {})\n",
                            difference.floatip(),
                            stocks.join(", ")
                        ));
                    }
                }
            }
        }
        for secret in &primitive.secrets {
            out.push_str(&format!("  {secret}: secret (lrm://), not checked\n"));
        }
        if primitive.unevaluated_rules {
            out.push_str(
                "  a rule preflight cannot evaluate (a date, an operation) was taken as applying\n",
            );
        }
        let (switch, back) = commands(primitive);
        if primitive.provider == "floatip" {
            out.push_str(&format!(
                "  runs floatip; back to the stock agent: {back}\n"
            ));
        } else {
            out.push_str(&format!("  switch: {switch}\n  back:   {back}\n"));
        }
    }
    for bundle in &cib.bundles {
        out.push_str(&format!(
            "bundle {} creates IPaddr2 resources itself (ip-range-start {}): no primitive to switch; \
             only the in-place replacement (replace-stock-ipaddr2) changes their agent\n",
            crate::printable::escape(&bundle.bundle),
            crate::printable::escape(&bundle.ip_range_start)
        ));
    }
    out.push_str(&format!(
        "Every resource also gets floatip's {} unconditional differences (docs/reference.md, \"Differences from IPaddr2\").\n",
        unconditional()
    ));
    if !local {
        out.push_str(
            "Values only: --local also checks this node (the nic, findif, network_namespace).\n",
        );
    }
    out
}

fn to_json(judged: &[(Primitive, Vec<Judgement>)], cib: &Cib) -> String {
    let resources: Vec<String> = judged
        .iter()
        .map(|(primitive, judgements)| {
            let nodes: Vec<String> = judgements
                .iter()
                .map(|j| {
                    let differences: Vec<String> =
                        j.differences.iter().map(|d| string(d.floatip())).collect();
                    format!(
                        "{{\"node\":{},\"verdict\":{},\"code\":{},\"reason\":{},\"differences\":[{}]}}",
                        j.node.as_deref().map_or("null".to_owned(), string),
                        string(verdict(j)),
                        j.refused
                            .as_ref()
                            .map_or("null".to_owned(), |(c, _)| c.code().to_string()),
                        j.refused
                            .as_ref()
                            .map_or("null".to_owned(), |(_, r)| string(r)),
                        differences.join(",")
                    )
                })
                .collect();
            let secrets: Vec<String> = primitive.secrets.iter().map(|s| string(s)).collect();
            let (switch, back) = commands(primitive);
            format!(
                "{{\"id\":{},\"provider\":{},\"place\":{},\"template\":{},\"judgements\":[{}],\"secrets\":[{}],\"unevaluated_rules\":{},\"switch\":{},\"back\":{}}}",
                string(&primitive.id),
                string(&primitive.provider),
                string(&primitive.place),
                primitive.template.as_deref().map_or("null".to_owned(), string),
                nodes.join(","),
                secrets.join(","),
                primitive.unevaluated_rules,
                string(&switch),
                string(&back),
            )
        })
        .collect();
    let bundles: Vec<String> = cib
        .bundles
        .iter()
        .map(|b| {
            format!(
                "{{\"bundle\":{},\"ip_range_start\":{}}}",
                string(&b.bundle),
                string(&b.ip_range_start)
            )
        })
        .collect();
    format!(
        "{{\"resources\":[{}],\"implicit_bundles\":[{}],\"unconditional_differences\":{}}}\n",
        resources.join(","),
        bundles.join(","),
        unconditional()
    )
}
