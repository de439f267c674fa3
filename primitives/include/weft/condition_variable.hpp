// weft/condition_variable.hpp
//
// `weft::condition_variable` and `weft::condition_variable_any`: futex-based
// condition variables with the interface and semantics of
// std::condition_variable and std::condition_variable_any.
//
// condition_variable waits with a std::unique_lock<weft::mutex> (as
// std::condition_variable does with std::mutex); condition_variable_any
// waits with any BasicLockable: weft::mutex itself, std::unique_lock<M>,
// std::mutex, ...
//
//   weft::mutex m;
//   weft::condition_variable ready_cv;
//   std::deque<job> jobs WEFT_GUARDED_BY(m);
//
//   void push(job j) {
//     { std::lock_guard guard(m); jobs.push_back(std::move(j)); }
//     ready_cv.notify_one();
//   }
//   job pop() {
//     std::unique_lock lock(m);
//     ready_cv.wait(lock, [&] { return !jobs.empty(); });
//     job j = std::move(jobs.front());
//     jobs.pop_front();
//     return j;
//   }
//
// Algorithm (details in weft/internal/cv_core.hpp): a 32-bit sequence word
// and a waiter count. wait() registers and reads the sequence while the lock
// is held, releases the lock, parks on the sequence value, and re-acquires
// the lock. notify bumps the sequence and wakes. A notify that happens after
// a waiter released the lock inside wait() always wakes it: no lost
// wake-ups, for any lock type, without an internal mutex.
//
// Cost: notify_one()/notify_all() with no waiter is one load, no system
// call. With waiters: one RMW and one futex wake. wait() is two RMWs, two
// loads and a futex wait, plus the unlock and relock. Each object is 16
// bytes.
//
// Blocking: wait() parks in the kernel; there is no spinning phase.
//
// Spurious wake-ups: allowed, as for std::condition_variable. wait() may
// return without a notify (a signal interrupting the futex, the 32-bit
// sequence wrapping in exactly 2^32 notifies while one waiter sleeps, a
// checker choosing to explore one). Wait in a loop, or use the predicate
// overloads, which loop for you.
//
// Fairness: notify_one() wakes one parked waiter; on Linux, the one that
// parked first (for equal scheduling priorities). It relies on that order:
// a thread that starts waiting just after a notify_one() may be woken by it
// (a spurious wake-up for that thread) only if it parked ahead of an older
// waiter, which Linux does not do for threads of equal priority.
//
// notify_all() and the thundering herd: notify_all() wakes every waiter and
// each then competes for the lock. weft does not requeue waiters onto the
// mutex's futex (FUTEX_CMP_REQUEUE): that would need a seam operation, tie
// condition_variable to weft::mutex's state word (it would have to set the
// mutex's waiters bit for them) and cannot work for condition_variable_any.
// Instead the herd is absorbed by weft::mutex: a woken waiter that finds
// the mutex taken spins about a microsecond and then parks on the mutex,
// which hands it on one unlock at a time. So a notify_all() costs one wake-up
// per waiter, not a storm of retries. Notifying after unlocking, rather than
// while holding the lock, saves the woken threads a second park.
//
// Destruction: as in the standard, a condition variable may be destroyed
// once every waiter has been notified, even if some have not yet returned
// from wait(); the destructor waits (briefly) for those to stop touching it.
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * waiting with a lock the calling thread does not hold: a unique_lock
//     that does not own its mutex, or whose weft::mutex another thread holds;
//     for condition_variable_any, a weft::mutex (direct or in a
//     std::unique_lock) the caller does not hold. Reported; if the handler
//     returns, the wait returns at once without touching the lock, as a
//     spurious wake-up (the predicate overloads return the predicate's
//     current value, so a void wait(lock, pred) may return with it false).
//   * destroying the object while a thread waits on it without having been
//     notified: reported; the destructor wakes such threads (a spurious
//     wake-up) and waits for them to leave, so they return from wait() on a
//     destroyed object. Using the object after that is undefined.
//
// With WEFT_CHECKS off these are undefined behaviour, as for the std types.
//
// Not provided: the C++20 std::stop_token overloads of
// condition_variable_any::wait.
#pragma once

