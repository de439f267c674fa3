#include "weft/internal/wait_for_graph.hpp"

#include <algorithm>
#include <string_view>

namespace weft::internal {

namespace {

std::string thread_text(seam::thread_id id, const thread_namer& name) {
  return name ? name(id) : "thread " + std::to_string(id);
}

// A thread is the resource (join): "waits for thread 3", with no holder.
bool resource_is_thread(const blocked_thread& b) {
  return b.resource.rfind("thread ", 0) == 0;
}

}  // namespace

std::string format_location(weft::source_location where) {
  std::string_view file = where.file_name();
  // Paths are long and machine-specific; the file name and line suffice.
  if (const auto slash = file.rfind('/'); slash != std::string_view::npos) {
    file.remove_prefix(slash + 1);
  }
  return std::string(file) + ":" + std::to_string(where.line());
}

std::vector<std::size_t> find_wait_cycle(std::span<const blocked_thread> blocked) {
  auto find = [&](seam::thread_id id) -> std::size_t {
    const auto it = std::find_if(blocked.begin(), blocked.end(),
                                 [id](const blocked_thread& b) { return b.thread == id; });
    return static_cast<std::size_t>(it - blocked.begin());
  };
  // Follow holder edges from each thread; the first walk that returns to a
  // thread of its own walk has found the cycle.
  for (std::size_t start = 0; start < blocked.size(); ++start) {
    std::vector<std::size_t> path;
    std::size_t at = start;
    while (at < blocked.size() && std::find(path.begin(), path.end(), at) == path.end()) {
      path.push_back(at);
      at = blocked[at].holder == 0 ? blocked.size() : find(blocked[at].holder);
    }
    if (at >= blocked.size()) continue;
    path.erase(path.begin(), std::find(path.begin(), path.end(), at));
    return path;
  }
  return {};
}

std::string describe_wait_cycle(std::span<const blocked_thread> blocked,
                                std::span<const std::size_t> cycle, const thread_namer& name) {
  std::string out;
  for (const std::size_t i : cycle) {
    const blocked_thread& b = blocked[i];
    out += thread_text(b.thread, name) + " waits for " + b.resource;
    if (!resource_is_thread(b)) out += " " + b.holder_relation + " " + thread_text(b.holder, name);
    out += "; ";
  }
  if (!cycle.empty()) out += "back to " + thread_text(blocked[cycle.front()].thread, name);
  return out;
}

std::string describe_blocked_thread(const blocked_thread& b, const thread_namer& name) {
  std::string line =
      thread_text(b.thread, name) + " blocked in " + b.operation + " on " + b.resource;
  const bool has_holder = b.holder != 0 && !resource_is_thread(b);
  if (has_holder) line += " (" + b.holder_relation + " " + thread_text(b.holder, name) + ")";
  if (b.has_where) line += " at " + format_location(b.where);
  if (has_holder && b.has_held_where) {
    // A lock's holder took it; a waiting writer a reader queues behind has
    // only asked for it.
    line += "; " + thread_text(b.holder, name) +
            (b.holder_relation == "held by" ? " took it at " : " asked for it at ") +
            format_location(b.held_where);
  }
  return line;
}

}  // namespace weft::internal
