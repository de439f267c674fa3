// weft/ticket_lock.hpp
//
// `weft::ticket_lock`: a strictly FIFO exclusive lock. Each locker takes a
// numbered ticket and waits until the lock serves that number, as at a
// bakery counter.
//
// It meets the standard's Lockable requirements, so it works with
// std::lock_guard, std::unique_lock, std::scoped_lock and std::lock. The
// first three (scoped_lock of one weft lock or several) are specialized for it so that
// reports name the line that uses the guard, not the standard header's
// (weft/internal/std_lock_sites.hpp).
//
//   weft::ticket_lock lock;
//   std::deque<job> queue WEFT_GUARDED_BY(lock);
//
//   void submit(job j) {
//     std::lock_guard guard(lock);
//     queue.push_back(std::move(j));
//   }
//
// Cost: an uncontended lock is one fetch-and-add and one load; an
// uncontended unlock is one store and one load. Neither makes a system
// call. The object is 28 bytes (24 for the algorithm, 4 for the holder's id,
// which only misuse checks use).
//
// Blocking: the waiter whose ticket is next spins for about a microsecond,
// since it will run as soon as the current holder leaves. Waiters further
// back park in the kernel at once: spinning would burn a processor for at
// least one whole critical section per thread ahead of them.
//
// Parking: the cost of FIFO hand-off is that an unlock must wake one
// particular thread, and a futex cannot wake by ticket. So the lock has
// four park words ("slots"); the waiter holding ticket t parks on slot
// t % 4, and an unlock that serves ticket t wakes the threads parked on that
// slot only. With up to four threads queued, each unlock wakes exactly the
// next thread. With n > 4 queued, it wakes about n / 4 of them, and all but
// one park again: a cost linear in the queue, a quarter of the thundering
// herd that parking everyone on one word would cause, for 16 extra bytes.
// An unlock makes a system call only if the next thread is actually parked.
//
// Fairness: strictly FIFO in the order of the ticket fetch-and-add at the
// start of lock(). A thread is never overtaken by one that called lock()
// after it took its ticket. The flip side is convoying: when the next
// thread in line has been preempted or is asleep, the lock stays unused
// until it runs, even if another thread is ready. Under oversubscription
// (more runnable threads than cores) prefer weft::mutex.
//
// There are no timed variants: a ticket, once taken, cannot be given back
// without everyone behind it noticing, so a waiter cannot simply leave.
//
// Limits: at most 2^32 - 1 threads may hold tickets at once (the counters
// wrap modulo 2^32).
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * unlock() by a thread that does not hold the lock (including unlocking
//     an unlocked lock): reported; if the handler returns, the unlock is
//     ignored.
//   * lock() by the thread that already holds it (not recursive): reported
//     before a ticket is taken; if the handler returns, lock() throws
//     std::system_error(resource_deadlock_would_occur) instead of hanging.
//   * destroying a ticket_lock that is held or has waiters: reported.
//
// With WEFT_CHECKS off these are undefined behaviour, as for std::mutex.
//
// Deadlock detection: with weft/deadlock_detector.hpp's detector on, lock()
// first asks the detector, before drawing a ticket, whether waiting for the
// lock (if it looks held) closes a cycle, and may throw
// weft::deadlock_error (in its throw mode) without drawing one. If the lock
// looked free but another thread drew a ticket first, the wait is reported
// after the draw, when it is too late to back out: a cycle found then goes
// to the report callback even in throw mode.
#pragma once

#include <array>
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

class WEFT_CAPABILITY("mutex") ticket_lock {
 public:
  constexpr ticket_lock() noexcept = default;
  ticket_lock(const ticket_lock&) = delete;
  ticket_lock& operator=(const ticket_lock&) = delete;

  // Requires: the lock is neither held nor waited for (checked).
  ~ticket_lock();

  // Takes a ticket and blocks until the lock serves it.
  //
  // Requires: the calling thread does not hold the lock (checked).
  void lock(weft::source_location where = weft::source_location::current()) WEFT_ACQUIRE() {
    seam::observe(this, type_name, seam::op_kind::lock, where, [this, where] {
      if constexpr (WEFT_CHECKS) {
        owner_.check_not_owner({this, type_name},
                               "lock by the thread that already owns it (not recursive)", where);
      }
      // A drawn ticket cannot be given back, so the deadlock detector is
      // asked before drawing one, if the lock looks held.
      bool told_detector = false;
      if (internal::deadlock::on()) [[unlikely]] {
        told_detector = before_ticket(where);
      }
      // Relaxed: the ticket only orders lockers; the acquire is the load of
      // now_serving_ that reads the previous holder's release.
      const std::uint32_t ticket = next_ticket_.fetch_add(1, std::memory_order_relaxed, where);
      if (now_serving_.load(std::memory_order_acquire, where) != ticket) [[unlikely]] {
        wait_for_turn(ticket, told_detector, where);
      }
      if constexpr (WEFT_CHECKS) owner_.set_to_caller();
      if (internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
    });
  }

  // Takes the lock only if it is free and no one is queued for it; never
  // blocks, and never takes a ticket it would have to wait on.
  [[nodiscard]] bool try_lock(weft::source_location where = weft::source_location::current())
      WEFT_TRY_ACQUIRE(true) {
    return seam::observe(this, type_name, seam::op_kind::try_lock, where, [this, where] {
      // Read now_serving_ first: it never passes next_ticket_, so equal
      // values mean that, when next_ticket_ was read, no ticket was out.
      const std::uint32_t serving = now_serving_.load(std::memory_order_acquire, where);
      std::uint32_t next = serving;
      const bool ok =
          next_ticket_.compare_exchange_strong(next, serving + 1, std::memory_order_relaxed, where);
      if constexpr (WEFT_CHECKS) {
        if (ok) owner_.set_to_caller();
      }
      if (ok && internal::deadlock::on()) [[unlikely]] {
        internal::deadlock::acquired(this, type_name, lock_mode::exclusive, where);
      }
      return ok;
    });
  }

  // Serves the next ticket, waking its thread if it is parked.
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
      // Only the holder writes now_serving_, so a relaxed read is current.
      const std::uint32_t next = now_serving_.load(std::memory_order_relaxed, where) + 1;
      // seq_cst store then seq_cst load of the slot, against the waiter's
      // seq_cst write of the slot then read of now_serving_: at least one
      // side sees the other, so a parking waiter is never missed.
      now_serving_.store(next, std::memory_order_seq_cst, where);
      if ((slot_for(next).load(std::memory_order_seq_cst, where) & parked_bit) != 0) [[unlikely]] {
        wake(next, where);
      }
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
    return now_serving_.native().load(std::memory_order_relaxed) !=
           next_ticket_.native().load(std::memory_order_relaxed);
  }

  // How many threads have taken a ticket and are waiting for their turn
  // (the holder not included). Only for diagnostics and tests, e.g. to make
  // threads queue in a known order: the answer may be stale at once.
  [[nodiscard]] std::uint32_t queued_for_diagnostics() const noexcept {
    // now_serving_ first: it never passes next_ticket_, so the difference
    // cannot go negative.
    const std::uint32_t serving = now_serving_.native().load(std::memory_order_relaxed);
    const std::uint32_t next = next_ticket_.native().load(std::memory_order_relaxed);
    return next == serving ? 0 : next - serving - 1;
  }

  static constexpr std::string_view type_name = "weft::ticket_lock";

 private:
  static constexpr std::size_t slot_count = 4;
  // A slot word is (generation << 1) | parked_bit. Waiters set the bit
  // before parking; the unlock that serves the slot's ticket clears it and
  // bumps the generation in one add, so no waiter can park on a stale value.
  static constexpr std::uint32_t parked_bit = 1;

  [[nodiscard]] seam::atomic<std::uint32_t>& slot_for(std::uint32_t ticket) noexcept {
    return slots_[ticket % slot_count];
  }
  // With the deadlock detector on: its request and, if the lock looks held,
  // its block (both may throw; no ticket is drawn yet). Returns whether the
  // detector was told of the wait.
  bool before_ticket(weft::source_location where);
  // `told_detector`: false if the lock looked free before the ticket was
  // drawn; the wait is then reported to the detector here, too late to back
  // out (see deadlock_hooks.hpp).
  void wait_for_turn(std::uint32_t ticket, bool told_detector, weft::source_location where);
  void wake(std::uint32_t ticket, weft::source_location where);

  seam::atomic<std::uint32_t> next_ticket_{0};
  seam::atomic<std::uint32_t> now_serving_{0};
  std::array<seam::atomic<std::uint32_t>, slot_count> slots_{};
  // The holder, kept only for misuse checks (present whatever WEFT_CHECKS
  // says, so that every translation unit agrees on the layout).
  internal::lock_owner owner_;
};

// std::lock_guard and the other std guards of a weft::ticket_lock pass their
// caller's line to it (weft/internal/std_lock_sites.hpp).
template <>
inline constexpr bool internal::std_guards_record_sites<ticket_lock> = true;

}  // namespace weft
