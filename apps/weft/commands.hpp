// The weft command's subcommands. Each returns the process exit code:
// 0 success (for `check`: every result as expected), 1 a finding or a
// mismatch, 2 bad input (an unknown name, a malformed token, an invalid
// option value); the message is printed before returning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "render.hpp"

namespace weft::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_found = 1;
inline constexpr int exit_bad_input = 2;

struct list_args {
  output_format format = output_format::text;
  bool names_only = false;  // one name a line (for scripts and ctest)
};
int list_command(const list_args& args);

struct explain_args {
  std::vector<std::string> names;
};
int explain_command(const explain_args& args);

struct check_args {
  std::vector<std::string> names;  // "scenario" or "scenario.variant"
  bool all = false;
  std::optional<std::string> strategy;
  std::optional<std::uint64_t> executions;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> time_limit;
  unsigned jobs = 1;
  std::optional<std::string> shard;  // "K/N"
  output_format format = output_format::text;
  std::optional<std::string> output;  // a file for the report; stdout if none
  bool verbose = false;               // text: every failing trace, not just surprises
};
int check_command(const check_args& args);

struct merge_args {
  std::vector<std::string> files;  // JSON reports of weft check --format json
  output_format format = output_format::text;
  std::optional<std::string> output;
  bool verbose = false;
};
int merge_command(const merge_args& args);

struct replay_args {
  std::string name;
  std::string token;
  output_format format = output_format::text;
};
int replay_command(const replay_args& args);

struct run_args {
  std::string name;
  std::optional<int> threads;
  std::optional<int> iterations;
  std::string timeout = "30s";
  bool detector = true;
};
int run_command(const run_args& args);

}  // namespace weft::cli
