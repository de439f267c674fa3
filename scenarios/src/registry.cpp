#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "factories.hpp"
#include "weft/scenarios/scenario.hpp"

namespace weft::scenarios {

namespace {

std::vector<scenario> build() {
  std::vector<scenario> list;
  list.push_back(internal::make_bank());
  list.push_back(internal::make_bounded_buffer());
  list.push_back(internal::make_counter());
  list.push_back(internal::make_philosophers());
  list.push_back(internal::make_pizza());
  list.push_back(internal::make_readers_writers());
  std::sort(list.begin(), list.end(),
            [](const scenario& a, const scenario& b) { return a.name < b.name; });
  return list;
}

}  // namespace

const std::vector<scenario>& all() {
  static const std::vector<scenario> registry = build();
  return registry;
}

lookup find(std::string_view name) {
  const std::size_t dot = name.find('.');
  const std::string_view scenario_name = name.substr(0, dot);
  lookup found;
  for (const scenario& s : all()) {
    if (s.name == scenario_name) found.scenario = &s;
  }
  if (found.scenario == nullptr || dot == std::string_view::npos) return found;
  const std::string_view variant_name = name.substr(dot + 1);
  for (const variant& v : found.scenario->variants) {
    if (v.name == variant_name) found.variant = &v;
  }
  return found;
}

std::vector<std::string> valid_names() {
  std::vector<std::string> names;
  for (const scenario& s : all()) {
    for (const variant& v : s.variants)
      names.push_back(s.name + "." + v.name);
  }
  return names;
}

}  // namespace weft::scenarios
