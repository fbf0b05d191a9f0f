//! Terraform's StopProvider (sent on Ctrl-C): once stopped, every AWS call
//! in flight, every retry back-off and every consistency wait ends at once,
//! and no new call starts. The provider core owns one [`Stop`] and hands it
//! to the client it configures.

use std::future::Future;
use tokio::sync::watch;

/// A one-way switch: stopped once, stopped for good, as Terraform never
/// sends work after StopProvider.
#[derive(Debug, Clone)]
pub struct Stop {
    tx: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop::new()
    }
}

/// What a piece of work ended with when the switch was thrown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl Stop {
    pub fn new() -> Stop {
        Stop {
            tx: std::sync::Arc::new(watch::channel(false).0),
        }
    }

    /// Throws the switch; work running under [`Stop::run`] ends.
    pub fn stop(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_stopped(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once [`Stop::stop`] has been called.
    pub async fn stopped(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives as long as `self`, so this only ends on stop.
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Runs `work` unless or until the switch is thrown.
    pub async fn run<T>(&self, work: impl Future<Output = T>) -> Result<T, Stopped> {
        if self.is_stopped() {
            return Err(Stopped);
        }
        tokio::select! {
            biased;
            _ = self.stopped() => Err(Stopped),
            out = work => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn work_finishes_when_not_stopped() {
        assert_eq!(Stop::new().run(async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn stopping_ends_work_in_flight() {
        let stop = Stop::new();
        let clone = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            clone.stop();
        });
        let began = std::time::Instant::now();
        let out = stop.run(tokio::time::sleep(Duration::from_secs(60))).await;
        assert_eq!(out, Err(Stopped));
        assert!(began.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn nothing_starts_once_stopped() {
        let stop = Stop::new();
        stop.stop();
        let started = std::sync::atomic::AtomicBool::new(false);
        let out = stop
            .run(async { started.store(true, std::sync::atomic::Ordering::SeqCst) })
            .await;
        assert_eq!(out, Err(Stopped));
        assert!(!started.load(std::sync::atomic::Ordering::SeqCst));
    }
}
