//! Checks of Qualys's responses beyond their DTD: a truncated list output and
//! an error code in a SIMPLE_RETURN.

use roxmltree::Node;

use crate::diagnostic::{Diagnostic, Rule};
use crate::source::SourceFile;

use super::xml::Mapping;

fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|child| child.has_tag_name(name))
        .and_then(|child| child.text())
        .map(str::trim)
}

/// Reports each `WARNING` of a list output: Qualys adds one when it cut the
/// list at `truncation_limit`, so the file does not hold every record.
pub(crate) fn check_list_output(
    root: Node,
    file: &SourceFile,
    mapping: Mapping,
    out: &mut Vec<Diagnostic>,
) {
    for warning in root
        .descendants()
        .filter(|node| node.has_tag_name("WARNING"))
    {
        let mut message =
            "the list output carries a WARNING, so it holds only part of the records".to_string();
        if let Some(text) = child_text(warning, "TEXT") {
            message.push_str(&format!(": '{}'", text.escape_debug()));
        }
        let help = match child_text(warning, "URL") {
            Some(url) => format!("fetch the rest from the URL the WARNING gives ({url}), or list again with a higher truncation_limit"),
            None => "list again with a higher truncation_limit (up to 1000000), or page with id_min".to_string(),
        };
        let range = mapping.range(warning.range());
        out.push(
            Diagnostic::new(Rule::ListTruncated, message)
                .with_help(help)
                .at(file.location(range.start, range.len())),
        );
    }
}

/// Returns what to do about one of Qualys's generic error codes, as its API appendix describes them.
fn code_help(code: &str) -> &'static str {
    match code {
        "1901" => "Qualys did not recognise a parameter: check the form header against the add and remove parameters",
        "1903" => "a required parameter is missing: the header needs action= and xml_data=",
        "1904" => "only one of two parameters may be given: send either xml_data or csv_data",
        "1905" => "a parameter has an invalid value: check action, all_or_nothing and echo_request",
        "1907" => "the combination of parameters is not supported: check the form header",
        "1920" | "1960" | "1965" => {
            "the request was blocked by Qualys's concurrency or rate limit: wait and send it again"
        }
        _ => "read the TEXT of the response; the upload was not carried out as sent",
    }
}

/// Reports a SIMPLE_RETURN whose RESPONSE has a CODE: Qualys rejected the request.
pub(crate) fn check_simple_return(
    root: Node,
    file: &SourceFile,
    mapping: Mapping,
    out: &mut Vec<Diagnostic>,
) {
    for response in root.children().filter(|node| node.has_tag_name("RESPONSE")) {
        let Some(code_node) = response.children().find(|child| child.has_tag_name("CODE")) else {
            continue;
        };
        let code = code_node.text().map(str::trim).unwrap_or_default();
        let text = child_text(response, "TEXT").unwrap_or("(no TEXT)");
        let range = mapping.range(code_node.range());
        out.push(
            Diagnostic::new(
                Rule::QualysErrorResponse,
                format!(
                    "Qualys answered with error code {code}: '{}'",
                    text.escape_debug()
                ),
            )
            .with_help(code_help(code))
            .at(file.location(range.start, range.len())),
        );
    }
}
