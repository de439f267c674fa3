// A fiber: a stack and a saved context on the calling OS thread, switched
// with Boost.Context's fcontext primitives (make_fcontext/jump_fcontext).
// Every switch is announced to AddressSanitizer and ThreadSanitizer so that
// both keep working across fibers.
//
// Concurrency contract: a fiber and its stack pool are used from one OS
// thread only; no internal locking.
#pragma once

#include <cstddef>
#include <vector>

#include <boost/context/detail/fcontext.hpp>

#include "rt/sanitizers.hpp"

namespace weft::rt {

// A fiber stack: `size` bytes below `top`, with a guard page beneath.
struct stack {
  void* base = nullptr;  // the mapping, guard page included
  std::size_t mapped = 0;
  char* bottom = nullptr;  // lowest usable byte
  std::size_t size = 0;
  [[nodiscard]] void* top() const noexcept { return bottom + size; }
};

// Reuses stacks across executions so that memory stays flat over a long
// search: a search needs at most as many stacks as an execution has threads.
class stack_pool {
 public:
  explicit stack_pool(std::size_t stack_size);
  stack_pool(const stack_pool&) = delete;
  stack_pool& operator=(const stack_pool&) = delete;
  ~stack_pool();

  stack acquire();
  void release(stack s) noexcept;
  // Stacks ever allocated (a diagnostic: bounded by the peak thread count).
  [[nodiscard]] std::size_t allocated() const noexcept { return allocated_; }

 private:
  std::size_t stack_size_;
  std::size_t allocated_ = 0;
  std::vector<stack> free_;
};

// The C++ runtime keeps the exceptions being handled (a stack) and the count
// of uncaught ones per OS thread. Fibers share the OS thread, so each fiber
// gets its own copy, swapped in and out at every switch; otherwise a fiber
// that switches inside a catch block would pop another fiber's exception.
// The layout is the Itanium C++ ABI's __cxa_eh_globals.
struct eh_globals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};

// The scheduler's side of a run of fibers: what a fiber needs to switch back
// to the (non-fiber) context that resumed it. It lives in the frame of
// fiber::resume, and every fiber that runs before resume returns points to it.
struct scheduler_side {
  boost::context::detail::fcontext_t context = nullptr;  // where resume() waits
  eh_globals globals{};                                  // the scheduler's, while fibers run
  void* tsan_fiber = nullptr;
  void* asan_fake_stack = nullptr;
  const void* asan_bottom = nullptr;  // the scheduler's stack
  std::size_t asan_size = 0;
};

// One fiber. `resume`, called from the scheduler's context, runs it until
// some fiber switches back to the scheduler (`suspend`) or finishes: fibers
// can hand over to each other directly (`switch_to`), without a round trip
// through the scheduler, which halves the context switches of a model
// checker that changes threads at most scheduling points.
//
// A fiber keeps its stack for life and can be re-armed to run its entry
// again from the top, so that a search reuses one fiber per model thread
// slot instead of creating one per thread per execution.
class fiber {
 public:
  using entry_fn = void (*)(void* arg);

  fiber(stack_pool& pool, entry_fn entry, void* arg);
  fiber(const fiber&) = delete;
  fiber& operator=(const fiber&) = delete;
  ~fiber();  // the fiber must have finished or be abandoned (never resumed again)

  // Makes the fiber start its entry afresh when next switched to. Its
  // previous run must have finished, or been abandoned: frames still on the
  // stack are dropped without unwinding (as when an abandoned fiber is
  // destroyed).
  void rearm() noexcept;
  // From the scheduler: runs this fiber (and whatever it switches to) until
  // a fiber suspends or finishes.
  void resume();
  // On this fiber: back to the scheduler.
  WEFT_RT_INLINE void suspend();
  // On this fiber: straight to `next` (not running, not finished); this
  // fiber continues when something switches back to it.
  WEFT_RT_INLINE void switch_to(fiber& next);
  // On this fiber, as its last act (instead of returning from the entry
  // function): straight to `next`, which is not running and not finished.
  // This fiber is finished: rearm() it before it runs again. Saves the
  // round trip through the scheduler when a thread ends.
  [[noreturn]] void finish_to(fiber& next);
  [[nodiscard]] bool finished() const noexcept { return finished_; }

 private:
  // Passed with every jump: who leaves (nullptr: the scheduler) and where
  // to. It lives in the leaving frame, which stays put until the landing
  // side has read it.
  struct switch_record {
    fiber* from;
    fiber* to;
  };
  static void trampoline(boost::context::detail::transfer_t from);
  // Bookkeeping after a switch onto this fiber.
  WEFT_RT_INLINE void land(boost::context::detail::transfer_t from);
  WEFT_RT_INLINE void save_eh_globals() noexcept;
  WEFT_RT_INLINE void load_eh_globals() noexcept;
  [[noreturn]] void exit();  // the final switch back

  stack_pool& pool_;
  stack stack_;
  entry_fn entry_;
  void* arg_;
  boost::context::detail::fcontext_t self_ = nullptr;  // where the fiber resumes
  scheduler_side* scheduler_ = nullptr;                // of the current resume
  bool finished_ = false;
  void* eh_globals_;           // this OS thread's C++ exception globals
  void* eh_caught_ = nullptr;  // the fiber's exception globals while switched out
  unsigned int eh_uncaught_ = 0;
  // Sanitizer bookkeeping.
  void* tsan_fiber_ = nullptr;
  void* asan_fake_stack_ = nullptr;  // the fiber's, while it is switched out
};

// The switches a scheduling point makes, inline: a switch leaves the return
// addresses the processor predicts out of step with the stack it lands on,
// so every call level between a scheduling point and the jump costs a
// mispredicted return on the way back (one of the largest costs of a short
// execution). Hence also always-inline, not merely inline.

void fiber::save_eh_globals() noexcept {
  const eh_globals& globals = *static_cast<eh_globals*>(eh_globals_);
  eh_caught_ = globals.caught_exceptions;
  eh_uncaught_ = globals.uncaught_exceptions;
}

void fiber::load_eh_globals() noexcept {
  *static_cast<eh_globals*>(eh_globals_) = {eh_caught_, eh_uncaught_};
}

void fiber::switch_to(fiber& next) {
  save_eh_globals();
  next.load_eh_globals();
  next.scheduler_ = scheduler_;
  asan_start_switch(&asan_fake_stack_, next.stack_.bottom, next.stack_.size);
  tsan_switch_to(next.tsan_fiber_);
  switch_record out{this, &next};
  land(boost::context::detail::jump_fcontext(next.self_, &out));
}

void fiber::suspend() {
  save_eh_globals();
  asan_start_switch(&asan_fake_stack_, scheduler_->asan_bottom, scheduler_->asan_size);
  tsan_switch_to(scheduler_->tsan_fiber);
  switch_record out{this, nullptr};
  land(boost::context::detail::jump_fcontext(scheduler_->context, &out));
}

void fiber::land(boost::context::detail::transfer_t from) {
  const auto* record = static_cast<const switch_record*>(from.data);
  if (record->from != nullptr) {
    record->from->self_ = from.fctx;
    asan_finish_switch(asan_fake_stack_, nullptr, nullptr);
  } else {
    // From the scheduler: its context, and its stack for ASan, are where
    // every fiber of this run returns to.
    scheduler_->context = from.fctx;
    asan_finish_switch(asan_fake_stack_, &scheduler_->asan_bottom, &scheduler_->asan_size);
  }
}

}  // namespace weft::rt
