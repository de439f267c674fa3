// weft/internal/pool_core.hpp
//
// The engine behind weft::thread_pool: workers, their deques, the injection
// queue, the sleep protocol and shutdown. thread_pool.hpp is the public
// face; the algorithms are in src/thread_pool.cpp, whose comments describe
// the protocols.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "weft/internal/injection_queue.hpp"
#include "weft/internal/task.hpp"
#include "weft/seam.hpp"

namespace weft::internal {

// The shared state of one parallel_for call; lives on the caller's stack.
struct for_control {
  using chunk_fn = void (*)(const void* ctx, std::size_t lo, std::size_t hi);

  for_control(chunk_fn fn, const void* context, std::size_t grain_size) noexcept
      : call(fn), ctx(context), grain(grain_size) {}

  chunk_fn call;
  const void* ctx;
  std::size_t grain;
  // Range pieces not yet finished, counting the caller's own piece.
  seam::atomic<std::uint64_t> outstanding{1};
  seam::atomic<std::uint32_t> failed{0};
  std::exception_ptr error;  // written once, by the thread that set `failed`
  completion done;
};

struct pool_counters {
  std::uint64_t submitted_from_workers = 0;
  std::uint64_t submitted_from_outside = 0;
  std::uint64_t run = 0;
  std::uint64_t stolen = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t parks = 0;
};

// The padding clang-tidy reports is the point: hot shared words sit on
// their own cache lines.
class pool_core {  // NOLINT(clang-analyzer-optin.performance.Padding)
 public:
  // `facade` names the pool in error messages. Starts the workers.
  pool_core(std::size_t workers, const void* facade);
  pool_core(const pool_core&) = delete;
  pool_core& operator=(const pool_core&) = delete;
  // Requires: shutdown() has returned.
  ~pool_core();

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool calling_thread_is_worker() const noexcept {
    return current_worker() != nullptr;
  }
  [[nodiscard]] std::optional<std::size_t> current_worker_index() const noexcept;

  // Throws weft::pool_shut_down if a submission from the calling thread
  // would be refused (a cheap early check before allocating).
  void check_accepting() const;

  // Enqueues the chain newest -> ... -> oldest (linked through `next`) of
  // `count` tasks: onto the calling worker's deque, or onto the injection
  // queue from any other thread, with at most one wake-up. If the pool
  // refuses it (shut down), every task of the chain is discarded and
  // weft::pool_shut_down is thrown.
  void enqueue(task_base* newest, task_base* oldest, std::size_t count);

  // Waits until `c` is settled or the deadline passes; returns whether it
  // is settled. On a worker of this pool it runs other tasks meanwhile.
  bool wait(completion& c, std::optional<seam::time_point> deadline);
  void wake_all_workers();

  // Requires: the calling thread is not a worker (the caller checks).
  void wait_idle();
  // Requires: the calling thread is not a worker (the caller checks).
  // Idempotent; concurrent callers all return once the workers are joined;
  // a cancel upgrades a drain in progress.
  void shutdown(bool cancel);
  [[nodiscard]] bool is_shut_down() const noexcept;

  // Runs the chunks [0, n) of `ctl` (see thread_pool::parallel_for) and
  // returns once all of them finished.
  void run_for(for_control& ctl, std::size_t n);

  [[nodiscard]] pool_counters counters() const noexcept;
  [[nodiscard]] std::size_t queued_on_worker(std::size_t index) const;
  [[nodiscard]] std::size_t parked_workers() const noexcept;

 private:
  struct worker;
  struct range_task;

  [[nodiscard]] worker* current_worker() const noexcept;
  void worker_main(std::size_t index);
  task_base* find_task(worker& w);
  task_base* take_injected(worker& w);
  task_base* steal(worker& w);
  void execute(worker& w, task_base* task);
  void finish(std::uint64_t n);
  void flush_reserve(worker& w);
  void notify_work();
  bool park(worker& w, completion* helping, std::optional<seam::time_point> deadline);
  bool help_until(worker& w, completion& c, std::optional<seam::time_point> deadline);
  [[nodiscard]] bool has_work() const;
  [[nodiscard]] bool should_exit() const;
  void push_local(worker& w, task_base* newest, std::size_t count);
  void process_range(worker& w, for_control& ctl, std::size_t lo, std::size_t hi);
  void finish_range(for_control& ctl);
  [[noreturn]] void refuse(task_base* chain) const;

  const void* facade_;
  const std::size_t size_;
  std::unique_ptr<worker[]> workers_;
  std::vector<seam::thread> threads_;  // touched only by the constructor and the joiner

  injection_queue injection_;

  // Tasks submitted and not yet finished (queued or running), plus the
  // workers' reserves (see thread_pool.cpp): 0 exactly when idle.
  alignas(64) seam::atomic<std::uint64_t> pending_{0};
  // Sleep protocol (see thread_pool.cpp): parked-or-parking workers and the
  // "a wake-up is in flight" bit; the word parked workers wait on.
  alignas(64) seam::atomic<std::uint32_t> sleep_{0};
  seam::atomic<std::uint32_t> epoch_{0};
  // running / draining / cancelling.
  alignas(64) seam::atomic<std::uint32_t> state_{0};
  seam::atomic<std::uint32_t> join_state_{0};
  // wait_idle: waiters and the word they park on.
  seam::atomic<std::uint32_t> idle_waiters_{0};
  seam::atomic<std::uint32_t> idle_epoch_{0};
  seam::untracked_atomic<std::uint64_t> submitted_outside_{0};
};

}  // namespace weft::internal