#include <chrono>
#include <condition_variable>  // std::cv_status
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <type_traits>
#include "weft/source_location.hpp"

#include "weft/internal/cv_core.hpp"
#include "weft/internal/thread_annotations.hpp"
#include "weft/misuse.hpp"
#include "weft/mutex.hpp"
#include "weft/seam.hpp"

namespace weft {

namespace internal {

template <typename L>
concept reports_caller_ownership = requires(const L& lock) {
  { lock.held_by_caller_for_diagnostics() } -> std::convertible_to<bool>;
};

template <typename L>
inline constexpr bool is_std_unique_lock = false;
template <typename M>
inline constexpr bool is_std_unique_lock<std::unique_lock<M>> = true;

// Why the calling thread cannot be holding `lock`, or an empty view if, as
// far as can be checked cheaply, it may. Inline: it reads owner state (see
// weft::mutex::timed_lock).
template <typename L>
[[nodiscard]] std::string_view lock_misuse(const L& lock) {
  if constexpr (is_std_unique_lock<L>) {
    if (!lock.owns_lock()) return "wait with a unique_lock that does not own its mutex";
    if constexpr (reports_caller_ownership<typename L::mutex_type>) {
      if (!lock.mutex()->held_by_caller_for_diagnostics()) {
        return "wait while the calling thread does not hold the mutex";
      }
    }
  } else if constexpr (reports_caller_ownership<L>) {
    if (!lock.held_by_caller_for_diagnostics()) {
      return "wait while the calling thread does not hold the lock";
    }
  }
  return {};
}

[[nodiscard]] inline std::cv_status to_cv_status(seam::wait_result result) noexcept {
  return result == seam::wait_result::timed_out ? std::cv_status::timeout
                                                : std::cv_status::no_timeout;
}

}  // namespace internal

// ---------------------------------------------------------------------------
// condition_variable
// ---------------------------------------------------------------------------

class condition_variable {
 public:
  constexpr condition_variable() noexcept = default;
  condition_variable(const condition_variable&) = delete;
  condition_variable& operator=(const condition_variable&) = delete;

  // Requires: every waiting thread has been notified (checked, see above).
  ~condition_variable() {
    const std::uint32_t unnotified = core_.shutdown();
    if constexpr (WEFT_CHECKS) {
      if (unnotified != 0) report_destroyed_with_waiters();
    }
  }

  // Wakes one waiting thread, if any.
  void notify_one(weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::notify_one, where,
                  [this, where] { core_.notify(1, where); });
  }

