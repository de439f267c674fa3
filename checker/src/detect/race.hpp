// The data-race detector on weft::shared: happens-before by vector clocks,
// with FastTrack-style epochs (Flanagan and Freund, PLDI 2009).
//
// Per shared address it keeps the last write (an epoch and its source
// location) and the reads since that write, at most one per thread (a
// thread's newer read replaces its older one, and a read that happens
// before a later read is dropped: the later one subsumes it). On each
// access the caller passes the accessing thread's current vector clock:
//   a read races with the last write unless that write happens before it;
//   a write races with the last write, and with every read since, unless
//   each happens before it.
// The first conflict found is returned (the last write before the reads, the
// reads in the order they were recorded), so the outcome depends only on the
// execution: replay reproduces it.
//
// Cost: O(1) per access plus O(readers) per write; memory: one entry per
// shared address touched in the execution. reset() forgets every address
// but keeps the table's storage (and each shadow's read list) for the next
// execution.
#pragma once

#include <cstdint>
#include <vector>

#include "detect/address_map.hpp"
#include "detect/vector_clock.hpp"
#include "weft/source_location.hpp"

namespace weft::rt {

struct access {
  rt::epoch epoch;
  bool is_write = false;
  weft::source_location where;
};

class race_detector {
 public:
  // Records an access by `thread`, whose clock is `now`, and returns the
  // earlier access it races with, if any: valid until the next call.
  // Inline: every weft::shared access of a search comes here.
  const access* on_access(const void* address, bool is_write, seam::thread_id thread,
                          const vector_clock& now, weft::source_location where) {
    shadow& s = shadows_[address];
    if (s.write.epoch.thread != 0 && !s.write.epoch.happens_before(now)) return &s.write;
    const access current{epoch{thread, now.get(thread)}, is_write, where};
    if (!is_write) {
      if (!s.reads.empty()) drop_subsumed(s.reads, now);
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
  void reset() noexcept;

 private:
  struct shadow {
    access write;               // the last write; epoch.thread 0: none yet
    std::vector<access> reads;  // since `write`
    void clear() noexcept {
      write = {};
      reads.clear();
    }
  };
  // Drops the reads that happen before a read at `now`: it subsumes them.
  static void drop_subsumed(std::vector<access>& reads, const vector_clock& now);
  address_map<shadow> shadows_;
};

}  // namespace weft::rt
