#include "detect/deadlock.hpp"

#include <algorithm>
#include <string_view>

#include "rt/execution.hpp"

namespace weft::rt {

std::string format_location(weft::source_location where) {
  std::string_view file = where.file_name();
  // Paths are long and machine-specific; the file name and line suffice.
  if (const auto slash = file.rfind('/'); slash != std::string_view::npos) {
    file.remove_prefix(slash + 1);
  }
  return std::string(file) + ":" + std::to_string(where.line());
}

finding describe_deadlock(std::span<const blocked_thread> blocked) {
  finding f;
  f.kind = finding_kind::deadlock;
  auto find = [&](seam::thread_id id) -> const blocked_thread* {
    const auto it = std::find_if(blocked.begin(), blocked.end(),
                                 [id](const blocked_thread& b) { return b.thread == id; });
    return it == blocked.end() ? nullptr : &*it;
  };

  // Follow holder edges from each thread; the first walk that returns to a
  // visited thread of its own walk has found the cycle.
  std::string cycle;
  for (const blocked_thread& start : blocked) {
    std::vector<seam::thread_id> path;
    const blocked_thread* at = &start;
    while (at != nullptr && std::find(path.begin(), path.end(), at->thread) == path.end()) {
      path.push_back(at->thread);
      at = at->holder == 0 ? nullptr : find(at->holder);
    }
    if (at == nullptr) continue;
    const auto first = std::find(path.begin(), path.end(), at->thread);
    for (auto it = first; it != path.end(); ++it) {
      const blocked_thread* on_cycle = find(*it);
      if (on_cycle == nullptr) continue;  // cannot happen: the path holds blocked threads
      const blocked_thread& b = *on_cycle;
      cycle += "thread " + std::to_string(b.thread) + " waits for " + b.resource;
      if (b.resource.rfind("thread ", 0) != 0)
        cycle += " held by thread " + std::to_string(b.holder);
      cycle += "; ";
    }
    cycle += "back to thread " + std::to_string(at->thread);
    break;
  }

  f.message = "deadlock: no thread can run, " + std::to_string(blocked.size()) +
              (blocked.size() == 1 ? " is blocked" : " are blocked");
  if (!cycle.empty()) f.message += " (cycle: " + cycle + ")";
  for (const blocked_thread& b : blocked) {
    std::string line =
        "thread " + std::to_string(b.thread) + " blocked in " + b.operation + " on " + b.resource;
    if (b.holder != 0 && b.resource.rfind("thread ", 0) != 0) {
      line += " (held by thread " + std::to_string(b.holder) + ")";
    }
    if (b.has_where) line += " at " + format_location(b.where);
    f.details.push_back(std::move(line));
  }
  return f;
}

}  // namespace weft::rt
