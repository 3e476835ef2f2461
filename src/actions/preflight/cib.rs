//! The IPaddr2 resources of a CIB and their effective parameters, as
//! Pacemaker would pass them: primitives at the top level, in groups,
//! clones, promotable and legacy master resources and bundles, and those
//! built from templates; several instance_attributes sets ordered by
//! score, with rules (evaluated per node where they name node attributes)
//! and id-refs; the monitor's OCF_CHECK_LEVEL, the operations' timeouts and
//! the clone's meta attributes. Bundles that create IPaddr2 resources
//! implicitly are listed apart.
//!
//! The XML is parsed by roxmltree without a DTD (a CIB never has one, and
//! with none there are no entities to expand or fetch), within bounds on
//! size, node count and depth.

use std::collections::BTreeMap;

use roxmltree::{Document, Node, ParsingOptions};

use super::rules::{self, NodeFacts, Verdict};

/// The most bytes read: a CIB of thousands of resources is a few MiB.
pub const MAX_BYTES: usize = 64 << 20;
/// The most XML nodes (elements, attributes' text and all).
const MAX_NODES: u32 = 4_000_000;
/// The deepest nesting a CIB has is a dozen levels.
const MAX_DEPTH: usize = 64;

/// Why the input is not a CIB preflight can read (exit 2).
#[derive(Debug, PartialEq, Eq)]
pub struct NotACib(pub String);

/// One `ocf:*:IPaddr2` primitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Primitive {
    pub id: String,
    /// heartbeat, floatip, …
    pub provider: String,
    /// Where it sits: "top level", "group web", "clone vips", ….
    pub place: String,
    /// The template it is built from, if any (its agent is the template's).
    pub template: Option<String>,
    /// Effective parameters per node, when rules make them differ; one
    /// entry with node `None` when they are the same everywhere.
    pub params: Vec<(Option<String>, Params)>,
    /// Parameters whose value is a secret (`lrm://`): not checked.
    pub secrets: Vec<String>,
    /// Meta attributes Pacemaker passes (the clone's, the operation's
    /// timeout), and OCF_CHECK_LEVEL.
    pub meta: BTreeMap<String, String>,
    /// A rule preflight cannot evaluate (a date, an unknown attribute) was
    /// taken as applying.
    pub unevaluated_rules: bool,
}

pub type Params = BTreeMap<String, String>;

/// A bundle that creates IPaddr2 resources of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplicitVips {
    pub bundle: String,
    pub ip_range_start: String,
}

#[derive(Debug, Default)]
pub struct Cib {
    pub primitives: Vec<Primitive>,
    pub bundles: Vec<ImplicitVips>,
}

