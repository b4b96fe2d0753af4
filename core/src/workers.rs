//! A few persistent threads that one inference's big steps split their work over
//! ([`crate::ClassifierOptions::threads`]).
//!
//! Spawning threads per step would cost more than the step: a classification is about 30 steps
//! in 2 ms. So a classifier with `threads > 1` owns `threads - 1` workers, started once, that
//! spin for a moment after each step (the next one follows within microseconds) and then park
//! until the next inference; they are shut down and joined when the last clone of the classifier
//! is dropped.
//!
//! One inference at a time leases the workers ([`Workers::lease`]); a concurrent classification
//! on another thread finds them busy and runs alone on its own thread, so results never depend on
//! who won. A step hands out numbered parts; the caller works on them too, and returns only once
//! every part is done. Parts write disjoint pieces of the output, so every element is computed by
//! the same instructions in the same order as on one thread: the results are bit-identical.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The most threads one inference is split over: a 200 M multiply-accumulate model cut finer
/// than this spends more on hand-offs than it gains.
pub(crate) const MAX_THREADS: usize = 8;

/// Parts per thread a step is cut into, so that a thread slowed by a neighbour's work leaves its
/// second half to the others.
const PARTS_PER_THREAD: usize = 2;

/// The most parts any step is cut into (per-part scratch is sized for this many).
pub(crate) const MAX_PARTS: usize = MAX_THREADS * PARTS_PER_THREAD;

/// Steps with fewer multiply-accumulates (or bytes moved, for copies) than this run on the
/// calling thread alone: below it the hand-off costs more than the split saves (measured with
/// `core/examples/threads_latency.rs`, see docs/PERFORMANCE.md).
pub(crate) const MIN_PARALLEL_WORK: usize = 400_000;

/// How long an idle worker spins for the next step before it parks.
const SPIN: Duration = Duration::from_micros(100);

/// The part function of one step, its borrow's lifetime erased (see [`Lease::run`]).
#[derive(Clone, Copy)]
struct Job {
    run: *const (dyn Fn(usize) + Sync),
    parts: usize,
}

// SAFETY: the pointee is `Sync`, so calling it from another thread is allowed; `Lease::run` keeps
// it alive until every call made through this pointer has returned.
unsafe impl Send for Job {}

#[derive(Default)]
struct State {
    /// Bumped for every step posted.
    epoch: u32,
    job: Option<Job>,
    /// Workers waiting on `wake`, so a step notifies only when someone sleeps.
    sleepers: usize,
    shutdown: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    /// The posted step's epoch (high 32 bits) and its next unclaimed part (low 32 bits): a
    /// worker claims a part only while the epoch it read the job under is still current.
    claim: AtomicU64,
    /// Parts of the current step not finished yet.
    pending: AtomicUsize,
    panicked: AtomicBool,
}

fn pack(epoch: u32, next: usize) -> u64 {
    (u64::from(epoch) << 32) | next as u64
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Runs unclaimed parts of the step of `epoch` until none is left.
    fn claim_parts(&self, epoch: u32, job: Job) {
        loop {
            let word = self.claim.load(Ordering::Acquire);
            let next = (word & u64::from(u32::MAX)) as usize;
            if (word >> 32) as u32 != epoch || next >= job.parts {
                return;
            }
            if self.claim.compare_exchange_weak(word, word + 1, Ordering::AcqRel, Ordering::Acquire).is_err()
            {
                continue;
            }
            // SAFETY: part `next` of this epoch was claimed (once: the compare-exchange) and is
            // not finished, so `pending` is not zero and `Lease::run` is still waiting: the part
            // function is alive.
            let run = unsafe { &*job.run };
            if panic::catch_unwind(AssertUnwindSafe(|| run(next))).is_err() {
                self.panicked.store(true, Ordering::Relaxed);
            }
            self.pending.fetch_sub(1, Ordering::Release);
        }
    }

    fn work(&self) {
        let mut seen = 0u32;
        loop {
            let spin_until = Instant::now() + SPIN;
            let mut spins = 0u32;
            while (self.claim.load(Ordering::Acquire) >> 32) as u32 == seen {
                spins = spins.wrapping_add(1);
                if !spins.is_multiple_of(64) {
                    std::hint::spin_loop();
                } else if Instant::now() > spin_until {
                    break;
                } else {
                    // On a machine with more runnable threads than cores, the caller (or a
                    // neighbour) gets the core rather than this wait.
                    thread::yield_now();
                }
            }
            let job = {
                let mut state = lock(&self.state);
                while state.epoch == seen && !state.shutdown {
                    state.sleepers += 1;
                    state = self.wake.wait(state).unwrap_or_else(PoisonError::into_inner);
                    state.sleepers -= 1;
                }
                if state.shutdown {
                    return;
                }
                seen = state.epoch;
                state.job
            };
            if let Some(job) = job {
                self.claim_parts(seen, job);
            }
        }
    }
}

/// The worker threads of one classifier (and its clones).
pub(crate) struct Workers {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
    /// Held by the inference using the workers.
    busy: Mutex<()>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workers({} threads)", self.threads())
    }
}

