// weft/task_future.hpp
//
// `weft::task_future<T>`: the result of a task submitted to a
// weft::thread_pool, and `weft::task_cancelled`, the error a future holds
// when its task was discarded by shutdown(weft::cancel).
//
//   weft::thread_pool pool(4);
//   weft::task_future<int> f = pool.submit([] { return 6 * 7; });
//   int answer = f.get();  // 42, or rethrows what the task threw
//
// Like std::future: move-only, get() may be called once (the future is
// invalid afterwards), and the value or the task's exception is delivered
// through get(). Unlike std::future:
//   * Waiting from inside one of the pool's workers (a task waiting for the
//     subtasks it forked) does not block the worker: it runs other pending
//     tasks (its own deque first, then the pool's injection queue, then by
//     stealing) until the future is ready, so recursive fork-join never
//     deadlocks, even on a pool with one worker. It parks only when there is
//     nothing to run (the awaited task is running on another worker), and it
//     is woken both by new work and by the future becoming ready.
//   * Waiting from any other thread blocks on a futex, with no spinning.
//   * Destroying a future that was never waited for neither blocks nor
//     cancels the task; the task runs and its outcome is dropped.
//
// A helping wait runs unrelated tasks on the waiting task's stack. So (as
// with every work-stealing scheduler that helps) a task should wait only
// for tasks that do not, in turn, wait for it, directly or through a lock or
// latch: the fork-join pattern. wait_for/wait_until from a worker return at
// the first check after the deadline, which may be late by the length of a
// task the worker ran meanwhile.
//
// Cost: ready() is one load; get() on a ready future is a load and a move.
//
// Invalid operations: calling get/wait/wait_for/wait_until/ready on a future
// with no state (default-constructed, moved-from, or after get()) throws
// std::future_error(std::future_errc::no_state); with WEFT_CHECKS on, it is
// also reported as a misuse first (see weft/misuse.hpp).
#pragma once

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "weft/internal/future_state.hpp"
#include "weft/misuse.hpp"
#include "weft/seam.hpp"
#include "weft/source_location.hpp"

namespace weft {

// What a task's future holds when shutdown(weft::cancel) discarded the task
// before it started.
class task_cancelled : public std::runtime_error {
 public:
  task_cancelled()
      : std::runtime_error(
            "weft::thread_pool: task cancelled by shutdown(weft::cancel) before it started") {}
};

template <typename T>
class task_future {
  static_assert(!std::is_reference_v<T>, "task_future<T&> is not supported: return a pointer");

 public:
  task_future() noexcept = default;
  task_future(task_future&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  task_future& operator=(task_future&& other) noexcept {
    if (this != &other) {
      reset();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  task_future(const task_future&) = delete;
  task_future& operator=(const task_future&) = delete;
  ~task_future() { reset(); }

  // Whether the future refers to a task's state (false when default-
  // constructed, moved from, or after get()).
  [[nodiscard]] bool valid() const noexcept { return state_ != nullptr; }

  // Whether the task has finished (or was cancelled): get() will not wait.
  [[nodiscard]] bool ready(weft::source_location where = weft::source_location::current()) const {
    require_state(where);
    return state_->is_ready();
  }

  // Waits until the task has finished (helping, from a worker; see above).
  void wait(weft::source_location where = weft::source_location::current()) const {
    seam::observe_transparent(this, type_name, seam::op_kind::wait, where, [this, where] {
      require_state(where);
      state_->wait(std::nullopt);
    });
  }

  template <typename Rep, typename Period>
  std::future_status wait_for(
      const std::chrono::duration<Rep, Period>& timeout,
      weft::source_location where = weft::source_location::current()) const {
    return timed_wait(seam::deadline_after(timeout), where);
  }

  template <typename Clock, typename Duration>
  std::future_status wait_until(
      const std::chrono::time_point<Clock, Duration>& deadline,
      weft::source_location where = weft::source_location::current()) const {
    return timed_wait(seam::to_seam_deadline(deadline), where);
  }

  // Waits, then returns the task's result or rethrows its exception
  // (weft::task_cancelled if shutdown(weft::cancel) discarded it). The
  // future is invalid afterwards.
  T get(weft::source_location where = weft::source_location::current()) {
    return seam::observe_transparent(this, type_name, seam::op_kind::wait, where,
                                     [this, where]() -> T {
                                       require_state(where);
                                       state_->wait(std::nullopt);
                                       holder h(std::exchange(state_, nullptr));
                                       return h.state->take();
                                     });
  }

  static constexpr std::string_view type_name = "weft::task_future";

 private:
  friend class thread_pool;

  explicit task_future(internal::future_state<T>* state) noexcept : state_(state) {}

  // Drops the future's reference when get() leaves, normally or by
  // rethrowing.
  struct holder {
    explicit holder(internal::future_state<T>* s) noexcept : state(s) {}
    internal::future_state<T>* state;
    holder(const holder&) = delete;
    holder& operator=(const holder&) = delete;
    ~holder() { state->release(); }
  };

  [[nodiscard]] std::future_status timed_wait(seam::time_point deadline,
                                              weft::source_location where) const {
    return seam::observe_transparent(
        this, type_name, seam::op_kind::wait, where, [this, where, deadline] {
          require_state(where);
          return state_->wait(deadline) ? std::future_status::ready : std::future_status::timeout;
        });
  }

  void require_state(weft::source_location where) const {
    if (state_ != nullptr) [[likely]]
      return;
    if constexpr (WEFT_CHECKS) {
      seam::report_misuse({{this, type_name},
                           seam::current_thread_id(),
                           0,
                           "used without a state (default-constructed, moved from, or after get())",
                           where});
    }
    throw std::future_error(std::future_errc::no_state);
  }

  void reset() noexcept {
    if (state_ != nullptr) std::exchange(state_, nullptr)->release();
  }

  internal::future_state<T>* state_ = nullptr;
};

}  // namespace weft
