// weft/internal/barrier_core.hpp
//
// The algorithm behind weft::barrier, independent of its completion
// function. Not a public API.
//
// Three words:
//
//   state_      64 bits: the phase number (31 bits) above the arrivals still
//               expected in that phase (32 bits); one RMW per arrival reads
//               both, so an arrival's token names the phase it counted in
//   expected_   participants of the next phase (arrive_and_drop lowers it)
//   gate_       the phase number << 1 | a waiters bit; waiters park on it
//
// The arrival that brings the count to zero runs the completion step, then
// advance() resets state_ for the next phase and only then publishes the new
// phase on gate_ (release), so a released waiter sees both the completion
// step's effects and a barrier ready for its next arrival. gate_'s waiters
// bit lets advance() skip the wake call when no thread parked.
#pragma once

#include <cstdint>
#include "weft/source_location.hpp"

#include "weft/seam.hpp"

namespace weft::internal {

class barrier_core {
 public:
  static constexpr std::uint32_t phase_mask = 0x7fff'ffffU;

  constexpr explicit barrier_core(std::uint32_t expected) noexcept
      : state_(expected), expected_(expected) {}
  barrier_core(const barrier_core&) = delete;
  barrier_core& operator=(const barrier_core&) = delete;

  struct arrival {
    std::uint32_t phase;    // the phase the arrivals counted in
    std::uint32_t counted;  // < n only for a clamped over-arrival
    bool completes;         // the caller must run the completion step
  };

  // Counts `n` arrivals in the current phase. With `clamp`, never counts
  // more than the phase still expects (the misuse checks); without it, one
  // fetch_sub.
  arrival arrive(std::uint32_t n, bool clamp, weft::source_location where) {
    std::uint64_t old = 0;
    std::uint32_t counted = n;
    if (clamp) {
      old = state_.load(std::memory_order_relaxed, where);
      do {
        const auto remaining = static_cast<std::uint32_t>(old);
        counted = remaining < n ? remaining : n;
      } while (!state_.compare_exchange_weak(old, old - counted, std::memory_order_acq_rel,
                                             std::memory_order_relaxed, where));
    } else {
      old = state_.fetch_sub(n, std::memory_order_acq_rel, where);
    }
    const auto remaining = static_cast<std::uint32_t>(old);
    return {static_cast<std::uint32_t>(old >> 32), counted, counted != 0 && remaining == counted};
  }

  // Removes one participant from every later phase; false if none was left.
  bool drop(weft::source_location where) {
    std::uint32_t e = expected_.load(std::memory_order_relaxed, where);
    while (e != 0) {
      if (expected_.compare_exchange_weak(e, e - 1, std::memory_order_relaxed,
                                          std::memory_order_relaxed, where)) {
        return true;
      }
    }
    return false;
  }

  // Starts the phase after `phase`. Call once, after its completion step.
  void advance(std::uint32_t phase, weft::source_location where);

  // Blocks until the phase numbered `phase` has completed.
  void wait(std::uint32_t phase, weft::source_location where) const;

  [[nodiscard]] std::uint32_t current_phase(weft::source_location where) const {
    return gate_.load(std::memory_order_acquire, where) >> 1;
  }

 private:
  static constexpr std::uint32_t waiters_bit = 1;

  seam::atomic<std::uint64_t> state_;
  seam::atomic<std::uint32_t> expected_;
  // Mutable: wait() is const (as in std::barrier) but sets the waiters bit.
  mutable seam::atomic<std::uint32_t> gate_{0};
};

}  // namespace weft::internal