  // Wakes every waiting thread.
  void notify_all(weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::notify_all, where,
                  [this, where] { core_.notify(seam::wake_all_count, where); });
  }

  // Atomically releases `lock` and parks until notified (or spuriously
  // woken), then re-acquires `lock`.
  //
  // Requires: `lock` owns its mutex and the calling thread holds it
  // (checked).
  void wait(std::unique_lock<mutex>& lock,
            weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::wait, where, [this, lk = &lock, where] {
      if (!lock_ok(*lk, where)) return;
      wait_impl(*lk, std::nullopt, where);
    });
  }

  // Waits until `pred()` is true; `pred` is evaluated with the lock held.
  template <typename Predicate>
  void wait(std::unique_lock<mutex>& lock, Predicate pred,
            weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::wait, where,
                  [this, lk = &lock, p = &pred, where] {
                    if (!lock_ok(*lk, where)) return;
                    while (!(*p)())
                      wait_impl(*lk, std::nullopt, where);
                  });
  }

  // As wait(), but gives up at `deadline` (on any clock: converted once to
  // the steady clock, as std implementations do). Returns
  // std::cv_status::timeout if it gave up, no_timeout otherwise (including
  // spurious wake-ups).
  template <typename Clock, typename Duration>
  std::cv_status wait_until(std::unique_lock<mutex>& lock,
                            const std::chrono::time_point<Clock, Duration>& deadline,
                            weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::to_seam_deadline(deadline), where);
  }

  // Waits until `pred()` is true or `deadline` passes; returns `pred()`'s
  // final value.
  template <typename Clock, typename Duration, typename Predicate>
  bool wait_until(std::unique_lock<mutex>& lock,
                  const std::chrono::time_point<Clock, Duration>& deadline, Predicate pred,
                  weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::to_seam_deadline(deadline), pred, where);
  }

  // wait_until(lock, now + timeout).
  template <typename Rep, typename Period>
  std::cv_status wait_for(std::unique_lock<mutex>& lock,
                          const std::chrono::duration<Rep, Period>& timeout,
                          weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::deadline_after(timeout), where);
  }

  // wait_until(lock, now + timeout, pred).
  template <typename Rep, typename Period, typename Predicate>
  bool wait_for(std::unique_lock<mutex>& lock, const std::chrono::duration<Rep, Period>& timeout,
                Predicate pred, weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::deadline_after(timeout), pred, where);
  }

  // The number of threads inside a wait right now. Only for diagnostics and
  // tests: the answer may be stale by the time it is used.
  [[nodiscard]] std::uint32_t waiters_for_diagnostics() const noexcept {
    return core_.waiters_for_diagnostics();
  }

  static constexpr std::string_view type_name = "weft::condition_variable";

 private:
  std::cv_status timed_wait(std::unique_lock<mutex>& lock, seam::time_point deadline,
                            weft::source_location where) {
    return seam::observe(this, type_name, seam::op_kind::wait, where,
                         [this, lk = &lock, deadline, where] {
                           if (!lock_ok(*lk, where)) return std::cv_status::no_timeout;
                           return wait_impl(*lk, deadline, where);
                         });
  }

  template <typename Predicate>
  bool timed_wait(std::unique_lock<mutex>& lock, seam::time_point deadline, Predicate& pred,
                  weft::source_location where) {
    return seam::observe(this, type_name, seam::op_kind::wait, where,
                         [this, lk = &lock, p = &pred, deadline, where] {
                           if (!lock_ok(*lk, where)) return static_cast<bool>((*p)());
                           while (!(*p)()) {
                             if (wait_impl(*lk, deadline, where) == std::cv_status::timeout) {
                               return static_cast<bool>((*p)());
                             }
                           }
                           return true;
                         });
  }

  std::cv_status wait_impl(std::unique_lock<mutex>& lock, std::optional<seam::time_point> deadline,
                           weft::source_location where) {
    return internal::to_cv_status(core_.wait(lock, deadline, where));
  }

  bool lock_ok([[maybe_unused]] const std::unique_lock<mutex>& lock,
               [[maybe_unused]] weft::source_location where) {
    if constexpr (WEFT_CHECKS) {
      const std::string_view problem = internal::lock_misuse(lock);
      if (!problem.empty()) [[unlikely]] {
        report_wait_misuse(problem, where);
        return false;
      }
    }
    return true;
  }

  void report_wait_misuse(std::string_view problem, weft::source_location where) const {
    seam::report_misuse({{this, type_name}, seam::current_thread_id(), 0, problem, where});
  }
  void report_destroyed_with_waiters() const {
    seam::report_misuse({{this, type_name},
                         seam::current_thread_id(),
                         0,
                         "destroyed while threads wait on it",
                         weft::source_location::current()});
  }

  internal::cv_core core_;
};

// ---------------------------------------------------------------------------
// condition_variable_any
// ---------------------------------------------------------------------------

// As condition_variable, for any BasicLockable `Lock` (lock() and unlock();
// unlock() must not throw). The lock is released inside wait() and
// re-acquired before wait() returns, as for std::condition_variable_any.
class condition_variable_any {
 public:
  constexpr condition_variable_any() noexcept = default;
  condition_variable_any(const condition_variable_any&) = delete;
  condition_variable_any& operator=(const condition_variable_any&) = delete;

  // Requires: every waiting thread has been notified (checked).
  ~condition_variable_any() {
    const std::uint32_t unnotified = core_.shutdown();
    if constexpr (WEFT_CHECKS) {
      if (unnotified != 0) report_destroyed_with_waiters();
    }
  }

