// weft/internal/task.hpp
//
// The thread pool's unit of work and its one-shot completion flag.
//
// A task is one heap node that holds the user's callable inline (so a task
// costs exactly one allocation, whatever the callable's size) behind a
// single function pointer: `run(self, op)` runs, cancels or discards the
// task and then frees whatever the task side owns. Queues hold `task_base*`
// and link nodes through `next` (the injection queue does; the deques hold
// plain pointers).
//
// Exactly one of run / cancel / discard is applied to every task:
//   run      invoke the callable, publish its outcome, free the node
//   cancel   do not invoke it; publish "cancelled" (weft::task_cancelled)
//   discard  the task never entered the pool (submit threw): free silently
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "weft/seam.hpp"

namespace weft::internal {

enum class task_op : std::uint8_t { run, cancel, discard };

struct task_base {
  using run_fn = void (*)(task_base* self, task_op op) noexcept;

  explicit task_base(run_fn fn) noexcept : run(fn) {}

  run_fn run;
  task_base* next = nullptr;
};

// A fire-and-forget task (thread_pool::post). An exception escaping the
// callable reaches the noexcept boundary of `run` and terminates the program,
// as it would on a std::thread.
template <typename F>
class posted_task final : public task_base {
 public:
  // Tagged, so that it can never be taken for a copy constructor.
  template <typename G>
  posted_task(std::in_place_t /*tag*/, G&& fn) : task_base(&execute), fn_(std::forward<G>(fn)) {}

 private:
  static void execute(task_base* self, task_op op) noexcept {
    auto* task = static_cast<posted_task*>(self);
    if (op == task_op::run) task->fn_();
    delete task;
  }

  F fn_;
};

// A one-shot "done" flag that threads can block on (futex) and that pool
// workers can help on (see pool_core::wait). The word:
//
//   bit       meaning
//   done      set() has been called: the outcome is published
//   waiter    a thread may be parked on this word: set() must futex-wake it
//   helper    a pool worker may be parked on the pool's sleep word while
//             waiting for this flag: set() tells the caller to wake workers
//   settled   set() has finished touching the object: it may be freed
//
// `settled` exists for flags that live on a waiter's stack (parallel_for):
// the waiter returns only once the setter no longer touches the word.
class completion {
 public:
  static constexpr std::uint32_t done_bit = 1;
  static constexpr std::uint32_t waiter_bit = 2;
  static constexpr std::uint32_t helper_bit = 4;
  static constexpr std::uint32_t settled_bit = 8;

  completion() = default;
  completion(const completion&) = delete;
  completion& operator=(const completion&) = delete;

  [[nodiscard]] bool is_done() const {
    return (word_.load(std::memory_order_acquire) & done_bit) != 0;
  }
  [[nodiscard]] bool is_settled() const {
    return (word_.load(std::memory_order_acquire) & settled_bit) != 0;
  }

  // Publishes the outcome (everything written before it) and wakes blocked
  // waiters. Returns whether a pool worker registered as a helper and must
  // be woken through the pool. Called once. After it returns the object may
  // already be gone: the caller must not touch it again.
  bool set() {
    const std::uint32_t old = word_.exchange(done_bit, std::memory_order_seq_cst);
    if ((old & waiter_bit) != 0) seam::futex_wake_all(word_);
    word_.store(done_bit | settled_bit, std::memory_order_release);
    return (old & helper_bit) != 0;
  }

  // A worker about to park while waiting for this flag: registers as a
  // helper. Returns false if the flag is already done (do not park). The
  // read-modify-write pairs with the exchange in set(): one of them sees
  // the other.
  bool register_helper() {
    return (word_.fetch_or(helper_bit, std::memory_order_seq_cst) & done_bit) == 0;
  }

  // Blocks the calling thread (no helping) until the flag is settled or the
  // deadline passes; returns whether it is settled.
  bool wait_blocking(std::optional<seam::time_point> deadline) {
    for (;;) {
      std::uint32_t v = word_.load(std::memory_order_acquire);
      if ((v & settled_bit) != 0) return true;
      if ((v & done_bit) != 0) {
        // The setter is between its wake and its last store: a few
        // instructions (or one system call) away.
        seam::cpu_relax();
        continue;
      }
      if (deadline && seam::now() >= *deadline) return false;
      if ((v & waiter_bit) == 0) {
        if (!word_.compare_exchange_weak(v, v | waiter_bit, std::memory_order_relaxed,
                                         std::memory_order_relaxed)) {
          continue;
        }
        v |= waiter_bit;
      }
      seam::futex_wait(word_, v, deadline);
    }
  }

 private:
  seam::atomic<std::uint32_t> word_{0};
};

}  // namespace weft::internal
