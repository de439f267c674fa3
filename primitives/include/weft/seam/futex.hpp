// weft/seam/futex.hpp
//
// Park and unpark: the seam's only blocking operation. A thread parks on a
// 32-bit word while the word holds an expected value; another thread changes
// the word and wakes parked threads. Natively this is the Linux futex
// (FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline, private to
// the process); under a runtime the parked thread becomes not runnable until
// a wake names its word, or until the runtime decides the deadline passed.
//
// Contract:
//   * `futex_wait` returns at once with `value_changed` if the word does not
//     hold `expected` when it is called (checked atomically with going to
//     sleep, so a wake between the caller's check and the call is not lost).
//   * It may return `woken` spuriously; callers re-check their condition in a
//     loop.
//   * `futex_wake` wakes up to `count` threads parked on the word (Linux
//     wakes them in arrival order for threads of equal priority).
#pragma once

#include <climits>
#include <cstdint>
#include <optional>

#include "weft/seam/atomic.hpp"
#include "weft/seam/runtime.hpp"

namespace weft::seam {

namespace internal {
wait_result native_futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                              std::optional<time_point> deadline) noexcept;
void native_futex_wake(const std::atomic<std::uint32_t>& word, int count) noexcept;
}  // namespace internal

inline constexpr int wake_all_count = INT_MAX;

// Parks the calling thread while `word == expected`, until woken or until
// `deadline` (if any) passes.
inline wait_result futex_wait(const atomic<std::uint32_t>& word, std::uint32_t expected,
                              std::optional<time_point> deadline = std::nullopt) {
  if (runtime* rt = active()) [[unlikely]] {
    return rt->futex_wait(word.native(), expected, deadline);
  }
  return internal::native_futex_wait(word.native(), expected, deadline);
}

// Wakes up to `count` threads parked on `word`.
inline void futex_wake(const atomic<std::uint32_t>& word, int count) {
  if (runtime* rt = active()) [[unlikely]] {
    rt->futex_wake(word.native(), count);
    return;
  }
  internal::native_futex_wake(word.native(), count);
}

inline void futex_wake_one(const atomic<std::uint32_t>& word) {
  futex_wake(word, 1);
}
inline void futex_wake_all(const atomic<std::uint32_t>& word) {
  futex_wake(word, wake_all_count);
}

}  // namespace weft::seam
