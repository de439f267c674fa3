// Turning the names on a command line into scenario variants.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "weft/scenarios/scenario.hpp"

namespace weft::cli {

struct selected {
  const scenarios::scenario* scenario = nullptr;
  const scenarios::variant* variant = nullptr;
  [[nodiscard]] std::string name() const { return scenario->name + "." + variant->name; }
};

// "scenario.variant" selects one variant, "scenario" all of its variants;
// `all` adds every variant. Duplicates are dropped, the order kept. An
// unknown name makes `error` the message listing the valid names (and the
// result empty).
std::vector<selected> select(const std::vector<std::string>& names, bool all, std::string& error);

// Exactly one variant ("scenario.variant"), or `error`.
std::optional<selected> select_one(const std::string& name, std::string& error);

}  // namespace weft::cli
