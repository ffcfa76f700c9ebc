//! The load clients share the two cores with the portal they measure. Their threads run at a
//! lower priority (nice 10), so a request's latency is the portal's own work and not time spent
//! waiting for a simulated browser to be scheduled; the portal's processes, the database and
//! the commands the bench runs keep the normal priority. Threads made later inherit their
//! maker's priority, so processes are started from one thread kept at the normal priority.

use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};

type Job = Box<dyn FnOnce() + Send>;

/// The thread that starts processes, at the normal priority.
static STARTER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();

/// Starts the starter thread, then lowers every other thread of this program to nice 10.
pub fn yield_to_the_server() {
    let (jobs, queue) = mpsc::channel::<Job>();
    let (told, its_id) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = told.send(thread_id());
        for job in queue {
            job();
        }
    });
    let starter = its_id.recv().ok().flatten();
    let _ = STARTER.set(Mutex::new(jobs));
    let others: Vec<String> = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|tid| Some(tid) != starter.as_ref())
        .collect();
    let reniced = Command::new("renice")
        .args(["-n", "10", "-p"])
        .args(&others)
        .stdout(Stdio::null())
        .status();
    if starter.is_none() || !reniced.is_ok_and(|s| s.success()) {
        eprintln!("note: the load clients run at the portal's priority (renice failed)");
    }
}

/// This thread's id, from `/proc/thread-self` (a link to `PID/task/TID`).
fn thread_id() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(link.file_name()?.to_string_lossy().into_owned())
}

/// Runs `start` (which starts a process) on the starter thread, so the process keeps the
/// normal priority; waits for it.
pub fn at_normal_priority<T: Send + 'static>(start: impl FnOnce() -> T + Send + 'static) -> T {
    let Some(starter) = STARTER.get() else {
        return start();
    };
    let (done, result) = mpsc::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(start());
    });
    let sent = starter.lock().unwrap_or_else(|e| e.into_inner()).send(job);
    if let Err(mpsc::SendError(job)) = sent {
        // The starter is gone: run here (at this thread's priority) rather than not at all.
        job();
    }
    result.recv().expect("a started job answers")
}
