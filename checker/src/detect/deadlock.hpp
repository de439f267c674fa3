// The deadlock detector: given every blocked thread and what it waits for,
// builds the wait-for graph (thread -> resource -> the thread that must act:
// a lock's owner, a joined thread) and describes its cycle, if any, and each
// blocked thread's state. Complexity: linear in the number of threads.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "weft/seam/runtime.hpp"
#include "weft/source_location.hpp"

namespace weft::rt {

struct finding;

struct blocked_thread {
  seam::thread_id thread = 0;
  std::string operation;       // "weft::mutex::lock", "join", "futex wait"
  std::string resource;        // "mutex#1", "thread 3"
  seam::thread_id holder = 0;  // who must act to unblock it; 0 if unknown
  weft::source_location where;
  bool has_where = false;
};

finding describe_deadlock(std::span<const blocked_thread> blocked);

std::string format_location(weft::source_location where);

}  // namespace weft::rt
