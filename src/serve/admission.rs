//! Admission of syntheses: at most `--max-concurrent` run at once, at most `--queue` more wait
//! for a slot (first come, first served); a request beyond both is refused at once (429), and a
//! queued one that gets no slot before its deadline is refused too (504).
//!
//! A short queue absorbs bursts (16 clients on 4 slots need not retry) while keeping the wait
//! bounded; a load balancer in front still sees a quick 429 when the replica is really full.
//! A queued request whose client goes away is dropped with its handler, which leaves the queue.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a request got no synthesis slot.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// All slots busy and the queue full: 429.
    Full,
    /// Queued, but no slot came free before the deadline: 504.
    Deadline,
}

/// The waiting line in front of the synthesis slots.
pub(super) struct Queue {
    capacity: usize,
    waiting: AtomicUsize,
}

/// Takes a place in the queue; gives it back when dropped (also when the handler is dropped).
struct Place<'a>(&'a AtomicUsize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Queue {
    /// Makes a queue that holds at most `capacity` waiting requests.
    pub(super) fn new(capacity: usize) -> Queue {
        Queue { capacity, waiting: AtomicUsize::new(0) }
    }

    /// Returns how many requests are waiting for a slot now.
    pub(super) fn depth(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Returns a slot of `slots`: at once if one is free, else after waiting in the queue
    /// until `deadline`.
    pub(super) async fn admit(
        &self,
        slots: &Arc<Semaphore>,
        deadline: Instant,
    ) -> Result<OwnedSemaphorePermit, Refused> {
        // tokio's semaphore hands released permits to waiters first, so this never jumps the queue.
        if let Ok(p) = slots.clone().try_acquire_owned() {
            return Ok(p);
        }
        let cap = self.capacity;
        self.waiting
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| (n < cap).then_some(n + 1))
            .map_err(|_| Refused::Full)?;
        let _place = Place(&self.waiting);
        match tokio::time::timeout_at(deadline.into(), slots.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            // The semaphore is never closed; treat it as "no slot" all the same.
            Ok(Err(_)) => Err(Refused::Full),
            Err(_) => Err(Refused::Deadline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn queue_admits_in_order_refuses_when_full_and_times_out_at_the_deadline() {
        let slots = Arc::new(Semaphore::new(1));
        let q = Arc::new(Queue::new(1));
        let far = Instant::now() + Duration::from_secs(600);
        let held = q.admit(&slots, far).await.unwrap();
        // One waits in the queue...
        let (q2, s2) = (q.clone(), slots.clone());
        let waiter = tokio::spawn(async move { q2.admit(&s2, far).await.map(|_| ()) });
        while q.depth() == 0 {
            tokio::task::yield_now().await;
        }
        // ...so the next is refused at once.
        assert_eq!(q.admit(&slots, far).await.err(), Some(Refused::Full));
        drop(held);
        assert_eq!(waiter.await.unwrap(), Ok(()));
        assert_eq!(q.depth(), 0);
        // A waiter whose deadline passes leaves the queue with Deadline.
        let held = q.admit(&slots, far).await.unwrap();
        let soon = Instant::now() + Duration::from_millis(20);
        assert_eq!(q.admit(&slots, soon).await.err(), Some(Refused::Deadline));
        assert_eq!(q.depth(), 0);
        // A cancelled waiter gives its place back.
        let (q3, s3) = (q.clone(), slots.clone());
        let cancelled = tokio::spawn(async move { q3.admit(&s3, far).await.map(|_| ()) });
        while q.depth() == 0 {
            tokio::task::yield_now().await;
        }
        cancelled.abort();
        let _ = cancelled.await;
        assert_eq!(q.depth(), 0);
        drop(held);
    }
}
