// weft/thread_pool.hpp
//
// `weft::thread_pool`: a fixed set of worker threads with per-worker
// work-stealing deques, for fork-join and fire-and-forget work.
//
//   weft::thread_pool pool(4);                         // or pool() for one per core
//   pool.post([] { log_heartbeat(); });                 // fire and forget
//   weft::task_future<int> f = pool.submit([] { return 6 * 7; });
//   pool.parallel_for(0, n, [&](std::size_t i) { out[i] = f(in[i]); });
//   int answer = f.get();
//
//   int fib(weft::thread_pool& pool, int n) {           // fork-join, any depth
//     if (n < 2) return n;
//     auto left = pool.submit([&pool, n] { return fib(pool, n - 1); });
//     int right = fib(pool, n - 2);
//     return left.get() + right;                        // helps, never blocks
//   }
//
// Also defined here: weft::shutdown_mode (weft::drain, weft::cancel),
// weft::pool_shut_down, weft::thread_pool_stats. The future type and
// weft::task_cancelled are in weft/task_future.hpp.
//
// Scheduling. Each worker owns a Chase–Lev deque (weft/internal/
// work_stealing_deque.hpp). A task submitted from a worker goes to the
// bottom of that worker's own deque; a task submitted from any other thread
// goes to the shared injection queue (weft/internal/injection_queue.hpp).
// A worker looking for work takes, in order: the bottom of its own deque
// (newest first, for locality), a batch of up to 32 of the oldest tasks of
// the injection queue (moved into its own deque, so others can steal them),
// the top of another worker's deque (oldest first), starting at a random
// victim. Every 61st task it looks at the injection queue first, so that
// outside submissions are not starved by a worker whose tasks keep forking.
//
// Fairness: no FIFO guarantee between tasks. Tasks from outside run roughly
// in submission order; a worker's own tasks run newest first.
//
// Blocking and cost:
//   * post/submit from a worker: one allocation (the callable and, for
//     submit, the future's state share it), a push on the worker's own deque
//     (no lock, no read-modify-write), one shared counter increment and a
//     load of the sleep word. No system call unless a worker sleeps.
//   * post/submit from outside: one allocation, a CAS on the injection
//     queue, the same counter and sleep-word check.
//   * post_bulk/submit_bulk: the same for a whole range, with one queue
//     operation and at most one wake-up.
//   * Idle workers spin briefly, then park on a futex (no CPU while idle).
//     A submitter makes the wake-up system call only when a worker is
//     parked and no other wake-up is already on its way; a woken worker that
//     finds work wakes the next one, so the pool ramps up in a chain.
//   * Waiting on a task_future from a worker runs other tasks (see
//     task_future.hpp); from any other thread it blocks on a futex.
//
// Under weft's checker at scenario grain, the pool's operations and its
// futures' waits are transparent (seam::op_body): the pool is a scheduler,
// not a lock, so its own steps stay scheduling points, the ordering it
// provides (submission -> task, task -> get() or wait_idle()) comes from its
// atomics, and a task that a worker runs while helping inside get() is
// checked as if it ran on its own.
//
// Exceptions: submit's future carries the task's exception. An exception
// escaping a post()ed task calls std::terminate, as on a std::thread (use
// submit to get it). parallel_for rethrows the first exception a body
// threw (the first to be recorded wins when several throw concurrently);
// once one body has thrown, chunks that have not started are skipped.
//
// Shutdown (state table):
//
//   call                  pending tasks             running tasks   afterwards
//   shutdown(drain)       all run                   finish          submit throws
//   shutdown(cancel)      not run: futures hold     finish          submit throws
//                         weft::task_cancelled
//   ~thread_pool()        as shutdown(drain), if not shut down already
//
// shutdown() returns once every worker has exited. It is idempotent and may
// be called concurrently; shutdown(cancel) during a drain switches to
// cancelling. While the pool shuts down, tasks that are still running may
// submit subtasks (a fork-join in progress must be able to finish): under
// drain they run, under cancel they are cancelled. Any other submission
// after shutdown() began throws weft::pool_shut_down; no task is ever
// dropped silently.
//
// Invalid operations (detected always, because each would deadlock):
//   * wait_idle() or shutdown() from one of the pool's own workers: reported
//     as a misuse when WEFT_CHECKS is on (see weft/misuse.hpp); if the
//     handler returns, or with checks off, the call throws std::logic_error.
//   * destroying the pool from one of its own workers: reported when
//     WEFT_CHECKS is on, then std::terminate.
// A task that waits for something only a later task provides, other than
// through futures of tasks it forked, may deadlock (see task_future.hpp).
// Destruction hangs only if a task never finishes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/internal/future_state.hpp"
#include "weft/internal/pool_core.hpp"
#include "weft/internal/task.hpp"
#include "weft/misuse.hpp"
#include "weft/seam.hpp"
#include "weft/source_location.hpp"
#include "weft/task_future.hpp"

