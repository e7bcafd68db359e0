//! The upload form: the `action=...&xml_data=` header that precedes the XML.
//!
//! Qualys reads upload bodies as `application/x-www-form-urlencoded`, with the
//! XML as the unencoded value of the last field, `xml_data`.

use std::fmt;

/// The action of an upload file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `action=add`: create mapping records.
    Add,
    /// `action=remove`: delete mapping records.
    Remove,
}

impl Action {
    /// The value of the `action` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returns the header line of an upload file, without its line end, for
/// example `action=add&all_or_nothing=0&xml_data=`. `all_or_nothing` is only
/// documented for `add`; callers reject it for `remove` before getting here.
pub fn header_line(action: Action, all_or_nothing: Option<bool>) -> String {
    match all_or_nothing {
        Some(value) => format!(
            "action={action}&all_or_nothing={}&xml_data=",
            u8::from(value)
        ),
        None => format!("action={action}&xml_data="),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        assert_eq!(header_line(Action::Add, None), "action=add&xml_data=");
        assert_eq!(header_line(Action::Remove, None), "action=remove&xml_data=");
        assert_eq!(
            header_line(Action::Add, Some(false)),
            "action=add&all_or_nothing=0&xml_data="
        );
        assert_eq!(
            header_line(Action::Add, Some(true)),
            "action=add&all_or_nothing=1&xml_data="
        );
    }
}
