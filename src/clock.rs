//! The current time, as a port: the server reads the system clock, tests move a manual one.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::domain::UnixTime;

pub trait Clock: Send + Sync {
    fn now(&self) -> UnixTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// A clock that moves only when told to (tests of time-outs without sleeping).
#[derive(Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn starting_now() -> Self {
        Self(Arc::new(AtomicI64::new(SystemClock.now())))
    }

    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        self.0.load(Ordering::SeqCst)
    }
}
