// Vector clocks for the data-race detector: one logical clock per model
// thread, so that "a happens before b" is a component-wise comparison.
//
// A clock holds at most weft::max_threads (64) entries in a fixed array
// (no allocation, so a clock is cheap to copy and reuse across executions)
// and remembers how many leading entries are in use, so that join and
// comparison cost O(threads of the execution), not O(64). Thread ids are
// the checker's model ids, 1-based; an id outside 1..max_threads is a
// programming error of the checker (asserted). Copies, joins and clears touch
// only the entries in use, and the hot operations are inline: a scenario-grain
// operation joins and increments a few clocks, so their cost is most of the
// race detector's.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "weft/check.hpp"
#include "weft/seam/runtime.hpp"

namespace weft::rt {

class vector_clock {
 public:
  using value_type = std::uint32_t;
  static constexpr std::size_t capacity = weft::max_threads;

  vector_clock() noexcept = default;
  vector_clock(const vector_clock& other) noexcept : used_(other.used_) {
    copy_entries(other.entries_, entries_, used_);
  }
  vector_clock& operator=(const vector_clock& other) noexcept {
    if (this == &other) return *this;
    // Entries past other.used_ are 0 in `other`: copying them clears ours.
    copy_entries(other.entries_, entries_, std::max(used_, other.used_));
    used_ = other.used_;
    return *this;
  }
  ~vector_clock() = default;

  // Thread `t`'s component; 0 if `t` never contributed (the entries past
  // those in use are kept 0, so no bound check).
  [[nodiscard]] value_type get(seam::thread_id t) const noexcept {
    assert(t >= 1 && t <= capacity);
    return entries_[t - 1];
  }
  void set(seam::thread_id t, value_type value) noexcept {
    assert(t >= 1 && t <= capacity);
    const std::size_t i = t - 1;
    entries_[i] = value;
    if (i >= used_ && value != 0) used_ = i + 1;
  }
  // Thread `t` moves on: its later events are not covered by copies made
  // before.
  void increment(seam::thread_id t) noexcept {
    assert(t >= 1 && t <= capacity);
    const std::size_t i = t - 1;
    ++entries_[i];
    used_ = std::max(used_, i + 1);
  }
  // Component-wise maximum: after it, this clock covers everything `other`
  // covers.
  void join(const vector_clock& other) noexcept {
    for (std::size_t i = 0; i < other.used_; ++i)
      entries_[i] = std::max(entries_[i], other.entries_[i]);
    used_ = std::max(used_, other.used_);
  }
  // Both clocks become their join (a join each way, in one pass).
  void join_both(vector_clock& other) noexcept {
    const std::size_t used = std::max(used_, other.used_);
    for (std::size_t i = 0; i < used; ++i) {
      const value_type m = std::max(entries_[i], other.entries_[i]);
      entries_[i] = m;
      other.entries_[i] = m;
    }
    used_ = used;
    other.used_ = used;
  }
  // True iff every component of this clock is <= the same one of `other`
  // (this clock's events all happen before or at `other`'s point).
  [[nodiscard]] bool happens_before_or_equal(const vector_clock& other) const noexcept;
  void clear() noexcept {
    if (used_ <= small) {
      // A fixed size: a few stores inline instead of a call to memset.
      std::fill_n(entries_.begin(), small, 0);
    } else {
      std::fill_n(entries_.begin(), used_, 0);
    }
    used_ = 0;
  }
  [[nodiscard]] std::size_t size() const noexcept { return used_; }

  friend bool operator==(const vector_clock& a, const vector_clock& b) noexcept;

 private:
  // Up to this many threads, copies and clears move a fixed-size block
  // (inline stores) rather than exactly the entries in use (a library call).
  static constexpr std::size_t small = 16;
  // The arrays are distinct objects: memcpy, which the compiler inlines for a
  // fixed size (std::copy_n becomes a memmove, which it calls).
  static void copy_entries(const std::array<value_type, capacity>& from,
                           std::array<value_type, capacity>& to, std::size_t count) noexcept {
    if (count <= small) {
      std::memcpy(to.data(), from.data(), small * sizeof(value_type));
    } else {
      std::copy_n(from.begin(), count, to.begin());
    }
  }

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