namespace weft {

enum class shutdown_mode : std::uint8_t {
  drain,   // run every pending task, then stop
  cancel,  // discard pending tasks (their futures hold weft::task_cancelled)
};
inline constexpr shutdown_mode drain = shutdown_mode::drain;
inline constexpr shutdown_mode cancel = shutdown_mode::cancel;

// Thrown by a submission the pool refuses because shutdown() has begun.
class pool_shut_down : public std::runtime_error {
 public:
  explicit pool_shut_down(const void* pool);
};

// Counters summed over the workers; each is exact once the pool is idle
// (after wait_idle() or shutdown()); while tasks run, a snapshot. Tasks
// include the pieces parallel_for splits its range into. When idle:
// run + cancelled == submitted, and stolen <= run.
struct thread_pool_stats {
  std::uint64_t submitted = 0;               // tasks accepted
  std::uint64_t submitted_from_outside = 0;  // of which through the injection queue
  std::uint64_t run = 0;                     // tasks executed
  std::uint64_t stolen = 0;                  // tasks a worker took from another's deque
  std::uint64_t cancelled = 0;               // tasks discarded by shutdown(cancel)
  std::uint64_t parks = 0;                   // times a worker went to sleep
};

class thread_pool {
 public:
  // One worker per hardware thread (at least one).
  thread_pool();
  // `workers` workers. Throws std::invalid_argument if it is 0.
  explicit thread_pool(std::size_t workers);
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  // Drains: as shutdown(weft::drain) unless already shut down.
  // Requires: not called from one of the pool's workers (checked, see above).
  ~thread_pool() {
    if (core_->calling_thread_is_worker()) [[unlikely]] {
      if constexpr (WEFT_CHECKS) report_from_worker("destroyed from one of its own workers", {});
      std::terminate();
    }
    seam::observe_transparent(this, type_name, seam::op_kind::destroy,
                              weft::source_location::current(), [this] { core_->shutdown(false); });
  }

  [[nodiscard]] std::size_t size() const noexcept { return core_->size(); }

  // Runs `f()` on a worker; no result, no future. The callable is moved (or
  // copied) into the task. Throws weft::pool_shut_down after shutdown().
  template <typename F>
  void post(F&& f, weft::source_location where = weft::source_location::current()) {
    using fn_t = std::decay_t<F>;
    static_assert(std::is_invocable_v<fn_t&>, "post(f) needs a callable f()");
    seam::observe_transparent(this, type_name, seam::op_kind::submit, where, [this, &f] {
      auto* task = new internal::posted_task<fn_t>(std::in_place, std::forward<F>(f));
      core_->enqueue(task, task, 1);
    });
  }

  // Runs `f()` on a worker; the future delivers its result or exception.
  // Throws weft::pool_shut_down after shutdown().
  template <typename F>
  auto submit(F&& f, weft::source_location where = weft::source_location::current())
      -> task_future<std::decay_t<std::invoke_result_t<std::decay_t<F>&>>> {
    using fn_t = std::decay_t<F>;
    using result_t = std::decay_t<std::invoke_result_t<fn_t&>>;
    return seam::observe_transparent(this, type_name, seam::op_kind::submit, where, [this, &f] {
      auto* task = new internal::future_task<result_t, fn_t>(std::forward<F>(f), core_.get());
      task_future<result_t> future(task);
      core_->enqueue(task, task, 1);
      return future;
    });
  }