impl Workers {
    /// Starts `threads - 1` workers (the caller is the last thread of the team).
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let mut workers = Self { shared, handles: Vec::new(), busy: Mutex::new(()) };
        for i in 1..threads.clamp(1, MAX_THREADS) {
            let shared = Arc::clone(&workers.shared);
            let handle =
                thread::Builder::new().name(format!("glasses-infer-{i}")).spawn(move || shared.work())?;
            workers.handles.push(handle);
        }
        Ok(workers)
    }

    /// Threads one inference runs on: the workers and the caller.
    pub fn threads(&self) -> usize {
        self.handles.len() + 1
    }

    /// The workers for one inference, or `None` while another inference has them.
    pub fn lease(&self) -> Option<Lease<'_>> {
        let guard = match self.busy.try_lock() {
            Ok(guard) => guard,
            // A panic in an earlier step left no step posted (`Lease::run` waits before it
            // panics): the workers are fine.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(Lease { workers: self, _busy: guard })
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        lock(&self.shared.state).shutdown = true;
        self.shared.wake.notify_all();
        for handle in self.handles.drain(..) {
            // A worker catches its parts' panics, so it returns normally; nothing to report.
            let _ = handle.join();
        }
    }
}

/// Exclusive use of the workers, for one inference.
pub(crate) struct Lease<'a> {
    workers: &'a Workers,
    _busy: MutexGuard<'a, ()>,
}

impl Lease<'_> {
    /// Calls `f(part)` for every part in `0..parts` exactly once, on the workers and the calling
    /// thread, and returns when all calls have. A panic in any part is raised here, after all
    /// parts have finished.
    fn run(&self, parts: usize, f: &(dyn Fn(usize) + Sync)) {
        let shared = &*self.workers.shared;
        let short: *const (dyn Fn(usize) + Sync + '_) = f;
        // SAFETY: only the lifetime bound changes. Workers call through the pointer only for a
        // part they claimed of this step, and this function returns only when all `parts`
        // claims have finished (`pending` back to zero), so no call outlives `f`'s borrow.
        let run: *const (dyn Fn(usize) + Sync + 'static) = unsafe { std::mem::transmute(short) };
        let job = Job { run, parts };
        shared.pending.store(parts, Ordering::Relaxed);
        shared.panicked.store(false, Ordering::Relaxed);
        let (epoch, sleepers) = {
            let mut state = lock(&shared.state);
            state.epoch = state.epoch.wrapping_add(1);
            state.job = Some(job);
            shared.claim.store(pack(state.epoch, 0), Ordering::Release);
            (state.epoch, state.sleepers)
        };
        if sleepers > 0 {
            shared.wake.notify_all();
        }
        shared.claim_parts(epoch, job);
        let mut spins = 0u32;
        while shared.pending.load(Ordering::Acquire) != 0 {
            spins = spins.wrapping_add(1);
            // A worker descheduled mid-part (a busy machine) gets the core back sooner.
            if spins.is_multiple_of(64) {
                thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        lock(&shared.state).job = None;
        if shared.panicked.load(Ordering::Relaxed) {
            panic!("a part of a parallel inference step panicked");
        }
    }

    /// The team this lease runs steps on.
    pub fn team(&self) -> Team<'_> {
        Team { lease: Some(self), min_work: MIN_PARALLEL_WORK }
    }
}

/// What one inference's steps run on: the calling thread alone, or with leased workers.
#[derive(Clone, Copy)]
pub(crate) struct Team<'a> {
    lease: Option<&'a Lease<'a>>,
    /// Steps with less work run on the calling thread alone.
    min_work: usize,
}

impl Team<'static> {
    /// The calling thread alone.
    pub const ALONE: Self = Team { lease: None, min_work: usize::MAX };
}

impl Team<'_> {
    /// Threads in the team.
    pub fn size(&self) -> usize {
        self.lease.map_or(1, |lease| lease.workers.threads())
    }

    /// The most parts [`Team::parts`] cuts a step into.
    pub fn max_parts(&self) -> usize {
        if self.size() == 1 { 1 } else { self.size() * PARTS_PER_THREAD }
    }

    /// How many parts to cut a step of `work` (multiply-accumulates or bytes) made of `units`
    /// indivisible pieces into: 1 for a lone thread or a small step.
    pub fn parts(&self, units: usize, work: usize) -> usize {
        if self.size() == 1 || work < self.min_work {
            return 1;
        }
        units.clamp(1, self.max_parts())
    }

    /// This team splitting every step, however small (tests of the splits on small shapes).
    #[cfg(test)]
    pub fn splitting_everything(self) -> Self {
        Team { min_work: 0, ..self }
    }

    /// Calls `f` on every item, each on one thread of the team; returns when all calls have.
    pub fn for_each_mut<T: Send>(&self, items: &mut [T], f: impl Fn(&mut T) + Sync) {
        let Some(lease) = self.lease.filter(|_| items.len() > 1) else {
            items.iter_mut().for_each(f);
            return;
        };
        let base = Items(items.as_mut_ptr());
        let run = |i: usize| {
            // SAFETY: `Lease::run` calls this once per index in `0..items.len()`, so every item
            // is borrowed by one call only, while `items` is borrowed mutably by this function.
            f(unsafe { base.item(i) })
        };
        lease.run(items.len(), &run);
    }
}

