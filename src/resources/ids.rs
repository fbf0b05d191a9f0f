//! Identifiers the WorkSpaces API takes, checked the way the API's own
//! model constrains them, so bad input fails before any call is made.

/// WorkSpaces image IDs: `wsi-` then 9 to 63 lower-case letters or digits.
pub fn check_image_id(id: &str) -> Result<(), String> {
    let body = id.strip_prefix("wsi-");
    let ok = body.is_some_and(|b| {
        (9..=63).contains(&b.len())
            && b.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not a WorkSpaces image ID: expected \"wsi-\" followed by 9 to 63 lower-case \
             letters and digits, for example \"wsi-123456789\"."
        ))
    }
}

/// AWS account IDs: exactly 12 digits. A typo here would share a company's
/// desktop image with a stranger's account, so nothing else is accepted
/// (no trimming, no dashes); the message says what is wrong with it.
pub fn check_account_id(id: &str) -> Result<(), String> {
    if id.len() == 12 && id.bytes().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    let mut msg = format!(
        "{id:?} is not an AWS account ID: expected exactly 12 digits, for example \"123456789012\"."
    );
    if let Some(hint) = account_id_hint(id) {
        msg.push(' ');
        msg.push_str(&hint);
    }
    Err(msg)
}

/// Why an almost-right account ID is wrong, for the cases users hit.
fn account_id_hint(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("The value is empty.".to_string());
    }
    if let Some(c) = id.chars().find(|c| c.is_numeric() && !c.is_ascii_digit()) {
        return Some(format!(
            "It contains {c:?} (U+{:04X}), which looks like a digit but is not one of 0-9: \
             retype the ID rather than copying it from a document.",
            c as u32
        ));
    }
    if id.chars().any(char::is_whitespace) {
        return Some("Remove the spaces or line breaks around or inside it.".to_string());
    }
    if id.contains('-') && id.chars().filter(char::is_ascii_digit).count() == 12 {
        return Some("Write it without dashes.".to_string());
    }
    if id.len() < 12 && id.bytes().all(|c| c.is_ascii_digit()) {
        return Some(format!(
            "It has {} digits. If the account ID begins with 0 and was written as a number, Terraform \
             dropped the leading zeros: write it as a quoted string, such as \"{id:0>12}\".",
            id.len()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_ids_follow_the_api_pattern() {
        assert!(check_image_id("wsi-123456789").is_ok());
        assert!(check_image_id(&format!("wsi-{}", "a".repeat(63))).is_ok());
        for bad in [
            "wsi-12345678",
            "wsi-ABCDEFGHI",
            "ami-123456789",
            "wsi-",
            "",
            " wsi-123456789",
        ] {
            assert!(check_image_id(bad).is_err(), "{bad}");
        }
        assert!(check_image_id(&format!("wsi-{}", "a".repeat(64))).is_err());
    }

    #[test]
    fn account_ids_are_exactly_twelve_digits() {
        assert!(check_account_id("123456789012").is_ok());
        for bad in [
            "12345678901",
            "1234567890123",
            "1234-5678-9012",
            "12345678901a",
            " 123456789012",
            "",
        ] {
            assert!(check_account_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn account_id_errors_say_what_is_wrong() {
        let hint = |id: &str| check_account_id(id).expect_err(id);
        assert!(hint("12345678901").contains("leading zeros"));
        assert!(hint("12345678901").contains("\"012345678901\""));
        assert!(hint("１２３４５６７８９０１２").contains("U+FF11"));
        assert!(hint("١٢٣٤٥٦٧٨٩٠١٢").contains("U+0661"));
        assert!(hint(" 123456789012").contains("spaces"));
        assert!(hint("1234-5678-9012").contains("without dashes"));
        assert!(hint("").contains("empty"));
        assert!(!hint("12345678901a").contains("leading zeros"));
    }
}
