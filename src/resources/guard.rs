//! Provider-level guards on who an image may be shared with. AWS's own
//! documentation asks users to confirm the account ID before sharing; these
//! make that check enforceable: `allowed_shared_account_ids` (when set, the
//! only accounts that may receive an image) and
//! `forbidden_shared_account_ids` (accounts that never may).

use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingGuard {
    /// `None`: no allow-list configured, every account not forbidden passes.
    pub allowed: Option<BTreeSet<String>>,
    pub forbidden: BTreeSet<String>,
}

impl SharingGuard {
    /// Why sharing with `account` is refused, if it is.
    pub fn refusal(&self, account: &str) -> Option<String> {
        if self.forbidden.contains(account) {
            return Some(format!(
                "Account {account} is listed in the provider's forbidden_shared_account_ids."
            ));
        }
        match &self.allowed {
            Some(allowed) if !allowed.contains(account) => Some(format!(
                "Account {account} is not listed in the provider's allowed_shared_account_ids."
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_guard_configured_lets_every_account_through() {
        assert_eq!(SharingGuard::default().refusal("111122223333"), None);
    }

    #[test]
    fn forbidden_wins_over_allowed() {
        let g = SharingGuard {
            allowed: Some(set(&["111122223333"])),
            forbidden: set(&["111122223333"]),
        };
        let why = g.refusal("111122223333").unwrap();
        assert!(why.contains("forbidden_shared_account_ids"), "{why}");
    }

    #[test]
    fn allow_list_refuses_accounts_outside_it() {
        let g = SharingGuard {
            allowed: Some(set(&["111122223333"])),
            forbidden: BTreeSet::new(),
        };
        assert_eq!(g.refusal("111122223333"), None);
        let why = g.refusal("444455556666").unwrap();
        assert!(why.contains("444455556666") && why.contains("allowed_shared_account_ids"));
    }

    #[test]
    fn an_empty_allow_list_refuses_everyone() {
        let g = SharingGuard {
            allowed: Some(BTreeSet::new()),
            forbidden: BTreeSet::new(),
        };
        assert!(g.refusal("111122223333").is_some());
    }
}
