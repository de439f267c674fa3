// Vector clocks for the data-race detector: one logical clock per model
// thread, so that "a happens before b" is a component-wise comparison.
//
// A clock holds at most weft::max_threads (64) entries in a fixed array
// (no allocation, so a clock is cheap to copy and reuse across executions)
// and remembers how many leading entries are in use, so that join and
// comparison cost O(threads of the execution), not O(64). Thread ids are
// the checker's model ids, 1-based; an id outside 1..max_threads is a
// programming error of the checker (asserted).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "weft/check.hpp"
#include "weft/seam/runtime.hpp"

namespace weft::rt {

class vector_clock {
 public:
  using value_type = std::uint32_t;
  static constexpr std::size_t capacity = weft::max_threads;

  // Thread `t`'s component; 0 if `t` never contributed.
  [[nodiscard]] value_type get(seam::thread_id t) const noexcept;
  void set(seam::thread_id t, value_type value) noexcept;
  // Thread `t` moves on: its later events are not covered by copies made
  // before.
  void increment(seam::thread_id t) noexcept;
  // Component-wise maximum: after it, this clock covers everything `other`
  // covers.
  void join(const vector_clock& other) noexcept;
  // True iff every component of this clock is <= the same one of `other`
  // (this clock's events all happen before or at `other`'s point).
  [[nodiscard]] bool happens_before_or_equal(const vector_clock& other) const noexcept;
  void clear() noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return used_; }

  friend bool operator==(const vector_clock& a, const vector_clock& b) noexcept;

 private:
  std::array<value_type, capacity> entries_{};
  std::size_t used_ = 0;  // entries_[used_..] are all 0
};

// One event of one thread: FastTrack's "epoch" c@t. It happens before a
// point with clock `now` iff c <= now[t].
struct epoch {
  seam::thread_id thread = 0;
  vector_clock::value_type clock = 0;

  [[nodiscard]] bool happens_before(const vector_clock& now) const noexcept {
    return clock <= now.get(thread);
  }
};

}  // namespace weft::rt
