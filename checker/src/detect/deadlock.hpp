// The checker's deadlock finding: given every blocked thread and what it
// waits for (the wait-for graph: thread -> resource -> the thread that must
// act, a lock's owner or a joined thread), the finding names the cycle, if
// any, and each blocked thread's state. The graph type and the wording are
// weft::internal's (weft/internal/wait_for_graph.hpp), shared with the
// runtime deadlock detector so that both report a deadlock the same way.
// Complexity: quadratic in the number of blocked threads at worst.
#pragma once

#include <span>

#include "weft/internal/wait_for_graph.hpp"

namespace weft::rt {

struct finding;

finding describe_deadlock(std::span<const internal::blocked_thread> blocked);

}  // namespace weft::rt
