// Combining the results of shards of one check: `--jobs` within a process,
// `weft merge` across processes (their JSON reports).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "render.hpp"

namespace weft::cli {

// Which part of a check a process runs: shard `index` (0-based) of `count`.
// A seeded (random, pct) check is split by executions, each shard with its
// own seed; an exhaustive one (dfs, bounded) runs whole in one shard, the
// variants dealt out round-robin.
struct shard_spec {
  unsigned index = 0;
  unsigned count = 1;
};

// Whether a check with this strategy is split by executions (random, pct:
// seeded) rather than run whole (dfs, bounded: exhaustive).
[[nodiscard]] bool splits_by_executions(weft::strategy_kind kind) noexcept;

// "K/N" with 1 <= K <= N <= 4096 (K counts from 1, as CI systems number
// parallel jobs), or nullopt.
std::optional<shard_spec> parse_shard(std::string_view text);

// What shard `s` of a check with `options` runs: nullopt if nothing (an
// exhaustive check dealt to another shard, or no executions left for it).
// `position` is the variant's place in the selection. One shard of one is
// the check itself.
std::optional<weft::check_options> shard_options(const weft::check_options& options, shard_spec s,
                                                 std::size_t position);

// Two results of the same variant as one: the first failure found (a's if
// both failed), executions and times summed, exhausted if either was.
variant_result merge(variant_result a, const variant_result& b);

// Merges results by variant, keeping the order of first appearance.
std::vector<variant_result> merge_all(const std::vector<variant_result>& results);

// The results in a JSON report of `weft check --format json` (render_json),
// or `error` (malformed JSON, a missing member, an unknown variant).
std::vector<variant_result> parse_results_json(const std::string& text, std::string& error);

}  // namespace weft::cli
