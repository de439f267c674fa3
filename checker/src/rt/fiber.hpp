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

// The scheduler's side of a run of fibers: what a fiber needs to switch back
// to the (non-fiber) context that resumed it. It lives in the frame of
// fiber::resume, and every fiber that runs before resume returns points to it.
struct scheduler_side;

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
  void suspend();
  // On this fiber: straight to `next` (not running, not finished); this
  // fiber continues when something switches back to it.
  void switch_to(fiber& next);
  // On this fiber, as its last act (instead of returning from the entry
  // function): straight to `next`, which is not running and not finished.
  // This fiber is finished: rearm() it before it runs again. Saves the
  // round trip through the scheduler when a thread ends.
  [[noreturn]] void finish_to(fiber& next);
  [[nodiscard]] bool finished() const noexcept { return finished_; }

 private:
  struct switch_record;
  static void trampoline(boost::context::detail::transfer_t from);
  // Bookkeeping after a switch onto this fiber.
  // Inline (always): they run at every switch.
  [[gnu::always_inline]] void land(boost::context::detail::transfer_t from);
  [[gnu::always_inline]] void save_eh_globals() noexcept;
  [[gnu::always_inline]] void load_eh_globals() noexcept;
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

}  // namespace weft::rt