  void notify_one(weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::notify_one, where,
                  [this, where] { core_.notify(1, where); });
  }

  void notify_all(weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::notify_all, where,
                  [this, where] { core_.notify(seam::wake_all_count, where); });
  }

  // Requires: the calling thread holds `lock` (checked where the lock type
  // can tell, see the file comment).
  template <typename Lock>
  void wait(Lock& lock, weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::wait, where, [this, lk = &lock, where] {
      if (!lock_ok(*lk, where)) return;
      wait_impl(*lk, std::nullopt, where);
    });
  }

  template <typename Lock, typename Predicate>
  void wait(Lock& lock, Predicate pred,
            weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::wait, where,
                  [this, lk = &lock, p = &pred, where] {
                    if (!lock_ok(*lk, where)) return;
                    while (!(*p)())
                      wait_impl(*lk, std::nullopt, where);
                  });
  }

  template <typename Lock, typename Clock, typename Duration>
  std::cv_status wait_until(Lock& lock, const std::chrono::time_point<Clock, Duration>& deadline,
                            weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::to_seam_deadline(deadline), where);
  }

  template <typename Lock, typename Clock, typename Duration, typename Predicate>
  bool wait_until(Lock& lock, const std::chrono::time_point<Clock, Duration>& deadline,
                  Predicate pred, weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::to_seam_deadline(deadline), pred, where);
  }

  template <typename Lock, typename Rep, typename Period>
  std::cv_status wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& timeout,
                          weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::deadline_after(timeout), where);
  }

  template <typename Lock, typename Rep, typename Period, typename Predicate>
  bool wait_for(Lock& lock, const std::chrono::duration<Rep, Period>& timeout, Predicate pred,
                weft::source_location where = weft::source_location::current()) {
    return timed_wait(lock, seam::deadline_after(timeout), pred, where);
  }

  [[nodiscard]] std::uint32_t waiters_for_diagnostics() const noexcept {
    return core_.waiters_for_diagnostics();
  }

  static constexpr std::string_view type_name = "weft::condition_variable_any";

 private:
  template <typename Lock>
  std::cv_status timed_wait(Lock& lock, seam::time_point deadline, weft::source_location where) {
    return seam::observe(this, type_name, seam::op_kind::wait, where,
                         [this, lk = &lock, deadline, where] {
                           if (!lock_ok(*lk, where)) return std::cv_status::no_timeout;
                           return wait_impl(*lk, deadline, where);
                         });
  }

  template <typename Lock, typename Predicate>
  bool timed_wait(Lock& lock, seam::time_point deadline, Predicate& pred,
                  weft::source_location where) {
    return seam::observe(this, type_name, seam::op_kind::wait, where,
                         [this, lk = &lock, p = &pred, deadline, where] {
                           if (!lock_ok(*lk, where)) return static_cast<bool>((*p)());
                           while (!(*p)()) {
                             if (wait_impl(*lk, deadline, where) == std::cv_status::timeout) {
                               return static_cast<bool>((*p)());
                             }
                           }
                           return true;
                         });
  }

  template <typename Lock>
  std::cv_status wait_impl(Lock& lock, std::optional<seam::time_point> deadline,
                           weft::source_location where) {
    return internal::to_cv_status(core_.wait(lock, deadline, where));
  }

  template <typename Lock>
  bool lock_ok([[maybe_unused]] const Lock& lock, [[maybe_unused]] weft::source_location where) {
    if constexpr (WEFT_CHECKS) {
      const std::string_view problem = internal::lock_misuse(lock);
      if (!problem.empty()) [[unlikely]] {
        report_wait_misuse(problem, where);
        return false;
      }
    }
    return true;
  }

  void report_wait_misuse(std::string_view problem, weft::source_location where) const {
    seam::report_misuse({{this, type_name}, seam::current_thread_id(), 0, problem, where});
  }
  void report_destroyed_with_waiters() const {
    seam::report_misuse({{this, type_name},
                         seam::current_thread_id(),
                         0,
                         "destroyed while threads wait on it",
                         weft::source_location::current()});
  }

  internal::cv_core core_;
};

}  // namespace weft
