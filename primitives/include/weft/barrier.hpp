// weft/barrier.hpp
//
// `weft::barrier<CompletionFunction>`: a reusable phase barrier with the
// interface and semantics of std::barrier.
//
//   weft::barrier sync(threads, [&]() noexcept { swap(current, next); });
//
//   // each of `threads` threads, for each step:
//   compute(next, my_slice);   // reads `current`
//   sync.arrive_and_wait();    // the completion swapped the buffers
//
// Each phase expects a number of arrivals (initially `expected`). When the
// last one arrives, the completion function runs once, on that thread,
// before any thread waiting for the phase is released; then the next phase
// begins with the same expected count, minus the threads that left with
// arrive_and_drop(). Every arrival of a phase happens before its completion
// step, which happens before every wait() for that phase returns.
//
// arrive() returns an arrival_token naming the phase; wait(std::move(token))
// blocks until that phase has completed. A thread may arrive and do other
// work before it waits, but must not arrive again in the same phase.
//
// Cost: arrive() is one RMW; the last arrival of a phase also runs the
// completion function, two more atomic writes, and one futex wake only if a
// thread parked. wait() for a phase already over is one load. The core is 16
// bytes, plus the completion function.
//
// Blocking: wait() re-checks for about a microsecond, then parks in the
// kernel until the phase completes.
//
// Invalid operations (checked when WEFT_CHECKS is on, see weft/misuse.hpp):
//   * arriving more times than the phase still expects (n greater than the
//     count left, or arriving while the completion step runs): reported; if
//     the handler returns, only the arrivals the phase still expects are
//     counted, and the token names the current phase.
//   * arrive(n) with n < 1: reported; if the handler returns, nothing is
//     counted and the token names the current phase.
//   * wait() with a token from another barrier, or from a phase other than
//     the current or the immediately preceding one (the standard's
//     precondition): reported; if the handler returns, wait() returns at once.
//   * arrive_and_drop() when no participant is left: reported; the arrival
//     is counted as for arrive().
//   * constructing with a count outside [0, max()]: reported; if the handler
//     returns, the count is clamped into that range.
//
// With WEFT_CHECKS off these are undefined behaviour, as for std::barrier.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include "weft/source_location.hpp"

#include "weft/internal/barrier_core.hpp"
#include "weft/misuse.hpp"
#include "weft/seam.hpp"

namespace weft {

// The default completion function: does nothing.
struct barrier_no_completion {
  constexpr void operator()() const noexcept {}
};

template <typename CompletionFunction = barrier_no_completion>
class barrier {
  static_assert(std::is_nothrow_invocable_v<CompletionFunction&>,
                "weft::barrier: the completion function must be callable as f() and noexcept");
  static_assert(std::is_move_constructible_v<CompletionFunction>,
                "weft::barrier: the completion function must be move-constructible");

 public:
  // Names the phase an arrive() counted in; pass it to wait(). Copyable.
  class arrival_token {
   private:
    friend class barrier;
    constexpr arrival_token(const barrier* owner, std::uint32_t phase) noexcept
        : owner_(owner), phase_(phase) {}
    const barrier* owner_;
    std::uint32_t phase_;
  };

  [[nodiscard]] static constexpr std::ptrdiff_t max() noexcept { return INT32_MAX; }

  // Requires: 0 <= expected <= max() (checked).
  constexpr explicit barrier(
      std::ptrdiff_t expected, CompletionFunction f = CompletionFunction(),
      [[maybe_unused]] weft::source_location where = weft::source_location::current())
      : core_(clamp_initial(expected)), completion_(std::move(f)) {
    if (!std::is_constant_evaluated()) {
      if constexpr (WEFT_CHECKS) {
        if (expected < 0 || expected > max()) {
          report("constructed with a count outside [0, max()]", where);
        }
      }
    }
  }
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;