  // Runs `f(args...)` on a worker, with decayed copies of the arguments
  // (moved into the call), as std::async does. This form records this
  // header, not the caller, as the call site: for precise traces, pass a
  // lambda to submit(f).
  template <typename F, typename A, typename... As>
  requires std::is_invocable_v<std::decay_t<F>, std::decay_t<A>, std::decay_t<As>...>
  auto submit(F&& f, A&& arg, As&&... args) {
    return submit([fn = std::forward<F>(f), a = std::forward<A>(arg),
                   ... as = std::forward<As>(args)]() mutable -> decltype(auto) {
      return std::invoke(std::move(fn), std::move(a), std::move(as)...);
    });
  }

  // Posts every callable of `tasks` (any range whose elements are callable
  // with no arguments) with one queue operation and at most one wake-up.
  // Elements are moved from if `tasks` is an rvalue, copied otherwise. All
  // or nothing: if it throws, none of the tasks was submitted.
  template <typename Range>
  void post_bulk(Range&& tasks, weft::source_location where = weft::source_location::current()) {
    using fn_t = std::remove_cvref_t<decltype(*std::begin(tasks))>;
    static_assert(std::is_invocable_v<fn_t&>, "post_bulk needs callables f()");
    seam::observe_transparent(this, type_name, seam::op_kind::submit, where, [this, &tasks] {
      chain c;
      for (auto&& f : tasks) {
        c.add(new internal::posted_task<fn_t>(std::in_place, element<Range>(f)));
      }
      c.enqueue(*core_);
    });
  }

  // As post_bulk, returning one future per task, in the range's order.
  template <typename Range>
  auto submit_bulk(Range&& tasks, weft::source_location where = weft::source_location::current())
      -> std::vector<task_future<
          std::decay_t<std::invoke_result_t<std::remove_cvref_t<decltype(*std::begin(tasks))>&>>>> {
    using fn_t = std::remove_cvref_t<decltype(*std::begin(tasks))>;
    using result_t = std::decay_t<std::invoke_result_t<fn_t&>>;
    return seam::observe_transparent(this, type_name, seam::op_kind::submit, where, [this, &tasks] {
      std::vector<task_future<result_t>> futures;
      if constexpr (requires { std::size(tasks); }) futures.reserve(std::size(tasks));
      chain c;
      for (auto&& f : tasks) {
        auto* task = new internal::future_task<result_t, fn_t>(element<Range>(f), core_.get());
        c.add(task);  // from here the chain owns the task's reference
        futures.push_back(task_future<result_t>(task));
      }
      c.enqueue(*core_);
      return futures;
    });
  }

  // Calls body(i) for every i in [begin, end) exactly once, in parallel, and
  // returns when all calls have returned. The range is split in halves
  // recursively down to pieces of `grain` indices (0: about 8 pieces per
  // worker); workers steal halves from each other. Callable from a worker
  // (the caller takes part and never blocks its worker) and from outside
  // (the caller blocks). Rethrows the first exception a body threw (see
  // above). Throws weft::pool_shut_down after shutdown().
  template <typename B, typename E, typename F>
  requires std::is_integral_v<std::common_type_t<B, E>> &&
      (!std::is_same_v<std::common_type_t<B, E>, bool>)void parallel_for(
          B begin, E end, F&& body, std::size_t grain = 0,
          weft::source_location where = weft::source_location::current()) {
    using index_t = std::common_type_t<B, E>;
    using body_t = std::remove_reference_t<F>;
    static_assert(std::is_invocable_v<body_t&, index_t>, "parallel_for needs body(index)");
    const auto first = static_cast<index_t>(begin);
    const auto last = static_cast<index_t>(end);
    seam::observe_transparent(
        this, type_name, seam::op_kind::submit, where, [this, first, last, &body, grain] {
          if (!(first < last)) return;
          using unsigned_t = std::make_unsigned_t<index_t>;
          const auto n = static_cast<std::size_t>(static_cast<unsigned_t>(
              static_cast<unsigned_t>(last) - static_cast<unsigned_t>(first)));
          const for_context<index_t, body_t> context{&body, first};
          internal::for_control ctl(
              &run_chunk<index_t, body_t>, &context,
              grain != 0 ? grain : std::max<std::size_t>(1, n / (8 * size())));
          core_->run_for(ctl, n);
          if (ctl.error) std::rethrow_exception(ctl.error);
        });
  }

