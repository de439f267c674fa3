// weft/internal/cv_core.hpp
//
// The state and algorithm shared by weft::condition_variable and
// weft::condition_variable_any. Not a public API.
//
// Two 32-bit words:
//
//   seq_       bumped by every notify that finds a waiter; waiters park on it
//   waiters_   bits 0..30: threads between enter() and leave();
//              bit 31: the owner is being destroyed
//
// A waiter calls, in order: enter() while it holds the caller's lock, then
// releases the lock, park(), leave(), and re-acquires the lock. enter() reads
// seq_ before the lock is released, so a notify that comes after the release
// bumps seq_ past the value the waiter parks on: the futex either sees the
// new value and returns at once, or the wake finds the waiter parked. That is
// the whole "no lost wake-up" argument; it needs no internal lock, which is
// why condition_variable_any works with any lock.
//
// Memory orders: enter() and notify() use seq_cst on both words, so that all
// waits and notifies fall into the single total order the standard describes
// ([thread.condition]/4) even when the notifier synchronises with the waiter
// through something other than the lock. On x86 this costs nothing extra: the
// RMWs are locked instructions anyway and seq_cst loads are plain loads.
//
// Destruction: the standard lets a condition variable be destroyed as soon as
// every waiter has been notified, even while those waiters are still on
// their way out of wait(). leave() touches the object, so shutdown() (called
// by the owner's destructor) waits until every thread that entered has left;
// leave() runs before the waiter re-acquires the lock, so this cannot
// deadlock against a destroyer that holds it. A waiter that was never
// notified (the misuse "destroyed while threads wait") is released by
// shutdown() as a spurious wake-up and counted, so the destructor can report
// it.
#pragma once

#include <cstdint>
#include <optional>

#include "weft/internal/thread_annotations.hpp"
#include "weft/seam.hpp"
#include "weft/source_location.hpp"

namespace weft::internal {

class cv_core {
 public:
  constexpr cv_core() noexcept = default;
  cv_core(const cv_core&) = delete;
  cv_core& operator=(const cv_core&) = delete;

  // Registers a waiter; returns the ticket to park on. Call with the
  // caller's lock held.
  [[nodiscard]] std::uint32_t enter(weft::source_location where) {
    waiters_.fetch_add(1, std::memory_order_seq_cst, where);
    return seq_.load(std::memory_order_seq_cst, where);
  }

  // Parks until a notify after enter(), the deadline, or a spurious wake-up.
  seam::wait_result park(std::uint32_t ticket, std::optional<seam::time_point> deadline) {
    return seam::futex_wait(seq_, ticket, deadline);
  }

  // Unregisters a waiter. After it returns, the waiter must not touch the
  // owner again (it may be destroyed).
  void leave(std::uint32_t ticket, weft::source_location where) {
    if ((waiters_.load(std::memory_order_acquire, where) & destroying_bit) != 0) [[unlikely]] {
      note_left_during_shutdown(ticket);
    }
    if (waiters_.fetch_sub(1, std::memory_order_release, where) == (destroying_bit | 1))
        [[unlikely]] {
      // The destructor is parked until the last waiter leaves. Only the
      // word's address reaches the kernel, so waking after the destructor
      // may have returned is harmless.
      seam::futex_wake_all(waiters_);
    }
  }

  // The whole wait: enter(), release `lock`, park(), leave(), re-acquire
  // `lock`. leave() runs even if park() throws (it throws only under a
  // checker that is unwinding a finished execution), so the owner's
  // destructor never waits for a waiter that is gone; the lock is then not
  // re-acquired, and `lock` (a std::unique_lock or the caller's own) must not
  // be assumed held. The caller holds `lock`; the thread-safety analysis
  // cannot see that through a template parameter, so it is told not to look.
  // A lock that takes a call site (a weft lock, or a std guard of one) gets
  // the wait's, so the release and re-acquisition name the caller's line.
  template <typename Lock>
  seam::wait_result wait(Lock& lock, std::optional<seam::time_point> deadline,
                         weft::source_location where) WEFT_NO_THREAD_SAFETY_ANALYSIS {
    constexpr bool takes_site = requires(Lock & l, weft::source_location w) {
      l.unlock(w);
      l.lock(w);
    };
    const std::uint32_t ticket = enter(where);
    if constexpr (takes_site) {
      lock.unlock(where);
    } else {
      lock.unlock();
    }
    seam::wait_result result;
    {
      leave_guard guard(*this, ticket, where);
      result = park(ticket, deadline);
    }
    if constexpr (takes_site) {
      lock.lock(where);
    } else {
      lock.lock();
    }
    return result;
  }

  // Wakes up to `count` waiters; no system call when no one waits.
  void notify(int count, weft::source_location where) {
    if ((waiters_.load(std::memory_order_seq_cst, where) & count_mask) == 0) return;
    seq_.fetch_add(1, std::memory_order_seq_cst, where);
    seam::futex_wake(seq_, count);
  }

  // Threads between enter() and leave(). Diagnostic: stale at once.
  [[nodiscard]] std::uint32_t waiters_for_diagnostics() const noexcept {
    return waiters_.native().load(std::memory_order_relaxed) & count_mask;
  }

  // For the owner's destructor: releases threads still parked and waits
  // until every thread inside a wait has left. Returns how many of them had
  // not been notified since they started waiting.
  std::uint32_t shutdown();

 private:
  static constexpr std::uint32_t destroying_bit = 0x8000'0000U;
  static constexpr std::uint32_t count_mask = ~destroying_bit;

  void note_left_during_shutdown(std::uint32_t ticket);

  class leave_guard {
   public:
    leave_guard(cv_core& core, std::uint32_t ticket, weft::source_location where)
        : core_(core), ticket_(ticket), where_(where) {}
    leave_guard(const leave_guard&) = delete;
    leave_guard& operator=(const leave_guard&) = delete;
    ~leave_guard() { core_.leave(ticket_, where_); }

   private:
    cv_core& core_;
    std::uint32_t ticket_;
    weft::source_location where_;
  };

  seam::atomic<std::uint32_t> seq_{0};
  seam::atomic<std::uint32_t> waiters_{0};
  // Written by shutdown() before it sets destroying_bit; read by waiters
  // that saw the bit (ordered by that bit's release/acquire).
  std::uint32_t seq_at_shutdown_ = 0;
  seam::untracked_atomic<std::uint32_t> unnotified_{0};
};

}  // namespace weft::internal
