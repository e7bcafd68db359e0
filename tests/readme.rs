//! Keeps the README's rule table in step with the rules the binary has.

use v6map::diagnostic::Rule;

/// Returns the README's rule table rows as (code, severity).
fn readme_rules() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((code.to_string(), cells.get(2)?.to_string()))
        })
        .filter(|(code, _)| Rule::from_code(code).is_some() || code.contains('-'))
        .collect()
}

#[test]
fn readme_lists_every_rule_once() {
    let rows = readme_rules();
    for rule in Rule::ALL {
        let count = rows.iter().filter(|(code, _)| code == rule.code()).count();
        assert_eq!(
            count,
            1,
            "README rule table lists `{}` {count} times",
            rule.code()
        );
    }
}

#[test]
fn readme_rules_exist_with_severity() {
    for (code, severity) in readme_rules() {
        let rule =
            Rule::from_code(&code).unwrap_or_else(|| panic!("README lists unknown rule `{code}`"));
        assert_eq!(
            severity,
            rule.default_severity().as_str(),
            "severity of `{code}`"
        );
    }
}
