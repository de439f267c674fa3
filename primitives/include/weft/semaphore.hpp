// weft/semaphore.hpp
//
// `weft::counting_semaphore<LeastMaxValue>` and `weft::binary_semaphore`:
// futex-based semaphores with the interface and semantics of
// std::counting_semaphore and std::binary_semaphore.
//
//   weft::counting_semaphore<4> connections(4);  // at most 4 at a time
//
//   void query() {
//     connections.acquire();
//     run_query();
//     connections.release();
//   }
//
//   weft::binary_semaphore ready(0);  // a one-shot signal
//   // producer: publish(data); ready.release();
//   // consumer: ready.acquire(); use(data);   (release happens-before
//   //           the acquire that takes its unit)
//
// max() is exactly LeastMaxValue (at most INT32_MAX, the default), so
// release() beyond it is a detectable misuse; binary_semaphore::max() is 1.
//
// Cost: an uncontended acquire() or try_acquire() is one load and one
// compare-and-swap; an uncontended release() is one RMW (a CAS loop when
// WEFT_CHECKS is on, to check the bound). Neither makes a system call when no
// thread waits. The object is 8 bytes.
//
// Blocking: an acquire() that finds no unit spins for about a microsecond
// (unless threads are already waiting) and then parks in the kernel.
//
// Fairness: once threads wait, a release hands units directly to waiting
// threads (a thread that arrives later cannot take them), and a waiting
// thread keeps its place until it gets a unit or times out. Among waiting
// threads, who takes a handed-on unit first is not specified (on Linux the
// longest-parked one is woken first). Algorithm and invariant: see
// weft/internal/semaphore_core.hpp.
//
// The counter is never negative: internally a negative value counts waiting
// threads, never units.
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * release(n) with n < 0: reported; if the handler returns, ignored.
//   * release(n) that would raise the counter above max(): reported; if the
//     handler returns, the counter is raised to max() and the excess dropped.
//   * constructing with a count outside [0, max()]: reported; if the handler
//     returns, the count is clamped into that range.
//
// With WEFT_CHECKS off these are undefined behaviour, as for the std types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include "weft/source_location.hpp"

#include "weft/internal/semaphore_core.hpp"
#include "weft/misuse.hpp"
#include "weft/seam.hpp"

namespace weft {

template <std::ptrdiff_t LeastMaxValue = internal::semaphore_value_max>
class counting_semaphore {
  static_assert(LeastMaxValue >= 0 && LeastMaxValue <= internal::semaphore_value_max,
                "weft::counting_semaphore: LeastMaxValue must be in [0, INT32_MAX]");

 public:
  // The largest value the counter may reach.
  [[nodiscard]] static constexpr std::ptrdiff_t max() noexcept { return LeastMaxValue; }

  // Requires: 0 <= desired <= max() (checked).
  constexpr explicit counting_semaphore(
      std::ptrdiff_t desired,
      [[maybe_unused]] weft::source_location where = weft::source_location::current())
      : core_(clamp_initial(desired)) {
    if (!std::is_constant_evaluated()) {
      if constexpr (WEFT_CHECKS) {
        if (desired < 0 || desired > max())
          report("constructed with a count outside [0, max()]", where);
      }
    }
  }
  counting_semaphore(const counting_semaphore&) = delete;
  counting_semaphore& operator=(const counting_semaphore&) = delete;

  // Adds `update` units and wakes up to that many waiting threads. Strongly
  // happens before every acquire that takes one of the units.
  //
  // Requires: 0 <= update <= max() - counter (checked).
  void release(std::ptrdiff_t update = 1,
               weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::release, where, [this, update, where] {
      if constexpr (WEFT_CHECKS) {
        if (update < 0) [[unlikely]] {
          report("release with a negative update", where);
          return;
        }
        const std::int32_t n =
            update > max() ? static_cast<std::int32_t>(max()) : static_cast<std::int32_t>(update);
        const std::int32_t added =
            core_.release_at_most(n, static_cast<std::int32_t>(max()), where);
        if (added != update) [[unlikely]]
          report("release beyond max()", where);
      } else {
        core_.release(static_cast<std::int32_t>(update), where);
      }
    });
  }

  // Blocks until it takes a unit.
  void acquire(weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::acquire, where, [this, where] {
      if (!core_.try_acquire(where)) [[unlikely]] {
        core_.acquire_slow(std::nullopt, where);
      }
    });
  }

  // Takes a unit if one is available right now; never blocks. Does not fail
  // spuriously.
  [[nodiscard]] bool try_acquire(weft::source_location where = weft::source_location::current()) {
    return seam::observe(this, type_name, seam::op_kind::try_acquire, where,
                         [this, where] { return core_.try_acquire(where); });
  }

  // Blocks until it takes a unit (true) or `timeout` passes (false).
  template <typename Rep, typename Period>
  [[nodiscard]] bool try_acquire_for(
      const std::chrono::duration<Rep, Period>& timeout,
      weft::source_location where = weft::source_location::current()) {
    return timed_acquire(seam::deadline_after(timeout), where);
  }

  // Blocks until it takes a unit (true) or `deadline` passes (false). Any
  // clock: converted once to the steady clock.
  template <typename Clock, typename Duration>
  [[nodiscard]] bool try_acquire_until(
      const std::chrono::time_point<Clock, Duration>& deadline,
      weft::source_location where = weft::source_location::current()) {
    return timed_acquire(seam::to_seam_deadline(deadline), where);
  }

  // Units available right now. Only for diagnostics and tests: stale at once.
  [[nodiscard]] std::ptrdiff_t available_for_diagnostics() const noexcept {
    return core_.available_for_diagnostics();
  }

  static constexpr std::string_view type_name =
      LeastMaxValue == 1 ? "weft::binary_semaphore" : "weft::counting_semaphore";

 private:
  static constexpr std::int32_t clamp_initial(std::ptrdiff_t desired) noexcept {
    if (desired < 0) return 0;
    if (desired > max()) return static_cast<std::int32_t>(max());
    return static_cast<std::int32_t>(desired);
  }

  bool timed_acquire(seam::time_point deadline, weft::source_location where) {
    return seam::observe(this, type_name, seam::op_kind::try_acquire, where,
                         [this, deadline, where] {
                           return core_.try_acquire(where) || core_.acquire_slow(deadline, where);
                         });
  }

  void report(std::string_view what, weft::source_location where) const {
    seam::report_misuse({{this, type_name}, seam::current_thread_id(), 0, what, where});
  }

  internal::semaphore_core core_;
};

using binary_semaphore = counting_semaphore<1>;

}  // namespace weft
