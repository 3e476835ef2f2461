//! The actions floatip answers, each named and described once: the
//! dispatcher, the usage text and the by-hand help all read this list.

/// The actions an OCF agent answers; anything else exits 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    Monitor,
    Status,
    /// Apply changed parameters to the running VIP (OCF 1.0 legacy reload).
    Reload,
    MetaData,
    ValidateAll,
    Usage,
    /// Not an OCF action: an operator re-announcing an address by hand.
    Garp,
    /// Not an OCF action: an operator looking at a VIP.
    Show,
    /// Not an OCF action: what floatip would do with a CIB's IPaddr2
    /// resources.
    Preflight,
}

/// One name an action answers to.
pub struct Entry {
    pub name: &'static str,
    pub action: Action,
    /// The by-hand help's line for it.
    pub about: &'static str,
}

const fn entry(name: &'static str, action: Action, about: &'static str) -> Entry {
    Entry {
        name,
        action,
        about,
    }
}

/// Every name, in the order the by-hand help lists them (`help` is
/// `usage`'s alias and gets no help entry of its own).
pub const ENTRIES: &[Entry] = &[
    entry("start", Action::Start, "Add the address and announce it"),
    entry("stop", Action::Stop, "Remove the address"),
    entry(
        "monitor",
        Action::Monitor,
        "Check the address (0 running, 7 stopped)",
    ),
    entry(
        "status",
        Action::Status,
        "Like monitor, and print running or stopped",
    ),
    entry("reload", Action::Reload, RELOAD_ABOUT),
    entry("meta-data", Action::MetaData, "Print the OCF meta-data XML"),
    entry("validate-all", Action::ValidateAll, VALIDATE_ABOUT),
    entry("usage", Action::Usage, "Print a usage line"),
    entry("help", Action::Usage, ""),
    entry("garp", Action::Garp, GARP_ABOUT),
    entry("show", Action::Show, SHOW_ABOUT),
    entry("preflight", Action::Preflight, PREFLIGHT_ABOUT),
];

const RELOAD_ABOUT: &str = "Apply changed parameters to the running address, without a restart";
const VALIDATE_ABOUT: &str = "Check the configuration without changing anything";
const SHOW_ABOUT: &str = "Show where an address is configured, its links and its background \
                          sender, for people or (--json) scripts";
const PREFLIGHT_ABOUT: &str = "Say what floatip would do with each IPaddr2 resource of a CIB \
                               (cibadmin --query | floatip preflight --cib -): refused, read \
                               differently, or unchanged; changes nothing";
const GARP_ABOUT: &str = "Re-announce an address this node holds, by hand (what arping -U or \
                          send_arp is used for when a neighbour's cache is stuck)";

/// The OCF actions, in the order IPaddr2's usage line names them (and
/// reload, which IPaddr2 does not have, after monitor).
const IN_USAGE: &[Action] = &[
    Action::Start,
    Action::Stop,
    Action::Status,
    Action::Monitor,
    Action::Reload,
    Action::ValidateAll,
    Action::MetaData,
];

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        ENTRIES.iter().find(|e| e.name == name).map(|e| e.action)
    }

    pub fn name(self) -> &'static str {
        ENTRIES
            .iter()
            .find(|e| e.action == self)
            .map(|e| e.name)
            .unwrap_or("usage")
    }
}

/// IPaddr2's usage text.
pub fn usage(agent: &str) -> String {
    let listed: Vec<&str> = IN_USAGE.iter().map(|a| a.name()).collect();
    format!(
        "usage: {agent} {{{}}}\n\n\
         Expects to have a fully populated OCF RA-compliant environment set.\n",
        listed.join("|")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_ipaddr2s_with_reload() {
        assert_eq!(
            usage("IPaddr2"),
            "usage: IPaddr2 {start|stop|status|monitor|reload|validate-all|meta-data}\n\n\
             Expects to have a fully populated OCF RA-compliant environment set.\n"
        );
    }

    #[test]
    fn names_round_trip() {
        for e in ENTRIES {
            assert_eq!(Action::from_name(e.name), Some(e.action));
        }
        assert_eq!(Action::Usage.name(), "usage");
        assert_eq!(Action::ValidateAll.name(), "validate-all");
        assert_eq!(Action::from_name("reload"), Some(Action::Reload));
        assert_eq!(Action::from_name("reload-agent"), None);
    }
}
