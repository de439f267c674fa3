// `weft list` and `weft explain`: what the scenarios are.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "selection.hpp"

namespace weft::cli {

int list_command(const list_args& args) {
  if (args.names_only) {
    for (const std::string& name : scenarios::valid_names())
      std::cout << name << "\n";
    return exit_ok;
  }
  if (args.format == output_format::json) {
    nlohmann::json list = nlohmann::json::array();
    for (const scenarios::scenario& s : scenarios::all()) {
      for (const scenarios::variant& v : s.variants) {
        list.push_back({{"name", s.name + "." + v.name},
                        {"scenario", s.name},
                        {"variant", v.name},
                        {"expected", describe(v.expected)},
                        {"summary", v.summary}});
      }
    }
    std::cout << list.dump(2) << "\n";
    return exit_ok;
  }
  if (args.format == output_format::junit) {
    std::cerr << "weft list: --format must be text or json\n";
    return exit_bad_input;
  }
  std::size_t width = 0;
  for (const std::string& name : scenarios::valid_names())
    width = std::max(width, name.size());
  for (const scenarios::scenario& s : scenarios::all()) {
    for (const scenarios::variant& v : s.variants) {
      std::string name = s.name + "." + v.name;
      std::string expected = describe(v.expected);
      name.resize(width + 2, ' ');
      expected.resize(28, ' ');
      std::cout << name << expected << v.summary << "\n";
    }
  }
  return exit_ok;
}

int explain_command(const explain_args& args) {
  std::string error;
  const std::vector<selected> chosen = select(args.names, args.names.empty(), error);
  if (!error.empty()) {
    std::cerr << "weft explain: " << error << "\n";
    return exit_bad_input;
  }
  const scenarios::scenario* last = nullptr;
  for (const selected& c : chosen) {
    if (c.scenario != last) {
      last = c.scenario;
      std::cout << "# " << c.scenario->name << "\n\n"
                << c.scenario->description << "\n\nSize: " << c.scenario->parameters_help << "\n\n";
    }
    const scenarios::variant& v = *c.variant;
    std::cout << "## " << c.name() << " (expected: " << describe(v.expected) << ")\n\n"
              << v.summary << "\n";
    if (!v.bug.empty()) std::cout << "\nBug: " << v.bug << "\n";
    std::cout << "\n" << (v.buggy() ? "Fix: " : "Why it is correct: ") << v.fix << "\n\n";
  }
  return exit_ok;
}

}  // namespace weft::cli
