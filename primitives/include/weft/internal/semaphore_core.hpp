// weft/internal/semaphore_core.hpp
//
// The algorithm behind weft::counting_semaphore, independent of its
// LeastMaxValue. Not a public API.
//
// Two words:
//
//   value_    units available when >= 0; when < 0, -value_ threads are
//             waiting for a unit that no release has granted them yet
//   grants_   units a release has handed to waiting threads and none has
//             taken yet; waiters park on it
//
// acquire takes a unit from value_ when it is positive (one CAS). Otherwise
// it decrements value_ into debt and parks on grants_. A release adds to
// value_ with one RMW; the part of it that pays off debt is added to
// grants_ and wakes as many waiters. A timed-out waiter withdraws its debt
// (CAS value_ up while it is negative); if value_ is no longer negative, a
// release already granted a unit to every debtor, so it waits for its grant
// and succeeds.
//
// Invariant: let D be the number of debtors, G the grants posted or being
// posted. Then value_ = available - (D - G), with available > 0 only when
// D == G, and G <= D.
//
// Why not a single counter with a waiter count beside it: release would then
// have to read the waiter count after publishing the new value, and by then
// the thread it woke may have taken the unit, returned and destroyed the
// semaphore (a legitimate "signal, then the signalled thread frees it"
// pattern). Here, once value_ is published, a debtor can only proceed after
// grants_ is bumped, so release touches the object last with that RMW; the
// futex wake after it passes only the address to the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include "weft/source_location.hpp"

#include "weft/seam.hpp"

namespace weft::internal {

inline constexpr std::int32_t semaphore_value_max = INT32_MAX;

class semaphore_core {
 public:
  constexpr explicit semaphore_core(std::int32_t initial) noexcept : value_(initial) {}
  semaphore_core(const semaphore_core&) = delete;
  semaphore_core& operator=(const semaphore_core&) = delete;

  // Takes a unit if one is available; never blocks, never fails spuriously.
  [[nodiscard]] bool try_acquire(weft::source_location where) {
    std::int32_t v = value_.load(std::memory_order_relaxed, where);
    while (v > 0) {
      if (value_.compare_exchange_weak(v, v - 1, std::memory_order_acquire,
                                       std::memory_order_relaxed, where)) {
        return true;
      }
    }
    return false;
  }

  // Blocks until a unit is taken (true) or `deadline` passes (false).
  bool acquire_slow(std::optional<seam::time_point> deadline, weft::source_location where);

  // Adds `n` >= 0 units, handing them to waiting threads first.
  void release(std::int32_t n, weft::source_location where) {
    const std::int32_t old = value_.fetch_add(n, std::memory_order_release, where);
    if (old < 0) [[unlikely]]
      grant(n < -old ? n : -old, where);
  }

  // As release(), but adds at most enough to reach `max` units available;
  // returns how many it added.
  std::int32_t release_at_most(std::int32_t n, std::int32_t max, weft::source_location where);

  // Units available now (0 while threads wait). Diagnostic: stale at once.
  [[nodiscard]] std::int32_t available_for_diagnostics() const noexcept {
    const std::int32_t v = value_.native().load(std::memory_order_relaxed);
    return v > 0 ? v : 0;
  }

 private:
  void grant(std::int32_t n, weft::source_location where);
  bool take_grant(weft::source_location where);
  bool withdraw(weft::source_location where);

  seam::atomic<std::int32_t> value_;
  seam::atomic<std::uint32_t> grants_{0};
};

}  // namespace weft::internal
