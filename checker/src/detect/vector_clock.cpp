#include "detect/vector_clock.hpp"

#include <algorithm>
#include <cassert>

namespace weft::rt {

vector_clock::value_type vector_clock::get(seam::thread_id t) const noexcept {
  assert(t >= 1 && t <= capacity);
  const std::size_t i = t - 1;
  return i < used_ ? entries_[i] : 0;
}

void vector_clock::set(seam::thread_id t, value_type value) noexcept {
  assert(t >= 1 && t <= capacity);
  const std::size_t i = t - 1;
  entries_[i] = value;
  if (i >= used_ && value != 0) used_ = i + 1;
}

void vector_clock::increment(seam::thread_id t) noexcept {
  set(t, get(t) + 1);
}

void vector_clock::join(const vector_clock& other) noexcept {
  for (std::size_t i = 0; i < other.used_; ++i)
    entries_[i] = std::max(entries_[i], other.entries_[i]);
  used_ = std::max(used_, other.used_);
}

bool vector_clock::happens_before_or_equal(const vector_clock& other) const noexcept {
  for (std::size_t i = 0; i < used_; ++i) {
    if (entries_[i] > (i < other.used_ ? other.entries_[i] : 0)) return false;
  }
  return true;
}

void vector_clock::clear() noexcept {
  std::fill_n(entries_.begin(), used_, 0);
  used_ = 0;
}

bool operator==(const vector_clock& a, const vector_clock& b) noexcept {
  return a.happens_before_or_equal(b) && b.happens_before_or_equal(a);
}

}  // namespace weft::rt
