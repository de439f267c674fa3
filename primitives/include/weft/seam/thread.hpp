// weft/seam/thread.hpp
//
// Thread identity, yielding, spinning and thread start through the seam.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "weft/seam/runtime.hpp"

namespace weft::seam {

namespace internal {
thread_id native_thread_id() noexcept;
void native_yield() noexcept;
std::unique_ptr<thread_handle> native_spawn(thread_body body);
}  // namespace internal

// The calling thread's id (see seam::thread_id).
[[nodiscard]] inline thread_id current_thread_id() noexcept {
  if (runtime* rt = active()) [[unlikely]] {
    return rt->current_thread();
  }
  return internal::native_thread_id();
}

// The number of hardware threads, at least 1 (std::thread's value natively,
// where 0 means unknown). Not reported to a runtime: it is a constant of the
// machine, used only to size things such as a default thread pool.
[[nodiscard]] unsigned hardware_concurrency() noexcept;

// Gives up the processor (sched_yield natively; a scheduling point under a
// runtime).
inline void yield() {
  if (runtime* rt = active()) [[unlikely]] {
    rt->yield();
    return;
  }
  internal::native_yield();
}

// One iteration of a spin-wait loop: the CPU's pause hint natively. Under a
// runtime it is a yield, so that a spinning thread lets the thread it waits
// for run instead of burning the execution's step budget.
inline void cpu_relax() {
  if (runtime* rt = active()) [[unlikely]] {
    rt->yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Starts `body` on a new thread: a model thread under a runtime, a
// std::thread natively. The handle joins or detaches it.
inline std::unique_ptr<thread_handle> start_thread(thread_body body) {
  if (runtime* rt = active()) [[unlikely]] {
    return rt->spawn(std::move(body));
  }
  return internal::native_spawn(std::move(body));
}

// A thread started through the seam: a std::thread natively, a model thread
// under a runtime. Movable, not copyable; like std::thread, destroying a
// joinable `seam::thread` is a bug (it terminates).
class thread {
 public:
  thread() noexcept = default;
  // The requires-clause keeps this from hiding the move constructor;
  // clang-tidy 14 does not read requires-clauses, hence the NOLINT.
  template <typename F>
  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload)
  requires(!std::is_same_v<std::remove_cvref_t<F>, thread>) explicit thread(F&& body)
      : handle_(start_thread(thread_body(std::forward<F>(body)))) {}
  thread(thread&&) noexcept = default;
  thread& operator=(thread&& other) noexcept {
    if (joinable()) std::terminate();
    handle_ = std::move(other.handle_);
    return *this;
  }
  ~thread() {
    if (joinable()) std::terminate();
  }

  [[nodiscard]] bool joinable() const noexcept { return handle_ != nullptr; }
  [[nodiscard]] thread_id id() const noexcept { return handle_ ? handle_->id() : 0; }
  void join(weft::source_location where = weft::source_location::current()) {
    handle_->join(where);
    handle_.reset();
  }
  void detach(weft::source_location where = weft::source_location::current()) {
    handle_->detach(where);
    handle_.reset();
  }

 private:
  std::unique_ptr<thread_handle> handle_;
};

}  // namespace weft::seam
