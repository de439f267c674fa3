// `weft replay SCENARIO.VARIANT TOKEN`: the failing execution a token
// describes, step by step.
#include <iostream>

#include "commands.hpp"
#include "selection.hpp"

namespace weft::cli {

int replay_command(const replay_args& args) {
  std::string error;
  const std::optional<selected> which = select_one(args.name, error);
  if (!which) {
    std::cerr << "weft replay: " << error << "\n";
    return exit_bad_input;
  }
  const scenarios::variant& v = *which->variant;
  const weft::report r = weft::replay([&v] { v.body(v.check_size); }, args.token, v.options);
  if (r.kind == weft::finding_kind::replay_error) {
    std::cerr << "weft replay: " << r.message << "\n(the token must come from `weft check` of "
              << which->name() << ", by this version of weft)\n";
    return exit_bad_input;
  }
  switch (args.format) {
    case output_format::json:
      std::cout << weft::to_json(r) << "\n";
      break;
    case output_format::text:
      std::cout << weft::to_string(r);
      break;
    case output_format::junit:
      std::cerr << "weft replay: --format must be text or json\n";
      return exit_bad_input;
  }
  return exit_ok;
}

}  // namespace weft::cli
