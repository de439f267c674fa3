#include "detect/race.hpp"

#include <algorithm>

namespace weft::rt {

void race_detector::drop_subsumed(std::vector<access>& reads, const vector_clock& now) {
  std::erase_if(reads, [&](const access& r) { return r.epoch.happens_before(now); });
}

void race_detector::reset() noexcept {
  shadows_.clear();
}

}  // namespace weft::rt
