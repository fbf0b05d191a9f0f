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
/// (no trimming, no dashes).
pub fn check_account_id(id: &str) -> Result<(), String> {
    if id.len() == 12 && id.bytes().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not an AWS account ID: expected exactly 12 digits, for example \"123456789012\"."
        ))
    }
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
}
