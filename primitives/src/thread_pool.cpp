// The thread pool's engine. The protocols, in brief:
//
// Accounting. `pending_` is at least the number of tasks accepted and not
// finished, and 0 only when there are none. A submission from outside
// increments it, then checks `state_` (both seq_cst); shutdown stores
// `state_`, and workers exit only once `state_` is not running and
// `pending_` is 0. So either the submitter sees the shutdown and refuses
// (undoing its increment), or a worker sees the increment and waits for the
// task. Submissions from workers are always accepted (only a running task
// makes one, and pending_ > 0 meanwhile).
// To keep fork-join off this shared counter, each worker keeps a private
// reserve of units already counted in pending_: a worker's submission takes
// a unit from its reserve (topping it up by a batch when empty), a task that
// finishes on a worker gives its unit to that worker's reserve (returning a
// batch when the reserve grows large), and a worker empties its reserve
// into pending_ before it parks. So pending_ = tasks in flight + reserves,
// and it reaches 0 once the last task has finished and every worker has
// gone idle.
//
// Sleep. `sleep_` holds the number of workers parked or about to park, and
// a "waking" bit meaning "a wake-up is on its way; whoever clears this bit
// scans the queues afterwards". A worker parks thus:
//   sleep_ += 1; e = epoch_; re-check every queue (and exit / helper
//   conditions); futex_wait(epoch_, e); then sleep_ -= 1 and clear waking.
// A submitter, after its seq_cst push: reads sleep_; if some worker sleeps
// and no wake-up is on its way, it sets waking, bumps epoch_ and wakes one
// worker. Push and sleep_ read (submitter) against sleep_ increment and
// queue re-check (worker) are a Dekker pair of seq_cst operations: at least
// one side sees the other, so a wake-up is never lost. If the waking bit is
// already set, the eventual clearer scans after clearing and sees the push.
// A worker about to park that sees the waking bit set does not park: it
// clears the bit and scans. (Otherwise: it read the epoch after a
// notifier's bump, another worker took the work, it parks on the new epoch,
// and the bit stays set forever, swallowing every later notification.) So
// every set bit is cleared by a worker that scans afterwards: the one
// counted in sleep_ when the bit was set either read the epoch before the
// bump (its futex_wait returns) or after it (it sees the bit).
// A woken worker that finds work (stolen, or a batch from the injection
// queue) notifies again, so the pool wakes up in a chain; with no sleeper
// the check is one load of a read-mostly word and no system call.
//
// Helping. A worker waiting for a completion (a future, a parallel_for)
// runs other tasks; with nothing to run it parks like an idle worker, after
// registering as a helper on the completion, whose setter then wakes the
// parked workers.
#include "weft/thread_pool.hpp"

#include <cstdio>
#include <new>
#include <string>

#include "weft/internal/work_stealing_deque.hpp"