  // Blocks until no task is queued or running. Tasks submitted meanwhile
  // are waited for too.
  // Requires: not called from one of the pool's workers (checked, see above).
  void wait_idle(weft::source_location where = weft::source_location::current()) {
    seam::observe_transparent(this, type_name, seam::op_kind::wait, where, [this, where] {
      if (core_->calling_thread_is_worker()) [[unlikely]] {
        refuse_from_worker(
            "wait_idle() called from one of the pool's own workers (it would wait "
            "for its own task to finish)",
            where);
      }
      core_->wait_idle();
    });
  }

  // Stops the pool (see the state table above) and joins the workers.
  // Requires: not called from one of the pool's workers (checked, see above).
  void shutdown(shutdown_mode mode = shutdown_mode::drain,
                weft::source_location where = weft::source_location::current()) {
    seam::observe_transparent(this, type_name, seam::op_kind::shutdown, where, [this, mode, where] {
      if (core_->calling_thread_is_worker()) [[unlikely]] {
        refuse_from_worker(
            "shutdown() called from one of the pool's own workers (it would join "
            "its own thread)",
            where);
      }
      core_->shutdown(mode == shutdown_mode::cancel);
    });
  }

  // Whether shutdown() has begun (the pool refuses outside submissions).
  [[nodiscard]] bool is_shut_down() const noexcept { return core_->is_shut_down(); }

  [[nodiscard]] thread_pool_stats stats() const noexcept {
    const internal::pool_counters c = core_->counters();
    return {c.submitted_from_workers + c.submitted_from_outside,
            c.submitted_from_outside,
            c.run,
            c.stolen,
            c.cancelled,
            c.parks};
  }

  // The index in [0, size()) of the calling worker, or nullopt if the
  // calling thread is not one of this pool's workers.
  [[nodiscard]] std::optional<std::size_t> current_worker_index() const noexcept {
    return core_->current_worker_index();
  }

  // Diagnostics for tests; stale as soon as they return.
  [[nodiscard]] std::size_t queued_on_worker_for_diagnostics(std::size_t index) const {
    return core_->queued_on_worker(index);
  }
  [[nodiscard]] std::size_t parked_workers_for_diagnostics() const noexcept {
    return core_->parked_workers();
  }

  static constexpr std::string_view type_name = "weft::thread_pool";

 private:
  template <typename I, typename Body>
  struct for_context {
    Body* body;
    I first;
  };

  template <typename I, typename Body>
  static void run_chunk(const void* ctx, std::size_t lo, std::size_t hi) {
    const auto& c = *static_cast<const for_context<I, Body>*>(ctx);
    using unsigned_t = std::make_unsigned_t<I>;
    for (std::size_t i = lo; i < hi; ++i) {
      (*c.body)(static_cast<I>(static_cast<unsigned_t>(c.first) + static_cast<unsigned_t>(i)));
    }
  }

  // A chain of new tasks that owns them until it hands them to the pool.
  class chain {
   public:
    chain() = default;
    chain(const chain&) = delete;
    chain& operator=(const chain&) = delete;
    ~chain() {
      while (newest_ != nullptr) {
        internal::task_base* next = newest_->next;
        newest_->run(newest_, internal::task_op::discard);
        newest_ = next;
      }
    }
    void add(internal::task_base* task) noexcept {
      task->next = newest_;
      newest_ = task;
      if (oldest_ == nullptr) oldest_ = task;
      ++count_;
    }
    void enqueue(internal::pool_core& core) {
      if (count_ == 0) return;
      internal::task_base* newest = std::exchange(newest_, nullptr);
      core.enqueue(newest, oldest_, count_);  // owns (or discards) them now
    }

   private:
    internal::task_base* newest_ = nullptr;
    internal::task_base* oldest_ = nullptr;
    std::size_t count_ = 0;
  };

  template <typename Range, typename T>
  static decltype(auto) element(T& e) {
    if constexpr (std::is_lvalue_reference_v<Range>) {
      return static_cast<const T&>(e);
    } else {
      return std::move(e);
    }
  }

  void report_from_worker(std::string_view what, weft::source_location where) const {
    seam::report_misuse({{this, type_name}, seam::current_thread_id(), 0, what, where});
  }
  [[noreturn]] void refuse_from_worker(std::string_view what, weft::source_location where) const {
    if constexpr (WEFT_CHECKS) report_from_worker(what, where);
    throw_from_worker(what);
  }
  [[noreturn]] static void throw_from_worker(std::string_view what);

  std::unique_ptr<internal::pool_core> core_;
};

}  // namespace weft
