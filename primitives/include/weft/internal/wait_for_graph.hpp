// weft/internal/wait_for_graph.hpp
//
// The wording of weft's deadlock reports, shared by the checker and the
// runtime deadlock detector so that both say the same thing the same way.
//
// A wait-for graph has one out-edge per blocked thread: thread -> the
// resource it waits for -> the thread that must act (the lock's holder, the
// joined thread). A deadlock is a cycle of such edges.
//
//   std::vector<blocked_thread> blocked = {
//       {.thread = 1, .operation = "weft::mutex::lock", .resource = "mutex#2", .holder = 2},
//       {.thread = 2, .operation = "weft::mutex::lock", .resource = "mutex#1", .holder = 1}};
//   auto cycle = find_wait_cycle(blocked);   // {0, 1}
//   describe_wait_cycle(blocked, cycle);
//   // "thread 1 waits for mutex#2 held by thread 2; thread 2 waits for
//   //  mutex#1 held by thread 1; back to thread 1"
//   describe_blocked_thread(blocked[0]);
//   // "thread 1 blocked in weft::mutex::lock on mutex#2 (held by thread 2)"
//
// Cost: linear in the number of blocked threads (find_wait_cycle is
// quadratic at worst, for the lookups of holders). No state, no locking.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "weft/seam/runtime.hpp"
#include "weft/source_location.hpp"

namespace weft::internal {

struct blocked_thread {
  seam::thread_id thread = 0;
  std::string operation;  // "weft::mutex::lock", "join", "futex wait"
  std::string resource;   // "mutex#1", "thread 3"; a resource named "thread N" has no holder text
  seam::thread_id holder = 0;  // who must act to unblock it; 0 if unknown
  // How `holder` relates to the resource, in "waits for R <relation> thread
  // N": "held by" for a lock's owner; the runtime detector says "queued
  // behind the waiting writer" when a reader waits for a writer's turn.
  std::string holder_relation = "held by";
  weft::source_location where;  // where the thread asked for the resource
  bool has_where = false;
  weft::source_location held_where;  // where the holder took it, when known
  bool has_held_where = false;
};

// Names a thread in the text ("thread 3", "thread 3 (philosopher 0)"). Empty:
// "thread N".
using thread_namer = std::function<std::string(seam::thread_id)>;

// "file.cpp:12": the file name without its directories, and the line.
std::string format_location(weft::source_location where);

// The indices into `blocked` of a cycle of the wait-for graph, in cycle
// order (each element's holder is the next element's thread, the last one's
// is the first one's), found by following holder edges from each thread in
// turn; empty if there is none.
std::vector<std::size_t> find_wait_cycle(std::span<const blocked_thread> blocked);

// "thread 1 waits for mutex#2 held by thread 2; ...; back to thread 1" for
// the cycle `cycle` (indices into `blocked`, as find_wait_cycle returns).
std::string describe_wait_cycle(std::span<const blocked_thread> blocked,
                                std::span<const std::size_t> cycle, const thread_namer& name = {});

// "thread 1 blocked in weft::mutex::lock on mutex#2 (held by thread 2) at
// f.cpp:12; thread 2 took it at f.cpp:8".
std::string describe_blocked_thread(const blocked_thread& b, const thread_namer& name = {});

}  // namespace weft::internal
