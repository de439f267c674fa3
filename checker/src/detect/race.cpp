#include "detect/race.hpp"

#include <algorithm>

namespace weft::rt {

std::optional<access> race_detector::on_access(const void* address, bool is_write,
                                               seam::thread_id thread, const vector_clock& now,
                                               weft::source_location where) {
  shadow& s = shadows_[address];
  const access current{epoch{thread, now.get(thread)}, is_write, where};
  if (s.write && !s.write->epoch.happens_before(now)) return s.write;
  if (!is_write) {
    // Reads that happen before this one are subsumed by it.
    std::erase_if(s.reads, [&](const access& r) { return r.epoch.happens_before(now); });
    s.reads.push_back(current);
    return std::nullopt;
  }
  for (const access& r : s.reads) {
    if (!r.epoch.happens_before(now)) return r;
  }
  s.reads.clear();
  s.write = current;
  return std::nullopt;
}

void race_detector::reset() noexcept {
  shadows_.clear();
}

}  // namespace weft::rt
