#include "time_limit.hpp"

#include <charconv>
#include <cstdint>

namespace weft::cli {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (error != std::errc{} || end == text.data() || count == 0) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m" || unit == "min") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else {
    return std::nullopt;
  }
  // A week at most: larger values are typos, and they would overflow.
  constexpr std::uint64_t limit_ms = 7ULL * 24 * 3'600'000;
  if (count > limit_ms / scale) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(count * scale));
}

}  // namespace weft::cli
