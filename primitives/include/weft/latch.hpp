// weft/latch.hpp
//
// `weft::latch`: a single-use downward counter that threads wait on until it
// reaches zero, with the interface and semantics of std::latch.
//
//   weft::latch loaded(workers);
//   // each worker:   load_my_part(); loaded.count_down();
//   // coordinator:   loaded.wait();  // every part is loaded (and visible)
//
//   weft::latch start(threads);
//   // each thread:   start.arrive_and_wait();  run();
//
// Every count_down() happens before every wait() (or try_wait() returning
// true) that sees the counter at zero.
//
// Cost: count_down() is one RMW; the one that reaches zero also makes one
// futex wake, but only if some thread waits. wait() on an open latch is one
// load. The object is 4 bytes.
//
// Blocking: wait() parks in the kernel until the counter reaches zero; there
// is no spinning phase (latch waits are usually long) and no timed wait (as
// in std::latch).
//
// State word: bits 0..30 hold the counter (so max() is INT32_MAX); bit 31 is
// set by the first thread that parks, so the final count_down() knows to
// make the wake call. It is never cleared: the latch is single-use.
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * count_down(n) / arrive_and_wait(n) with n greater than the counter
//     (counting below zero): reported; if the handler returns, the counter
//     stops at zero (the latch opens).
//   * count_down(n) with n < 0: reported; if the handler returns, ignored.
//   * constructing with a count outside [0, max()]: reported; if the handler
//     returns, the count is clamped into that range.
//
// With WEFT_CHECKS off these are undefined behaviour, as for std::latch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include "weft/source_location.hpp"

#include "weft/misuse.hpp"
#include "weft/seam.hpp"

namespace weft {

class latch {
 public:
  [[nodiscard]] static constexpr std::ptrdiff_t max() noexcept { return count_mask; }

  // Requires: 0 <= expected <= max() (checked).
  constexpr explicit latch(std::ptrdiff_t expected, [[maybe_unused]] weft::source_location where =
                                                        weft::source_location::current())
      : state_(clamp_initial(expected)) {
    if (!std::is_constant_evaluated()) {
      if constexpr (WEFT_CHECKS) {
        if (expected < 0 || expected > max()) {
          report("constructed with a count outside [0, max()]", where);
        }
      }
    }
  }
  latch(const latch&) = delete;
  latch& operator=(const latch&) = delete;

  // Decrements the counter by `n`; at zero, releases every waiting thread.
  // Never blocks.
  //
  // Requires: 0 <= n <= counter (checked).
  void count_down(std::ptrdiff_t n = 1,
                  weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::count_down, where,
                  [this, n, where] { count_down_impl(n, where); });
  }

  // Whether the counter is zero. Never blocks; does not fail spuriously.
  // (Reported to a checker as a `wait` operation.)
  [[nodiscard]] bool try_wait(
      weft::source_location where = weft::source_location::current()) const {
    return seam::observe(this, type_name, seam::op_kind::wait, where, [this, where] {
      return (state_.load(std::memory_order_acquire, where) & count_mask) == 0;
    });
  }

  // Blocks until the counter is zero.
  void wait(weft::source_location where = weft::source_location::current()) const {
    seam::observe(this, type_name, seam::op_kind::wait, where, [this, where] { wait_impl(where); });
  }

  // count_down(n), then wait(), as one operation.
  void arrive_and_wait(std::ptrdiff_t n = 1,
                       weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::count_down, where, [this, n, where] {
      count_down_impl(n, where);
      wait_impl(where);
    });
  }

  static constexpr std::string_view type_name = "weft::latch";

 private:
  static constexpr std::uint32_t waiters_bit = 0x8000'0000U;
  static constexpr std::uint32_t count_mask = ~waiters_bit;

  static constexpr std::uint32_t clamp_initial(std::ptrdiff_t expected) noexcept {
    if (expected < 0) return 0;
    if (expected > max()) return count_mask;
    return static_cast<std::uint32_t>(expected);
  }

  void count_down_impl(std::ptrdiff_t n, weft::source_location where) {
    std::uint32_t old = 0;
    std::uint32_t by = 0;
    if constexpr (WEFT_CHECKS) {
      if (n < 0) [[unlikely]] {
        report("count_down with a negative count", where);
        return;
      }
      // A CAS loop, so that counting below zero is caught before it
      // corrupts the waiters bit.
      old = state_.load(std::memory_order_relaxed, where);
      do {
        const std::uint32_t count = old & count_mask;
        by = static_cast<std::ptrdiff_t>(count) < n ? count : static_cast<std::uint32_t>(n);
      } while (!state_.compare_exchange_weak(old, old - by, std::memory_order_release,
                                             std::memory_order_relaxed, where));
      if (by != static_cast<std::uint32_t>(n)) [[unlikely]] {
        report("count_down below zero", where);
      }
    } else {
      by = static_cast<std::uint32_t>(n);
      old = state_.fetch_sub(by, std::memory_order_release, where);
    }
    if (by != 0 && (old & count_mask) == by && (old & waiters_bit) != 0) {
      // Only the address reaches the kernel: harmless if a released waiter
      // has already destroyed the latch.
      seam::futex_wake_all(state_);
    }
  }

  void wait_impl(weft::source_location where) const;

  void report(std::string_view what, weft::source_location where) const {
    seam::report_misuse({{this, type_name}, seam::current_thread_id(), 0, what, where});
  }

  // Mutable: wait() is const (as in std::latch) but sets the waiters bit.
  mutable seam::atomic<std::uint32_t> state_;
};

}  // namespace weft
