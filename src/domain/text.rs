//! Free text: trimmed, bounded, without control characters (line breaks and tabs allowed in
//! long text). Text published to the public also refuses the characters that reorder how
//! text is displayed.
//!
//! Each rule is a type ([`Line`], [`Paragraph`], [`PublicLine`], [`PublicParagraph`],
//! [`LineOrBlank`], [`ParagraphOrBlank`], bounded by `MAX` characters) that deserializes only
//! text it accepts and describes itself in the OpenAPI document (`minLength`, `maxLength`, and
//! a `pattern` that says exactly which characters may appear where), so a request body that
//! uses it cannot accept other text than its schema says.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// Why a value was refused: a stable code (`required`, `too_long`, `invalid_value`, ...) and
/// a message, for the field error that names the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

/// How a refusal travels inside a serde error message, for `http::extract::parse_json` to
/// turn it back into a field error with its own code.
const REFUSAL_TAG: &str = "refused:";

impl Refusal {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// As the error of a `Deserialize` implementation.
    pub fn into_serde<E: serde::de::Error>(self) -> E {
        E::custom(format_args!("{REFUSAL_TAG}{}:{}", self.code, self.message))
    }

    /// The code and message of a refusal carried by a serde error message, if it is one.
    pub fn from_serde_message(message: &str) -> Option<(&str, &str)> {
        message.strip_prefix(REFUSAL_TAG)?.split_once(':')
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Refusal> for (&'static str, String) {
    fn from(r: Refusal) -> Self {
        (r.code, r.message)
    }
}

/// A string that every rule of this module (and every validated string type that takes part
/// in `parse_json`'s collection of refusals) accepts: it stands in for a refused value while
/// the rest of a body is checked, so that every refused field is named at once.
pub const ACCEPTED_BY_EVERY_RULE: &str = "x@x";

/// Which text a [`Text`] takes.
pub trait TextRule: 'static {
    /// The schema's name, before the bound (`Line` → `Line200`).
    const NAME: &'static str;
    /// Line breaks and tabs are allowed inside the text.
    const MULTILINE: bool;
    /// Refuses bidirectional formatting characters (text shown on a public page).
    const PUBLIC: bool;
    /// Blank (empty or white space only) is taken as absent instead of refused.
    const BLANK: bool;
}

macro_rules! rules {
    ($($(#[$meta:meta])* $rule:ident = $name:literal, multiline: $m:literal, public: $p:literal, blank: $b:literal;)+) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            pub enum $rule {}

            impl TextRule for $rule {
                const NAME: &'static str = $name;
                const MULTILINE: bool = $m;
                const PUBLIC: bool = $p;
                const BLANK: bool = $b;
            }
        )+
    };
}

rules! {
    /// One line: no control characters at all.
    SingleLine = "Line", multiline: false, public: false, blank: false;
    /// Several lines: line breaks and tabs allowed, no other control characters.
    MultiLine = "Paragraph", multiline: true, public: false, blank: false;
    /// [`SingleLine`], shown on a public page.
    PublicSingleLine = "PublicLine", multiline: false, public: true, blank: false;
    /// [`MultiLine`], shown on a public page.
    PublicMultiLine = "PublicParagraph", multiline: true, public: true, blank: false;
    /// [`SingleLine`], or blank for none (form fields left empty).
    SingleLineOrBlank = "LineOrBlank", multiline: false, public: false, blank: true;
    /// [`MultiLine`], or blank for none (form fields left empty).
    MultiLineOrBlank = "ParagraphOrBlank", multiline: true, public: false, blank: true;
}

/// Text of at most `MAX` characters under rule `R`, with surrounding white space removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text<const MAX: usize, R: TextRule>(String, PhantomData<R>);

/// A required single line of at most `MAX` characters.
pub type Line<const MAX: usize> = Text<MAX, SingleLine>;
/// A required text of at most `MAX` characters that may span lines.
pub type Paragraph<const MAX: usize> = Text<MAX, MultiLine>;
/// [`Line`] for a public page: no bidirectional formatting characters either.
pub type PublicLine<const MAX: usize> = Text<MAX, PublicSingleLine>;
/// [`Paragraph`] for a public page: no bidirectional formatting characters either.
pub type PublicParagraph<const MAX: usize> = Text<MAX, PublicMultiLine>;
/// [`Line`], or blank for none.
pub type LineOrBlank<const MAX: usize> = Text<MAX, SingleLineOrBlank>;
/// [`Paragraph`], or blank for none.
pub type ParagraphOrBlank<const MAX: usize> = Text<MAX, MultiLineOrBlank>;

impl<const MAX: usize, R: TextRule> Text<MAX, R> {
    /// Checks `raw`; the text kept is `raw` without its surrounding white space.
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        check(raw, MAX, R::MULTILINE, R::PUBLIC, R::BLANK).map(|t| Self(t, PhantomData))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The text, or `None` when it is blank (only the `…OrBlank` rules admit blank text).
    pub fn into_option(self) -> Option<String> {
        (!self.0.is_empty()).then_some(self.0)
    }

    /// The regular expression (ECMA-262, as OpenAPI's `pattern`) of what `parse` accepts,
    /// length aside.
    pub fn pattern() -> String {
        pattern(R::MULTILINE, R::PUBLIC, R::BLANK)
    }
}

impl<'de, const MAX: usize, R: TextRule> Deserialize<'de> for Text<MAX, R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(Refusal::into_serde)
    }
}