namespace weft {

pool_shut_down::pool_shut_down(const void* pool)
    : std::runtime_error([pool] {
        char buffer[160];
        std::snprintf(buffer, sizeof buffer,
                      "weft::thread_pool %p: task submitted after shutdown(); the pool accepts no "
                      "new tasks",
                      pool);
        return std::string(buffer);
      }()) {}

thread_pool::thread_pool() : thread_pool(seam::hardware_concurrency()) {}

thread_pool::thread_pool(std::size_t workers) {
  if (workers == 0) throw std::invalid_argument("weft::thread_pool: needs at least one worker");
  core_ = std::make_unique<internal::pool_core>(workers, this);
}

void thread_pool::throw_from_worker(std::string_view what) {
  throw std::logic_error("weft::thread_pool: " + std::string(what));
}

namespace internal {

namespace {

constexpr std::uint32_t state_running = 0;
constexpr std::uint32_t state_draining = 1;
constexpr std::uint32_t state_cancelling = 2;

constexpr std::uint32_t waking_bit = 1U << 31;
constexpr std::uint32_t sleeper_mask = waking_bit - 1;

// How many tasks a worker moves from the injection queue at once.
constexpr std::size_t injection_batch = 32;
// Every this many tasks, a worker looks at the injection queue first.
constexpr std::uint32_t injection_check_interval = 61;
// Pending units a worker takes from, or returns to, pending_ at once.
constexpr std::uint64_t reserve_batch = 64;
// Rounds of searching an idle worker makes before it parks (natively only:
// under a checker, spinning adds steps and no behaviour; there park() yields
// when it cannot sleep).
constexpr int idle_spin_rounds = 24;

struct worker_context {
  const pool_core* pool = nullptr;
  std::size_t index = 0;
};
thread_local worker_context t_worker;

void bump(seam::untracked_atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
  // Written only by the owning worker: no read-modify-write needed.
  counter.store(counter.load() + by);
}

void backoff(int round) {
  if (round < 16) {
    const int spins = 1 << (round < 6 ? round : 6);
    for (int i = 0; i < spins; ++i)
      seam::cpu_relax();
  } else {
    seam::yield();
  }
}

void record_error(for_control& ctl, std::exception_ptr error) noexcept {
  if (ctl.failed.exchange(1, std::memory_order_acq_rel) == 0) ctl.error = std::move(error);
}

}  // namespace

// Cache-line aligned so that one worker's counters never share a line with
// another's.
struct alignas(64) pool_core::worker {  // NOLINT(clang-analyzer-optin.performance.Padding)
  work_stealing_deque deque;
  seam::untracked_atomic<std::uint64_t> submitted{0};
  seam::untracked_atomic<std::uint64_t> run{0};
  seam::untracked_atomic<std::uint64_t> stolen{0};
  seam::untracked_atomic<std::uint64_t> cancelled{0};
  seam::untracked_atomic<std::uint64_t> parks{0};
  seam::untracked_atomic<seam::thread_id> thread_id{0};
  std::uint64_t reserve = 0;  // owner only: pending units (see the top)
  std::uint64_t rng = 0;      // owner only: victim selection
  std::uint32_t tick = 0;     // owner only: injection-queue fairness
};

// A piece [lo, hi) of a parallel_for range.
struct pool_core::range_task final : task_base {
  range_task(pool_core* owner, for_control* control, std::size_t from, std::size_t to) noexcept
      : task_base(&execute), pool(owner), ctl(control), lo(from), hi(to) {}

  static void execute(task_base* self, task_op op) noexcept {
    auto* task = static_cast<range_task*>(self);
    pool_core& pool = *task->pool;
    for_control& ctl = *task->ctl;
    const std::size_t lo = task->lo;
    const std::size_t hi = task->hi;
    delete task;
    switch (op) {
      case task_op::run:
        pool.process_range(*pool.current_worker(), ctl, lo, hi);
        break;
      case task_op::cancel:
        record_error(ctl, make_cancelled_error());
        pool.finish_range(ctl);
        break;
      case task_op::discard:
        break;  // never entered the pool: the caller still owns the range
    }
  }

