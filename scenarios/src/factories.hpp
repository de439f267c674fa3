// The registry's sources: one factory per scenario, each defined in the
// scenario's own directory (scenarios/<name>/).
#pragma once

#include <cstdint>

#include "weft/check.hpp"
#include "weft/scenarios/scenario.hpp"

namespace weft::scenarios::internal {

// The two searches most variants use (each variant states why its numbers).
// A seeded random walk of `executions` executions: finds a shallow bug in a
// few.
inline weft::check_options random_walk(std::uint64_t executions) {
  weft::check_options options;
  options.strategy = weft::strategy_kind::random;
  options.executions = executions;
  return options;
}

// The exhaustive search with partial-order reduction, capped at `cap`
// executions: on a correct variant it ends with every distinct order of the
// conflicting operations explored, so a pass proves the check size.
inline weft::check_options exhaustive(std::uint64_t cap) {
  weft::check_options options;
  options.strategy = weft::strategy_kind::dfs;
  options.executions = cap;
  return options;
}

scenario make_bank();
scenario make_bounded_buffer();
scenario make_counter();
scenario make_philosophers();
scenario make_pizza();
scenario make_readers_writers();

}  // namespace weft::scenarios::internal
