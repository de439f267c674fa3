// Durations on the command line: "30" (seconds), "30s", "500ms", "2m", "1h".
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace weft::cli {

// The duration `text` names, or nullopt if it is not one (or is zero or
// negative, or too large to represent).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace weft::cli