  pool_core* pool;
  for_control* ctl;
  std::size_t lo;
  std::size_t hi;
};

pool_core::pool_core(std::size_t workers, const void* facade)
    : facade_(facade), size_(workers), workers_(new worker[workers]) {
  for (std::size_t i = 0; i < size_; ++i) {
    workers_[i].rng = 0x9E3779B97F4A7C15ULL * (i + 1);
  }
  threads_.reserve(size_);
  try {
    for (std::size_t i = 0; i < size_; ++i) {
      threads_.emplace_back([this, i] { worker_main(i); });
    }
  } catch (...) {
    shutdown(false);
    throw;
  }
}

pool_core::~pool_core() = default;

pool_core::worker* pool_core::current_worker() const noexcept {
  if (seam::active() == nullptr) [[likely]] {
    return t_worker.pool == this ? &workers_[t_worker.index] : nullptr;
  }
  // Under a runtime, model threads share OS threads: identify by seam id.
  const seam::thread_id me = seam::current_thread_id();
  for (std::size_t i = 0; i < size_; ++i) {
    if (workers_[i].thread_id.load() == me) return &workers_[i];
  }
  return nullptr;
}

std::optional<std::size_t> pool_core::current_worker_index() const noexcept {
  const worker* w = current_worker();
  if (w == nullptr) return std::nullopt;
  return static_cast<std::size_t>(w - workers_.get());
}

void pool_core::worker_main(std::size_t index) {
  worker& w = workers_[index];
  w.thread_id.store(seam::current_thread_id());
  t_worker = {this, index};
  const bool native = seam::active() == nullptr;
  int idle = 0;
  for (;;) {
    if (task_base* task = find_task(w)) {
      execute(w, task);
      idle = 0;
      continue;
    }
    if (should_exit()) break;
    if (native && idle < idle_spin_rounds) {
      backoff(idle++);
      continue;
    }
    idle = 0;
    park(w, nullptr, std::nullopt);
  }
  t_worker = {};
}

task_base* pool_core::find_task(worker& w) {
  if (++w.tick == injection_check_interval) {
    w.tick = 0;
    if (task_base* task = take_injected(w)) return task;
  }
  if (task_base* task = w.deque.pop()) return task;
  if (task_base* task = take_injected(w)) return task;
  return steal(w);
}

task_base* pool_core::take_injected(worker& w) {
  task_base* batch[injection_batch];
  bool busy = false;
  const std::size_t n = injection_.take(batch, injection_batch, busy);
  if (n == 0) return nullptr;
  if (n > 1) {
    // Keep the oldest to run now; the rest go to this worker's deque with
    // the next-oldest at the bottom (popped next), the newest at the top
    // (stolen first).
    for (std::size_t i = 1; i + 1 < n; ++i)
      batch[i]->next = batch[i + 1];
    w.deque.push_chain(batch[1], n - 1);
  }
  if (n > 1 || injection_.has_work()) notify_work();
  return batch[0];
}

task_base* pool_core::steal(worker& w) {
  if (size_ == 1) return nullptr;
  // xorshift64: a cheap, per-worker random start so thieves spread out.
  w.rng ^= w.rng << 13;
  w.rng ^= w.rng >> 7;
  w.rng ^= w.rng << 17;
  const auto start = static_cast<std::size_t>(w.rng % size_);
  const auto self = static_cast<std::size_t>(&w - workers_.get());
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool contended = false;
    for (std::size_t k = 0; k < size_; ++k) {
      const std::size_t victim = (start + k) % size_;
      if (victim == self) continue;
      task_base* task = nullptr;
      switch (workers_[victim].deque.steal(task)) {
        case work_stealing_deque::steal_status::success:
          bump(w.stolen);
          if (workers_[victim].deque.size_estimate() > 0) notify_work();
          return task;
        case work_stealing_deque::steal_status::lost_race:
          contended = true;
          break;
        case work_stealing_deque::steal_status::empty:
          break;
      }
    }
    if (!contended) break;
  }
  return nullptr;
}

void pool_core::execute(worker& w, task_base* task) {
  const bool cancelling = state_.load(std::memory_order_acquire) == state_cancelling;
  task->run(task, cancelling ? task_op::cancel : task_op::run);
  bump(cancelling ? w.cancelled : w.run);
  // The task's pending unit goes to this worker's reserve.
  if (++w.reserve > 2 * reserve_batch) {
    w.reserve -= reserve_batch;
    finish(reserve_batch);
  }
}

void pool_core::flush_reserve(worker& w) {
  if (w.reserve == 0) return;
  const std::uint64_t n = w.reserve;
  w.reserve = 0;
  finish(n);
}

void pool_core::finish(std::uint64_t n) {
  if (pending_.fetch_sub(n, std::memory_order_seq_cst) != n) return;
  // The pool just became idle: tell wait_idle() callers and, during
  // shutdown, the workers (they may exit now).
  if (idle_waiters_.load(std::memory_order_seq_cst) != 0) {
    idle_epoch_.fetch_add(1, std::memory_order_seq_cst);
    seam::futex_wake_all(idle_epoch_);
  }
  if (state_.load(std::memory_order_seq_cst) != state_running) wake_all_workers();
}

void pool_core::notify_work() {
  std::uint32_t s = sleep_.load(std::memory_order_seq_cst);
  while ((s & sleeper_mask) != 0 && (s & waking_bit) == 0) {
    if (sleep_.compare_exchange_weak(s, s | waking_bit, std::memory_order_seq_cst,
                                     std::memory_order_seq_cst)) {
      epoch_.fetch_add(1, std::memory_order_seq_cst);
      seam::futex_wake_one(epoch_);
      return;
    }
  }
}

void pool_core::wake_all_workers() {
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  seam::futex_wake_all(epoch_);
}

bool pool_core::has_work() const {
  if (injection_.has_work()) return true;
  for (std::size_t i = 0; i < size_; ++i) {
    if (workers_[i].deque.size_estimate() != 0) return true;
  }
  return false;
}

bool pool_core::should_exit() const {
  return state_.load(std::memory_order_seq_cst) != state_running &&
         pending_.load(std::memory_order_seq_cst) == 0;
}

// Returns whether this worker cleared the waking bit (and so owes a scan of
// the queues; see the comment at the top).
bool pool_core::park(worker& w, completion* helping, std::optional<seam::time_point> deadline) {
  flush_reserve(w);
  sleep_.fetch_add(1, std::memory_order_seq_cst);
  const std::uint32_t e = epoch_.load(std::memory_order_seq_cst);
  // A wake-up on its way (waking bit) is consumed here rather than slept
  // through: this worker may have read the epoch after the notifier bumped
  // it, so the bump would not wake it, and if another worker took the work
  // meanwhile, nobody else might ever clear the bit.
  const bool stay_awake = (helping != nullptr ? !helping->register_helper() : should_exit()) ||
                          has_work() || (sleep_.load(std::memory_order_seq_cst) & waking_bit) != 0;
  if (!stay_awake) {
    bump(w.parks);
    seam::futex_wait(epoch_, e, deadline);
  }
  std::uint32_t s = sleep_.load(std::memory_order_relaxed);
  while (!sleep_.compare_exchange_weak(s, (s - 1) & ~waking_bit, std::memory_order_seq_cst,
                                       std::memory_order_relaxed)) {
  }
  // Under a checker the idle loops skip the backoff and come straight back
  // here; when the work is visible but cannot be taken yet (another worker
  // holds the injection queue's consumer lock, preempted), that loop is a
  // spin-wait on it, and a spin that never yields starves the holder under
  // a priority scheduler (PCT): a false livelock. Natively the backoff
  // yields.
  if (stay_awake && seam::active() != nullptr) seam::yield();
  return (s & waking_bit) != 0;
}

bool pool_core::help_until(worker& w, completion& c, std::optional<seam::time_point> deadline) {
  const bool native = seam::active() == nullptr;
  int idle = 0;
  for (;;) {
    if (c.is_settled()) return true;
    if (deadline && seam::now() >= *deadline) return false;
    if (task_base* task = find_task(w)) {
      execute(w, task);
      idle = 0;
      continue;
    }
    if (native && idle < idle_spin_rounds) {
      backoff(idle++);
      continue;
    }
    idle = 0;
    const bool owes_scan = park(w, &c, deadline);
    // Leaving now without scanning would strand the wake-up this worker
    // consumed: pass it on.
    if (owes_scan && c.is_done() && has_work()) notify_work();
  }
}

bool pool_core::wait(completion& c, std::optional<seam::time_point> deadline) {
  if (worker* w = current_worker()) return help_until(*w, c, deadline);
  return c.wait_blocking(deadline);
}

void pool_core::push_local(worker& w, task_base* newest, std::size_t count) {
  bump(w.submitted, count);
  const auto n = static_cast<std::uint64_t>(count);
  if (w.reserve < n) {
    const std::uint64_t add = n - w.reserve + reserve_batch;
    pending_.fetch_add(add, std::memory_order_seq_cst);
    w.reserve += add;
  }
  w.reserve -= n;
  if (count == 1) {
    w.deque.push(newest);
  } else {
    w.deque.push_chain(newest, count);
  }
  notify_work();
}

void pool_core::enqueue(task_base* newest, task_base* oldest, std::size_t count) {
  if (worker* w = current_worker()) {
    push_local(*w, newest, count);
    return;
  }
  const auto n = static_cast<std::uint64_t>(count);
  // Counted before the task can run, so that the counters add up once idle.
  submitted_outside_.fetch_add(n);
  pending_.fetch_add(n, std::memory_order_seq_cst);
  if (state_.load(std::memory_order_seq_cst) != state_running) [[unlikely]] {
    submitted_outside_.fetch_add(~n + 1);  // undo (modular)
    finish(n);
    refuse(newest);
  }
  injection_.push(newest, oldest);
  notify_work();
}

void pool_core::refuse(task_base* chain) const {
  while (chain != nullptr) {
    task_base* next = chain->next;
    chain->run(chain, task_op::discard);
    chain = next;
  }
  throw pool_shut_down(facade_);
}

void pool_core::wait_idle() {
  idle_waiters_.fetch_add(1, std::memory_order_seq_cst);
  for (;;) {
    const std::uint32_t e = idle_epoch_.load(std::memory_order_seq_cst);
    if (pending_.load(std::memory_order_seq_cst) == 0) break;
    seam::futex_wait(idle_epoch_, e);
  }
  idle_waiters_.fetch_sub(1, std::memory_order_seq_cst);
}

void pool_core::shutdown(bool cancel) {
  const std::uint32_t target = cancel ? state_cancelling : state_draining;
  std::uint32_t s = state_.load(std::memory_order_seq_cst);
  while (s < target && !state_.compare_exchange_weak(s, target, std::memory_order_seq_cst)) {
  }
  wake_all_workers();
  std::uint32_t joined = 0;
  if (join_state_.compare_exchange_strong(joined, 1, std::memory_order_acq_rel)) {
    for (seam::thread& t : threads_)
      t.join();
    join_state_.store(2, std::memory_order_release);
    seam::futex_wake_all(join_state_);
    return;
  }
  while ((joined = join_state_.load(std::memory_order_acquire)) != 2) {
    seam::futex_wait(join_state_, joined);
  }
}

bool pool_core::is_shut_down() const noexcept {
  return state_.native().load(std::memory_order_acquire) != state_running;
}

void pool_core::run_for(for_control& ctl, std::size_t n) {
  if (worker* w = current_worker()) {
    // The caller's piece is the whole range: it splits it, pushing halves
    // onto its own deque, and helps until every piece has finished.
    process_range(*w, ctl, 0, n);
    help_until(*w, ctl.done, std::nullopt);
    return;
  }
  auto* root = new range_task(this, &ctl, 0, n);
  enqueue(root, root, 1);  // on refusal, throws with `ctl` untouched
  ctl.done.wait_blocking(std::nullopt);
}

void pool_core::process_range(worker& w, for_control& ctl, std::size_t lo, std::size_t hi) {
  while (hi - lo > ctl.grain && ctl.failed.load(std::memory_order_relaxed) == 0) {
    const std::size_t mid = lo + (hi - lo) / 2;
    auto* right = new (std::nothrow) range_task(this, &ctl, mid, hi);
    if (right == nullptr) break;  // out of memory: do the rest here, unsplit
    ctl.outstanding.fetch_add(1, std::memory_order_relaxed);
    push_local(w, right, 1);
    hi = mid;
  }
  if (ctl.failed.load(std::memory_order_relaxed) == 0) {
    try {
      ctl.call(ctl.ctx, lo, hi);
    } catch (...) {
      record_error(ctl, std::current_exception());
    }
  }
  finish_range(ctl);
}

void pool_core::finish_range(for_control& ctl) {
  // The last piece publishes: the acq_rel decrements chain every piece's
  // effects (and a recorded error) into it.
  if (ctl.outstanding.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (ctl.done.set()) wake_all_workers();
}

pool_counters pool_core::counters() const noexcept {
  pool_counters c;
  c.submitted_from_outside = submitted_outside_.load();
  for (std::size_t i = 0; i < size_; ++i) {
    const worker& w = workers_[i];
    c.submitted_from_workers += w.submitted.load();
    c.run += w.run.load();
    c.stolen += w.stolen.load();
    c.cancelled += w.cancelled.load();
    c.parks += w.parks.load();
  }
  return c;
}

std::size_t pool_core::queued_on_worker(std::size_t index) const {
  if (index >= size_) throw std::out_of_range("weft::thread_pool: no such worker");
  return workers_[index].deque.size_estimate();
}

std::size_t pool_core::parked_workers() const noexcept {
  return sleep_.native().load(std::memory_order_relaxed) & sleeper_mask;
}

bool wait_for_completion(pool_core* pool, completion& c, std::optional<seam::time_point> deadline) {
  return pool->wait(c, deadline);
}

void wake_helpers(pool_core* pool) {
  pool->wake_all_workers();
}

std::exception_ptr make_cancelled_error() {
  return std::make_exception_ptr(task_cancelled());
}

}  // namespace internal

}  // namespace weft
