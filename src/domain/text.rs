//! Free-text fields: trimmed, bounded, without control characters (line breaks and tabs
//! allowed in long text).

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
}