impl<const MAX: usize, R: TextRule> PartialSchema for Text<MAX, R> {
    fn schema() -> RefOr<Schema> {
        let mut description = format!("At most {MAX} characters");
        description.push_str(if R::MULTILINE {
            ", with line breaks and tabs but no other control characters"
        } else {
            " on one line: no control characters"
        });
        if R::PUBLIC {
            description.push_str(
                ", nor the bidirectional formatting characters that reorder how text is \
                 displayed (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069)",
            );
        }
        description.push_str(if R::BLANK {
            ". Blank (empty or only white space) is the same as absent"
        } else {
            ", not blank"
        });
        description.push_str(". Surrounding white space is removed.");
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length((!R::BLANK).then_some(1))
            .max_length(Some(MAX))
            .pattern(Some(Self::pattern()))
            .description(Some(description))
            .into()
    }
}

impl<const MAX: usize, R: TextRule> ToSchema for Text<MAX, R> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("{}{MAX}", R::NAME))
    }
}

/// An email address given as contact: [`LineOrBlank`] with an `@` in it, or blank for none.
/// Nothing more is checked: the only proof of an address is a message that reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailOrBlank<const MAX: usize>(LineOrBlank<MAX>);

impl<const MAX: usize> EmailOrBlank<MAX> {
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        let text = LineOrBlank::<MAX>::parse(raw)?;
        if !text.as_str().is_empty() && !text.as_str().contains('@') {
            return Err(Refusal::new("invalid_value", "is not an email address"));
        }
        Ok(Self(text))
    }

    /// The address, or `None` when blank.
    pub fn into_option(self) -> Option<String> {
        self.0.into_option()
    }

    /// What `parse` accepts, length aside: [`LineOrBlank`]'s pattern, with an `@` in the text.
    pub fn pattern() -> String {
        let edge = format!("[^{CONTROL}{SPACE}]");
        let inner = format!("[^{CONTROL}]");
        format!("^[{SPACE}]*(?:(?:{edge}{inner}*)?@(?:{inner}*{edge})?[{SPACE}]*)?$")
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for EmailOrBlank<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(Refusal::into_serde)
    }
}

impl<const MAX: usize> PartialSchema for EmailOrBlank<MAX> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX))
            .pattern(Some(Self::pattern()))
            .description(Some(format!(
                "An email address (with an `@`), at most {MAX} characters on one line. Blank \
                 (empty or only white space) is the same as absent. Surrounding white space is \
                 removed."
            )))
            .into()
    }
}

impl<const MAX: usize> ToSchema for EmailOrBlank<MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("EmailOrBlank{MAX}"))
    }
}

