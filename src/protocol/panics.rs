//! The RPC boundary's last line: a panic in the provider core becomes an
//! error diagnostic in the RPC's answer, so Terraform shows the bug and its
//! message instead of a dropped connection ("plugin exited unexpectedly").

use crate::diag::{Diagnostic, Diagnostics};
use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Poll;

/// Debug builds only (which the tests run): the RPC named here panics on
/// purpose, to prove the boundary holds through the real transport.
#[cfg(debug_assertions)]
pub const TEST_PANIC_ENV: &str = "TF_WORKSPACES_TEST_PANIC";

fn test_trigger(rpc: &'static str) {
    #[cfg(debug_assertions)]
    if std::env::var(TEST_PANIC_ENV).is_ok_and(|v| v == rpc) {
        panic!("test-only panic in {rpc} ({TEST_PANIC_ENV} is set)");
    }
    #[cfg(not(debug_assertions))]
    let _ = rpc;
}

fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

fn bug(rpc: &'static str, payload: &(dyn Any + Send)) -> Diagnostics {
    let msg = message(payload);
    tracing::error!(
        rpc,
        panic = msg,
        "the provider panicked; answering with a diagnostic"
    );
    Diagnostic::error(
        "Provider bug: internal error",
        format!(
            "The workspaces provider failed unexpectedly in {rpc}: {msg}. Nothing further was done \
             for this request. Please report this bug, with the provider's log (TF_LOG_PROVIDER=DEBUG)."
        ),
    )
    .into()
}

/// Runs one RPC's work; a panic becomes `failed(diagnostics)`.
pub async fn guarded<T>(
    rpc: &'static str,
    work: impl Future<Output = T>,
    failed: impl FnOnce(Diagnostics) -> T,
) -> T {
    let mut work = Box::pin(async move {
        test_trigger(rpc);
        work.await
    });
    let caught = std::future::poll_fn(|cx| {
        match catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    })
    .await;
    caught.unwrap_or_else(|payload| failed(bug(rpc, payload.as_ref())))
}

/// [`guarded`] for work that does not wait.
pub fn guarded_sync<T>(
    rpc: &'static str,
    work: impl FnOnce() -> T,
    failed: impl FnOnce(Diagnostics) -> T,
) -> T {
    catch_unwind(AssertUnwindSafe(|| {
        test_trigger(rpc);
        work()
    }))
    .unwrap_or_else(|payload| failed(bug(rpc, payload.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_while_waiting_becomes_an_error_diagnostic() {
        let out: Diagnostics = guarded(
            "PlanResourceChange",
            async {
                tokio::task::yield_now().await;
                panic!("index out of bounds");
            },
            |d| d,
        )
        .await;
        assert!(out.has_errors());
        let d = out.into_iter().next().expect("one diagnostic");
        assert!(
            d.detail.contains("PlanResourceChange: index out of bounds"),
            "{}",
            d.detail
        );
    }

    #[tokio::test]
    async fn work_that_does_not_panic_is_answered_as_is() {
        let out = guarded("ReadResource", async { 5 }, |_| 0).await;
        assert_eq!(out, 5);
    }

    #[test]
    fn a_panic_with_a_formatted_message_keeps_it() {
        let out = guarded_sync(
            "UpgradeResourceState",
            || -> Diagnostics { panic!("bad {}", 42) },
            |d| d,
        );
        let d = out.into_iter().next().expect("one diagnostic");
        assert!(d.detail.contains("bad 42"), "{}", d.detail);
    }
}