  // Counts `n` arrivals in the current phase without blocking; the last
  // arrival of the phase runs the completion step and starts the next phase.
  //
  // Requires: 1 <= n <= the arrivals the phase still expects (checked).
  [[nodiscard]] arrival_token arrive(
      std::ptrdiff_t n = 1, weft::source_location where = weft::source_location::current()) {
    return seam::observe(this, type_name, seam::op_kind::arrive, where,
                         [this, n, where] { return arrival_token(this, arrive_impl(n, where)); });
  }

  // Blocks until the phase `token` names has completed; returns at once if
  // it already has.
  //
  // Requires: `token` came from this barrier's current or immediately
  // preceding phase (checked).
  void wait(arrival_token&& token,
            weft::source_location where = weft::source_location::current()) const {
    seam::observe(this, type_name, seam::op_kind::wait, where,
                  [this, owner = token.owner_, phase = token.phase_, where] {
                    if (!token_ok(owner, phase, where)) return;
                    core_.wait(phase, where);
                  });
  }

  // wait(arrive()), as one operation.
  void arrive_and_wait(weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::arrive, where,
                  [this, where] { core_.wait(arrive_impl(1, where), where); });
  }

  // Arrives once in the current phase and leaves: later phases expect one
  // arrival fewer.
  void arrive_and_drop(weft::source_location where = weft::source_location::current()) {
    seam::observe(this, type_name, seam::op_kind::arrive, where, [this, where] {
      const bool dropped = core_.drop(where);
      if constexpr (WEFT_CHECKS) {
        if (!dropped) report("arrive_and_drop with no participant left", where);
      }
      (void)dropped;
      (void)arrive_impl(1, where);
    });
  }

  static constexpr std::string_view type_name = "weft::barrier";

 private:
  static constexpr std::uint32_t clamp_initial(std::ptrdiff_t expected) noexcept {
    if (expected < 0) return 0;
    if (expected > max()) return static_cast<std::uint32_t>(max());
    return static_cast<std::uint32_t>(expected);
  }

  // Returns the phase the arrival counted in.
  std::uint32_t arrive_impl(std::ptrdiff_t n, weft::source_location where) {
    if constexpr (WEFT_CHECKS) {
      if (n < 1) [[unlikely]] {
        report("arrive with a count below 1", where);
        return core_.current_phase(where);
      }
    }
    const auto count = static_cast<std::uint32_t>(n > max() ? max() : n);
    const internal::barrier_core::arrival a = core_.arrive(count, WEFT_CHECKS != 0, where);
    if constexpr (WEFT_CHECKS) {
      if (a.counted != count) [[unlikely]] {
        report("arrive beyond the count the phase expects", where);
      }
    }
    if (a.completes) {
      completion_();
      core_.advance(a.phase, where);
    }
    return a.phase;
  }

  bool token_ok([[maybe_unused]] const barrier* owner, [[maybe_unused]] std::uint32_t phase,
                [[maybe_unused]] weft::source_location where) const {
    if constexpr (WEFT_CHECKS) {
      if (owner != this) [[unlikely]] {
        report("wait with an arrival token from another barrier", where);
        return false;
      }
      // Phases count modulo 2^31: a distance of 2 or more is a stale token,
      // one of about 2^31 a token from the future (a corrupted one).
      const std::uint32_t behind =
          (core_.current_phase(where) - phase) & internal::barrier_core::phase_mask;
      if (behind >= 2) [[unlikely]] {
        report(behind < (internal::barrier_core::phase_mask >> 1)
                   ? "wait with an arrival token older than the preceding phase"
                   : "wait with an arrival token from a later phase",
               where);
        return false;
      }
    }
    return true;
  }

  void report(std::string_view what, weft::source_location where) const {
    seam::report_misuse({{this, type_name}, seam::current_thread_id(), 0, what, where});
  }

  internal::barrier_core core_;
  [[no_unique_address]] CompletionFunction completion_;
};

}  // namespace weft
