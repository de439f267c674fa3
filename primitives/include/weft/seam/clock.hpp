// weft/seam/clock.hpp
//
// The clock primitives use for deadlines: steady_clock natively, the
// runtime's clock under a checker.
#pragma once

#include <chrono>

#include "weft/seam/runtime.hpp"

namespace weft::seam {

[[nodiscard]] inline time_point now() {
  if (runtime* rt = active()) [[unlikely]] {
    return rt->now();
  }
  return clock_type::now();
}

// Converts a deadline on any clock into one on the seam's clock, the way the
// standard library does for condition_variable::wait_until: by the
// difference from that clock's now.
template <typename Clock, typename Duration>
[[nodiscard]] time_point to_seam_deadline(const std::chrono::time_point<Clock, Duration>& t) {
  if constexpr (std::is_same_v<Clock, clock_type>) {
    return std::chrono::time_point_cast<clock_type::duration>(t);
  } else {
    return now() + std::chrono::ceil<clock_type::duration>(t - Clock::now());
  }
}

template <typename Rep, typename Period>
[[nodiscard]] time_point deadline_after(const std::chrono::duration<Rep, Period>& d) {
  if (d <= d.zero()) return now();
  const auto step = std::chrono::ceil<clock_type::duration>(d);
  const auto current = now();
  // Saturate instead of overflowing for "wait forever"-sized durations.
  if (step > time_point::max() - current) return time_point::max();
  return current + step;
}

}  // namespace weft::seam
