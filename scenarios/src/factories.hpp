// The registry's sources: one factory per scenario, each defined in the
// scenario's own directory (scenarios/<name>/).
#pragma once

#include "weft/scenarios/scenario.hpp"

namespace weft::scenarios::internal {

scenario make_bank();
scenario make_bounded_buffer();
scenario make_counter();
scenario make_philosophers();
scenario make_pizza();
scenario make_readers_writers();

}  // namespace weft::scenarios::internal
