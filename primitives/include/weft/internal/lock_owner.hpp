// weft/internal/lock_owner.hpp
//
// `weft::internal::lock_owner`: the thread holding an exclusive lock,
// recorded only for misuse checks, and the checks themselves. Shared by the
// exclusive locks that have no owner in their algorithm's state (spin_lock,
// ticket_lock, shared_mutex's writer side).
//
// Callers touch it only from inline code under `if constexpr (WEFT_CHECKS)`,
// so the consumer's WEFT_CHECKS setting governs every read and write of it
// consistently. It is an untracked atomic: the owner never decides how
// threads synchronize, so a checker need not see it.
#pragma once

#include "weft/seam.hpp"
#include "weft/source_location.hpp"

namespace weft::internal {

class lock_owner {
 public:
  constexpr lock_owner() noexcept = default;
  lock_owner(const lock_owner&) = delete;
  lock_owner& operator=(const lock_owner&) = delete;

  [[nodiscard]] seam::thread_id get() const noexcept { return owner_.load(); }
  void set_to_caller() noexcept { owner_.store(seam::current_thread_id()); }
  void clear() noexcept { owner_.store(0); }

  // Reports if the calling thread already holds the lock; if the misuse
  // handler returns, throws std::system_error(resource_deadlock_would_occur)
  // rather than let the caller deadlock on itself. `what` describes the
  // misuse ("lock by the thread that already owns it (not recursive)").
  void check_not_owner(seam::object_ref object, std::string_view what,
                       weft::source_location where) const {
    const seam::thread_id me = seam::current_thread_id();
    if (owner_.load() == me) [[unlikely]] {
      report_relock(object, what, me, where);
    }
  }

  // Reports unless the calling thread holds the lock; returns whether it
  // does (the caller ignores the unlock if not).
  [[nodiscard]] bool check_for_unlock(seam::object_ref object, weft::source_location where) const {
    const seam::thread_id me = seam::current_thread_id();
    const seam::thread_id owner = owner_.load();
    if (owner == me) [[likely]] {
      return true;
    }
    report_bad_unlock(object, me, owner, where);
    return false;
  }

  // Reports unless the calling thread holds the lock (assert_held).
  void check_held(seam::object_ref object, weft::source_location where) const {
    const seam::thread_id me = seam::current_thread_id();
    const seam::thread_id owner = owner_.load();
    if (owner != me) report_not_held(object, me, owner, where);
  }

 private:
  [[noreturn]] static void report_relock(seam::object_ref object, std::string_view what,
                                         seam::thread_id me, weft::source_location where);
  static void report_bad_unlock(seam::object_ref object, seam::thread_id me, seam::thread_id owner,
                                weft::source_location where);
  static void report_not_held(seam::object_ref object, seam::thread_id me, seam::thread_id owner,
                              weft::source_location where);

  seam::untracked_atomic<seam::thread_id> owner_{0};
};

}  // namespace weft::internal
