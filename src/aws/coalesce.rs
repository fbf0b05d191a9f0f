//! Single-flight reads with a short freshness window, per key (image ID).
//!
//! Terraform reads every resource on its own, up to ten at a time. With N
//! per-account permissions on one image, each read would walk the image's
//! whole, paginated permission list: N walks where one does. Here callers
//! asking for the same key share one fetch: those who arrive while it runs
//! wait for it, and those who arrive soon after reuse its result.
//!
//! Writes make results stale. Each key has a write generation: a writer
//! bumps it once its write has completed and gets the new value, and a
//! fetch records the generation current when it *started*. A result that
//! started at generation `g` reflects every write numbered `g` or lower,
//! so a caller that must see its own write asks for `min_gen` = its write's
//! number, and any later fetch, shared with other writers' waiters, will do.
//!
//! A question about one member of a key's value (is account A listed for
//! this image?) needs only the writes to that member: [`Coalescer::fresh_for`]
//! asks for a fetch started after the last write to it, so a destroy of many
//! per-account permissions checks each against one shared walk instead of a
//! walk after every other account's revoke.

use super::AwsError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a caller will accept.
#[derive(Debug, Clone, Copy)]
pub struct Freshness {
    /// The fetch must have started after this write generation was reached.
    pub min_gen: u64,
    /// The fetch must have started at or after this instant.
    pub not_before: Instant,
}

struct Fetched<T> {
    started_gen: u64,
    started: Instant,
    finished: Instant,
    result: Result<T, AwsError>,
}

/// Writes to one key: how many completed, when the last one ended, the
/// generation of the last one to each member, and how many operations
/// that write it are under way.
#[derive(Default)]
struct Writes {
    generation: u64,
    last: Option<Instant>,
    by_member: HashMap<String, u64>,
    busy: usize,
    /// How many of the `busy` operations are in [`Coalescer::quiesce`]:
    /// done writing, waiting for the others.
    waiting: usize,
    /// The most operations on the key under way at once since it was last
    /// alone: about Terraform's parallelism for this key.
    peak: usize,
    /// When two or more operations on the key were last under way at once.
    shared: Option<Instant>,
    /// How long the last fetch of the key took (also in the last fetch's
    /// record, but that is locked for as long as a fetch runs).
    last_fetch: Option<Duration>,
    /// Bumped when the waiters in [`Coalescer::quiesce`] are let go
    /// together: the first to leave changes the counts the others read.
    released: u64,
}

impl Writes {
    fn alone(&self) -> bool {
        self.busy <= 1 && self.shared.is_none_or(|at| at.elapsed() > SHARED_MEMORY)
    }

    /// Every operation under way has written and waits, and as many are
    /// under way as ever were: no write is coming that a walk now would
    /// miss, so waiting longer only costs time.
    fn all_in(&self) -> bool {
        self.waiting >= self.busy && self.busy >= self.peak
    }
}

/// How long after operations on a key last overlapped a new one still
/// expects company: Terraform starts its next wave of creates only as the
/// last wave's end, so the first of them may be alone for a moment.
const SHARED_MEMORY: Duration = Duration::from_secs(2);

struct Slot<T> {
    writes: Mutex<Writes>,
    /// Woken whenever `writes` changes, for [`Coalescer::quiesce`].
    changed: tokio::sync::Notify,
    /// The last fetch; the lock is held while a fetch runs, which is what
    /// makes concurrent callers share it.
    last: tokio::sync::Mutex<Option<Fetched<T>>>,
}

impl<T> Slot<T> {
    fn writes(&self) -> std::sync::MutexGuard<'_, Writes> {
        self.writes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes `writes` and wakes whoever waits in [`Coalescer::quiesce`]
    /// to look again.
    fn update<R>(&self, change: impl FnOnce(&mut Writes) -> R) -> R {
        let out = change(&mut self.writes());
        self.changed.notify_waiters();
        out
    }
}

pub struct Coalescer<T> {
    window: Duration,
    slots: Mutex<HashMap<String, Arc<Slot<T>>>>,
}

