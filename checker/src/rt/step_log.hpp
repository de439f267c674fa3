// What a partial-order-reducing search needs to know about an execution:
// its steps, each with the thread that took it, the shared locations it
// touched, and the happens-before edges that do not come from touching a
// common location (spawn, join, wake-up).
//
// A step runs from one scheduling point of a thread to its next one (or to
// its blocking or its end). Locations are objects: a weft::shared, a
// weft::atomic, and at scenario grain a primitive object as a whole; at
// implementation grain a primitive's own atomics and futex words.
//
// Concurrency contract: used from the checking OS thread only.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "weft/seam/runtime.hpp"

namespace weft::rt {

enum class access_kind : std::uint8_t {
  read,
  write,
  // Writes with a meaning for the reduction: a lock() that was only let
  // run while the lock was free (scenario grain, see execution.hpp), and an
  // unlock(). A guarded acquire can never move before the release of the
  // lock it waited for, so such a pair is ordered but never a race.
  guarded_acquire,
  release,
};

// A location is named by the order in which the execution first touched
// it, not by its address: a test's heap objects can live at other addresses
// in the next execution, while the same schedule prefix touches the same
// objects in the same order. (The DFS compares steps across executions: a
// step that touches a location first after a node gets the same number in
// every execution that shares the path to that node.)
using location = std::uint32_t;

struct step_access {
  location where = 0;
  access_kind kind = access_kind::read;
};

// Whether two accesses to one location are dependent (do not commute).
[[nodiscard]] constexpr bool dependent(access_kind a, access_kind b) noexcept {
  return a != access_kind::read || b != access_kind::read;
}

// Whether a later access may be reordered before a dependent earlier one.
[[nodiscard]] constexpr bool reversible(access_kind earlier, access_kind later) noexcept {
  return dependent(earlier, later) &&
         !(earlier == access_kind::release && later == access_kind::guarded_acquire);
}

struct step_record {
  seam::thread_id thread = 0;
  std::uint32_t first_access = 0;
  std::uint32_t access_count = 0;
  std::uint32_t first_edge = 0;
  std::uint32_t edge_count = 0;
};

// The steps of one execution, in order. Storage is reused across
// executions (clear keeps capacity).
class step_log {
 public:
  void clear() noexcept {
    steps_.clear();
    accesses_.clear();
    edges_.clear();
    // An unordered_map's clear() zeroes its buckets even when it is empty:
    // a cost per execution for a search that logs nothing.
    if (!locations_.empty()) locations_.clear();
  }

  // The step in progress: accesses and edges are added to it until close.
  void add_access(const void* address, access_kind kind) {
    const auto [it, added] =
        locations_.try_emplace(address, static_cast<location>(locations_.size()));
    accesses_.push_back(step_access{it->second, kind});
  }
  // How many locations the execution touched so far.
  [[nodiscard]] std::size_t location_count() const noexcept { return locations_.size(); }
  // `from` is the index of an earlier (closed) step, or of the step in
  // progress of another thread (it closes before this one does).
  void add_edge(std::uint32_t from) { edges_.push_back(from); }
  // Closes the step in progress as a step of `thread`; returns its index.
  std::uint32_t close(seam::thread_id thread) {
    step_record s;
    s.thread = thread;
    s.first_access = steps_.empty() ? 0 : steps_.back().first_access + steps_.back().access_count;
    s.access_count = static_cast<std::uint32_t>(accesses_.size()) - s.first_access;
    s.first_edge = steps_.empty() ? 0 : steps_.back().first_edge + steps_.back().edge_count;
    s.edge_count = static_cast<std::uint32_t>(edges_.size()) - s.first_edge;
    steps_.push_back(s);
    return static_cast<std::uint32_t>(steps_.size() - 1);
  }
  // The index the step in progress will get.
  [[nodiscard]] std::uint32_t open_index() const noexcept {
    return static_cast<std::uint32_t>(steps_.size());
  }

  [[nodiscard]] std::size_t size() const noexcept { return steps_.size(); }
  [[nodiscard]] const step_record& operator[](std::size_t i) const noexcept { return steps_[i]; }
  [[nodiscard]] std::span<const step_access> accesses(const step_record& s) const noexcept {
    return {accesses_.data() + s.first_access, s.access_count};
  }
  [[nodiscard]] std::span<const std::uint32_t> edges(const step_record& s) const noexcept {
    return {edges_.data() + s.first_edge, s.edge_count};
  }

 private:
  std::vector<step_record> steps_;
  std::vector<step_access> accesses_;
  std::vector<std::uint32_t> edges_;
  std::unordered_map<const void*, location> locations_;
};

}  // namespace weft::rt
