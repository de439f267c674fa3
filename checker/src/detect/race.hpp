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
#include <optional>
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
  const access* on_access(const void* address, bool is_write, seam::thread_id thread,
                          const vector_clock& now, weft::source_location where);
  void reset() noexcept;

 private:
  struct shadow {
    std::optional<access> write;
    std::vector<access> reads;  // since `write`
    void clear() noexcept {
      write.reset();
      reads.clear();
    }
  };
  address_map<shadow> shadows_;
};

}  // namespace weft::rt
