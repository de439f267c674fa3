// weft: list, explain, check, replay and run the scenarios.
//
//   weft list [--format text|json] [--names]
//   weft explain [SCENARIO[.VARIANT]...]
//   weft check (SCENARIO[.VARIANT]... | --all) [--strategy random|pct|dfs|bounded]
//              [--executions N] [--seed S] [--time-limit T] [--jobs N]
//              [--shard K/N] [--format text|json|junit] [--output FILE] [--verbose]
//   weft merge FILE... [--format text|json|junit] [--output FILE] [--verbose]
//   weft replay SCENARIO.VARIANT TOKEN [--format text|json]
//   weft run SCENARIO.VARIANT [--threads N] [--iterations M] [--timeout T] [--no-detector]
//
// Exit status: 0 as expected, 1 a finding or a result other than expected,
// 2 bad input.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>

#include "commands.hpp"

namespace {

using weft::cli::output_format;

void add_format(CLI::App& command, output_format& format,
                const std::map<std::string, output_format>& allowed) {
  const bool junit = allowed.size() == 3;
  // A transform of our own rather than CLI11's CheckedTransformer, whose
  // message lists the enum's numbers: the name in any case becomes the
  // number CLI11 then converts to the enum.
  auto to_number = [allowed, junit](std::string& value) -> std::string {
    std::string name = value;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto found = allowed.find(name);
    if (found == allowed.end())
      return std::string("must be ") + (junit ? "text, json or junit" : "text or json") +
             ", not '" + value + "'";
    value = std::to_string(static_cast<int>(found->second));
    return {};
  };
  command.add_option("--format", format, "Output format")
      ->transform(CLI::Validator(to_number, "", "format"))
      ->option_text(junit ? "text|json|junit" : "text|json");
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, output_format> all_formats = {{"text", output_format::text},
                                                            {"json", output_format::json},
                                                            {"junit", output_format::junit}};
  const std::map<std::string, output_format> text_or_json = {{"text", output_format::text},
                                                             {"json", output_format::json}};
  CLI::App app{"weft: concurrency scenarios, checked systematically or run natively"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "weft 0.1.0");

  weft::cli::list_args list;
  CLI::App* list_cmd =
      app.add_subcommand("list", "List every scenario variant and its expected verdict");
  add_format(*list_cmd, list.format, text_or_json);
  list_cmd->add_flag("--names", list.names_only, "Only the names, one SCENARIO.VARIANT a line");

  weft::cli::explain_args explain;
  CLI::App* explain_cmd =
      app.add_subcommand("explain", "Describe scenarios and variants: the bug and the fix");
  explain_cmd->add_option("names", explain.names, "SCENARIO or SCENARIO.VARIANT (all if none)");

  weft::cli::check_args check;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Explore variants under the checker and compare with their expected verdicts");
  check_cmd->add_option("names", check.names, "SCENARIO or SCENARIO.VARIANT");
  check_cmd->add_flag("--all", check.all, "Check every variant");
  check_cmd->add_option("--strategy", check.strategy,
                        "random, pct, dfs or bounded (default: each variant's own)");
  check_cmd->add_option("--executions", check.executions, "Executions per variant at most")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000'000}));
  check_cmd->add_option("--seed", check.seed, "Seed of the random strategies")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            // CLI11 would wrap a negative number around into the unsigned seed.
            if (value.empty() || value.front() != '-') return {};
            return "must be a number from 0 to 18446744073709551615, not '" + value + "'";
          },
          "", "seed"));
  check_cmd->add_option("--time-limit", check.time_limit,
                        "Time budget per variant: 30s, 500ms, 2m (default: each variant's own)");
  check_cmd
      ->add_option("--jobs,-j", check.jobs,
                   "Checks run at once (a random or pct check is split into this many shards)")
      ->check(CLI::Range(1U, 256U));
  check_cmd->add_option("--shard", check.shard,
                        "Run part K of N of the check (K/N, from 1/N to N/N); see weft merge");
  add_format(*check_cmd, check.format, all_formats);
  check_cmd->add_option("--output,-o", check.output,
                        "Write the report (in --format) to FILE; the table still goes to stdout");
  check_cmd->add_flag("--verbose,-v", check.verbose, "Print the trace of every failure found");

  weft::cli::merge_args merge;
  CLI::App* merge_cmd = app.add_subcommand(
      "merge", "Combine the JSON reports of the shards of a check into one verdict");
  merge_cmd->add_option("files", merge.files, "Reports of weft check --format json")
      ->required()
      ->check(CLI::ExistingFile);
  add_format(*merge_cmd, merge.format, all_formats);
  merge_cmd->add_option("--output,-o", merge.output, "Write the merged report to FILE");
  merge_cmd->add_flag("--verbose,-v", merge.verbose, "Print the trace of every failure found");

  weft::cli::replay_args replay;
  CLI::App* replay_cmd =
      app.add_subcommand("replay", "Print the failing execution a token from weft check describes");
  replay_cmd->add_option("name", replay.name, "SCENARIO.VARIANT")->required();
  replay_cmd->add_option("token", replay.token, "The token (weft1:...)")->required();
  add_format(*replay_cmd, replay.format, text_or_json);

  weft::cli::run_args run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run a variant natively on real threads (for ThreadSanitizer and the detector)");
  run_cmd->add_option("name", run.name, "SCENARIO.VARIANT")->required();
  run_cmd->add_option("--threads", run.threads, "Threads (the scenario says what they are)");
  run_cmd->add_option("--iterations", run.iterations, "What each thread repeats");
  run_cmd->add_option("--timeout", run.timeout, "Give up after this long: 30s, 500ms, 2m")
      ->capture_default_str();
  run_cmd->add_flag("!--no-detector", run.detector, "Leave weft's runtime deadlock detector off");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "weft: " << e.what()
              << "\nRun 'weft --help' (or 'weft <command> --help') for usage.\n";
    return weft::cli::exit_bad_input;
  }

  try {
    if (list_cmd->parsed()) return weft::cli::list_command(list);
    if (explain_cmd->parsed()) return weft::cli::explain_command(explain);
    if (check_cmd->parsed()) return weft::cli::check_command(check);
    if (merge_cmd->parsed()) return weft::cli::merge_command(merge);
    if (replay_cmd->parsed()) return weft::cli::replay_command(replay);
    if (run_cmd->parsed()) return weft::cli::run_command(run);
  } catch (const std::exception& e) {
    // weft's own failure, not the user's: say so.
    std::cerr << "weft: internal error: " << e.what() << "\n";
    return 3;
  }
  return weft::cli::exit_bad_input;
}
