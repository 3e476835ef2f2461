//! The OCF meta-data, embedded so that `meta-data` needs no file, no
//! OCF_ROOT and no privileges; and each parameter's descriptions read from
//! it, so that the by-hand help says what the meta-data says.

pub const XML: &str = include_str!("../ocf-metadata/IPaddr2.xml");

/// What the meta-data says of one parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterDoc {
    pub shortdesc: String,
    /// Paragraphs, each on one line, separated by a blank line.
    pub longdesc: String,
}

/// The descriptions of parameter `name`, if the meta-data declares it.
pub fn parameter(name: &str) -> Option<ParameterDoc> {
    let start = XML.find(&format!("<parameter name=\"{name}\""))?;
    let body = &XML[start..start + XML[start..].find("</parameter>")?];
    Some(ParameterDoc {
        shortdesc: unescape(element(body, "shortdesc")?.trim()),
        longdesc: paragraphs(&unescape(element(body, "longdesc")?)),
    })
}

/// The text of the first `<tag ...>text</tag>` in `xml`.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = xml.find(&format!("<{tag}"))?;
    let text = open + xml[open..].find('>')? + 1;
    let close = text + xml[text..].find(&format!("</{tag}>"))?;
    Some(&xml[text..close])
}

/// The five entities XML predefines (the meta-data uses no others).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Lines joined into paragraphs; blank lines separate them, and lines that
/// start with "-" (lists) keep their own line.
fn paragraphs(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("- ") {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            if line.is_empty() {
                if out.last().is_some_and(|l| !l.is_empty()) {
                    out.push(String::new());
                }
                continue;
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_1_0() {
        assert!(XML.contains("<version>1.0</version>"));
    }

    #[test]
    fn parameter_descriptions() {
        let doc = parameter("cidr_netmask").unwrap();
        assert_eq!(doc.shortdesc, "CIDR netmask");
        assert!(doc
            .longdesc
            .starts_with("The netmask for the interface in CIDR format (e.g., 24"));
        assert!(
            doc.longdesc.contains("\n\nIf unspecified"),
            "{}",
            doc.longdesc
        );
        assert_eq!(parameter("no_such_parameter"), None);
        assert_eq!(unescape("a &lt;b&gt; &amp;amp;"), "a <b> &amp;");
    }
}
