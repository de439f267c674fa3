#include "detect/vector_clock.hpp"

namespace weft::rt {

bool vector_clock::happens_before_or_equal(const vector_clock& other) const noexcept {
  for (std::size_t i = 0; i < used_; ++i) {
    if (entries_[i] > (i < other.used_ ? other.entries_[i] : 0)) return false;
  }
  return true;
}

bool operator==(const vector_clock& a, const vector_clock& b) noexcept {
  return a.happens_before_or_equal(b) && b.happens_before_or_equal(a);
}

}  // namespace weft::rt
