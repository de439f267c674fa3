// weft/internal/future_state.hpp
//
// The shared state of a weft::task_future, allocated together with the task
// that produces it: `future_task<R, F>` is both the queued task (a
// task_base) and the state the future reads (a future_state<R>), so
// thread_pool::submit costs one allocation.
//
// Lifetime: two references, one held by the task side (dropped after the
// task ran, was cancelled or was discarded) and one by the future (dropped
// by its destructor or get()). The last one frees the node.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/internal/task.hpp"
#include "weft/seam.hpp"

namespace weft::internal {

class pool_core;

// Defined in thread_pool.cpp: waits for `c` (helping if the calling thread
// is one of `pool`'s workers, blocking otherwise); wakes `pool`'s workers
// parked as helpers.
bool wait_for_completion(pool_core* pool, completion& c, std::optional<seam::time_point> deadline);
void wake_helpers(pool_core* pool);
// Defined in thread_pool.cpp: the exception a cancelled task's future holds.
std::exception_ptr make_cancelled_error();

template <typename R>
class future_state : public task_base {
 public:
  future_state(run_fn fn, pool_core* pool) noexcept : task_base(fn), pool_(pool) {}
  future_state(const future_state&) = delete;
  future_state& operator=(const future_state&) = delete;

  virtual ~future_state() {
    if constexpr (!std::is_void_v<R>) {
      if (has_value_) std::destroy_at(value_ptr());
    }
  }

  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  [[nodiscard]] bool is_ready() const { return done_.is_done(); }

  bool wait(std::optional<seam::time_point> deadline) {
    if (done_.is_settled()) return true;
    return wait_for_completion(pool_, done_, deadline);
  }

  // Requires: wait() returned true. Moves the value out (or rethrows).
  R take() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<R>) return std::move(*value_ptr());
  }

 protected:
  template <typename F>
  void run_and_publish(F& fn) noexcept {
    try {
      if constexpr (std::is_void_v<R>) {
        fn();
      } else {
        ::new (static_cast<void*>(storage_)) R(fn());
        has_value_ = true;
      }
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  void cancel() noexcept { error_ = make_cancelled_error(); }

  // Publishes the outcome; the task side then releases its reference.
  void publish() noexcept {
    pool_core* pool = pool_;  // `this` may be freed by the future once set
    if (done_.set()) wake_helpers(pool);
  }

 private:
  R* value_ptr() noexcept { return std::launder(reinterpret_cast<R*>(storage_)); }

  seam::atomic<std::uint32_t> refs_{2};
  completion done_;
  pool_core* pool_;
  std::exception_ptr error_;
  bool has_value_ = false;
  alignas(std::conditional_t<std::is_void_v<R>, char, R>) unsigned char storage_
      [std::is_void_v<R> ? 1 : sizeof(std::conditional_t<std::is_void_v<R>, char, R>)];
};

template <typename R, typename F>
class future_task final : public future_state<R> {
 public:
  template <typename G>
  future_task(G&& fn, pool_core* pool)
      : future_state<R>(&execute, pool), fn_(std::forward<G>(fn)) {}

 private:
  static void execute(task_base* self, task_op op) noexcept {
    auto* task = static_cast<future_task*>(self);
    switch (op) {
      case task_op::run:
        task->run_and_publish(task->fn_);
        task->destroy_fn();
        task->publish();
        break;
      case task_op::cancel:
        task->destroy_fn();
        task->cancel();
        task->publish();
        break;
      case task_op::discard:
        task->destroy_fn();
        break;
    }
    task->release();
  }

  // The callable (and whatever it captured) is destroyed before the outcome
  // is published, so a caller whose get() returned knows its captures are
  // gone.
  void destroy_fn() noexcept { std::destroy_at(&fn_); }

  // Destroyed explicitly (destroy_fn), never by ~future_task.
  union {
    F fn_;
  };

 public:
  // Not `= default`: that would be deleted, because of the union member.
  ~future_task() override {}  // NOLINT(modernize-use-equals-default)
};

}  // namespace weft::internal
