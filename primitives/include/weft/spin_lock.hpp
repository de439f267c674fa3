// weft/spin_lock.hpp
//
// `weft::spin_lock`: an exclusive lock whose waiters never sleep in the
// kernel. For critical sections of a few dozen instructions that are rarely
// contended; for anything longer, or when threads outnumber cores, prefer
// weft::mutex, which parks.
//
// It meets the standard's Lockable requirements, so it works with
// std::lock_guard, std::unique_lock, std::scoped_lock and std::lock. The
// first three (scoped_lock of one weft lock or several) are specialized for it so that
// reports name the line that uses the guard, not the standard header's
// (weft/internal/std_lock_sites.hpp).
//
//   weft::spin_lock lock;
//   std::uint64_t hits WEFT_GUARDED_BY(lock) = 0;
//
//   void record_hit() {
//     std::lock_guard guard(lock);
//     ++hits;
//   }
//
// Cost: an uncontended lock is one exchange, an uncontended unlock is one
// store; neither makes a system call. The object is 8 bytes: the lock word
// and the holder's id, which only misuse checks use.
//
// Blocking: test-and-test-and-set. A waiter reads the word (sharing its
// cache line instead of bouncing it) until it looks free, then tries one
// exchange. Between reads it backs off exponentially, from 1 to 64 pause
// instructions, so that many waiters do not all pounce on the line at every
// release. After about a hundred reads it also yields the processor on each
// round: on an oversubscribed machine the holder may be preempted, and
// spinning would only burn the time slice the holder needs to finish.
//
// Fairness: none. Whichever waiter's exchange lands first after a release
// wins, and the releasing thread itself may retake the lock at once. A
// waiter can in principle be overtaken forever; use weft::ticket_lock for
// FIFO order or weft::mutex for eventual fairness.
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * unlock() by a thread that does not hold the lock (including unlocking
//     an unlocked lock): reported; if the handler returns, the unlock is
//     ignored.
//   * lock() by the thread that already holds it (not recursive): reported;
//     if the handler returns, lock() throws
//     std::system_error(resource_deadlock_would_occur) instead of spinning
//     forever.
//   * destroying a locked spin_lock: reported.
//
// With WEFT_CHECKS off these are undefined behaviour, as for std::mutex.
//
// Deadlock detection: with weft/deadlock_detector.hpp's detector on, lock()
// may throw weft::deadlock_error (in its throw mode) without taking the lock.
// A waiter joins the wait-for graph when it starts yielding (after about a
// hundred reads), not during its first short spin.
#pragma once

#include <cstdint>
#include <string_view>

#include "weft/internal/deadlock_hooks.hpp"
#include "weft/internal/lock_owner.hpp"
#include "weft/internal/std_lock_sites.hpp"
#include "weft/internal/thread_annotations.hpp"
#include "weft/misuse.hpp"
#include "weft/seam.hpp"
#include "weft/source_location.hpp"

namespace weft {

class WEFT_CAPABILITY("mutex") spin_lock {
 public:
  constexpr spin_lock() noexcept = default;
  spin_lock(const spin_lock&) = delete;
  spin_lock& operator=(const spin_lock&) = delete;

  // Requires: the lock is not held (checked).
  ~spin_lock();

  // Spins until the calling thread holds the lock.
  //
  // Requires: the calling thread does not hold it (checked).
  void lock(weft::source_location where = weft::source_location::current()) WEFT_ACQUIRE() {
    seam::observe(this, type_name, seam::op_kind::lock, where, [this, where] {
      if constexpr (WEFT_CHECKS) {
        owner_.check_not_owner({this, type_name},
                               "lock by the thread that already owns it (not recursive)", where);
      }
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::request(this, type_name, lock_mode::exclusive, where);
      }
      if (locked_.exchange(1, std::memory_order_acquire, where) != 0) [[unlikely]] {
        lock_slow(where);
      }
      if constexpr (WEFT_CHECKS) owner_.set_to_caller();
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
    });
  }

  // Takes the lock if it is free right now; never spins. Reads before it
  // writes, so a try_lock() loop on a held lock does not steal the cache
  // line from the holder.
  [[nodiscard]] bool try_lock(weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return seam::observe(this, type_name, seam::op_kind::try_lock, where, [this, where] {
      const bool ok = locked_.load(std::memory_order_relaxed, where) == 0 &&
                      locked_.exchange(1, std::memory_order_acquire, where) == 0;
      if constexpr (WEFT_CHECKS) {
        if (ok) owner_.set_to_caller();
      }
      if (ok && internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
      return ok;
    });
  }

  // Releases the lock. Wakes no one: waiters notice by reading the word.
  //
  // Requires: the calling thread holds the lock (checked).
  void unlock(weft::source_location where = weft::source_location::current()) WEFT_RELEASE() {
    seam::observe(this, type_name, seam::op_kind::unlock, where, [this, where] {
      if constexpr (WEFT_CHECKS) {
        if (!owner_.check_for_unlock({this, type_name}, where)) return;
        owner_.clear();
      }
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::released(this, lock_mode::exclusive);
      }
      locked_.store(0, std::memory_order_release, where);
    });
  }

  // Reports a misuse unless the calling thread holds the lock. A debugging
  // aid and an annotation for the thread-safety analysis; does nothing when
  // WEFT_CHECKS is off.
  void assert_held(weft::source_location where = weft::source_location::current()) const
      WEFT_ASSERT_CAPABILITY(this) {
    if constexpr (WEFT_CHECKS) owner_.check_held({this, type_name}, where);
  }

  // Whether some thread holds the lock right now. Only for diagnostics and
  // tests: the answer may be stale by the time it is used.
  [[nodiscard]] bool is_locked_for_diagnostics() const noexcept {
    return locked_.native().load(std::memory_order_relaxed) != 0;
  }

  static constexpr std::string_view type_name = "weft::spin_lock";

 private:
  void lock_slow(weft::source_location where);

  // 0 free, 1 held. 32 bits rather than a bool so that the checker models
  // the same word size as every other primitive.
  seam::atomic<std::uint32_t> locked_{0};
  // The holder, kept only for misuse checks. Present whatever WEFT_CHECKS
  // says, so that translation units built with and without checks agree on
  // the layout.
  internal::lock_owner owner_;
};

// std::lock_guard and the other std guards of a weft::spin_lock pass their
// caller's line to it (weft/internal/std_lock_sites.hpp).
template <>
inline constexpr bool internal::std_guards_record_sites<spin_lock> = true;

}  // namespace weft
