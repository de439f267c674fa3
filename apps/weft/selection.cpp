#include "selection.hpp"

#include <algorithm>

namespace weft::cli {

namespace {

std::string unknown(const std::string& name) {
  std::string message = "unknown scenario or variant '" + name + "'; valid names:";
  for (const std::string& valid : scenarios::valid_names())
    message += "\n  " + valid;
  return message;
}

}  // namespace

std::vector<selected> select(const std::vector<std::string>& names, bool all, std::string& error) {
  std::vector<selected> chosen;
  auto add = [&chosen](const scenarios::scenario& s, const scenarios::variant& v) {
    const bool known = std::any_of(chosen.begin(), chosen.end(),
                                   [&v](const selected& c) { return c.variant == &v; });
    if (!known) chosen.push_back({&s, &v});
  };
  if (all) {
    for (const scenarios::scenario& s : scenarios::all()) {
      for (const scenarios::variant& v : s.variants)
        add(s, v);
    }
  }
  for (const std::string& name : names) {
    const scenarios::lookup found = scenarios::find(name);
    const bool names_variant = name.find('.') != std::string::npos;
    if (found.scenario == nullptr || (names_variant && found.variant == nullptr)) {
      error = unknown(name);
      return {};
    }
    if (found.variant != nullptr) {
      add(*found.scenario, *found.variant);
    } else {
      for (const scenarios::variant& v : found.scenario->variants)
        add(*found.scenario, v);
    }
  }
  return chosen;
}

std::optional<selected> select_one(const std::string& name, std::string& error) {
  const scenarios::lookup found = scenarios::find(name);
  if (found.scenario == nullptr || found.variant == nullptr) {
    error = unknown(name);
    if (found.scenario != nullptr && name.find('.') == std::string::npos)
      error = "'" + name + "' is a scenario: name one of its variants; valid names:" +
              error.substr(error.find(':') + 1);
    return std::nullopt;
  }
  return selected{found.scenario, found.variant};
}

}  // namespace weft::cli
