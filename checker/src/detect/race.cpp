#include "detect/race.hpp"

#include <algorithm>

namespace weft::rt {

const access* race_detector::on_access(const void* address, bool is_write, seam::thread_id thread,
                                       const vector_clock& now, weft::source_location where) {
  shadow& s = shadows_[address];
  if (s.write && !s.write->epoch.happens_before(now)) return &*s.write;
  const access current{epoch{thread, now.get(thread)}, is_write, where};
  if (!is_write) {
    // Reads that happen before this one are subsumed by it.
    std::erase_if(s.reads, [&](const access& r) { return r.epoch.happens_before(now); });
    s.reads.push_back(current);
    return nullptr;
  }
  for (const access& r : s.reads) {
    if (!r.epoch.happens_before(now)) return &r;
  }
  s.reads.clear();
  s.write = current;
  return nullptr;
}

void race_detector::reset() noexcept {
  shadows_.clear();
}

}  // namespace weft::rt
