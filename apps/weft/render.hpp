// The results of `weft check` and how they are shown: text for people, JSON
// for programs (`weft merge` will read it), JUnit XML for CI systems.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "selection.hpp"
#include "weft/check.hpp"

namespace weft::cli {

enum class output_format { text, json, junit };

// One variant checked: what it was checked with and what came out.
struct variant_result {
  selected which;
  weft::check_options options;  // the effective options
  weft::report report;
  double seconds = 0;  // wall time of the check

  [[nodiscard]] bool matches() const { return which.variant->expected.matches(report); }
};

// "pass", or "fail: <finding kind>".
[[nodiscard]] std::string describe(const scenarios::expectation& e);
[[nodiscard]] std::string describe(const weft::report& r);
// The strategy's name on the command line and in reports ("random", "pct",
// "dfs", "bounded"), and back; nothing for another name.
[[nodiscard]] std::string_view strategy_name(weft::strategy_kind kind);
[[nodiscard]] std::optional<weft::strategy_kind> parse_strategy(std::string_view name);

// Text: a table (scenario, variant, expected, found, executions, time),
// the checks' warnings (lock-order inversions that did not fail them),
// then the full report of every result that did not match, and (verbose,
// or when a single variant was checked) of every failure, each with the
// `weft replay` command that reproduces it.
[[nodiscard]] std::string render_text(const std::vector<variant_result>& results, bool verbose);
// JSON: {"results": [...], "summary": {...}}; each result carries the
// checker's report (weft::to_json) and the options it was checked with.
[[nodiscard]] std::string render_json(const std::vector<variant_result>& results);
// JUnit XML: one testsuite "weft check", one testcase per variant
// (classname = scenario, name = variant); a mismatch is a <failure> whose
// text is the full report.
[[nodiscard]] std::string render_junit(const std::vector<variant_result>& results);

// Prints `results` in `format` to stdout, or to the file `output` (the text
// table then still goes to stdout). Returns the exit status: 0 if every
// result is as expected, 1 if not, 2 if the file cannot be written
// (`command` names the command in that message).
int write_results(const std::vector<variant_result>& results, output_format format,
                  const std::optional<std::string>& output, bool verbose, std::string_view command);

// The shell command that replays `r`'s failing execution.
[[nodiscard]] std::string replay_command_line(const selected& which, const weft::report& r);

// `text` made safe inside XML character data and attribute values.
[[nodiscard]] std::string xml_escape(std::string_view text);

}  // namespace weft::cli
