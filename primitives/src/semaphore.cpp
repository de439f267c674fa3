#include "weft/internal/semaphore_core.hpp"

namespace weft::internal {

namespace {

// As for weft::mutex: about a microsecond of re-checks before going into
// debt, enough to ride out a holder that releases right away.
constexpr int spin_limit = 100;

}  // namespace

bool semaphore_core::acquire_slow(std::optional<seam::time_point> deadline,
                                  weft::source_location where) {
  // Spin only natively and only while no one is in debt: once threads wait,
  // a newcomer queues behind them instead of barging.
  if (seam::active() == nullptr) {
    for (int i = 0; i < spin_limit; ++i) {
      std::int32_t v = value_.load(std::memory_order_relaxed, where);
      if (v > 0) {
        if (value_.compare_exchange_weak(v, v - 1, std::memory_order_acquire,
                                         std::memory_order_relaxed, where)) {
          return true;
        }
        continue;
      }
      if (v < 0) break;
      seam::cpu_relax();
    }
  }
  if (deadline && seam::now() >= *deadline) return try_acquire(where);

  if (value_.fetch_sub(1, std::memory_order_acquire, where) > 0) return true;
  // In debt: a release will grant us a unit.
  for (;;) {
    if (take_grant(where)) return true;
    if (deadline && seam::now() >= *deadline) {
      if (withdraw(where)) return false;
      // Every debtor, us included, has a grant on its way: wait for it.
      deadline.reset();
      continue;
    }
    seam::futex_wait(grants_, 0, deadline);
  }
}

std::int32_t semaphore_core::release_at_most(std::int32_t n, std::int32_t max,
                                             weft::source_location where) {
  std::int32_t v = value_.load(std::memory_order_relaxed, where);
  std::int32_t added = 0;
  do {
    // 64-bit: with waiters, v < 0 and max - v may not fit in 32 bits.
    const std::int64_t room = std::int64_t{max} - v;
    added = room < n ? static_cast<std::int32_t>(room) : n;
    if (added < 0) added = 0;
  } while (!value_.compare_exchange_weak(v, v + added, std::memory_order_release,
                                         std::memory_order_relaxed, where));
  if (v < 0) grant(added < -v ? added : -v, where);
  return added;
}

void semaphore_core::grant(std::int32_t n, weft::source_location where) {
  grants_.fetch_add(static_cast<std::uint32_t>(n), std::memory_order_release, where);
  seam::futex_wake(grants_, n);
}

bool semaphore_core::take_grant(weft::source_location where) {
  std::uint32_t g = grants_.load(std::memory_order_relaxed, where);
  while (g > 0) {
    if (grants_.compare_exchange_weak(g, g - 1, std::memory_order_acquire,
                                      std::memory_order_relaxed, where)) {
      return true;
    }
  }
  return false;
}

bool semaphore_core::withdraw(weft::source_location where) {
  std::int32_t v = value_.load(std::memory_order_relaxed, where);
  while (v < 0) {
    if (value_.compare_exchange_weak(v, v + 1, std::memory_order_relaxed, std::memory_order_relaxed,
                                     where)) {
      return true;
    }
  }
  return false;
}

}  // namespace weft::internal