pub fn parse(text: &str) -> Result<Cib, NotACib> {
    if text.len() > MAX_BYTES {
        return Err(NotACib(format!(
            "the input is larger than {} MiB",
            MAX_BYTES >> 20
        )));
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        entity_resolver: None,
    };
    let document = Document::parse_with_options(text, options).map_err(|e| {
        NotACib(match e {
            roxmltree::Error::DtdDetected => {
                "the input has a DTD, which no CIB has (entities are never expanded or fetched)"
                    .to_owned()
            }
            roxmltree::Error::NodesLimitReached => {
                format!("the input has more than {MAX_NODES} XML nodes")
            }
            other => format!("the input is not well-formed XML: {other}"),
        })
    })?;
    let root = document.root_element();
    if root.descendants().any(|n| depth(n) > MAX_DEPTH) {
        return Err(NotACib(format!(
            "the input nests deeper than {MAX_DEPTH} elements"
        )));
    }
    let resources = match root.tag_name().name() {
        "cib" => child(root, "configuration").and_then(|c| child(c, "resources")),
        "configuration" => child(root, "resources"),
        "resources" => Some(root),
        other => {
            return Err(NotACib(format!(
                "the input's root element is <{other}>, not <cib>, <configuration> or <resources> \
                 (cibadmin --query, cibadmin --query --scope resources, crm configure show xml)"
            )))
        }
    };
    let Some(resources) = resources else {
        return Ok(Cib::default());
    };
    let index = Index::of(&document);
    let nodes = node_facts(root);
    let mut cib = Cib::default();
    for element in resources.descendants().filter(Node::is_element) {
        match element.tag_name().name() {
            "primitive" => {
                if let Some(primitive) = primitive(element, &index, &nodes) {
                    cib.primitives.push(primitive);
                }
            }
            "bundle" => {
                let start = element
                    .children()
                    .find(|c| c.has_tag_name("network"))
                    .and_then(|n| n.attribute("ip-range-start"));
                if let Some(start) = start {
                    cib.bundles.push(ImplicitVips {
                        bundle: element.attribute("id").unwrap_or("?").to_owned(),
                        ip_range_start: start.to_owned(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(cib)
}

fn depth(node: Node) -> usize {
    node.ancestors().count()
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

/// Elements by id, for templates and id-refs.
struct Index<'a, 'i> {
    by_id: BTreeMap<&'a str, Node<'a, 'i>>,
}

impl<'a, 'i> Index<'a, 'i> {
    fn of(document: &'a Document<'i>) -> Self {
        let by_id = document
            .descendants()
            .filter(Node::is_element)
            .filter_map(|n| Some((n.attribute("id")?, n)))
            .collect();
        Index { by_id }
    }

    /// `node`, or what its id-ref names.
    fn resolve(&self, node: Node<'a, 'i>) -> Node<'a, 'i> {
        node.attribute("id-ref")
            .and_then(|id| self.by_id.get(id).copied())
            .unwrap_or(node)
    }
}

/// Every node of the cluster with its attributes, for rules.
fn node_facts(root: Node) -> Vec<NodeFacts> {
    let Some(nodes) = child(root, "configuration").and_then(|c| child(c, "nodes")) else {
        return Vec::new();
    };
    nodes
        .children()
        .filter(|n| n.has_tag_name("node"))
        .map(|node| {
            let mut attributes = BTreeMap::new();
            for set in node
                .children()
                .filter(|c| c.has_tag_name("instance_attributes"))
            {
                for pair in set.children().filter(|c| c.has_tag_name("nvpair")) {
                    if let (Some(name), Some(value)) =
                        (pair.attribute("name"), pair.attribute("value"))
                    {
                        attributes.insert(name.to_owned(), value.to_owned());
                    }
                }
            }
            let uname = node.attribute("uname").unwrap_or_default().to_owned();
            attributes.insert("#uname".to_owned(), uname.clone());
            attributes.insert(
                "#id".to_owned(),
                node.attribute("id").unwrap_or_default().to_owned(),
            );
            NodeFacts { uname, attributes }
        })
        .collect()
}

fn primitive(element: Node, index: &Index, nodes: &[NodeFacts]) -> Option<Primitive> {
    let template = element
        .attribute("template")
        .and_then(|id| index.by_id.get(id).copied());
    let agent = |name: &str| {
        element
            .attribute(name)
            .or_else(|| template.and_then(|t| t.attribute(name)))
    };
    if agent("class") != Some("ocf") || agent("type") != Some("IPaddr2") {
        return None;
    }
    let provider = agent("provider").unwrap_or_default().to_owned();
    let place = place_of(element);
    // The primitive's own sets first, then the template's: the first set
    // that names a parameter wins.
    let mut sets = attribute_sets(element, "instance_attributes", index);
    if let Some(template) = template {
        sets.extend(attribute_sets(template, "instance_attributes", index));
    }
    let mut unevaluated = false;
    let depends_on_node = sets.iter().any(|s| s.rule.is_some_and(rules::names_a_node));
    let per_node: Vec<Option<&NodeFacts>> = if depends_on_node && !nodes.is_empty() {
        nodes.iter().map(Some).collect()
    } else {
        vec![None]
    };
    let mut params: Vec<(Option<String>, Params)> = Vec::new();
    let mut secrets = Vec::new();
    for node in per_node {
        let mut effective = Params::new();
        for set in &sets {
            if let Some(rule) = set.rule {
                match rules::evaluate(rule, node, &|n| index.resolve(n)) {
                    Verdict::Applies => {}
                    Verdict::DoesNot => continue,
                    Verdict::Unknown => unevaluated = true,
                }
            }
            for (name, value) in &set.pairs {
                if effective.contains_key(name) {
                    continue;
                }
                if value.starts_with("lrm://") {
                    if !secrets.contains(name) {
                        secrets.push(name.clone());
                    }
                    continue;
                }
                effective.insert(name.clone(), value.clone());
            }
        }
        params.push((node.map(|n| n.uname.clone()), effective));
    }
    // The same everywhere: one entry.
    if params.windows(2).all(|w| w[0].1 == w[1].1) {
        params.truncate(1);
        params[0].0 = None;
    }
    Some(Primitive {
        id: element.attribute("id").unwrap_or("?").to_owned(),
        provider,
        place,
        template: element.attribute("template").map(str::to_owned),
        params,
        secrets,
        meta: meta_of(element, template, index),
        unevaluated_rules: unevaluated,
    })
}

/// Where a primitive sits, as an operator names it.
fn place_of(element: Node) -> String {
    let parents: Vec<String> = element
        .ancestors()
        .skip(1)
        .filter(Node::is_element)
        .take_while(|a| !a.has_tag_name("resources"))
        .filter_map(|a| {
            let kind = match a.tag_name().name() {
                "group" => "group",
                "clone" if is_promotable(a) => "promotable clone",
                "clone" => "clone",
                "master" => "master (promotable)",
                "bundle" => "bundle",
                _ => return None,
            };
            Some(format!("{kind} {}", a.attribute("id").unwrap_or("?")))
        })
        .collect();
    if parents.is_empty() {
        "top level".to_owned()
    } else {
        parents.join(" in ")
    }
}

fn is_promotable(clone: Node) -> bool {
    clone
        .children()
        .filter(|c| c.has_tag_name("meta_attributes"))
        .flat_map(|m| m.children().filter(|c| c.has_tag_name("nvpair")))
        .any(|p| {
            p.attribute("name") == Some("promotable")
                && p.attribute("value")
                    .is_some_and(crate::config::values::is_true)
        })
}

/// One instance_attributes (or meta_attributes) set: its rule and pairs.
struct Set<'a, 'i> {
    score: i64,
    rule: Option<Node<'a, 'i>>,
    pairs: Vec<(String, String)>,
}

/// The sets of `kind` directly under `element`, id-refs resolved, highest
/// score first (document order among equals), as Pacemaker orders them.
fn attribute_sets<'a, 'i>(
    element: Node<'a, 'i>,
    kind: &str,
    index: &Index<'a, 'i>,
) -> Vec<Set<'a, 'i>> {
    let mut sets: Vec<Set> = element
        .children()
        .filter(|c| c.has_tag_name(kind))
        .map(|reference| {
            let set = index.resolve(reference);
            let score = reference
                .attribute("score")
                .or_else(|| set.attribute("score"))
                .map_or(0, rules::score);
            let rule = set.children().find(|c| c.has_tag_name("rule"));
            let pairs = set
                .children()
                .filter(|c| c.has_tag_name("nvpair"))
                .filter_map(|pair| {
                    let resolved = index.resolve(pair);
                    let name = pair
                        .attribute("name")
                        .or_else(|| resolved.attribute("name"))?;
                    // An nvpair without a value unsets the parameter.
                    let value = resolved.attribute("value").unwrap_or_default();
                    Some((name.to_owned(), value.to_owned()))
                })
                .collect();
            Set { score, rule, pairs }
        })
        .collect();
    sets.sort_by_key(|s| std::cmp::Reverse(s.score));
    sets
}

/// What Pacemaker passes as meta: the clone's attributes
/// (CRM_meta_clone_max, _globally_unique, …), the start operation's
/// timeout, and the recurring monitor's OCF_CHECK_LEVEL.
fn meta_of(element: Node, template: Option<Node>, index: &Index) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    let clone = element
        .ancestors()
        .find(|a| a.has_tag_name("clone") || a.has_tag_name("master"));
    if let Some(clone) = clone {
        meta.insert("clone".to_owned(), "0".to_owned());
        for set in attribute_sets(clone, "meta_attributes", index) {
            for (name, value) in set.pairs {
                let key = name.replace('-', "_");
                if matches!(
                    key.as_str(),
                    "clone_max" | "clone_node_max" | "globally_unique"
                ) {
                    meta.entry(key).or_insert(value);
                }
            }
        }
    }
    let operations =
        child(element, "operations").or_else(|| template.and_then(|t| child(t, "operations")));
    for op in operations
        .iter()
        .flat_map(|o| o.children().filter(|c| c.has_tag_name("op")))
        .map(|op| index.resolve(op))
    {
        let name = op.attribute("name").unwrap_or_default();
        if name == "start" {
            if let Some(timeout) = op.attribute("timeout") {
                meta.insert("timeout".to_owned(), timeout.to_owned());
            }
        }
        if name == "monitor"
            && op
                .attribute("interval")
                .is_some_and(|i| !rules::is_zero_interval(i))
        {
            let level = op
                .attribute("OCF_CHECK_LEVEL")
                .map(str::to_owned)
                .or_else(|| {
                    attribute_sets(op, "instance_attributes", index)
                        .into_iter()
                        .flat_map(|s| s.pairs)
                        .find(|(n, _)| n == "OCF_CHECK_LEVEL")
                        .map(|(_, v)| v)
                });
            if let Some(level) = level {
                meta.insert("OCF_CHECK_LEVEL".to_owned(), level);
            }
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cib(resources: &str, nodes: &str) -> String {
        format!(
            r#"<cib crm_feature_set="3.17.4" validate-with="pacemaker-3.9" epoch="7" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>{nodes}</nodes>
    <resources>{resources}</resources>
    <constraints/>
  </configuration>
  <status/>
</cib>"#
        )
    }

    fn vip(id: &str, provider: &str, pairs: &[(&str, &str)]) -> String {
        let pairs: String = pairs
            .iter()
            .map(|(n, v)| format!(r#"<nvpair id="{id}-{n}" name="{n}" value="{v}"/>"#))
            .collect();
        format!(
            r#"<primitive id="{id}" class="ocf" provider="{provider}" type="IPaddr2"><instance_attributes id="{id}-ia">{pairs}</instance_attributes></primitive>"#
        )
    }

    fn only(text: &str) -> Primitive {
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.primitives.len(), 1, "{parsed:?}");
        parsed.primitives[0].clone()
    }

    fn param<'a>(p: &'a Primitive, name: &str) -> Option<&'a str> {
        p.params[0].1.get(name).map(String::as_str)
    }

    #[test]
    fn primitives_everywhere_they_can_be() {
        let resources = format!(
            r#"{}<group id="web">{}</group>
            <clone id="c">{}<meta_attributes id="cm"><nvpair id="cm1" name="clone-max" value="2"/><nvpair id="cm2" name="globally-unique" value="true"/></meta_attributes></clone>
            <clone id="p"><meta_attributes id="pm"><nvpair id="pm1" name="promotable" value="true"/></meta_attributes>{}</clone>
            <master id="m">{}</master>
            <bundle id="b"><docker image="x"/><network ip-range-start="192.0.2.100"/></bundle>
            <primitive id="other" class="ocf" provider="heartbeat" type="Dummy"/>"#,
            vip("top", "heartbeat", &[("ip", "192.0.2.1")]),
            vip("ingroup", "heartbeat", &[("ip", "192.0.2.2")]),
            vip("incl", "heartbeat", &[("ip", "192.0.2.3")]),
            vip("inprom", "floatip", &[("ip", "192.0.2.4")]),
            vip("inmaster", "heartbeat", &[("ip", "192.0.2.5")]),
        );
        let parsed = parse(&cib(&resources, "")).unwrap();
        let places: Vec<(&str, &str)> = parsed
            .primitives
            .iter()
            .map(|p| (p.id.as_str(), p.place.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                ("top", "top level"),
                ("ingroup", "group web"),
                ("incl", "clone c"),
                ("inprom", "promotable clone p"),
                ("inmaster", "master (promotable) m"),
            ]
        );
        let clone = &parsed.primitives[2];
        assert_eq!(clone.meta.get("clone_max").map(String::as_str), Some("2"));
        assert_eq!(
            clone.meta.get("globally_unique").map(String::as_str),
            Some("true")
        );
        assert_eq!(parsed.primitives[3].provider, "floatip");
        assert_eq!(
            parsed.bundles,
            [ImplicitVips {
                bundle: "b".into(),
                ip_range_start: "192.0.2.100".into()
            }]
        );
    }

    #[test]
    fn templates_scores_id_refs_and_empty_values() {
        let resources = r#"
            <template id="T" class="ocf" provider="heartbeat" type="IPaddr2">
              <instance_attributes id="T-ia"><nvpair id="T1" name="cidr_netmask" value="24"/><nvpair id="T2" name="nic" value="eth0"/></instance_attributes>
              <operations><op id="T-mon" name="monitor" interval="10s"><instance_attributes id="T-op"><nvpair id="T-lvl" name="OCF_CHECK_LEVEL" value="20"/></instance_attributes></op><op id="T-start" name="start" interval="0" timeout="30s"/></operations>
            </template>
            <primitive id="vip" template="T">
              <instance_attributes id="low" score="1"><nvpair id="l1" name="ip" value="192.0.2.9"/><nvpair id="l2" name="arp_count" value="9"/></instance_attributes>
              <instance_attributes id="high" score="10"><nvpair id="h1" name="ip" value="192.0.2.10"/><nvpair id="h2" name="nic" value="eth1"/><nvpair id="h3" name="garp_count"/><nvpair id-ref="shared-mode"/></instance_attributes>
              <instance_attributes id-ref="elsewhere"/>
            </primitive>
            <primitive id="holder" class="ocf" provider="pacemaker" type="Dummy">
              <instance_attributes id="elsewhere"><nvpair id="e1" name="garp_window" value="5"/><nvpair id="shared-mode" name="garp_mode" value="reply"/></instance_attributes>
            </primitive>"#;
        let p = only(&cib(resources, ""));
        assert_eq!(p.template.as_deref(), Some("T"));
        assert_eq!(param(&p, "ip"), Some("192.0.2.10"), "the higher score wins");
        assert_eq!(
            param(&p, "nic"),
            Some("eth1"),
            "the primitive over its template"
        );
        assert_eq!(param(&p, "cidr_netmask"), Some("24"), "from the template");
        assert_eq!(param(&p, "arp_count"), Some("9"));
        assert_eq!(param(&p, "garp_count"), Some(""), "no value: unset");
        assert_eq!(param(&p, "garp_mode"), Some("reply"), "an nvpair id-ref");
        assert_eq!(param(&p, "garp_window"), Some("5"), "a set id-ref");
        assert_eq!(
            p.meta.get("OCF_CHECK_LEVEL").map(String::as_str),
            Some("20")
        );
        assert_eq!(p.meta.get("timeout").map(String::as_str), Some("30s"));
    }

    #[test]
    fn rules_make_parameters_per_node() {
        let nodes = r#"<node id="1" uname="node1"><instance_attributes id="n1"><nvpair id="n1s" name="site" value="a"/></instance_attributes></node><node id="2" uname="node2"/>"#;
        let resources = r##"<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
              <instance_attributes id="on-a" score="10"><rule id="r" score="0"><expression id="e" attribute="site" operation="eq" value="a"/></rule><nvpair id="a1" name="nic" value="eth1"/></instance_attributes>
              <instance_attributes id="dated" score="5"><rule id="d"><date_expression id="de" operation="gt" start="2020-01-01"/></rule><nvpair id="d1" name="arp_count" value="3"/></instance_attributes>
              <instance_attributes id="base"><nvpair id="b1" name="ip" value="192.0.2.10"/><nvpair id="b2" name="nic" value="eth0"/><nvpair id="b3" name="password" value="lrm://"/></instance_attributes>
            </primitive>"##;
        let p = only(&cib(resources, nodes));
        assert_eq!(p.params.len(), 2, "{p:?}");
        let on = |node: &str| {
            p.params
                .iter()
                .find(|(n, _)| n.as_deref() == Some(node))
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(on("node1").get("nic").map(String::as_str), Some("eth1"));
        assert_eq!(on("node2").get("nic").map(String::as_str), Some("eth0"));
        assert_eq!(on("node2").get("arp_count").map(String::as_str), Some("3"));
        assert!(p.unevaluated_rules, "the date rule was taken as applying");
        assert_eq!(p.secrets, ["password"]);
        assert!(!on("node1").contains_key("password"));
    }

    #[test]
    fn other_inputs_are_refused_with_a_reason() {
        let refused = |text: &str| parse(text).unwrap_err().0;
        assert!(refused("<html/>").contains("<html>"));
        assert!(refused("<cib><configuration>").contains("not well-formed"));
        let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE cib [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><cib>&b;</cib>"#;
        assert!(refused(billion_laughs).contains("DTD"));
        let external = r#"<!DOCTYPE cib [<!ENTITY x SYSTEM "file:///etc/shadow">]><cib>&x;</cib>"#;
        assert!(refused(external).contains("DTD"));
        let deep = format!("<cib>{}{}</cib>", "<a>".repeat(100), "</a>".repeat(100));
        assert!(refused(&deep).contains("deeper"));
        assert!(parse("<resources/>").unwrap().primitives.is_empty());
        let scope = format!(
            "<resources>{}</resources>",
            vip("v", "heartbeat", &[("ip", "192.0.2.1")])
        );
        assert_eq!(
            parse(&scope).unwrap().primitives.len(),
            1,
            "--scope resources"
        );
    }
}
