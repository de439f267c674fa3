#include "detect/deadlock.hpp"

#include <string>
#include <vector>

#include "rt/execution.hpp"

namespace weft::rt {

finding describe_deadlock(std::span<const internal::blocked_thread> blocked) {
  finding f;
  f.kind = finding_kind::deadlock;
  f.message = "deadlock: no thread can run, " + std::to_string(blocked.size()) +
              (blocked.size() == 1 ? " is blocked" : " are blocked");
  const std::vector<std::size_t> cycle = internal::find_wait_cycle(blocked);
  if (!cycle.empty())
    f.message += " (cycle: " + internal::describe_wait_cycle(blocked, cycle) + ")";
  for (const internal::blocked_thread& b : blocked) {
    f.details.push_back(internal::describe_blocked_thread(b));
  }
  return f;
}

}  // namespace weft::rt