impl<T: Clone> Coalescer<T> {
    pub fn new(window: Duration) -> Coalescer<T> {
        Coalescer {
            window,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, key: &str) -> Arc<Slot<T>> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Slot {
                    writes: Mutex::new(Writes::default()),
                    changed: tokio::sync::Notify::new(),
                    last: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    fn generation(slot: &Slot<T>) -> u64 {
        slot.writes().generation
    }

    /// Marks an operation that writes `key` and waits for its writes to
    /// show (a create, a delete) as under way until the returned guard is
    /// dropped, so that [`Coalescer::quiesce`] knows whether anyone else's
    /// writes could share its wait.
    pub fn busy(&self, key: &str) -> Busy<T> {
        let slot = self.slot(key);
        slot.update(|w| {
            if w.busy == 0 && w.alone() {
                w.peak = 0;
            }
            w.busy += 1;
            w.peak = w.peak.max(w.busy);
            if w.busy > 1 {
                w.shared = Some(Instant::now());
            }
        });
        Busy { slot }
    }

    /// Records a completed write to `member` of `key`; returns its
    /// generation, which a caller passes as `min_gen` to see its effect.
    pub fn wrote(&self, key: &str, member: &str) -> u64 {
        self.slot(key).update(|w| {
            w.generation += 1;
            w.last = Some(Instant::now());
            w.by_member.insert(member.to_string(), w.generation);
            w.generation
        })
    }

    /// Waits until no write to `key` has completed for `quiet` (or for as
    /// long as the last fetch of `key` took, if longer: waiting costs no
    /// more than the fetch it may save), or until `limit` has passed.
    /// Terraform runs up to ten creates at once, each waiting for its grant
    /// to show; letting a burst of writes finish first means one walk
    /// confirms the whole burst instead of one walk per write. When no
    /// other operation on `key` is under way or was lately (one create at a
    /// time, or one resource's own batch, already written) there is nothing
    /// to wait for; and once every operation under way has written and is
    /// waiting here, as many as Terraform ran at once before, no one is
    /// left to wait for.
    pub async fn quiesce(&self, key: &str, quiet: Duration, limit: Duration) {
        let slot = self.slot(key);
        let last_fetch = {
            let w = slot.writes();
            if w.alone() {
                return;
            }
            w.last_fetch
        };
        let until = Instant::now() + limit;
        let quiet = quiet.max(last_fetch.unwrap_or_default()).min(limit);
        let (_waiting, entered) = Waiting::new(&slot);
        loop {
            let changed = slot.changed.notified();
            tokio::pin!(changed);
            // Registered before the check, so a change after it still wakes us.
            changed.as_mut().enable();
            let wake = {
                let mut w = slot.writes();
                if w.released != entered {
                    return;
                }
                if w.all_in() {
                    // Under the same lock as the check: one release per round.
                    w.released += 1;
                    drop(w);
                    slot.changed.notify_waiters();
                    return;
                }
                match w.last {
                    Some(at) if at + quiet > Instant::now() => (at + quiet).min(until),
                    _ => return,
                }
            };
            if wake <= Instant::now() {
                return;
            }
            tokio::select! {
                _ = changed => {}
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }

    /// What an ordinary read accepts: every completed write, and a result
    /// at most one window old.
    pub fn fresh(&self, key: &str) -> Freshness {
        self.within_window(Self::generation(&self.slot(key)))
    }

    /// What a read about `member` of `key` alone accepts: every completed
    /// write to that member, and a result at most one window old. Writes to
    /// other members do not make a result stale for this question.
    pub fn fresh_for(&self, key: &str, member: &str) -> Freshness {
        let min_gen = self.slot(key).writes().by_member.get(member).copied();
        self.within_window(min_gen.unwrap_or(0))
    }

    /// A result fetched after write `min_gen`, at most one window old.
    fn within_window(&self, min_gen: u64) -> Freshness {
        let now = Instant::now();
        Freshness {
            min_gen,
            not_before: now.checked_sub(self.window).unwrap_or(now),
        }
    }

    /// The window, for callers that build their own [`Freshness`].
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The value for `key`, fetched by `fetch` unless a result that meets
    /// `want` exists or is being fetched. Errors are shared only with
    /// callers that were waiting while the failed fetch ran; later callers
    /// try again.
    pub async fn get<F, Fut>(&self, key: &str, want: Freshness, fetch: F) -> Result<T, AwsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let asked = Instant::now();
        let slot = self.slot(key);
        let mut last = slot.last.lock().await;
        if let Some(f) = last.as_ref() {
            let covers = f.started_gen >= want.min_gen && f.started >= want.not_before;
            let usable = match &f.result {
                Ok(_) => covers,
                Err(_) => covers && f.finished >= asked,
            };
            if usable {
                return f.result.clone();
            }
        }
        let started_gen = Self::generation(&slot);
        let started = Instant::now();
        let result = fetch().await;
        let finished = Instant::now();
        slot.writes().last_fetch = Some(finished - started);
        *last = Some(Fetched {
            started_gen,
            started,
            finished,
            result: result.clone(),
        });
        result
    }
}

/// An operation under way; see [`Coalescer::busy`].
pub struct Busy<T> {
    slot: Arc<Slot<T>>,
}

impl<T> Drop for Busy<T> {
    fn drop(&mut self) {
        self.slot.update(|w| w.busy -= 1);
    }
}

/// A caller inside [`Coalescer::quiesce`], counted until it leaves (or is
/// cancelled).
struct Waiting<'a, T> {
    slot: &'a Slot<T>,
}

impl<'a, T> Waiting<'a, T> {
    /// Counts the caller in; returns the release round it waits in.
    fn new(slot: &'a Slot<T>) -> (Waiting<'a, T>, u64) {
        let round = slot.update(|w| {
            w.waiting += 1;
            w.released
        });
        (Waiting { slot }, round)
    }
}

impl<T> Drop for Waiting<'_, T> {
    fn drop(&mut self) {
        self.slot.writes().waiting -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn counting(n: &AtomicUsize) -> Result<usize, AwsError> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(n.fetch_add(1, Ordering::SeqCst) + 1)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_readers_share_one_fetch() {
        let c = Arc::new(Coalescer::new(Duration::from_secs(10)));
        let n = Arc::new(AtomicUsize::new(0));
        let mut reads = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (c, n) = (c.clone(), n.clone());
            reads.spawn(async move { c.get("wsi-1", c.fresh("wsi-1"), || counting(&n)).await });
        }
        while let Some(r) = reads.join_next().await {
            assert_eq!(r.unwrap().unwrap(), 1);
        }
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn back_to_back_reads_reuse_a_fresh_result_but_not_a_stale_one() {
        let c = Coalescer::new(Duration::from_millis(200));
        let n = AtomicUsize::new(0);
        c.get("k", c.fresh("k"), || counting(&n)).await.unwrap();
        c.get("k", c.fresh("k"), || counting(&n)).await.unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        c.get("k", c.fresh("k"), || counting(&n)).await.unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_write_invalidates_and_its_writer_sees_a_later_fetch() {
        let c = Coalescer::new(Duration::from_secs(10));
        let n = AtomicUsize::new(0);
        c.get("k", c.fresh("k"), || counting(&n)).await.unwrap();
        let g = c.wrote("k", "m");
        // An ordinary read after the write no longer takes the old result.
        assert_eq!(c.get("k", c.fresh("k"), || counting(&n)).await.unwrap(), 2);
        // The writer's own wait accepts that later fetch without another.
        let want = Freshness {
            min_gen: g,
            not_before: Instant::now() - Duration::from_secs(10),
        };
        assert_eq!(c.get("k", want, || counting(&n)).await.unwrap(), 2);
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    /// How long `quiesce` waited, with `quiet` and `limit` in milliseconds.
    async fn waited(c: &Coalescer<usize>, quiet: u64, limit: u64) -> Duration {
        let t = Instant::now();
        c.quiesce(
            "k",
            Duration::from_millis(quiet),
            Duration::from_millis(limit),
        )
        .await;
        t.elapsed()
    }

    const NO_WAIT: Duration = Duration::from_millis(100);
    const QUIET_WAIT: Duration = Duration::from_millis(90);

    #[tokio::test]
    async fn quiesce_waits_for_a_pause_in_writes_but_not_past_its_limit() {
        let c: Coalescer<usize> = Coalescer::new(Duration::from_secs(10));
        let _me = c.busy("k");
        let _other = c.busy("k");
        // No write yet: nothing to wait for.
        assert!(waited(&c, 200, 5000).await < NO_WAIT);
        c.wrote("k", "a");
        let w = waited(&c, 100, 5000).await;
        assert!(w >= QUIET_WAIT, "{w:?}");
        c.wrote("k", "b");
        let w = waited(&c, 5000, 50).await;
        assert!(
            w < Duration::from_secs(1),
            "the limit bounds the wait: {w:?}"
        );
    }

    #[tokio::test]
    async fn quiesce_does_not_wait_when_no_one_else_is_or_was_lately_busy_with_the_key() {
        let c: Coalescer<usize> = Coalescer::new(Duration::from_secs(10));
        let me = c.busy("k");
        let elsewhere = c.busy("other");
        c.wrote("k", "a");
        let w = waited(&c, 5000, 5000).await;
        assert!(w < NO_WAIT, "{w:?}");
        // Once another operation on the key is under way, it waits again.
        let other = c.busy("k");
        c.wrote("k", "b");
        let w = waited(&c, 100, 5000).await;
        assert!(w >= QUIET_WAIT, "{w:?}");
        // Alone again, but just after company: the next may be arriving.
        drop(other);
        c.wrote("k", "c");
        let w = waited(&c, 100, 5000).await;
        assert!(w >= QUIET_WAIT, "{w:?}");
        drop((me, elsewhere));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn quiesce_ends_once_every_operation_under_way_has_written_and_waits() {
        let c: Arc<Coalescer<usize>> = Arc::new(Coalescer::new(Duration::from_secs(10)));
        let ops: Vec<_> = (0..3).map(|_| c.busy("k")).collect();
        let started = Instant::now();
        let mut waits = tokio::task::JoinSet::new();
        for (i, op) in ops.into_iter().enumerate() {
            let c = c.clone();
            waits.spawn(async move {
                // Writes end 50 ms apart; each then waits for a 5 s pause.
                tokio::time::sleep(Duration::from_millis(50 * i as u64)).await;
                c.wrote("k", &format!("m{i}"));
                c.quiesce("k", Duration::from_secs(5), Duration::from_secs(5))
                    .await;
                drop(op);
                started.elapsed()
            });
        }
        while let Some(done) = waits.join_next().await {
            let at = done.unwrap();
            // All three leave together, when the last has written.
            assert!(at >= Duration::from_millis(95), "{at:?}");
            assert!(at < Duration::from_secs(1), "{at:?}");
        }
        // Fewer under way than before (one of three): the pause is kept.
        let _one = c.busy("k");
        c.wrote("k", "late");
        let w = waited(&c, 100, 5000).await;
        assert!(w >= QUIET_WAIT, "{w:?}");
    }

    #[tokio::test]
    async fn a_read_about_one_member_ignores_writes_to_others() {
        let c = Coalescer::new(Duration::from_secs(10));
        let n = AtomicUsize::new(0);
        c.get("k", c.fresh("k"), || counting(&n)).await.unwrap();
        c.wrote("k", "b");
        // About member a: the earlier fetch still answers.
        assert_eq!(
            c.get("k", c.fresh_for("k", "a"), || counting(&n))
                .await
                .unwrap(),
            1
        );
        // About member b, or the whole value: a fetch after b's write.
        assert_eq!(
            c.get("k", c.fresh_for("k", "b"), || counting(&n))
                .await
                .unwrap(),
            2
        );
        c.wrote("k", "c");
        assert_eq!(c.get("k", c.fresh("k"), || counting(&n)).await.unwrap(), 3);
        assert_eq!(n.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn keys_are_independent() {
        let c = Coalescer::new(Duration::from_secs(10));
        let n = AtomicUsize::new(0);
        c.get("a", c.fresh("a"), || counting(&n)).await.unwrap();
        c.wrote("a", "m");
        c.get("b", c.fresh("b"), || counting(&n)).await.unwrap();
        c.get("b", c.fresh("b"), || counting(&n)).await.unwrap();
        assert_eq!(n.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_retried_by_the_next_caller() {
        let c: Coalescer<usize> = Coalescer::new(Duration::from_secs(10));
        let failing = || async { Err(AwsError::protocol("Op", "boom".to_string())) };
        assert!(c.get("k", c.fresh("k"), failing).await.is_err());
        let n = AtomicUsize::new(0);
        assert_eq!(c.get("k", c.fresh("k"), || counting(&n)).await.unwrap(), 1);
    }
}
