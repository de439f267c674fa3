// weft/seam/runtime.hpp
//
// The seam is the one place where weft's primitives touch the operating
// system or `std::atomic`. Every atomic access, every park and unpark, every
// yield, thread start and join, and every clock read of a primitive goes
// through it. Natively each seam operation costs one load of a process-wide
// flag and a predictable branch (none at all when weft is built with
// `WEFT_SEAM_HOOKS=OFF`).
//
// A model checker takes the seam over by installing a `seam::runtime` for the
// OS thread that runs the model: from then on every seam operation issued on
// that OS thread is routed to the runtime, which can turn it into a scheduling
// point, model blocking, and record it. Seam operations on other OS threads
// stay native.
//
// Two grains (see docs/architecture.md):
//   * Implementation grain: every `seam::atomic` access and every futex wait
//     and wake is an operation the runtime sees, so a primitive's own
//     algorithm can be checked.
//   * Scenario grain: each public operation of a primitive is bracketed by
//     `op_begin` / `op_end` (see weft/seam/object.hpp). A runtime that checks
//     at scenario grain makes only `op_begin` a scheduling point and runs the
//     algorithm inside without preemption; blocking still shows up as a futex
//     wait, so it is modelled faithfully. Except inside a transparent
//     operation (see op_body): there the seam operations are scheduling
//     points as at implementation grain.
//
// Concurrency contract: `install` and `uninstall` affect only the calling OS
// thread. A runtime object is used only from the OS thread it is installed
// on, so its methods need no internal locking.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include "weft/seam/thread_body.hpp"
#include "weft/source_location.hpp"

// WEFT_SEAM_HOOKS is set by the weft::primitives target (CMake option of the
// same name); a translation unit that includes weft without CMake gets hooks.
#ifndef WEFT_SEAM_HOOKS
#define WEFT_SEAM_HOOKS 1
#endif

namespace weft::seam {

// Identifies a thread for diagnostics and ownership checks. Natively: a small
// number assigned on the thread's first use of the seam, starting at 1 and
// never reused within a process. Under a runtime: the model thread's id.
// 0 means "no thread".
using thread_id = std::uint32_t;

// The clock every primitive uses for deadlines. Natively it is
// std::chrono::steady_clock; under a runtime it is the runtime's (virtual)
// clock, so that timed waits can be explored as nondeterministic choices.
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

// The kinds of atomic access a runtime is told about.
enum class atomic_op : std::uint8_t {
  load,
  store,
  exchange,
  compare_exchange,
  fetch_add,
  fetch_sub,
  fetch_and,
  fetch_or,
  fetch_xor,
};

// The outcome of a futex wait. `woken` includes spurious wake-ups: callers
// always re-check their condition.
enum class wait_result : std::uint8_t { woken, value_changed, timed_out };

// The public operations of primitives, reported at scenario grain.
enum class op_kind : std::uint8_t {
  lock,
  try_lock,
  unlock,
  lock_shared,
  try_lock_shared,
  unlock_shared,
  wait,  // condition variable / barrier / latch wait
  notify_one,
  notify_all,
  acquire,      // semaphore
  try_acquire,  // semaphore
  release,      // semaphore
  count_down,   // latch
  arrive,       // barrier
  destroy,
  submit,    // thread pool: post, submit, parallel_for
  shutdown,  // thread pool
};

// What a runtime at scenario grain makes of the inside of an operation.
//   opaque       The primitive's algorithm is one step: its atomics, futex
//                waits and yields are not scheduling points, and the
//                operation orders the threads that use the object (a lock,
//                a semaphore, a barrier).
//   transparent  The operation hands work to other threads or waits for it
//                (the thread pool and its futures: a scheduler, not a
//                lock). Its atomics, futex waits and yields stay scheduling
//                points and order by their memory orders, as at
//                implementation grain, and an operation nested inside it (a
//                task's mutex lock, run by a worker helping in get()) is a
//                top-level one.
enum class op_body : std::uint8_t { opaque, transparent };

std::string_view to_string(op_kind kind) noexcept;
std::string_view to_string(atomic_op op) noexcept;

// Names a primitive object in reports: its address and its type
// ("weft::mutex").
struct object_ref {
  const void* address = nullptr;
  std::string_view type;
};

// A detected misuse of a primitive (unlock by a non-owner, destroying a
// locked mutex, waiting without holding the lock, ...).
struct misuse_report {
  object_ref object;
  thread_id thread = 0;  // the offending thread
  thread_id owner = 0;   // the owner at the time, when known
  std::string_view what;
  weft::source_location where;
};

// A thread started through the seam. Natively a std::thread; under a runtime,
// whatever the runtime uses (a fiber).
class thread_handle {
 public:
  virtual ~thread_handle() = default;
  // `where`: the caller, for a checker's trace.
  virtual void join(weft::source_location where) = 0;
  virtual void detach(weft::source_location where) = 0;
  [[nodiscard]] virtual thread_id id() const noexcept = 0;
};

// Formats the current value of an atomic, for a checker's trace: given the
// address a runtime was told about, returns its value as text. Supplied by
// seam::atomic<T> for its T.
using value_formatter = std::string (*)(const void* address);

// The interface a model checker implements to take over the seam.
class runtime {
 public:
  virtual ~runtime() = default;

  // Implementation grain. (Source locations are passed by value: one
  // pointer, kept in a register on the native fast path.)
  // Called before the access is performed; `format` reads the value.
  // Returns true when the runtime also wants atomic_performed() called
  // right after the access (a checker's trace shows what a write left:
  // read then, not later, because the thread may free the atomic before
  // its next seam operation).
  virtual bool atomic_access(const void* address, atomic_op op, std::memory_order order,
                             weft::source_location where, value_formatter format) = 0;
  virtual void atomic_performed(const void* address) = 0;
  virtual wait_result futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                                 std::optional<time_point> deadline) = 0;
  virtual void futex_wake(const std::atomic<std::uint32_t>& word, int count) = 0;
  virtual void yield() = 0;
  virtual thread_id current_thread() noexcept = 0;
  virtual std::unique_ptr<thread_handle> spawn(thread_body body) = 0;
  virtual time_point now() = 0;

  // A read or write of instrumented plain (non-atomic) data, such as a
  // weft::shared<T>: what a data-race detector needs. Reported at both
  // grains.
  virtual void plain_access(const void* address, bool is_write, weft::source_location where) = 0;

  // Scenario grain.
  virtual void op_begin(const object_ref& object, op_kind kind, op_body body,
                        weft::source_location where) = 0;
  virtual void op_end(const object_ref& object, op_kind kind, bool succeeded) = 0;

  // A misuse was detected. The runtime records it as a finding; the
  // primitive then continues as documented for that misuse.
  virtual void misuse(const misuse_report& report) = 0;
};

namespace internal {
// The number of OS threads that have a runtime installed: the one word a
// native seam operation reads.
extern std::atomic<int> g_runtimes_installed;
// The calling OS thread's runtime. constinit: read inline, with no TLS
// wrapper call, at every seam operation under a check.
extern constinit thread_local runtime* t_runtime;
}  // namespace internal

// The runtime installed on this OS thread, or nullptr (native).
[[nodiscard]] inline runtime* active() noexcept {
#if WEFT_SEAM_HOOKS
  if (internal::g_runtimes_installed.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    return internal::t_runtime;
  }
#endif
  return nullptr;
}

// Installs `rt` for the calling OS thread; returns the previous one. Passing
// nullptr uninstalls. The caller keeps `rt` alive while it is installed.
runtime* install(runtime* rt) noexcept;

}  // namespace weft::seam
