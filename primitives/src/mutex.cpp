#include "weft/mutex.hpp"

#include <system_error>

namespace weft {

namespace {

// How many times a newly blocked thread re-checks the word before parking.
// About a microsecond of pause instructions: long enough to ride out a short
// critical section, short enough not to matter when parking is inevitable.
constexpr int spin_limit = 100;

// How long a waiter waits before the mutex switches to starvation mode.
constexpr auto starvation_threshold = std::chrono::milliseconds(1);

}  // namespace

mutex::~mutex() {
  if (internal::deadlock::tracks_destruction()) [[unlikely]] {
    internal::deadlock::destroyed(this);
  }
  if constexpr (WEFT_CHECKS) {
    if ((state_.load(std::memory_order_relaxed) & locked_bit) != 0) {
      seam::report_misuse({{this, type_name},
                           seam::current_thread_id(),
                           owner_.load(),
                           "destroyed while locked",
                           weft::source_location::current()});
    }
  }
}

bool mutex::lock_slow(std::optional<seam::time_point> deadline, weft::source_location where) {
  // Spin only natively: under a checker, spinning adds steps and no
  // behaviour (the loop below takes the same transitions).
  if (seam::active() == nullptr) {
    for (int i = 0; i < spin_limit; ++i) {
      std::uint32_t s = state_.load(std::memory_order_relaxed, where);
      if ((s & (locked_bit | starving_bit)) == 0) {
        if (state_.compare_exchange_weak(s, s | locked_bit, std::memory_order_acquire,
                                         std::memory_order_relaxed, where)) {
          return true;
        }
        continue;
      }
      // Others are already parked: queue behind them rather than barge.
      if ((s & waiters_bit) != 0) break;
      seam::cpu_relax();
    }
  }

  // About to park: tell the deadlock detector (which may throw; nothing has
  // changed yet). A timed lock whose deadline has passed will not wait.
  if (internal::deadlock::on() && (!deadline || seam::now() < *deadline)) [[unlikely]] {
    internal::deadlock::block(this, type_name, lock_mode::exclusive, deadline.has_value(), true,
                              where);
  }

  // A thread that has parked at least once may have consumed an unlock's
  // wake-up, so it is the one entitled to take the mutex next, even in
  // starvation mode, and it must never leave while the mutex is free.
  bool has_parked = false;
  bool own_starving = false;
  const seam::time_point started = seam::now();
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_relaxed, where);
    if ((s & locked_bit) == 0 && (has_parked || (s & starving_bit) == 0)) {
      // A thread that parked sets `waiters` again: unlock cleared it when it
      // woke us, and others may still be parked.
      std::uint32_t desired = s | locked_bit | (has_parked ? waiters_bit : 0U);
      if (own_starving) desired &= ~starving_bit;
      if (state_.compare_exchange_weak(s, desired, std::memory_order_acquire,
                                       std::memory_order_relaxed, where)) {
        return true;
      }
      continue;
    }
    if ((s & waiters_bit) == 0) {
      if (!state_.compare_exchange_weak(s, s | waiters_bit, std::memory_order_relaxed,
                                        std::memory_order_relaxed, where)) {
        continue;
      }
      s |= waiters_bit;
    }
    // `waiters` is set, so the owner's unlock will wake someone: leaving now
    // loses no wake-up.
    if (deadline && seam::now() >= *deadline) {
      if (own_starving) clear_starving(where);
      return false;
    }
    seam::futex_wait(state_, s, deadline);
    has_parked = true;
    if (!own_starving && seam::now() - started >= starvation_threshold) {
      own_starving = try_set_starving(where);
    }
  }
}

void mutex::unlock_slow(weft::source_location where) {
  std::uint32_t s = state_.load(std::memory_order_relaxed, where);
  while (!state_.compare_exchange_weak(s, s & starving_bit, std::memory_order_release,
                                       std::memory_order_relaxed, where)) {
  }
  if ((s & waiters_bit) != 0) seam::futex_wake_one(state_);
}

bool mutex::try_set_starving(weft::source_location where) {
  std::uint32_t s = state_.load(std::memory_order_relaxed, where);
  while ((s & starving_bit) == 0) {
    if (state_.compare_exchange_weak(s, s | starving_bit, std::memory_order_relaxed,
                                     std::memory_order_relaxed, where)) {
      return true;
    }
  }
  return false;  // another waiter owns starvation mode
}

void mutex::clear_starving(weft::source_location where) {
  state_.fetch_and(~starving_bit, std::memory_order_relaxed, where);
}

void mutex::check_not_owner(weft::source_location where) {
  const seam::thread_id me = seam::current_thread_id();
  if (owner_.load() != me) return;
  seam::report_misuse({{this, type_name},
                       me,
                       me,
                       "lock by the thread that already owns it (not recursive)",
                       where});
  throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                          "weft::mutex: lock by the thread that already owns it");
}

bool mutex::check_owner_for_unlock(weft::source_location where) {
  const seam::thread_id me = seam::current_thread_id();
  const seam::thread_id owner = owner_.load();
  if (owner == me) return true;
  seam::report_misuse({{this, type_name},
                       me,
                       owner,
                       owner == 0 ? "unlock of a mutex that is not locked"
                                  : "unlock by a thread that does not own it",
                       where});
  return false;
}

void mutex::report_not_held(weft::source_location where) const {
  seam::report_misuse({{this, type_name},
                       seam::current_thread_id(),
                       owner_.load(),
                       "assert_held: the calling thread does not own the mutex",
                       where});
}

bool mutex::is_locked_for_diagnostics() const noexcept {
  return (state_.native().load(std::memory_order_relaxed) & locked_bit) != 0;
}

}  // namespace weft
