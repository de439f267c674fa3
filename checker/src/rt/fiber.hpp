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

// One fiber. `resume` runs it from the scheduler's context until it calls
// `suspend` or its entry function returns; `suspend` is called on the fiber.
class fiber {
 public:
  using entry_fn = void (*)(void* arg);

  fiber(stack_pool& pool, entry_fn entry, void* arg);
  fiber(const fiber&) = delete;
  fiber& operator=(const fiber&) = delete;
  ~fiber();  // the fiber must have finished

  void resume();
  void suspend();
  [[nodiscard]] bool finished() const noexcept { return finished_; }

 private:
  static void trampoline(boost::context::detail::transfer_t from);
  void land();               // bookkeeping after switching onto this fiber
  [[noreturn]] void exit();  // the final switch back

  stack_pool& pool_;
  stack stack_;
  entry_fn entry_;
  void* arg_;
  boost::context::detail::fcontext_t self_ = nullptr;    // where the fiber resumes
  boost::context::detail::fcontext_t caller_ = nullptr;  // where it returns to
  bool finished_ = false;
  void* eh_caught_ = nullptr;  // the fiber's exception globals while switched out
  unsigned int eh_uncaught_ = 0;
  // Sanitizer bookkeeping.
  void* tsan_fiber_ = nullptr;
  void* tsan_caller_ = nullptr;
  void* asan_fake_stack_ = nullptr;         // the fiber's, while it is switched out
  void* asan_caller_fake_stack_ = nullptr;  // the scheduler's, while the fiber runs
  const void* asan_caller_bottom_ = nullptr;
  std::size_t asan_caller_size_ = 0;
};

}  // namespace weft::rt
