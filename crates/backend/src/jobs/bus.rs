//! The in-process bus that hands each new job event to live subscribers (the progress
//! page's SSE streams), bounded: a job's channel exists only while someone listens (it
//! goes with its last subscription), a user may hold a limited number of streams, and a
//! shutdown ends every stream at once. What it hands out comes from the database's
//! change feed ([`super::feed`]), so a job run by any process sharing the database
//! reaches this process's subscribers the same way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use model::ids::{JobId, UserId};
use model::job::JobEvent;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// Events kept for a slow subscriber before it must catch up from the database.
const BUS_CAPACITY: usize = 1024;

/// Event streams one user may have open at once (tabs showing a job's progress).
pub const STREAMS_PER_USER: usize = 16;

/// What a subscriber receives.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The job's next event (a subscriber may see one twice, or miss one: it keeps track
    /// of numbers and reads the database for a gap).
    Event(JobEvent),
    /// Events may have been missed (the change feed was re-established): read the
    /// database for anything after the last event seen, and whether the job has ended.
    Resync,
}

#[derive(Default)]
struct Channels {
    senders: HashMap<JobId, broadcast::Sender<Delivery>>,
    streams: HashMap<UserId, usize>,
}

/// Live subscribers per job; cheap to clone.
#[derive(Clone)]
pub struct JobBus {
    channels: Arc<Mutex<Channels>>,
    closing: watch::Sender<bool>,
    /// The change feed feeding this bus, once started ([`super::feed::ensure`]).
    feed: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Default for JobBus {
    fn default() -> Self {
        JobBus {
            channels: Arc::default(),
            closing: watch::Sender::new(false),
            feed: Arc::default(),
        }
    }
}

/// A subscription to one job's events; the job's channel goes with its last one.
pub struct Subscription {
    receiver: Option<broadcast::Receiver<Delivery>>,
    bus: JobBus,
    job_id: JobId,
}

impl Subscription {
    /// The next delivery (see [`broadcast::Receiver::recv`]).
    pub async fn recv(&mut self) -> Result<Delivery, broadcast::error::RecvError> {
        match self.receiver.as_mut() {
            Some(receiver) => receiver.recv().await,
            None => Err(broadcast::error::RecvError::Closed),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut channels = self.bus.channels();
        if channels
            .senders
            .get(&self.job_id)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            channels.senders.remove(&self.job_id);
        }
    }
}

/// One of a user's open streams; the count goes down when it is dropped.
pub struct StreamPermit {
    bus: JobBus,
    user: UserId,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut channels = self.bus.channels();
        if let Some(count) = channels.streams.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                channels.streams.remove(&self.user);
            }
        }
    }
}

impl JobBus {
    fn channels(&self) -> MutexGuard<'_, Channels> {
        self.channels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every event appended to `job_id` from now on. Subscribe only to a job the caller
    /// was shown to own: the channel is made here.
    pub fn subscribe(&self, job_id: &JobId) -> Subscription {
        let receiver = self
            .channels()
            .senders
            .entry(job_id.clone())
            .or_insert_with(|| broadcast::channel(BUS_CAPACITY).0)
            .subscribe();
        Subscription {
            receiver: Some(receiver),
            bus: self.clone(),
            job_id: job_id.clone(),
        }
    }

    pub(crate) fn publish(&self, job_id: &JobId, event: JobEvent) {
        let mut channels = self.channels();
        if let Some(sender) = channels.senders.get(job_id)
            && sender.send(Delivery::Event(event)).is_err()
        {
            // Nobody listens any more.
            channels.senders.remove(job_id);
        }
    }

    /// Tells every subscriber to read the database again (events may have been missed).
    pub(crate) fn resync_all(&self) {
        let channels = self.channels();
        for sender in channels.senders.values() {
            let _ = sender.send(Delivery::Resync);
        }
    }

    /// Starts the change feed with `start` unless it runs already.
    pub(crate) fn start_feed_once(&self, start: impl FnOnce() -> JoinHandle<()>) {
        let mut feed = self.feed.lock().unwrap_or_else(|e| e.into_inner());
        if feed.is_none() && !*self.closing.borrow() {
            *feed = Some(start());
        }
    }

    /// Ends the stream of a finished job: subscribers see the channel close.
    pub fn close(&self, job_id: &JobId) {
        self.channels().senders.remove(job_id);
    }

    /// Opens one of `user`'s streams; `None` when they have [`STREAMS_PER_USER`] open.
    pub fn open_stream(&self, user: &UserId) -> Option<StreamPermit> {
        let mut channels = self.channels();
        let count = channels.streams.entry(user.clone()).or_insert(0);
        if *count >= STREAMS_PER_USER {
            return None;
        }
        *count += 1;
        Some(StreamPermit {
            bus: self.clone(),
            user: user.clone(),
        })
    }

    /// Jobs with a channel now (someone listens), to prove channels do not pile up.
    pub fn channels_open(&self) -> usize {
        self.channels().senders.len()
    }

    /// Ends every stream and the change feed: for a shutdown.
    pub fn shut_down(&self) {
        self.closing.send_replace(true);
    }

    /// After [`Self::shut_down`]: waits until the change feed has let go of the database
    /// (the embedded engine closes only when nothing holds it).
    pub async fn feed_stopped(&self) {
        let feed = self.feed.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(feed) = feed {
            let _ = feed.await;
        }
    }

    /// Resolves once [`Self::shut_down`] was called.
    pub async fn closing(&self) {
        let mut watching = self.closing.subscribe();
        let _ = watching.wait_for(|closing| *closing).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(n: u8) -> JobId {
        JobId::parse(&format!("job{n:0>17}")).unwrap_or_else(|| panic!("a job id"))
    }

    #[test]
    fn a_channel_goes_with_its_last_subscription() {
        let bus = JobBus::default();
        let first = bus.subscribe(&job(1));
        let second = bus.subscribe(&job(1));
        assert_eq!(bus.channels_open(), 1);
        drop(first);
        assert_eq!(bus.channels_open(), 1);
        drop(second);
        assert_eq!(bus.channels_open(), 0);
    }

    #[tokio::test]
    async fn a_resync_reaches_every_subscriber_and_events_only_their_job() {
        let bus = JobBus::default();
        let mut first = bus.subscribe(&job(1));
        let mut second = bus.subscribe(&job(2));
        let event = JobEvent {
            seq: 1,
            at: "2026-12-01T00:00:00.000Z".into(),
            phase: model::job::Phase::Create,
            level: model::job::Level::Info,
            message: "one".into(),
            percent: 0,
            script: None,
        };
        bus.publish(&job(1), event);
        bus.resync_all();
        assert!(matches!(first.recv().await, Ok(Delivery::Event(e)) if e.message == "one"));
        assert!(matches!(first.recv().await, Ok(Delivery::Resync)));
        assert!(
            matches!(second.recv().await, Ok(Delivery::Resync)),
            "job 2 saw no event"
        );
        bus.close(&job(1));
        assert!(first.recv().await.is_err(), "closed with its job");
    }

    #[test]
    fn streams_per_user_are_limited_and_come_back() {
        let bus = JobBus::default();
        let alice = UserId::parse("alice000000000000000").unwrap_or_else(|| panic!("an id"));
        let permits: Vec<StreamPermit> = (0..STREAMS_PER_USER)
            .map(|_| {
                bus.open_stream(&alice)
                    .unwrap_or_else(|| panic!("within the limit"))
            })
            .collect();
        assert!(bus.open_stream(&alice).is_none());
        drop(permits);
        assert!(bus.open_stream(&alice).is_some());
    }
}
