#include "merge.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace weft::cli {

namespace {

// splitmix64's finalizer: distinct, well-spread seeds for the shards of one
// seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

std::optional<weft::finding_kind> kind_from_name(const std::string& name) {
  for (int k = 0; k <= static_cast<int>(weft::finding_kind::lock_order_inversion); ++k) {
    const auto kind = static_cast<weft::finding_kind>(k);
    if (weft::to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

weft::report report_from_json(const nlohmann::json& j) {
  weft::report r;
  r.verdict =
      j.at("verdict").get<std::string>() == "pass" ? weft::verdict::pass : weft::verdict::fail;
  const std::optional<weft::finding_kind> kind = kind_from_name(j.at("kind").get<std::string>());
  if (!kind)
    throw std::invalid_argument("unknown finding kind '" + j.at("kind").get<std::string>() + "'");
  r.kind = *kind;
  r.message = j.at("message").get<std::string>();
  r.details = j.at("details").get<std::vector<std::string>>();
  r.token = j.at("token").get<std::string>();
  r.warnings = j.at("warnings").get<std::vector<std::string>>();
  const nlohmann::json& s = j.at("statistics");
  r.statistics.executions = s.at("executions").get<std::uint64_t>();
  r.statistics.seconds = s.at("seconds").get<double>();
  r.statistics.executions_per_second = s.at("executions_per_second").get<double>();
  r.statistics.distinct_interleavings = s.at("distinct_interleavings").get<std::uint64_t>();
  r.statistics.sleep_set_blocked = s.at("sleep_set_blocked").get<std::uint64_t>();
  r.statistics.exhausted = s.at("exhausted").get<bool>();
  r.statistics.steps = s.at("steps").get<std::uint64_t>();
  r.statistics.stacks_allocated = s.at("stacks_allocated").get<std::size_t>();
  for (const nlohmann::json& t : j.at("trace")) {
    r.trace.push_back({t.at("step").get<std::uint64_t>(), t.at("thread").get<std::uint32_t>(),
                       t.at("operation").get<std::string>(), t.at("object").get<std::string>(),
                       t.at("detail").get<std::string>(), t.at("file").get<std::string>(),
                       t.at("line").get<std::uint32_t>()});
  }
  return r;
}

}  // namespace

bool splits_by_executions(weft::strategy_kind kind) noexcept {
  return kind == weft::strategy_kind::random || kind == weft::strategy_kind::pct;
}

std::optional<shard_spec> parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  unsigned k = 0;
  unsigned n = 0;
  const std::string_view left = text.substr(0, slash);
  const std::string_view right = text.substr(slash + 1);
  const auto a = std::from_chars(left.data(), left.data() + left.size(), k);
  const auto b = std::from_chars(right.data(), right.data() + right.size(), n);
  if (a.ec != std::errc{} || a.ptr != left.data() + left.size() || b.ec != std::errc{} ||
      b.ptr != right.data() + right.size()) {
    return std::nullopt;
  }
  if (n < 1 || n > 4096 || k < 1 || k > n) return std::nullopt;
  return shard_spec{k - 1, n};
}

std::optional<weft::check_options> shard_options(const weft::check_options& options, shard_spec s,
                                                 std::size_t position) {
  if (s.count == 1) return options;
  if (!splits_by_executions(options.strategy)) {
    if (position % s.count != s.index) return std::nullopt;
    return options;
  }
  weft::check_options part = options;
  part.executions = options.executions / s.count + (s.index < options.executions % s.count ? 1 : 0);
  if (part.executions == 0) return std::nullopt;
  part.seed = mix(options.seed ^ mix(s.index));
  return part;
}

variant_result merge(variant_result a, const variant_result& b) {
  weft::statistics& sa = a.report.statistics;
  const weft::statistics& sb = b.report.statistics;
  if (a.report.passed() && !b.report.passed()) {
    const weft::statistics kept = sa;
    a.report = b.report;
    a.options = b.options;  // the failing shard's: its seed reproduces it
    sa = kept;
  }
  sa.executions += sb.executions;
  sa.steps += sb.steps;
  sa.distinct_interleavings += sb.distinct_interleavings;
  sa.sleep_set_blocked += sb.sleep_set_blocked;
  sa.exhausted = sa.exhausted || sb.exhausted;
  sa.seconds += sb.seconds;
  sa.executions_per_second = sa.seconds > 0 ? static_cast<double>(sa.executions) / sa.seconds : 0;
  for (const std::string& w : b.report.warnings) {
    if (std::find(a.report.warnings.begin(), a.report.warnings.end(), w) == a.report.warnings.end())
      a.report.warnings.push_back(w);
  }
  a.seconds += b.seconds;
  return a;
}

std::vector<variant_result> merge_all(const std::vector<variant_result>& results) {
  std::vector<variant_result> merged;
  for (const variant_result& r : results) {
    const auto same = std::find_if(merged.begin(), merged.end(), [&r](const variant_result& m) {
      return m.which.variant == r.which.variant;
    });
    if (same == merged.end()) {
      merged.push_back(r);
    } else {
      *same = merge(std::move(*same), r);
    }
  }
  return merged;
}

std::vector<variant_result> parse_results_json(const std::string& text, std::string& error) {
  std::vector<variant_result> results;
  try {
    const nlohmann::json doc = nlohmann::json::parse(text);
    for (const nlohmann::json& item : doc.at("results")) {
      const std::string name =
          item.at("scenario").get<std::string>() + "." + item.at("variant").get<std::string>();
      const std::optional<selected> which = select_one(name, error);
      if (!which) return {};
      variant_result r;
      r.which = *which;
      r.options = which->variant->options;
      const nlohmann::json& o = item.at("options");
      const std::optional<weft::strategy_kind> strategy =
          parse_strategy(o.at("strategy").get<std::string>());
      if (!strategy) {
        error = "unknown strategy '" + o.at("strategy").get<std::string>() + "'";
        return {};
      }
      r.options.strategy = *strategy;
      r.options.executions = o.at("executions").get<std::uint64_t>();
      r.options.seed = o.at("seed").get<std::uint64_t>();
      r.options.time_budget = std::chrono::milliseconds(o.at("time_limit_ms").get<std::int64_t>());
      r.seconds = item.at("seconds").get<double>();
      r.report = report_from_json(item.at("report"));
      results.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    // nlohmann's messages name the problem ("parse error at line 3, column
    // 5: ...", "key 'results' not found").
    error = std::string("not a weft check JSON report: ") + e.what();
    return {};
  }
  return results;
}

}  // namespace weft::cli