/// Microseconds one split step costs beyond its work on `threads` threads: `steps` steps back to
/// back (as an inference's are), each of `2 * threads` parts of about `part_micros` of
/// arithmetic, timed against the same parts on the calling thread alone divided by `threads`
/// (for `core/examples/threads_latency.rs`, which sets [`MIN_PARALLEL_WORK`] by it).
pub fn handoff_micros(threads: usize, steps: usize, part_micros: f64) -> f64 {
    let Ok(workers) = Workers::new(threads) else { return f64::NAN };
    let Some(lease) = workers.lease() else { return f64::NAN };
    let busy =
        |iterations: u64| (0..iterations).fold(0u64, |a, i| std::hint::black_box(a ^ i.wrapping_mul(31)));
    let start = Instant::now();
    busy(1_000_000);
    let per_micro = 1e6 / (start.elapsed().as_secs_f64() * 1e6).max(1e-3);
    let iterations = (per_micro * part_micros) as u64;
    let time = |team: Team| {
        let mut items = vec![0u64; 2 * threads];
        let start = Instant::now();
        for _ in 0..steps {
            team.for_each_mut(&mut items, |v| *v = busy(iterations));
        }
        start.elapsed().as_secs_f64() * 1e6 / steps.max(1) as f64
    };
    let (alone, split) = (time(Team::ALONE), time(lease.team()));
    split - alone / threads as f64
}

/// The items of [`Team::for_each_mut`], shared with the threads that each take one.
struct Items<T>(*mut T);

// SAFETY: the threads take distinct items (see `Team::for_each_mut`), and the items are `Send`.
unsafe impl<T: Send> Sync for Items<T> {}

impl<T> Items<T> {
    /// # Safety
    /// `i` must be in bounds and no other reference to item `i` may be alive.
    #[allow(clippy::mut_from_ref)]
    unsafe fn item(&self, i: usize) -> &mut T {
        // SAFETY: the caller's contract.
        unsafe { &mut *self.0.add(i) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_visited_once_by_a_team() {
        let workers = Workers::new(4).expect("threads start");
        assert_eq!(workers.threads(), 4);
        let lease = workers.lease().expect("free workers");
        // A second inference finds the workers busy (and runs alone).
        assert!(workers.lease().is_none());
        let team = lease.team();
        for len in [0, 1, 2, 3, 7, MAX_PARTS, 100] {
            let mut items: Vec<(usize, usize)> = (0..len).map(|i| (i, 0)).collect();
            team.for_each_mut(&mut items, |(i, visits)| {
                *visits += 1;
                *i *= 3;
            });
            assert!(items.iter().enumerate().all(|(i, &(v, n))| v == 3 * i && n == 1), "{len}: {items:?}");
        }
    }

    #[test]
    fn parts_run_on_several_threads_and_the_team_is_reusable_after_a_panic() {
        let workers = Workers::new(3).expect("threads start");
        {
            let lease = workers.lease().expect("free workers");
            let mut names = vec![String::new(); 64];
            lease.team().for_each_mut(&mut names, |name| {
                // Long enough that the workers, woken from park, take some of the parts.
                std::thread::sleep(Duration::from_millis(1));
                *name = thread::current().name().unwrap_or("caller").to_owned();
            });
            names.sort();
            names.dedup();
            assert!(names.len() > 1, "all parts ran on {names:?}");
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                let mut items = [0u8; 8];
                lease.team().for_each_mut(&mut items, |v| assert!(*v != 0, "part fails"));
            }));
            assert!(caught.is_err(), "a part's panic reaches the caller");
        }
        let lease = workers.lease().expect("the lease is returned after a panic");
        let mut items = [1u32; 16];
        lease.team().for_each_mut(&mut items, |v| *v += 1);
        assert_eq!(items, [2; 16]);
    }

    #[test]
    fn dropping_the_workers_stops_their_threads() {
        let workers = Workers::new(4).expect("threads start");
        {
            let lease = workers.lease().expect("free workers");
            lease.team().for_each_mut(&mut [0u8; 8], |v| *v += 1);
        }
        let shared = Arc::downgrade(&workers.shared);
        drop(workers);
        // Each thread holds the shared state until it returns; `drop` joined them all.
        assert!(shared.upgrade().is_none(), "a worker thread outlived its classifier");
    }

    #[test]
    fn small_steps_and_lone_threads_take_one_part() {
        assert_eq!(Team::ALONE.parts(64, usize::MAX), 1);
        let workers = Workers::new(2).expect("threads start");
        let lease = workers.lease().expect("free workers");
        assert_eq!(lease.team().parts(64, MIN_PARALLEL_WORK - 1), 1);
        assert_eq!(lease.team().parts(64, MIN_PARALLEL_WORK), 2 * PARTS_PER_THREAD);
        assert_eq!(lease.team().parts(3, MIN_PARALLEL_WORK), 3);
        assert_eq!(Workers::new(100).expect("threads start").threads(), MAX_THREADS);
    }
}