/// White space as `str::trim` removes it (Unicode's White_Space property), as regex class
/// items.
const SPACE: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Control characters (Unicode's Cc: `char::is_control`).
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// Control characters except tab, line feed and carriage return.
const CONTROL_BUT_BREAKS: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";
/// See [`is_bidi_control`].
const BIDI: &str = r"\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069";

/// What [`check`] accepts, length aside: white space, then the text (which starts and ends
/// with a character that is neither white space nor refused, and has no refused character),
/// then white space. Blank text is white space alone.
fn pattern(multiline: bool, public: bool, blank: bool) -> String {
    let refused = format!(
        "{}{}",
        if multiline {
            CONTROL_BUT_BREAKS
        } else {
            CONTROL
        },
        if public { BIDI } else { "" }
    );
    let inner = format!("[^{refused}]");
    let edge = format!("[^{refused}{SPACE}]");
    let text = format!("{edge}(?:{inner}*{edge})?");
    if blank {
        format!("^[{SPACE}]*(?:{text}[{SPACE}]*)?$")
    } else {
        format!("^[{SPACE}]*{text}[{SPACE}]*$")
    }
}

/// The rule of every text type: at most `max` characters as sent; not blank (unless `blank`);
/// once trimmed, no control characters (but line breaks and tabs if `multiline`) and, if
/// `public`, no bidirectional formatting characters.
fn check(
    raw: &str,
    max: usize,
    multiline: bool,
    public: bool,
    blank: bool,
) -> Result<String, Refusal> {
    let t = raw.trim();
    if t.is_empty() && !blank {
        return Err(Refusal::new("required", "must not be empty"));
    }
    if raw.chars().count() > max {
        return Err(Refusal::new(
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    let refused_control =
        |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if t.chars().any(refused_control) {
        return Err(Refusal::new(
            "invalid_value",
            "must not contain control characters",
        ));
    }
    if public && t.chars().any(is_bidi_control) {
        return Err(Refusal::new(
            "bidi_control",
            "must not contain bidirectional control characters",
        ));
    }
    Ok(t.to_owned())
}

/// Unicode's explicit bidirectional formatting characters (the embeddings, overrides and
/// isolates, and the implicit marks): in a published name, U+202E RIGHT-TO-LEFT OVERRIDE makes
/// the page show the text in another order than it was written (a name that reads as
/// someone else's). Nothing a PSD publishes needs them; the display of right-to-left scripts
/// does not depend on them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks a required single-line text of at most `max` characters ([`Line`]'s rule, for
/// bounds known only at run time).
pub fn line(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    check(raw, max, false, false, false).map_err(Into::into)
}

/// Checks a required multi-line text of at most `max` characters ([`Paragraph`]'s rule).
pub fn paragraph(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    check(raw, max, true, false, false).map_err(Into::into)
}

/// [`line`], for text shown on a public page ([`PublicLine`]'s rule).
pub fn public_line(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    check(raw, max, false, true, false).map_err(Into::into)
}

/// [`paragraph`], for text shown on a public page ([`PublicParagraph`]'s rule).
pub fn public_paragraph(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    check(raw, max, true, true, false).map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_control_characters() {
        assert_eq!(line("  a  ", 5).unwrap(), "a");
        assert_eq!(line("", 5).unwrap_err().0, "required");
        assert_eq!(line("abcdef", 5).unwrap_err().0, "too_long");
        assert_eq!(line("a\nb", 5).unwrap_err().0, "invalid_value");
        assert_eq!(paragraph("a\nb", 5).unwrap(), "a\nb");
        assert_eq!(paragraph("a\u{0}b", 5).unwrap_err().0, "invalid_value");
        // The bound is on the text as sent, as the schema's maxLength counts it.
        assert_eq!(line("abcd  ", 5).unwrap_err().0, "too_long");
        // Surrounding white space is removed before the other rules, line breaks included.
        assert_eq!(Line::<5>::parse("\tab\r\n").unwrap().as_str(), "ab");
        assert_eq!(LineOrBlank::<5>::parse(" \n ").unwrap().into_option(), None);
        assert_eq!(
            LineOrBlank::<5>::parse(" a ")
                .unwrap()
                .into_option()
                .as_deref(),
            Some("a")
        );
    }

    #[test]
    fn published_text_refuses_bidirectional_controls() {
        assert_eq!(
            public_line("PC \u{202E}htimS", 50).unwrap_err().0,
            "bidi_control"
        );
        assert_eq!(
            public_paragraph("a\u{2067}b", 50).unwrap_err().0,
            "bidi_control"
        );
        // Right-to-left scripts themselves are welcome.
        assert_eq!(public_line("PC عمر", 50).unwrap(), "PC عمر");
        assert_eq!(public_paragraph("a\nb", 50).unwrap(), "a\nb");
    }

    #[test]
    fn refusals_travel_through_serde_with_their_code() {
        let err = serde_json::from_str::<Line<3>>("\"abcd\"").unwrap_err();
        let message = err.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(&*message, |(m, _)| m);
        assert_eq!(
            Refusal::from_serde_message(message),
            Some(("too_long", "must be at most 3 characters"))
        );
        assert_eq!(
            serde_json::from_str::<Paragraph<9>>("\" a\\nb \"")
                .unwrap()
                .as_str(),
            "a\nb"
        );
    }

    #[test]
    fn the_placeholder_passes_every_rule() {
        assert!(Line::<3>::parse(ACCEPTED_BY_EVERY_RULE).is_ok());
        assert!(Paragraph::<3>::parse(ACCEPTED_BY_EVERY_RULE).is_ok());
        assert!(PublicLine::<3>::parse(ACCEPTED_BY_EVERY_RULE).is_ok());
        assert!(PublicParagraph::<3>::parse(ACCEPTED_BY_EVERY_RULE).is_ok());
        assert!(LineOrBlank::<3>::parse(ACCEPTED_BY_EVERY_RULE).is_ok());
        assert!(ParagraphOrBlank::<3>::parse(ACCEPTED_BY_EVERY_RULE).is_ok());
        assert!(EmailOrBlank::<3>::parse(ACCEPTED_BY_EVERY_RULE).is_ok());
    }

    /// `SPACE` is what `str::trim` removes: every character, both ways.
    #[test]
    fn the_space_class_is_what_trim_removes() {
        let class = regex::Regex::new(&format!("^[{SPACE}]$")).unwrap();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(
                class.is_match(&s),
                s.trim().is_empty(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    fn schema_accepts<const MAX: usize, R: TextRule>(regex: &regex::Regex, s: &str) -> bool {
        regex.is_match(s) && s.chars().count() <= MAX && (R::BLANK || !s.is_empty())
    }

    /// The document's description of each rule (pattern, length) accepts exactly what the
    /// server does, for every character in every position that matters.
    fn schema_matches_rule<const MAX: usize, R: TextRule>() {
        let regex = regex::Regex::new(&Text::<MAX, R>::pattern()).unwrap();
        let chars = (0..0x3100)
            .chain([0xFEFF, 0xFFFD, 0x1F600, 0xE0001, 0x10FFFF])
            .filter_map(char::from_u32);
        for c in chars {
            for s in [
                format!("{c}"),
                format!("a{c}"),
                format!("{c}a"),
                format!("a{c}b"),
                format!(" {c} "),
                format!("\n{c}a\t"),
                format!("a{c}\u{2028}"),
            ] {
                let server = Text::<MAX, R>::parse(&s).is_ok();
                let schema = schema_accepts::<MAX, R>(&regex, &s);
                assert_eq!(server, schema, "{} {s:?}", Text::<MAX, R>::name());
            }
        }
        for s in ["", " ", "abcdef", " abcd", "ab\ncd", "\u{202E}"] {
            let server = Text::<MAX, R>::parse(s).is_ok();
            let schema = schema_accepts::<MAX, R>(&regex, s);
            assert_eq!(server, schema, "{} {s:?}", Text::<MAX, R>::name());
        }
    }

    #[test]
    fn the_email_schema_is_the_email_rule() {
        let regex = regex::Regex::new(&EmailOrBlank::<9>::pattern()).unwrap();
        let chars = (0..0x3100).filter_map(char::from_u32);
        for c in chars {
            for s in [
                format!("{c}"),
                format!("a@{c}"),
                format!("{c}@a"),
                format!("a{c}@b"),
                format!(" {c}@ "),
                format!("\n@{c}\t"),
                format!("a@b{c}"),
                format!("{c}a@b"),
            ] {
                let server = EmailOrBlank::<9>::parse(&s).is_ok();
                let schema = regex.is_match(&s) && s.chars().count() <= 9;
                assert_eq!(server, schema, "{s:?}");
            }
        }
        assert!(
            EmailOrBlank::<9>::parse(" ")
                .unwrap()
                .into_option()
                .is_none()
        );
        assert_eq!(
            EmailOrBlank::<9>::parse("a").unwrap_err().message,
            "is not an email address"
        );
    }

    #[test]
    fn every_rule_is_described_exactly_by_its_schema() {
        schema_matches_rule::<5, SingleLine>();
        schema_matches_rule::<5, MultiLine>();
        schema_matches_rule::<5, PublicSingleLine>();
        schema_matches_rule::<5, PublicMultiLine>();
        schema_matches_rule::<5, SingleLineOrBlank>();
        schema_matches_rule::<5, MultiLineOrBlank>();
    }
}
