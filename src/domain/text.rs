//! Free-text fields: trimmed, bounded, without control characters (line breaks and tabs
//! allowed in long text). Text published to the public also refuses the characters that
//! reorder how text is displayed.

/// Checks a required single-line text of at most `max` characters.
pub fn line(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(("required", "must not be empty".into()));
    }
    if t.chars().count() > max {
        return Err(("too_long", format!("must be at most {max} characters")));
    }
    if t.chars().any(char::is_control) {
        return Err((
            "invalid_value",
            "must not contain control characters".into(),
        ));
    }
    Ok(t.to_owned())
}

/// Checks a required multi-line text of at most `max` characters.
pub fn paragraph(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(("required", "must not be empty".into()));
    }
    if t.chars().count() > max {
        return Err(("too_long", format!("must be at most {max} characters")));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err((
            "invalid_value",
            "must not contain control characters".into(),
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

fn without_bidi_controls(text: String) -> Result<String, (&'static str, String)> {
    if text.chars().any(is_bidi_control) {
        return Err((
            "bidi_control",
            "must not contain bidirectional control characters".into(),
        ));
    }
    Ok(text)
}

/// [`line`], for text shown on a public page.
pub fn public_line(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    line(raw, max).and_then(without_bidi_controls)
}

/// [`paragraph`], for text shown on a public page.
pub fn public_paragraph(raw: &str, max: usize) -> Result<String, (&'static str, String)> {
    paragraph(raw, max).and_then(without_bidi_controls)
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
}
