//! The load clients share the two cores with the portal they measure. While latencies at
//! ordinary load are measured, their threads run at a lower priority (nice 10), so a request's
//! latency is the portal's own work and not time spent waiting for a simulated browser to be
//! scheduled. At the maximum rates they run at the normal priority, so they keep up (their CPU
//! time is counted apart). The portal's processes, the database and the commands the bench runs
//! keep the normal priority: threads made later inherit their maker's, so processes are started
//! from one thread that is never lowered.

use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};

type Job = Box<dyn FnOnce() + Send>;

/// The thread that starts processes, at the normal priority, and its id.
static STARTER: OnceLock<(Mutex<mpsc::Sender<Job>>, Option<String>)> = OnceLock::new();

/// Starts the starter thread.
pub fn start() {
    let (jobs, queue) = mpsc::channel::<Job>();
    let (told, its_id) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = told.send(thread_id());
        for job in queue {
            job();
        }
    });
    let starter = its_id.recv().ok().flatten();
    let _ = STARTER.set((Mutex::new(jobs), starter));
}

/// Runs `work` with this program's threads (the starter's aside) at nice 10, then puts them
/// back at the normal priority.
pub async fn yielding<T>(work: impl Future<Output = T>) -> T {
    if !renice(10) {
        eprintln!("note: the load clients ran at the portal's priority (renice failed)");
    }
    let done = work.await;
    if !renice(0) {
        eprintln!("note: the load clients stay at nice 10 (raising a priority needs root)");
    }
    done
}

fn renice(nice: i32) -> bool {
    let starter = STARTER.get().and_then(|(_, id)| id.as_ref());
    let threads: Vec<String> = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|tid| Some(tid) != starter)
        .collect();
    Command::new("renice")
        .args(["-n", &nice.to_string(), "-p"])
        .args(&threads)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// This thread's id, from `/proc/thread-self` (a link to `PID/task/TID`).
fn thread_id() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(link.file_name()?.to_string_lossy().into_owned())
}

/// Runs `launch` (which starts a process) on the starter thread, so the process keeps the
/// normal priority; waits for it.
pub fn at_normal_priority<T: Send + 'static>(launch: impl FnOnce() -> T + Send + 'static) -> T {
    let Some((starter, _)) = STARTER.get() else {
        return launch();
    };
    let (done, result) = mpsc::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(launch());
    });
    let sent = starter.lock().unwrap_or_else(|e| e.into_inner()).send(job);
    if let Err(mpsc::SendError(job)) = sent {
        // The starter is gone: run here (at this thread's priority) rather than not at all.
        job();
    }
    result.recv().expect("a started job answers")
}
