// weft/mutex.hpp
//
// `weft::mutex`: a futex-based exclusive lock that spins briefly, then parks.
//
// It meets the standard's TimedLockable requirements, so it works with
// std::lock_guard, std::unique_lock, std::scoped_lock and std::lock, and with
// weft::condition_variable. std::lock_guard, std::unique_lock and
// std::scoped_lock are specialized for it so that reports name the
// line that uses the guard, not the standard header's
// (weft/internal/std_lock_sites.hpp).
//
//   weft::mutex m;
//   int balance WEFT_GUARDED_BY(m) = 0;
//
//   void deposit(int amount) {
//     std::lock_guard guard(m);
//     balance += amount;
//   }
//
// Cost: an uncontended lock is one compare-and-swap, an uncontended unlock is
// one compare-and-swap; neither makes a system call. The object is 8 bytes.
//
// Blocking: a thread that finds the mutex locked spins for a short while
// (about a microsecond) unless others are already asleep on it, then parks in
// the kernel until an unlock wakes it.
//
// Fairness: the mutex is not FIFO: a running thread may take the mutex ahead
// of one that was just woken ("barging"), which keeps throughput high. It is
// eventually fair: once some waiter has waited about a millisecond, the
// mutex enters starvation mode, in which newly arriving threads neither spin
// nor take the mutex, and each unlock passes it to a thread that was already
// waiting (on Linux, the longest-parked one). The mode ends when the
// starving waiter gets the mutex. No thread starves.
//
// State word:
//
//   bit        meaning
//   locked     some thread owns the mutex
//   waiters    some thread may be parked: unlock must wake one
//   starving   a waiter has waited >= 1 ms: no barging
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * unlock() by a thread that does not own the mutex (including unlocking
//     an unlocked mutex): reported; if the handler returns, the unlock is
//     ignored.
//   * lock() by the thread that already owns it (this mutex is not
//     recursive): reported; if the handler returns, lock() throws
//     std::system_error(resource_deadlock_would_occur) instead of hanging.
//   * destroying a locked mutex: reported.
//
// With WEFT_CHECKS off these are undefined behaviour, as for std::mutex.
//
// Deadlock detection: with weft/deadlock_detector.hpp's detector on, lock()
// and the timed variants may throw weft::deadlock_error (in its throw mode)
// without taking the mutex or changing its state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include "weft/source_location.hpp"

#include "weft/internal/deadlock_hooks.hpp"
#include "weft/internal/std_lock_sites.hpp"
#include "weft/internal/thread_annotations.hpp"
#include "weft/misuse.hpp"
#include "weft/seam.hpp"

namespace weft {

class WEFT_CAPABILITY("mutex") mutex {
 public:
  constexpr mutex() noexcept = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  // Requires: the mutex is unlocked (checked).
  ~mutex();

  // Blocks until the calling thread owns the mutex.
  //
  // Requires: the calling thread does not own it (checked).
  void lock(weft::source_location where = weft::source_location::current()) WEFT_ACQUIRE() {
    seam::observe(this, type_name, seam::op_kind::lock, where, [this, where] {
      if constexpr (WEFT_CHECKS) check_not_owner(where);
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::request(this, type_name, lock_mode::exclusive, where);
      }
      std::uint32_t expected = 0;
      if (!state_.compare_exchange_strong(expected, locked_bit, std::memory_order_acquire,
                                          std::memory_order_relaxed, where)) [[unlikely]] {
        lock_slow(std::nullopt, where);
      }
      if constexpr (WEFT_CHECKS) owner_.store(seam::current_thread_id());
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
    });
  }

  // Takes the mutex if it is free right now; never blocks. Fails while the
  // mutex is in starvation mode, so that try_lock() loops cannot starve
  // waiters.
  [[nodiscard]] bool try_lock(weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return seam::observe(this, type_name, seam::op_kind::try_lock, where, [this, where] {
      std::uint32_t expected = 0;
      const bool ok = state_.compare_exchange_strong(
          expected, locked_bit, std::memory_order_acquire, std::memory_order_relaxed, where);
      if constexpr (WEFT_CHECKS) {
        if (ok) owner_.store(seam::current_thread_id());
      }
      if (ok && internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
      return ok;
    });
  }

  // Blocks until the calling thread owns the mutex or `timeout` has passed;
  // returns whether it got the mutex.
  template <typename Rep, typename Period>
  [[nodiscard]] bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout,
                                  weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return timed_lock(seam::deadline_after(timeout), where);
  }

  // Blocks until the calling thread owns the mutex or `deadline` is reached;
  // returns whether it got the mutex.
  template <typename Clock, typename Duration>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline,
                                    weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return timed_lock(seam::to_seam_deadline(deadline), where);
  }

  // Releases the mutex and wakes one waiter, if any.
  //
  // Requires: the calling thread owns the mutex (checked).
  void unlock(weft::source_location where = weft::source_location::current()) WEFT_RELEASE() {
    seam::observe(this, type_name, seam::op_kind::unlock, where, [this, where] {
      if constexpr (WEFT_CHECKS) {
        if (!check_owner_for_unlock(where)) return;
        owner_.store(0);
      }
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::released(this, lock_mode::exclusive);
      }
      std::uint32_t expected = locked_bit;
      if (!state_.compare_exchange_strong(expected, 0, std::memory_order_release,
                                          std::memory_order_relaxed, where)) [[unlikely]] {
        unlock_slow(where);
      }
    });
  }

  // Reports a misuse unless the calling thread owns the mutex. A debugging
  // aid and an annotation for the thread-safety analysis; does nothing when
  // WEFT_CHECKS is off.
  void assert_held(weft::source_location where = weft::source_location::current()) const
      WEFT_ASSERT_CAPABILITY(this) {
    if constexpr (WEFT_CHECKS) {
      if (owner_.load() != seam::current_thread_id()) report_not_held(where);
    }
  }

  // Whether some thread holds the mutex right now. Only for diagnostics and
  // tests: the answer may be stale by the time it is used.
  [[nodiscard]] bool is_locked_for_diagnostics() const noexcept;

  // Whether the calling thread owns the mutex, as far as the misuse checks
  // know: always true when WEFT_CHECKS is off. Lets other primitives' checks
  // (weft::condition_variable's "wait without holding the mutex") name
  // themselves instead of reporting through assert_held().
  [[nodiscard]] bool held_by_caller_for_diagnostics() const noexcept {
    if constexpr (WEFT_CHECKS) return owner_.load() == seam::current_thread_id();
    return true;
  }

  static constexpr std::string_view type_name = "weft::mutex";

 private:
  static constexpr std::uint32_t locked_bit = 1;
  static constexpr std::uint32_t waiters_bit = 2;
  static constexpr std::uint32_t starving_bit = 4;

  // Inline, like every place that reads or writes owner_, so that the
  // consumer's WEFT_CHECKS setting governs all of them consistently.
  bool timed_lock(seam::time_point deadline, weft::source_location where) {
    return seam::observe(this, type_name, seam::op_kind::try_lock, where, [this, where, deadline] {
      if constexpr (WEFT_CHECKS) check_not_owner(where);
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::request(this, type_name, lock_mode::exclusive, where);
      }
      std::uint32_t expected = 0;
      bool ok = state_.compare_exchange_strong(expected, locked_bit, std::memory_order_acquire,
                                               std::memory_order_relaxed, where);
      if (!ok) ok = lock_slow(deadline, where);
      if constexpr (WEFT_CHECKS) {
        if (ok) owner_.store(seam::current_thread_id());
      }
      if (internal::deadlock::on()) [[unlikely]] {
        if (ok) {
          internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
        } else {
          internal::deadlock::abandoned(this);
        }
      }
      return ok;
    });
  }
  bool lock_slow(std::optional<seam::time_point> deadline, weft::source_location where);
  void unlock_slow(weft::source_location where);
  bool try_set_starving(weft::source_location where);
  void clear_starving(weft::source_location where);
  void check_not_owner(weft::source_location where);
  bool check_owner_for_unlock(weft::source_location where);
  void report_not_held(weft::source_location where) const;

  seam::atomic<std::uint32_t> state_{0};
  // The owning thread, kept only for misuse checks.
  seam::untracked_atomic<seam::thread_id> owner_{0};
};

// std::lock_guard and the other std guards of a weft::mutex pass their
// caller's line to it (weft/internal/std_lock_sites.hpp).
template <>
inline constexpr bool internal::std_guards_record_sites<mutex> = true;

}  // namespace weft
