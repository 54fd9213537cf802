//! Group commit that no request can interrupt. A send queues its draft and
//! waits for the answer; one committer task at a time takes everything
//! queued, assigns ids, appends the batch in one store call (the store gives
//! each message its room's seq), publishes each new message in seq order and
//! answers every sender. The task is spawned, not
//! run inside a request: a client that goes away mid-send drops only its wait
//! for the answer, never a batch that is committed but not yet published
//! (issue 13, item 3: other people's messages were lost that way).
//!
//! One task at a time is an embedded optimisation, not what correctness
//! rests on: it makes this process's live events come in seq order, so a
//! connection rarely sees a gap; order and resume across processes come from
//! the seqs the store assigns (docs/protocol.md, "Delivery guarantees").

use std::sync::{Arc, Mutex};

use futures_channel::oneshot;
use moodchat_protocol::{Message, ServerEvent};

use crate::error::{internal, ChatResult};
use crate::fanout::Fanout;
use crate::ports::{Appended, Clock, IdGenerator, MessageStore, TaskSpawner};

/// The outcome of a send: the stored message, and whether this call created
/// it (false for an idempotent retry).
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub message: Message,
    pub created: bool,
}

type Answer = oneshot::Sender<ChatResult<Sent>>;

#[derive(Default)]
struct Queue {
    drafts: Vec<(Message, Answer)>,
    /// Whether a committer task is running; it empties the queue before it ends.
    running: bool,
}

/// What the committer task needs; shared with it.
struct Shared {
    store: Arc<dyn MessageStore>,
    fanout: Fanout,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    queue: Mutex<Queue>,
}

pub struct Committer {
    shared: Arc<Shared>,
    spawner: Arc<dyn TaskSpawner>,
}

impl Committer {
    pub fn new(
        store: Arc<dyn MessageStore>,
        fanout: Fanout,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        spawner: Arc<dyn TaskSpawner>,
    ) -> Self {
        let shared = Arc::new(Shared { store, fanout, clock, ids, queue: Mutex::new(Queue::default()) });
        Self { shared, spawner }
    }

    /// Commits and publishes `draft` (its id and time are assigned here).
    /// Dropping the returned future does not stop either.
    pub async fn commit(&self, draft: Message) -> ChatResult<Sent> {
        let (answer, result) = oneshot::channel();
        let start = {
            let mut queue = self.shared.lock_queue();
            queue.drafts.push((draft, answer));
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            let shared = self.shared.clone();
            self.spawner.spawn(Box::pin(async move { shared.drain().await }));
        }
        result.await.unwrap_or_else(|_| Err(internal("the commit task ended without an answer")))
    }
}

impl Shared {
    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Commits batches until the queue is empty. Under load a batch carries
    /// everything that queued during the previous one; alone, a message is
    /// committed at once.
    async fn drain(&self) {
        let _unwinding = ReleaseOnPanic(self);
        loop {
            let batch = {
                let mut queue = self.lock_queue();
                if queue.drafts.is_empty() {
                    // Under the same lock as the check: a send queued after
                    // this sees `running == false` and starts a new task.
                    queue.running = false;
                    return;
                }
                std::mem::take(&mut queue.drafts)
            };
            self.commit_batch(batch).await;
        }
    }

    async fn commit_batch(&self, batch: Vec<(Message, Answer)>) {
        let now = self.clock.now_ms();
        let (drafts, answers): (Vec<Message>, Vec<Answer>) = batch
            .into_iter()
            .map(|(draft, answer)| (Message { id: self.ids.next_id(), created_at: now, ..draft }, answer))
            .unzip();
        match self.store.append_batch(&drafts).await {
            Ok(outcomes) => {
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let sent = match outcome {
                        Appended::New(message) => {
                            let event = ServerEvent::Message { message: message.clone() };
                            self.fanout.publish(&message.room, event, None).await;
                            Sent { message, created: true }
                        }
                        Appended::Existing(message) => Sent { message, created: false },
                    };
                    // The sender may have gone away; the message is committed
                    // and published all the same.
                    let _ = answer.send(Ok(sent));
                }
            }
            Err(error) => {
                for answer in answers {
                    let _ = answer.send(Err(error.clone()));
                }
            }
        }
    }
}

/// If a store or pusher panics, the task ends: let the next send start a
/// new one, and answer those still queued (their senders get an error, not
/// a wait without end).
struct ReleaseOnPanic<'a>(&'a Shared);

impl Drop for ReleaseOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.lock_queue();
            queue.drafts.clear();
            queue.running = false;
        }
    }
}
