// `weft merge FILE...`: the JSON reports of the shards of one check as one
// verdict (the union of the findings, the sum of the executions).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "merge.hpp"

namespace weft::cli {

int merge_command(const merge_args& args) {
  std::vector<variant_result> all;
  for (const std::string& path : args.files) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      std::cerr << "weft merge: cannot read '" << path << "'\n";
      return exit_bad_input;
    }
    std::ostringstream text;
    text << file.rdbuf();
    std::string error;
    std::vector<variant_result> results = parse_results_json(text.str(), error);
    if (!error.empty()) {
      std::cerr << "weft merge: " << path << ": " << error << "\n";
      return exit_bad_input;
    }
    all.insert(all.end(), std::make_move_iterator(results.begin()),
               std::make_move_iterator(results.end()));
  }
  // The shards' files each hold part of the selection: the merged results
  // follow the registry's order, as `weft check --all` does.
  std::vector<variant_result> merged = merge_all(all);
  const std::vector<std::string> order = scenarios::valid_names();
  auto rank = [&order](const variant_result& r) {
    return std::find(order.begin(), order.end(), r.which.name()) - order.begin();
  };
  std::stable_sort(
      merged.begin(), merged.end(),
      [&rank](const variant_result& a, const variant_result& b) { return rank(a) < rank(b); });
  return write_results(merged, args.format, args.output, args.verbose, "weft merge");
}

}  // namespace weft::cli
